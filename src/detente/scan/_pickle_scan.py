"""Pickle streams as the dispatcher sees them: which names claim to be pickles, and how an
emulation's result becomes findings (legacy torch files, bytes that only look like a pickle)."""

from __future__ import annotations

from typing import Any

from detente.scan._base import ScanContext
from detente.scan._finding import Finding, Location
from detente.scan._pickle import analyze_pickle, looks_like_pickle
from detente.taxonomy import Severity

__all__ = ["PICKLE_NAMES", "looks_like_pickle", "pickle_findings"]

PICKLE_NAMES = (".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".dill", ".sav",
                ".model", ".p", ".data")  # fmt: skip


def pickle_findings(
    data: Any, location: Location, ctx: ScanContext, start: int = 0, *, claimed: bool
) -> list[Finding]:
    """Emulate the pickle stream(s) in ``data`` from ``start``. ``claimed``: the name says it
    is a pickle, so a stream that breaks at once is still reported."""

    def nested(payload: bytes, loc: Location) -> list[Finding]:
        return ctx.scan_nested(payload, loc, ctx.child())

    report = analyze_pickle(
        data, location, nested=nested, max_ops=ctx.limits.max_pickle_ops, start=start
    )
    if report.streams or claimed:
        return report.findings
    # Not a pickle after all (bytes that merely begin like one, "cat\ndog\n") unless something
    # dangerous was imported or called before the stream broke: pickle executes as it reads.
    if any(f.severity >= Severity.HIGH for f in report.findings):
        return report.findings
    return []
