"""Sweep many models: scan, hash (OMS manifest with tensor digests) and inventory each one.

Example::

    from detente.sweep import run_sweep
    summary = run_sweep(["/mirror/hub"], db_url="sqlite:///sweep.db", out=Path("sweep.jsonl"))
    summary = run_sweep(["/mirror/hub"], use_ray=True)            # local Ray cluster
    summary = run_sweep(["/mirror/hub"], use_ray=True, ray_address="ray://head:10001")

Each model is one unit of work, except files above ``Settings.split_above`` bytes, which are
split into byte-range units (tensor digests per range; OMS shard digests per range with
``shards`` serialization; a file-digest unit for ``files`` serialization), run in-process or as
Ray tasks and joined by :func:`combine` into the same result :func:`sweep_model` computes in
one go. Results stream into a SQLite/PostgreSQL store (one row per model, per finding, per
failure) and a JSON Lines export. ``resume`` skips models whose files' (size, mtime_ns, inode)
— or, for a manifest list, object ETags — are unchanged since they were stored without failure.
"""

from __future__ import annotations

from detente.sweep._discover import ListedModel, discover_models, found_models, read_model_list
from detente.sweep._result import RESULT_SCHEMA, FileError, ModelResult
from detente.sweep._run import DEFAULT_BATCH_BYTES, RegistryLookup, SweepSummary, run_sweep
from detente.sweep._store import ResultStore
from detente.sweep._units import (
    DEFAULT_SPLIT_ABOVE,
    ModelEntry,
    ModelUnit,
    Part,
    RangeUnit,
    Settings,
    plan_units,
    run_unit,
)
from detente.sweep._work import combine, fingerprint, model_entry, sweep_model

__all__ = [
    "DEFAULT_BATCH_BYTES",
    "DEFAULT_SPLIT_ABOVE",
    "RESULT_SCHEMA",
    "FileError",
    "ListedModel",
    "ModelEntry",
    "ModelResult",
    "ModelUnit",
    "Part",
    "RangeUnit",
    "RegistryLookup",
    "ResultStore",
    "Settings",
    "SweepSummary",
    "combine",
    "discover_models",
    "fingerprint",
    "found_models",
    "model_entry",
    "plan_units",
    "read_model_list",
    "run_sweep",
    "run_unit",
    "sweep_model",
]
