"""Index entries by (namespace, kind): admitting an append reads its namespace's claim and
rotations, which without it meant walking every entry of the namespace (a publisher with a
million releases paid for all of them on each append).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_index("ix_entries_namespace_kind", "entries", ["namespace", "kind"])


def downgrade() -> None:
    op.drop_index("ix_entries_namespace_kind", table_name="entries")
