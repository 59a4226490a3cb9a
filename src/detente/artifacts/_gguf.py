"""A strict, bounded GGUF header reader (metadata and tensor infos; never loads weights).

Layout (ggml docs/gguf.md): magic ``GGUF``, u32 version, u64 tensor count, u64 metadata count,
the metadata key/value pairs, the tensor infos (name, u32 n_dims, u64 dims, u32 ggml type,
u64 offset relative to the data section), padding to ``general.alignment`` (default 32), data.
All integers little-endian. Every length and count read from the file is checked against the
bytes that remain before anything is allocated, so a hostile header cannot make us allocate
or loop beyond the file's own size.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from detente.artifacts._tensors import TensorInfo, TensorTable
from detente.errors import FormatError, UnsupportedError

__all__ = ["GGML_TYPES", "GGUF_MAGIC", "looks_like_gguf", "parse_gguf"]

GGUF_MAGIC = b"GGUF"
MAX_DIMS = 8  # GGML_MAX_DIMS is 4; allow some headroom, refuse absurd values
MAX_ARRAY_NESTING = 4
ARRAY_KEEP = 64  # arrays longer than this are summarised, not kept, in metadata

# ggml type id -> (name, block size in elements, bytes per block); ggml.h / gguf-py constants.
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
    26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17),
}  # fmt: skip

# metadata value type -> struct format of a scalar (8 string, 9 array handled apart)
_SCALARS: dict[int, str] = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q",
    12: "<d",
}  # fmt: skip
_TYPE_NAMES = {0: "u8", 1: "i8", 2: "u16", 3: "i16", 4: "u32", 5: "i32", 6: "f32", 7: "bool",
               8: "string", 9: "array", 10: "u64", 11: "i64", 12: "f64"}  # fmt: skip


def looks_like_gguf(head: bytes) -> bool:
    return head[:4] == GGUF_MAGIC


class _Reader:
    def __init__(self, buf: Any, size: int, path: str) -> None:
        self.buf = buf
        self.size = size
        self.pos = 0
        self.path = path

    def bad(self, problem: str) -> FormatError:
        return FormatError(f"invalid GGUF file: {problem} (at byte {self.pos})", self.path)

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise self.bad(f"{what} needs {n} bytes but only {self.size - self.pos} remain")

    def unpack(self, fmt: str, what: str) -> Any:
        n = struct.calcsize(fmt)
        self.need(n, what)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += n
        return value

    def u32(self, what: str) -> int:
        return int(self.unpack("<I", what))

    def u64(self, what: str) -> int:
        return int(self.unpack("<Q", what))

    def string(self, what: str) -> str:
        n = self.u64(f"length of {what}")
        self.need(n, what)
        raw = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.bad(f"{what} is not UTF-8") from None

    def skip_string(self, what: str) -> None:
        n = self.u64(f"length of {what}")
        self.need(n, what)
        self.pos += n

    def value(self, vtype: int, key: str, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype], f"value of {key!r}")
        if vtype == 8:
            return self.string(f"value of {key!r}")
        if vtype == 9:
            if depth >= MAX_ARRAY_NESTING:
                raise self.bad(f"arrays nested deeper than {MAX_ARRAY_NESTING} in {key!r}")
            itype = self.u32(f"array type of {key!r}")
            count = self.u64(f"array length of {key!r}")
            if itype not in _TYPE_NAMES:
                raise self.bad(f"array {key!r} has unknown element type {itype}")
            min_item = (
                struct.calcsize(_SCALARS[itype]) if itype in _SCALARS else 8 + 4 * (itype == 9)
            )
            if count * min_item > self.size - self.pos:
                raise self.bad(f"array {key!r} claims {count} items, more than the file can hold")
            if count > ARRAY_KEEP:
                if itype in _SCALARS:
                    self.pos += count * min_item
                elif itype == 8:
                    for _ in range(count):
                        self.skip_string(f"item of {key!r}")
                else:
                    for _ in range(count):
                        self.value(itype, key, depth + 1)
                return {"type": _TYPE_NAMES[itype], "count": count}
            return [self.value(itype, key, depth + 1) for _ in range(count)]
        raise self.bad(f"metadata {key!r} has unknown value type {vtype}")


def parse_gguf(buf: Any, size: int, path: str | Path = "<bytes>") -> TensorTable:
    """Parse a GGUF header from a bytes-like object (bytes, mmap) of ``size`` bytes."""
    r = _Reader(buf, size, str(path))
    r.need(4, "magic")
    if bytes(buf[:4]) != GGUF_MAGIC:
        raise r.bad("missing GGUF magic")
    r.pos = 4
    version = r.u32("version")
    if version not in (2, 3):
        if version.to_bytes(4, "little") in (b"\x00\x00\x00\x02", b"\x00\x00\x00\x03"):
            raise UnsupportedError("big-endian GGUF files are not supported", path)
        raise UnsupportedError(f"GGUF version {version} is not supported (2 and 3 are)", path)
    n_tensors = r.u64("tensor count")
    n_kv = r.u64("metadata count")
    # Each KV needs >= 8+4 bytes, each tensor info >= 8+4+4+8 bytes: bound counts by file size.
    if n_kv * 12 > size - r.pos:
        raise r.bad(f"metadata count {n_kv} is more than the file can hold")
    if n_tensors * 24 > size - r.pos:
        raise r.bad(f"tensor count {n_tensors} is more than the file can hold")

    metadata: dict[str, Any] = {}
    for _ in range(n_kv):
        key = r.string("metadata key")
        if key in metadata:
            raise r.bad(f"duplicate metadata key {key!r}")
        vtype = r.u32(f"type of {key!r}")
        metadata[key] = r.value(vtype, key)

    alignment = metadata.get("general.alignment", 32)
    if (
        not isinstance(alignment, int)
        or isinstance(alignment, bool)
        or alignment <= 0
        or (alignment & (alignment - 1))
    ):
        raise r.bad(f"general.alignment {alignment!r} is not a positive power of two")

    infos: list[tuple[str, str, tuple[int, ...], int, int]] = []
    seen: set[str] = set()
    for _ in range(n_tensors):
        name = r.string("tensor name")
        if name in seen:
            raise r.bad(f"duplicate tensor name {name!r}")
        seen.add(name)
        n_dims = r.u32(f"dimension count of {name!r}")
        if n_dims > MAX_DIMS:
            raise r.bad(f"tensor {name!r} has {n_dims} dimensions (max {MAX_DIMS})")
        dims = tuple(r.u64(f"dimension of {name!r}") for _ in range(n_dims))
        type_id = r.u32(f"type of {name!r}")
        offset = r.u64(f"offset of {name!r}")
        if type_id not in GGML_TYPES:
            raise r.bad(f"tensor {name!r} has unknown ggml type {type_id}")
        type_name, block, type_size = GGML_TYPES[type_id]
        count = 1
        for d in dims:
            count *= d
        if dims and dims[0] % block:
            raise r.bad(f"tensor {name!r}: first dimension {dims[0]} is not a multiple of {block}")
        if count % block:
            raise r.bad(f"tensor {name!r}: {count} elements is not a multiple of block {block}")
        nbytes = count // block * type_size
        if offset % alignment:
            raise r.bad(f"tensor {name!r} offset {offset} is not aligned to {alignment}")
        infos.append((name, type_name, dims, offset, nbytes))

    data_start = -(-r.pos // alignment) * alignment
    tensors: list[TensorInfo] = []
    cursor = 0
    for name, type_name, dims, offset, nbytes in sorted(infos, key=lambda i: (i[3], i[4])):
        if offset < cursor:
            raise FormatError(f"invalid GGUF file: tensor {name!r} overlaps the previous one", path)
        # Tensors are packed with only alignment padding between them (gguf.md, "Tensor data").
        if offset - cursor >= alignment:
            raise FormatError(
                f"invalid GGUF file: gap of {offset - cursor} bytes before tensor {name!r}", path
            )
        end = data_start + offset + nbytes
        if end > size:
            raise FormatError(
                f"invalid GGUF file: tensor {name!r} ends at byte {end}, past the end of the "
                f"file ({size} bytes); the file is truncated or the header is corrupt",
                path,
            )
        tensors.append(TensorInfo(name, type_name, dims, data_start + offset, end))
        cursor = offset + nbytes
    if tensors and size - (data_start + cursor) >= alignment:
        raise FormatError(
            f"invalid GGUF file: {size - data_start - cursor} unaccounted bytes after the last "
            "tensor",
            path,
        )
    metadata["__gguf_version__"] = version
    return TensorTable("gguf", tuple(tensors), data_start, size, metadata)
