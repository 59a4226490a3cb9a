"""A strict safetensors header reader (never loads weights).

Format (huggingface/safetensors README, "Format"): 8 bytes little-endian unsigned header length
N, N bytes of UTF-8 JSON, then the byte buffer. Each JSON entry but ``__metadata__`` is
``{"dtype", "shape", "data_offsets": [begin, end]}`` relative to the buffer. The reference
implementation requires the offsets to cover the buffer exactly, without holes or overlaps,
and caps the header at 100 MB; we apply the same rules so a file we accept is one the real
loader accepts, and tampering that hides bytes in gaps is refused.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from detente.errors import FormatError

if TYPE_CHECKING:
    from detente.artifacts._tensors import TensorInfo, TensorTable

__all__ = ["MAX_HEADER_BYTES", "SAFETENSORS_DTYPES", "looks_like_safetensors", "parse_safetensors"]

MAX_HEADER_BYTES = 100_000_000  # same limit as the reference loader
MAX_DIMS = 64

# Element size in bits (sub-byte types exist since safetensors 0.6).
SAFETENSORS_DTYPES: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "C64": 64,
}


def looks_like_safetensors(head: bytes, size: int) -> bool:
    """Cheap sniff: a plausible header length followed by ``{``."""
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= min(MAX_HEADER_BYTES, size - 8) and head[8:9] == b"{"


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_safetensors(stream: BinaryIO, size: int, path: str | Path = "<bytes>") -> TensorTable:
    """Parse and validate the header of a safetensors file of ``size`` bytes."""

    def bad(problem: str) -> FormatError:
        return FormatError(f"invalid safetensors file: {problem}", path)

    prefix = stream.read(8)
    if len(prefix) < 8:
        raise bad(f"truncated: {size} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", prefix)
    if n > MAX_HEADER_BYTES:
        raise bad(f"header length {n} exceeds the {MAX_HEADER_BYTES}-byte limit")
    if n > size - 8:
        raise bad(f"header length {n} runs past the end of the file ({size} bytes)")
    raw = stream.read(n)
    if len(raw) != n:
        raise bad("truncated header")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad(f"header is not UTF-8 (byte {exc.start})") from None
    try:
        header = json.loads(text, object_pairs_hook=_reject_duplicates)
    except RecursionError:
        raise bad("header JSON nested too deeply") from None
    except ValueError as exc:
        raise bad(f"header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise bad("header is not a JSON object")

    metadata: dict[str, Any] = {}
    data_start = 8 + n
    buffer_len = size - data_start
    from detente.artifacts._tensors import TensorTable  # lazy: sniffing needs none of it

    entries: list[TensorInfo] = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise bad("__metadata__ must map strings to strings")
            metadata = dict(entry)
            continue
        entries.append(_tensor(name, entry, data_start, bad))

    entries.sort(key=lambda t: (t.start, t.end))
    cursor = data_start
    for t in entries:
        if t.start < cursor:
            raise bad(
                f"tensor {t.name!r} overlaps the previous tensor (offset {t.start - data_start})"
            )
        if t.start > cursor:
            raise bad(f"gap of {t.start - cursor} bytes before tensor {t.name!r}")
        cursor = t.end
    if cursor - data_start != buffer_len:
        raise bad(f"tensors cover {cursor - data_start} bytes but the data buffer has {buffer_len}")
    return TensorTable("safetensors", tuple(entries), data_start, size, metadata)


def _tensor(name: str, entry: Any, data_start: int, bad: Any) -> TensorInfo:
    if not isinstance(entry, dict):
        raise bad(f"entry {name!r} is not an object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in SAFETENSORS_DTYPES:
        raise bad(f"tensor {name!r} has unknown dtype {dtype!r}")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_DIMS
        or not all(type(d) is int and d >= 0 for d in shape)
    ):
        raise bad(f"tensor {name!r} has an invalid shape {shape!r}")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(type(o) is int and o >= 0 for o in offsets)
    ):
        raise bad(f"tensor {name!r} has invalid data_offsets {offsets!r}")
    begin, end = offsets
    if end < begin:
        raise bad(f"tensor {name!r} ends before it begins ({begin}..{end})")
    bits = math.prod(shape) * SAFETENSORS_DTYPES[dtype]
    if bits % 8 or bits // 8 != end - begin:
        raise bad(
            f"tensor {name!r}: shape {shape} of {dtype} needs {bits / 8:g} bytes, "
            f"data_offsets give {end - begin}"
        )
    from detente.artifacts._tensors import TensorInfo

    return TensorInfo(name, dtype, tuple(shape), data_start + begin, data_start + end)
