"""A small TOML writer for the documents Détente writes (consumer policies, standards).

Policies are built as data and serialised, never templated: a value with a quote, a newline
or a backslash in it cannot change the document's structure. Covers what our schemas use:
strings, booleans, integers, floats, lists of scalars, tables and arrays of tables (TOML 1.0).
The output parses back to the same data with :mod:`tomllib` (tested with hypothesis).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["to_toml"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else _string(k)


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _string(s: str) -> str:
    # TOML 1.0 basic strings: quote and backslash escaped; every control character (U+0000 to
    # U+001F and U+007F, which JSON would leave raw) written as an escape.
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, Sequence):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as a TOML value")


def _is_table_array(v: Any) -> bool:
    return (
        isinstance(v, Sequence)
        and not isinstance(v, str)
        and bool(v)
        and all(isinstance(x, Mapping) for x in v)
    )


def _emit(table: Mapping[str, Any], path: tuple[str, ...], out: list[str]) -> None:
    subtables: list[tuple[str, Any]] = []
    for k, v in table.items():
        if isinstance(v, Mapping) or _is_table_array(v):
            subtables.append((k, v))
        else:
            out.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in subtables:
        name = ".".join(_key(p) for p in (*path, k))
        if isinstance(v, Mapping):
            out.append("")
            out.append(f"[{name}]")
            _emit(v, (*path, k), out)
        else:
            for item in v:
                out.append("")
                out.append(f"[[{name}]]")
                _emit(item, (*path, k), out)


def to_toml(data: Mapping[str, Any], header: str = "") -> str:
    """``data`` as a TOML document, with ``header`` as leading comment lines."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    _emit(data, (), out)
    return "\n".join(out).lstrip("\n") + "\n"
