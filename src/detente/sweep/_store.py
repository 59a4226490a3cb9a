"""Results store: one row per model and one per finding (SQLite or PostgreSQL, SQLAlchemy Core).

Rows are upserted by model path (delete-then-insert in one transaction), so a re-sweep replaces
a model's findings instead of accumulating them. ``prefix`` namespaces the tables so several
sweeps can share one database.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from detente.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

__all__ = ["ResultStore"]


class ResultStore:
    def __init__(self, url: str, prefix: str = "sweep") -> None:
        try:
            import sqlalchemy as sa
        except ImportError:
            raise UsageError("the results store needs: pip install 'detente[sweep]'") from None
        self._sa = sa
        self.engine: Engine = sa.create_engine(url)
        md = sa.MetaData()
        self.models: Table = sa.Table(
            f"{prefix}_models",
            md,
            sa.Column("path", sa.Text, primary_key=True),
            sa.Column("fingerprint", sa.Text, nullable=False),
            sa.Column("files", sa.Integer, nullable=False),
            sa.Column("bytes", sa.BigInteger, nullable=False),
            sa.Column("root_digest", sa.Text),
            sa.Column("tensor_digest", sa.Text),
            sa.Column("formats", sa.Text, nullable=False),
            sa.Column("errors", sa.Text, nullable=False),
            sa.Column("findings_count", sa.Integer, nullable=False),
        )
        self.findings: Table = sa.Table(
            f"{prefix}_findings",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("model_path", sa.Text, nullable=False, index=True),
            sa.Column("rule_id", sa.Text, nullable=False),
            sa.Column("severity", sa.Text, nullable=False),
            sa.Column("file", sa.Text, nullable=False),
            sa.Column("message", sa.Text, nullable=False),
        )
        md.create_all(self.engine)

    def done(self) -> dict[str, str]:
        """path -> fingerprint of every stored model (for --resume)."""
        with self.engine.connect() as c:
            rows = c.execute(self._sa.select(self.models.c.path, self.models.c.fingerprint))
            return {r.path: r.fingerprint for r in rows}

    def put(self, result: dict[str, Any]) -> None:
        sa = self._sa
        path = result["path"]
        with self.engine.begin() as c:
            c.execute(sa.delete(self.findings).where(self.findings.c.model_path == path))
            c.execute(sa.delete(self.models).where(self.models.c.path == path))
            c.execute(
                sa.insert(self.models).values(
                    path=path,
                    fingerprint=result["fingerprint"],
                    files=result["files"],
                    bytes=result["bytes"],
                    root_digest=result["root_digest"],
                    tensor_digest=result["tensor_digest"],
                    formats=json.dumps(result["formats"], sort_keys=True),
                    errors=json.dumps(result["errors"]),
                    findings_count=len(result["findings"]),
                )
            )
            rows = [
                {
                    "model_path": path,
                    "rule_id": f["rule_id"],
                    "severity": f["severity"],
                    "file": f["location"]["path"],
                    "message": f["message"],
                }
                for f in result["findings"]
            ]
            if rows:
                c.execute(sa.insert(self.findings), rows)

    def close(self) -> None:
        self.engine.dispose()
