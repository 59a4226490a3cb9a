"""One unit of sweep work: everything Détente knows about one model, as a plain value.

``sweep_model`` is a pure function of the model's bytes (no timings, no host names), so the
in-process run and a Ray run produce equal results; that equality is tested.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.artifacts import read_tensor_table, walk_model
from detente.errors import Error
from detente.integrity import build_manifest, canonical_json
from detente.scan import scan_paths

__all__ = ["RESULT_SCHEMA", "ModelResult", "fingerprint", "sweep_model"]

RESULT_SCHEMA = "detente.sweep-result/v1"
RETRIES = 2  # bounded retries for transient I/O errors (OSError), never for bad input


def fingerprint(root: str | Path) -> str:
    """Resume key: sha256 over every file's (name, size, mtime_ns, inode)."""
    rows = []
    for f in walk_model(root).files:
        st = os.stat(f.path)
        rows.append([f.name, st.st_size, st.st_mtime_ns, st.st_ino])
    return "sha256:" + hashlib.sha256(canonical_json(sorted(rows))).hexdigest()


@dataclass(frozen=True)
class ModelResult:
    path: str
    fingerprint: str
    files: int
    bytes: int
    root_digest: str | None
    tensor_digest: str | None
    formats: dict[str, int]
    findings: tuple[dict[str, Any], ...]
    errors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA,
            "path": self.path,
            "fingerprint": self.fingerprint,
            "files": self.files,
            "bytes": self.bytes,
            "root_digest": self.root_digest,
            "tensor_digest": self.tensor_digest,
            "formats": dict(self.formats),
            "findings": list(self.findings),
            "errors": list(self.errors),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelResult:
        return cls(
            path=d["path"],
            fingerprint=d["fingerprint"],
            files=int(d["files"]),
            bytes=int(d["bytes"]),
            root_digest=d["root_digest"],
            tensor_digest=d["tensor_digest"],
            formats=dict(d["formats"]),
            findings=tuple(d["findings"]),
            errors=tuple(d["errors"]),
        )


def _retrying(what: str, fn: Any, errors: list[str]) -> Any:
    for attempt in range(RETRIES + 1):
        try:
            return fn()
        except Error as exc:  # bad input: recorded, not retried
            errors.append(f"{what}: {exc}")
            return None
        except OSError as exc:
            if attempt == RETRIES:
                errors.append(f"{what}: {exc} (after {RETRIES + 1} attempts)")
                return None
            time.sleep(0.05 * (attempt + 1))
    return None


def _formats(root: Path, errors: list[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for f in walk_model(root).files:
        try:
            table = read_tensor_table(f.path)
        except Error as exc:
            errors.append(f"inventory: {exc}")
            counts["corrupt"] += 1
            continue
        counts[table.format if table else (Path(f.name).suffix.lstrip(".").lower() or "none")] += 1
    return dict(sorted(counts.items()))


def sweep_model(root: str) -> dict[str, Any]:
    """Scan, hash (OMS manifest with tensor digests) and inventory the model at ``root``."""
    path = Path(root)
    errors: list[str] = []
    model = walk_model(path)
    manifest = _retrying("manifest", lambda: build_manifest(path), errors)
    report = _retrying("scan", lambda: scan_paths([path]), errors)
    findings = tuple(f.to_dict() for f in report.findings) if report is not None else ()
    return ModelResult(
        path=str(path),
        fingerprint=fingerprint(path),
        files=len(model.files),
        bytes=sum(f.size for f in model.files),
        root_digest=manifest.root_digest if manifest else None,
        tensor_digest=manifest.tensor_digest if manifest else None,
        formats=_formats(path, errors),
        findings=findings,
        errors=tuple(errors),
    ).to_dict()
