"""The severity vocabulary and its rules, in one place.

Scan findings, scan summaries (``by_severity`` counts), release standards and consumer
policies all speak these five names. Parsing a name, "at or above" comparisons and counting
findings by severity live here so no package re-derives them from a tuple of strings.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Protocol

from detente.errors import FormatError

__all__ = [
    "SEVERITY_NAMES",
    "Severity",
    "counts_above",
    "severities_above",
    "severities_at_or_above",
    "severity_counts",
]


class Severity(enum.IntEnum):
    """Ordered so that ``a >= Severity.HIGH`` works for ``--fail-on``."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"high"`` (any case) -> ``Severity.HIGH``; ValueError naming the choices."""
        try:
            return cls[text.upper()]
        except (KeyError, AttributeError):
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    def __str__(self) -> str:
        return self.name.lower()


# Lowest first, as ``by_severity`` maps and standards write them.
SEVERITY_NAMES: tuple[str, ...] = tuple(str(s) for s in Severity)


class _HasSeverity(Protocol):
    @property
    def severity(self) -> Severity: ...


def severity_counts(findings: Iterable[_HasSeverity | Severity]) -> dict[str, int]:
    """``{"info": n, "low": n, "medium": n, "high": n, "critical": n}`` (every name present,
    lowest first): the ``by_severity`` of a scan summary."""
    counts = dict.fromkeys(SEVERITY_NAMES, 0)
    for f in findings:
        sev = f if isinstance(f, Severity) else f.severity
        counts[str(sev)] += 1
    return counts


def severities_at_or_above(name: str | Severity) -> tuple[Severity, ...]:
    """Every severity at or above ``name``, lowest first (``"high"`` -> HIGH, CRITICAL)."""
    floor = name if isinstance(name, Severity) else Severity.parse(name)
    return tuple(s for s in Severity if s >= floor)


def severities_above(name: str | Severity) -> tuple[Severity, ...]:
    """Every severity strictly above ``name``, lowest first (``"high"`` -> CRITICAL)."""
    floor = name if isinstance(name, Severity) else Severity.parse(name)
    return tuple(s for s in Severity if s > floor)


def counts_above(counts: Mapping[str, object], limit: str | Severity) -> dict[str, int]:
    """The nonzero counts of a ``by_severity`` map strictly above ``limit``.

    A count that is not a non-negative integer is a :class:`FormatError`: the map comes from
    evidence someone else wrote.
    """
    out: dict[str, int] = {}
    for sev in severities_above(limit):
        n = counts.get(str(sev), 0)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise FormatError(f"scan summary: the {sev} count must be a non-negative integer")
        if n:
            out[str(sev)] = n
    return out
