"""Index entries by (namespace, kind): admitting an append reads its namespace's claim and
rotations, which without it meant walking every entry of the namespace (a publisher with a
million releases paid for all of them on each append). The namespace-only index is dropped:
the new one starts with the namespace and serves those lookups, and each append would
otherwise keep both up to date.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_index("ix_entries_namespace_kind", "entries", ["namespace", "kind"])
    op.drop_index("ix_entries_namespace", table_name="entries")


def downgrade() -> None:
    op.create_index("ix_entries_namespace", "entries", ["namespace"])
    op.drop_index("ix_entries_namespace_kind", table_name="entries")
