"""Strict readers for the JSON forms of incident values: each error names the field."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from detente.errors import FormatError

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

MAX_TEXT = 1 << 20  # one field of a report: 1 MiB of text is already a book


def obj(data: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise FormatError(f"{where}: expected a JSON object")
    unknown = set(data) - allowed
    if unknown:
        raise FormatError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    missing = required - set(data)
    if missing:
        raise FormatError(f"{where}: missing field {sorted(missing)[0]!r}")
    return data


def text(data: dict[str, Any], key: str, where: str, *, empty: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise FormatError(f"{where}.{key}: expected a string")
    if len(value) > MAX_TEXT:
        raise FormatError(f"{where}.{key}: longer than {MAX_TEXT} characters")
    if not empty and not value.strip():
        raise FormatError(f"{where}.{key}: must not be empty")
    return value


def opt_text(data: dict[str, Any], key: str, where: str) -> str | None:
    if data.get(key) is None:
        return None
    return text(data, key, where)


def items(
    data: dict[str, Any], key: str, where: str, parse: Callable[[Any, str], T]
) -> tuple[T, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"{where}.{key}: expected a JSON array")
    return tuple(parse(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))


def string_item(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where}: expected a string")
    if len(value) > MAX_TEXT:
        raise FormatError(f"{where}: longer than {MAX_TEXT} characters")
    return value


def choice(value: Any, where: str, kind: type[E]) -> E:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(str(k.value) for k in kind)
        raise FormatError(f"{where}: {value!r} is not one of {names}") from None


def timestamp(value: Any, where: str) -> str:
    """RFC 3339 in UTC with a ``Z`` (STIX 2.1 §3.2 timestamp), returned as given."""
    if not isinstance(value, str) or not value.endswith("Z"):
        raise FormatError(f"{where}: expected an RFC 3339 UTC timestamp ending in 'Z'")
    try:
        parsed = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise FormatError(f"{where}: {value!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo != UTC or "T" not in value:
        raise FormatError(f"{where}: {value!r} is not an RFC 3339 UTC timestamp")
    return value


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
