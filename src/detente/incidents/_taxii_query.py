"""TAXII 2.1 URL parameters as values (pure parsing, no I/O).

TAXII 2.1 §3.4 (pagination: ``limit``, ``next``, ``added_after``) and §3.5 (filtering:
``match[id|type|version|spec_version]``). Timestamps are RFC 3339 in UTC (§2.1 "timestamp");
we keep them as integer microseconds since the epoch so comparisons and ordering are exact.
Every parser raises :class:`QueryError` (HTTP 400) on input it cannot interpret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Query",
    "QueryError",
    "format_timestamp",
    "parse_query",
    "parse_timestamp",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|\+00:00)$"
)
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,248}--[0-9a-fA-F-]{36}$")
_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,249}$")
_SPEC_RE = re.compile(r"^\d\.\d$")
_KNOWN = {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
          "match[spec_version]"}  # fmt: skip


class QueryError(ValueError):
    """A URL parameter the server cannot interpret (HTTP 400)."""


def parse_timestamp(text: str) -> int:
    """RFC 3339 UTC timestamp → microseconds since the epoch (sub-µs digits truncated)."""
    m = _TS_RE.match(text)
    if not m:
        raise QueryError(f"not an RFC 3339 UTC timestamp: {text[:64]!r}")
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    try:
        dt = datetime(y, mo, d, h, mi, min(s, 59), tzinfo=UTC)
    except ValueError as exc:
        raise QueryError(f"not a valid date/time: {text[:64]!r}") from exc
    return (int(dt.timestamp()) + (s - min(s, 59))) * 1_000_000 + int(frac)


def format_timestamp(us: int) -> str:
    """Microseconds since the epoch → ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (TAXII's date_added)."""
    sec, frac = divmod(us, 1_000_000)
    return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:06d}Z"


@dataclass(frozen=True)
class Query:
    """One request's filters. ``after`` merges ``added_after`` and ``next`` (both are a
    date_added position: our date_added values are unique and increasing per collection)."""

    after: int = -1
    limit: int = DEFAULT_LIMIT
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    spec_versions: tuple[str, ...] = ()
    # "last", "first", "all" and/or exact versions (µs); () means the endpoint's default.
    versions: tuple[str | int, ...] = ()


def _values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    out: list[str] = []
    for raw in params.get(key, ()):
        out.extend(v.strip() for v in raw.split(",") if v.strip())
    return out


def _checked(values: list[str], pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    for v in values:
        if not pattern.match(v):
            raise QueryError(f"bad {what}: {v[:64]!r}")
    return tuple(dict.fromkeys(values))


def _limit(params: Mapping[str, Sequence[str]]) -> int:
    raw = params.get("limit", ())
    if not raw:
        return DEFAULT_LIMIT
    if len(raw) != 1 or not raw[0].isdigit() or int(raw[0]) < 1:
        raise QueryError("limit must be one positive integer")
    # §3.4: the server MAY return fewer than asked; we cap pages at MAX_LIMIT.
    return min(int(raw[0]), MAX_LIMIT)


def _after(params: Mapping[str, Sequence[str]]) -> int:
    after = -1
    for key in ("added_after", "next"):
        raw = params.get(key, ())
        if len(raw) > 1:
            raise QueryError(f"{key} given more than once")
        if raw and key == "added_after":
            after = max(after, parse_timestamp(raw[0]))
        elif raw:
            if not raw[0].isdigit() or len(raw[0]) > 19:
                raise QueryError("next is not a token this server issued")
            after = max(after, int(raw[0]))
    return after


def parse_query(params: Mapping[str, Sequence[str]]) -> Query:
    """Parse the TAXII URL parameters (multi-valued mapping, as in a query string)."""
    unknown = sorted(k for k in params if k not in _KNOWN)
    if unknown:
        raise QueryError(f"unsupported URL parameter: {unknown[0][:64]!r}")
    versions: list[str | int] = []
    for v in _values(params, "match[version]"):
        versions.append(v if v in ("last", "first", "all") else parse_timestamp(v))
    return Query(
        after=_after(params),
        limit=_limit(params),
        ids=_checked(_values(params, "match[id]"), _ID_RE, "match[id]"),
        types=_checked(_values(params, "match[type]"), _TYPE_RE, "match[type]"),
        spec_versions=_checked(
            _values(params, "match[spec_version]"), _SPEC_RE, "match[spec_version]"
        ),
        versions=tuple(dict.fromkeys(versions)),
    )
