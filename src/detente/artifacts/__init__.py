"""Finding a model's files and reading their formats without executing anything.

Example::

    from detente.artifacts import walk_model, read_tensor_table
    for f in walk_model("path/to/model").files:
        table = read_tensor_table(f.path)      # None unless safetensors or GGUF
        if table:
            print(f.name, [(t.name, t.dtype, t.shape) for t in table.tensors])

Container readers (recognised by content, bounded, never extracting to disk): zip
(``read_zip_directory``, ``read_zip_local_header``, ``read_zip_member``), tar (``iter_tar``),
compressed streams (``sniff_compression``, ``decompress``), numpy ``.npy`` headers
(``read_npy_header``) and the protobuf wire format (``protobuf_fields``). They raise
:class:`detente.errors.FormatError` naming the problem; callers add the path.
"""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import TYPE_CHECKING

from detente.artifacts._compression import SizeLimitExceeded, decompress, sniff_compression
from detente.artifacts._npy import NPY_MAGIC, NpyHeader, read_npy_header
from detente.artifacts._safetensors import (
    SAFETENSORS_DTYPES,
    looks_like_safetensors,
    parse_safetensors,
)
from detente.artifacts._tar import is_tar, iter_tar
from detente.artifacts._zip import (
    LocalHeader,
    ZipEntry,
    is_zip,
    read_zip_directory,
    read_zip_local_header,
    read_zip_member,
    unsafe_member_name,
)
from detente.errors import InputError

if TYPE_CHECKING:
    from detente.artifacts._gguf import GGML_TYPES, parse_gguf
    from detente.artifacts._protobuf import protobuf_fields, protobuf_messages, protobuf_string
    from detente.artifacts._tensors import TensorInfo, TensorTable
    from detente.artifacts._walk import DEFAULT_IGNORES, ModelFile, ModelFiles, walk_model

# Imported on first use (PEP 562): ``detente scan`` of a torch zip needs only the sniffers and
# the zip reader, and its start-up is the whole cost of the scan (issue 16).
_LAZY = {
    "GGML_TYPES": "detente.artifacts._gguf",
    "parse_gguf": "detente.artifacts._gguf",
    "protobuf_fields": "detente.artifacts._protobuf",
    "protobuf_messages": "detente.artifacts._protobuf",
    "protobuf_string": "detente.artifacts._protobuf",
    "TensorInfo": "detente.artifacts._tensors",
    "TensorTable": "detente.artifacts._tensors",
    "DEFAULT_IGNORES": "detente.artifacts._walk",
    "ModelFile": "detente.artifacts._walk",
    "ModelFiles": "detente.artifacts._walk",
    "walk_model": "detente.artifacts._walk",
}

__all__ = [
    "DEFAULT_IGNORES",
    "GGML_TYPES",
    "NPY_MAGIC",
    "SAFETENSORS_DTYPES",
    "LocalHeader",
    "ModelFile",
    "ModelFiles",
    "NpyHeader",
    "SizeLimitExceeded",
    "TensorInfo",
    "TensorTable",
    "ZipEntry",
    "decompress",
    "is_tar",
    "is_zip",
    "iter_tar",
    "looks_like_safetensors",
    "parse_gguf",
    "parse_safetensors",
    "protobuf_fields",
    "protobuf_messages",
    "protobuf_string",
    "read_npy_header",
    "read_tensor_table",
    "read_zip_directory",
    "read_zip_local_header",
    "read_zip_member",
    "sniff_compression",
    "sniff_tensor_format",
    "unsafe_member_name",
    "walk_model",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'detente.artifacts' has no attribute {name!r}")


def _claimed_tensor_format(name: str) -> str | None:
    """``"gguf"`` or ``"safetensors"`` when the file name says so (checked strictly)."""
    suffix = Path(name).suffix.lower()
    return {".gguf": "gguf", ".safetensors": "safetensors"}.get(suffix)


def sniff_tensor_format(head: bytes, size: int) -> str | None:
    """``"gguf"``, ``"safetensors"`` or None, by content (never by file extension)."""
    from detente.artifacts._gguf import looks_like_gguf

    if looks_like_gguf(head):
        return "gguf"
    if looks_like_safetensors(head, size):
        return "safetensors"
    return None


def read_tensor_table(path: str | Path) -> TensorTable | None:
    """Parse the tensor table of a safetensors or GGUF file; None for other formats.

    Raises :class:`detente.errors.FormatError` when the file claims one of these formats (by
    its name or its magic) but its header is invalid: a ``.safetensors`` file whose header
    length is 2^62 or whose header is not JSON is corrupt, not "some other file".
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            size = p.stat().st_size
            head = fh.read(16)
            kind = sniff_tensor_format(head, size) or _claimed_tensor_format(p.name)
            if kind is None:
                return None
            fh.seek(0)
            if kind == "safetensors":
                return parse_safetensors(fh, size, p)
            from detente.artifacts._gguf import parse_gguf

            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                return parse_gguf(mm, size, p)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", p) from None
