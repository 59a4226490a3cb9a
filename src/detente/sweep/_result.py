"""What a sweep records per model: a :class:`ModelResult`, with its failures per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.integrity import Manifest

__all__ = ["RESULT_SCHEMA", "FileError", "ModelResult"]

RESULT_SCHEMA = "detente.sweep-result/v2"


@dataclass(frozen=True, order=True)
class FileError:
    """One failure: the stage (walk, manifest, tensors, scan, inventory, task, registry, internal),
    the file, the message and how many attempts were made."""

    stage: str
    file: str
    message: str
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "file": self.file,
            "message": self.message,
            "attempts": self.attempts,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FileError:
        return cls(str(d["stage"]), str(d["file"]), str(d["message"]), int(d["attempts"]))


@dataclass(frozen=True)
class ModelResult:
    """Everything the sweep knows about one model.

    ``manifest`` (files and tensors) stays in memory for BOMs and comparisons; the JSON form
    carries it only when asked (``to_dict(manifest=True)``), since a hub's tensor lists are
    larger than everything else together.
    """

    path: str
    fingerprint: str
    files: int
    bytes: int
    root_digest: str | None
    tensor_digest: str | None
    formats: dict[str, int]
    findings: tuple[dict[str, Any], ...]
    errors: tuple[FileError, ...] = ()
    registry: dict[str, Any] | None = None
    manifest: Manifest | None = field(default=None, repr=False)

    def to_dict(self, *, manifest: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": RESULT_SCHEMA,
            "path": self.path,
            "fingerprint": self.fingerprint,
            "files": self.files,
            "bytes": self.bytes,
            "root_digest": self.root_digest,
            "tensor_digest": self.tensor_digest,
            "formats": dict(self.formats),
            "findings": list(self.findings),
            "errors": [e.to_dict() for e in self.errors],
            "registry": self.registry,
        }
        if manifest:
            out["manifest"] = self.manifest.to_dict() if self.manifest else None
        return out

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
            errors=tuple(FileError.from_dict(e) for e in d["errors"]),
            registry=d.get("registry"),
        )
