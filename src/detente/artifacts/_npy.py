"""numpy ``.npy`` headers (NEP 1 / numpy.lib.format): magic, version, a header that is a Python
dict literal, then the array data. Read with ``ast.literal_eval``, which evaluates literals
only, never code."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from detente.errors import FormatError

__all__ = ["NPY_MAGIC", "NpyHeader", "read_npy_header"]

NPY_MAGIC = b"\x93NUMPY"


@dataclass(frozen=True)
class NpyHeader:
    version: int
    descr: str
    fields: dict[str, Any]
    data_offset: int  # where the array data (or an object array's pickle) starts

    @property
    def is_object(self) -> bool:
        """Object arrays store their data as a pickle (numpy.load needs allow_pickle=True)."""
        return "O" in self.descr


def read_npy_header(data: bytes | memoryview | Any) -> NpyHeader:
    """Parse the header; :class:`FormatError` naming the problem when it is malformed."""
    try:
        major = data[6]
        if major == 1:
            (hlen,) = struct.unpack_from("<H", data, 8)
            hstart = 10
        elif major in (2, 3):
            (hlen,) = struct.unpack_from("<I", data, 8)
            hstart = 12
        else:
            raise ValueError(f"unknown npy version {major}")
        raw = bytes(data[hstart : hstart + hlen])
        text = raw.decode("latin-1" if major < 3 else "utf-8")
        if len(raw) != hlen:
            raise ValueError("truncated header")
        import ast  # lazy: most scans never meet an .npy header

        header = ast.literal_eval(text.strip())
        if not isinstance(header, dict) or "descr" not in header:
            raise ValueError("header is not a dict with descr")
    except (ValueError, SyntaxError, struct.error, IndexError, MemoryError, RecursionError) as exc:
        raise FormatError(f"malformed .npy header: {exc}") from None
    return NpyHeader(major, str(header["descr"]), header, hstart + hlen)
