"""The format-independent view of a tensor stored in a file: name, dtype, shape, byte range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TensorInfo", "TensorTable"]


@dataclass(frozen=True)
class TensorInfo:
    """One tensor as stored: ``[start, end)`` are absolute byte offsets in its file.

    ``dtype`` is the format's own name for the element encoding (safetensors ``F16``, GGUF
    ``Q4_K``); ``shape`` is as the format lists it (GGUF lists dimensions innermost first).
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int

    @property
    def nbytes(self) -> int:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class TensorTable:
    """All tensors of one file, in file order, and where the tensor data region lies."""

    format: str  # "safetensors" | "gguf"
    tensors: tuple[TensorInfo, ...]
    data_start: int
    file_size: int
    metadata: dict[str, Any]

    def by_name(self) -> dict[str, TensorInfo]:
        return {t.name: t for t in self.tensors}
