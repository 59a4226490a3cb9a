"""A model's entry (what the driver knows), and joining its units' parts into one result.

``sweep_model`` runs every unit of one model in this process and combines them: it is the
reference the Ray path is tested against, unit by unit, and it is a pure function of the
model's bytes (no timings, no host names) apart from the resume fingerprint.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from detente.artifacts import ModelFile, walk_model
from detente.errors import Error
from detente.integrity import (
    Manifest,
    canonical_json,
    check_unique_names,
    sorted_resources,
)
from detente.sweep._result import FileError, ModelResult
from detente.sweep._units import ModelEntry, Part, Settings, plan_units, run_unit

__all__ = ["combine", "fingerprint", "model_entry", "sweep_model"]

# A failure in any of these leaves the manifest incomplete (a task lost is a range lost).
_HASH_STAGES = ("manifest", "tensors", "task", "internal")


def _fingerprint(files: Sequence[ModelFile], etags: Sequence[tuple[str, str]]) -> str:
    if etags:
        return "etag:" + hashlib.sha256(canonical_json(sorted(map(list, etags)))).hexdigest()
    rows = []
    for f in files:
        st = os.stat(f.path)
        rows.append([f.name, st.st_size, st.st_mtime_ns, st.st_ino])
    return "sha256:" + hashlib.sha256(canonical_json(sorted(rows))).hexdigest()


def fingerprint(root: str | Path, etags: Sequence[tuple[str, str]] = ()) -> str:
    """Resume key: the object store's ETags when known, else every file's
    (name, size, mtime_ns, inode)."""
    return _fingerprint(walk_model(root).files, etags)


def model_entry(root: str | Path, etags: Sequence[tuple[str, str]] = ()) -> ModelEntry:
    """What the driver plans with: one walk of the model (the driver's whole per-model cost)."""
    model = walk_model(root)
    files = tuple(("." if model.single_file else f.name, str(f.path), f.size) for f in model.files)
    return ModelEntry(str(root), _fingerprint(model.files, etags), files, model.single_file)


def _manifest(
    root: str, base: Part, ranges: list[Part], errors: list[FileError]
) -> Manifest | None:
    partial = base.small
    if partial is None or any(e.stage in _HASH_STAGES for e in errors):
        return None
    resources = sorted_resources([*partial.resources, *(r for p in ranges for r in p.resources)])
    tensors = tuple(
        sorted(
            [*(partial.tensors or ()), *(t for p in ranges for t in p.tensors)],
            key=lambda t: t.name,
        )
    )
    try:
        check_unique_names(tensors, root)
    except Error as exc:
        errors.append(FileError("manifest", root, str(exc)))
        return None
    return Manifest(partial.model_name, partial.serialization, resources, tensors)


def combine(parts: Sequence[Part], fingerprint_: str = "") -> ModelResult:
    """One model's result from all of its units' parts (in any order)."""
    root = parts[0].root
    errors = sorted(e for p in parts for e in p.errors)
    base = next((p for p in parts if p.base is not None), None)
    if base is None or base.base is None:  # the model unit itself crashed
        return ModelResult(root, fingerprint_, 0, 0, None, None, {}, (), tuple(errors))
    manifest = _manifest(root, base, list(parts), errors)
    facts = base.base
    return ModelResult(
        path=root,
        fingerprint=str(facts["fingerprint"]),
        files=int(facts["files"]),
        bytes=int(facts["bytes"]),
        root_digest=manifest.root_digest if manifest else None,
        tensor_digest=manifest.tensor_digest if manifest else None,
        formats=dict(facts["formats"]),
        findings=tuple(facts["findings"]),
        errors=tuple(errors),
        manifest=manifest,
    )


def sweep_model(root: str | Path, settings: Settings | None = None) -> ModelResult:
    """Scan, hash (OMS manifest with tensor digests) and inventory one model, in-process."""
    entry = model_entry(root)
    return combine([run_unit(u) for u in plan_units(entry, settings or Settings())])
