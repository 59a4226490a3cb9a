"""Sweep many models: scan, hash (OMS manifest with tensor digests) and inventory each one.

Example::

    from detente.sweep import run_sweep
    summary = run_sweep(["/mirror/hub"], db_url="sqlite:///sweep.db", out=Path("sweep.jsonl"))
    summary = run_sweep(["/mirror/hub"], use_ray=True)            # local Ray cluster
    summary = run_sweep(["/mirror/hub"], use_ray=True, ray_address="ray://head:10001")

Each model is one unit of work (:func:`sweep_model`, a pure function of the model's bytes), run
in-process or as a Ray task; results stream into a SQLite/PostgreSQL store (one row per model
and per finding) and a JSON Lines export. ``resume`` skips models whose files' (size, mtime_ns,
inode) are unchanged since they were stored.
"""

from __future__ import annotations

from detente.sweep._discover import discover_models
from detente.sweep._run import SweepSummary, run_sweep
from detente.sweep._store import ResultStore
from detente.sweep._work import RESULT_SCHEMA, ModelResult, fingerprint, sweep_model

__all__ = [
    "RESULT_SCHEMA",
    "ModelResult",
    "ResultStore",
    "SweepSummary",
    "discover_models",
    "fingerprint",
    "run_sweep",
    "sweep_model",
]
