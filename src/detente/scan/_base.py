"""Per-run scanner state: limits and the nested-scan callback.

The dispatcher (``_dispatch.py``) decides by *content*, never by extension, which analyzer
looks at a file or archive member. Analyzers are pure over the bytes they are given: they do
not import, execute or render anything they inspect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from detente.scan._finding import Finding, Location

__all__ = ["Limits", "ScanContext"]


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile archives and nesting from exhausting the machine."""

    max_depth: int = 8  # nested archives / nested pickles
    max_member_bytes: int = 4 << 30  # one decompressed member
    max_total_bytes: int = 64 << 30  # everything decompressed in one run
    max_members: int = 100_000  # entries in one archive
    max_pickle_ops: int = 50_000_000  # opcodes emulated per pickle stream


@dataclass
class ScanContext:
    """Per-run state handed to analyzers.

    ``scan_nested(data, location)`` lets an analyzer hand embedded content (a pickle inside a
    pickle, a file inside a zip) back to the dispatcher, which sniffs it and applies the depth
    and size limits. ``depth`` is the current nesting depth.
    """

    limits: Limits
    scan_nested: Callable[[bytes | memoryview, Location, ScanContext], list[Finding]]
    depth: int = 0
    bytes_expanded: int = 0

    def child(self) -> ScanContext:
        return ScanContext(self.limits, self.scan_nested, self.depth + 1, self.bytes_expanded)
