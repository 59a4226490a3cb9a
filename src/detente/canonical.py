"""The one canonical JSON of Détente: the form every digest and signature is computed over.

Sorted keys, no insignificant whitespace, UTF-8 (not ASCII-escaped). Values JSON lacks are
refused, except the date and time values a TOML document can hold (release standards and
consumer policies are TOML): they hash as their ``str()`` text, so a policy's digest does not
depend on how it was written down.

Example::

    >>> canonical_json({"b": 1, "a": "é"})
    b'{"a":"\\xc3\\xa9","b":1}'
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

__all__ = ["canonical_json"]


def _toml_value(value: Any) -> str:
    if isinstance(value, _dt.date | _dt.time):  # datetime is a date
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON and has no canonical form")


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes we hash and sign."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_toml_value
    ).encode()
