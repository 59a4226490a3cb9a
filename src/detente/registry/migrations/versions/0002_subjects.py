"""Exact-match index of the digests each entry is about (lookups by digest without a scan).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT idx, subject FROM entries")).fetchall()
    values = [{"digest": d, "idx": idx} for idx, subject in rows for d in set(subject.split())]
    if values:
        conn.execute(sa.text("INSERT INTO subjects (digest, idx) VALUES (:digest, :idx)"), values)


def downgrade() -> None:
    op.drop_table("subjects")
