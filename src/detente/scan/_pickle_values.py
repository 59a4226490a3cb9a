"""The symbolic values a pickle emulation pushes, and the parsers for opcode arguments.

Every imported global, call result and object is replaced by a value that records where it came
from (:class:`Global`, :class:`Call`, :class:`Instance`, :class:`Unknown`); large byte strings
are kept as :class:`Blob` references into the input, so a 1 GiB tensor inside a pickle is
skipped, not copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from detente.scan._finding import Finding

__all__ = [
    "BLOB_MIN",
    "JOBLIB_WRAPPERS",
    "Blob",
    "Call",
    "Global",
    "Instance",
    "Limit",
    "Malformed",
    "PickleReport",
    "Truncated",
    "Unknown",
    "args_preview",
    "decode_name",
    "describe",
    "dtype_itemsize",
    "hashable",
    "pairs_to_dict",
    "parse_float",
    "parse_int_line",
    "parse_quoted",
]

BLOB_MIN = 1 << 20  # byte strings at least this long stay in the input, by reference


@dataclass(frozen=True, eq=False)
class Global:
    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True, eq=False)
class Call:
    func: Any
    args: Any
    offset: int

    def __str__(self) -> str:
        return f"{describe(self.func)}(…)"


@dataclass(eq=False)
class Instance:
    cls: Any
    state: Any = None


@dataclass(frozen=True, eq=False)
class Unknown:
    why: str


def describe(v: Any) -> str:
    if isinstance(v, Global):
        return str(v)
    if isinstance(v, Call):
        return f"{describe(v.func)}(…)"
    if isinstance(v, Instance):
        return f"<{describe(v.cls)} instance>"
    return type(v).__name__


@dataclass
class PickleReport:
    findings: list[Finding] = field(default_factory=list)
    globals: list[tuple[str, str]] = field(default_factory=list)
    streams: int = 0
    end: int = 0


@dataclass(frozen=True)
class Blob:
    """A long byte or text string, left in the input: ``data[start:start + length]``."""

    start: int
    length: int
    text: bool


class Truncated(Exception):
    pass


class Malformed(Exception):
    pass


class Limit(Exception):
    pass


JOBLIB_WRAPPERS = {
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
}
_DTYPE_RE = re.compile(r"^[<>|=]?([biufcmMOSUV])(\d*)$")
_NAMED_DTYPES = {"float64": 8, "float32": 4, "float16": 2, "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "bool": 1, "complex64": 8, "complex128": 16}  # fmt: skip


def dtype_itemsize(dtype: Any) -> int | None:
    """Item size of a symbolic ``numpy.dtype('f8', ...)`` call; None for object dtype."""
    code = None
    if isinstance(dtype, Call) and isinstance(dtype.args, tuple) and dtype.args:
        code = dtype.args[0]
    elif isinstance(dtype, Instance) and isinstance(dtype.cls, Call):
        args = dtype.cls.args
        code = args[0] if isinstance(args, tuple) and args else None
    if not isinstance(code, str):
        raise Malformed("joblib array with an unreadable dtype")
    if code in _NAMED_DTYPES:
        return _NAMED_DTYPES[code]
    m = _DTYPE_RE.match(code)
    if not m:
        raise Malformed(f"joblib array with unsupported dtype {code!r}")
    kind, size = m.group(1), int(m.group(2) or 0)
    if kind == "O":
        return None
    if kind == "U":
        return 4 * size
    if kind == "b" and not size:
        return 1
    return size


def hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return Unknown("unhashable")
    return v


def pairs_to_dict(items: list[Any]) -> dict[Any, Any]:
    return {hashable(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def decode_name(raw: bytes) -> str:
    """A GLOBAL/INST operand: _pickle.c decodes it as strict UTF-8, so invalid bytes stop the
    load there (nothing after it runs)."""
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Malformed(f"GLOBAL operand is not UTF-8: {raw[:40]!r}") from None


def parse_int_line(raw: bytes) -> int:
    text = raw.strip()
    if text == b"00":
        return 0
    if text == b"01":
        return 1
    try:
        return int(text[:4300])
    except ValueError:
        raise Malformed(f"bad integer {text[:40]!r}") from None


def parse_float(raw: bytes) -> float:
    try:
        return float(raw.strip()[:400])
    except ValueError:
        raise Malformed(f"bad float {raw[:40]!r}") from None


def parse_quoted(raw: bytes) -> bytes:
    text = raw.strip()
    if len(text) >= 2 and text[:1] == text[-1:] and text[:1] in (b"'", b'"'):
        return text[1:-1]
    raise Malformed("STRING argument is not quoted")


def args_preview(args: Any) -> str:
    if isinstance(args, tuple):
        parts = []
        for a in args[:3]:
            if isinstance(a, str | bytes | int | float) or a is None:
                parts.append(repr(a)[:60])
            else:
                parts.append(describe(a))
        return ", ".join(parts)
    return describe(args)
