"""Results store: one row per model, per finding and per failure (SQLite or PostgreSQL).

SQLAlchemy Core. Rows are upserted by model path (delete-then-insert in one transaction), so a
re-sweep replaces a model's findings and failures instead of accumulating them. ``prefix``
namespaces the tables so several sweeps can share one database.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from detente.env import require

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Engine

    from detente.sweep._result import ModelResult

__all__ = ["ResultStore"]


class ResultStore:
    def __init__(self, url: str, prefix: str = "sweep", *, batch: int = 256) -> None:
        sa = require("sqlalchemy", "sweep")
        self.batch = batch
        self._pending: list[ModelResult] = []
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
            sa.Column("root_digest", sa.Text, index=True),
            sa.Column("tensor_digest", sa.Text, index=True),
            sa.Column("formats", sa.Text, nullable=False),
            sa.Column("errors_count", sa.Integer, nullable=False),
            sa.Column("findings_count", sa.Integer, nullable=False),
            sa.Column("registry_status", sa.Text),
            sa.Column("registry", sa.Text),
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
        self.errors: Table = sa.Table(
            f"{prefix}_errors",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("model_path", sa.Text, nullable=False, index=True),
            sa.Column("stage", sa.Text, nullable=False),
            sa.Column("file", sa.Text, nullable=False),
            sa.Column("message", sa.Text, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
        )
        md.create_all(self.engine)

    def done(self) -> dict[str, str]:
        """path -> fingerprint of every stored model that finished without failures (--resume
        retries the failed ones)."""
        m = self.models.c
        with self.engine.connect() as c:
            rows = c.execute(self._sa.select(m.path, m.fingerprint).where(m.errors_count == 0))
            return {r.path: r.fingerprint for r in rows}

    def put(self, result: ModelResult) -> None:
        """Store one result now (its own transaction)."""
        self.add(result)
        self.flush()

    def add(self, result: ModelResult) -> None:
        """Queue a result; written with the others in one transaction by :meth:`flush` (a
        transaction per model costs a disk sync each: 57 ms per model measured on SQLite here,
        which would make the store, not the hashing, the sweep's bottleneck)."""
        self._pending.append(result)
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        sa, batch = self._sa, self._pending
        self._pending = []
        paths = [r.path for r in batch]
        with self.engine.begin() as c:
            for t in (self.findings, self.errors):
                c.execute(sa.delete(t).where(t.c.model_path.in_(paths)))
            c.execute(sa.delete(self.models).where(self.models.c.path.in_(paths)))
            c.execute(sa.insert(self.models), [_model_row(r) for r in batch])
            findings = [_finding_row(r.path, f) for r in batch for f in r.findings]
            if findings:
                c.execute(sa.insert(self.findings), findings)
            errors = [{"model_path": r.path, **e.to_dict()} for r in batch for e in r.errors]
            if errors:
                c.execute(sa.insert(self.errors), errors)

    def close(self) -> None:
        self.flush()
        self.engine.dispose()


def _model_row(r: ModelResult) -> dict[str, Any]:
    return {
        "path": r.path,
        "fingerprint": r.fingerprint,
        "files": r.files,
        "bytes": r.bytes,
        "root_digest": r.root_digest,
        "tensor_digest": r.tensor_digest,
        "formats": json.dumps(r.formats, sort_keys=True),
        "errors_count": len(r.errors),
        "findings_count": len(r.findings),
        "registry_status": r.registry["status"] if r.registry else None,
        "registry": json.dumps(r.registry, sort_keys=True) if r.registry else None,
    }


def _finding_row(path: str, f: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_path": path,
        "rule_id": f["rule_id"],
        "severity": f["severity"],
        "file": f["location"]["path"],
        "message": f["message"],
    }
