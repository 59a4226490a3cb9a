"""Pickle streams as the dispatcher sees them: which names claim to be pickles, and how an
emulation's result becomes findings (legacy torch files, bytes that only look like a pickle)."""

from __future__ import annotations

from typing import Any

from detente.scan import _rules as R
from detente.scan._base import ScanContext
from detente.scan._finding import Finding, Location
from detente.scan._pickle import analyze_pickle, looks_like_pickle

__all__ = ["PICKLE_NAMES", "looks_like_pickle", "pickle_findings"]

PICKLE_NAMES = (".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib", ".dill", ".sav",
                ".model", ".p", ".data")  # fmt: skip
# pickle of torch.serialization.MAGIC_NUMBER (0x1950a86a20f9469cfc6c) as LONG1, protocol 2.
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19"


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
    if report.streams >= 5 and bytes(data[start : start + 14]) == _TORCH_LEGACY_MAGIC:
        # Legacy torch.save: magic, protocol, sys_info, object and storage-key pickles, then raw
        # storage bytes — not trailing garbage.
        return [f for f in report.findings if f.rule_id != R.PICKLE_030.id]
    if report.streams or claimed:
        return report.findings
    # Not a pickle after all (bytes that merely begin like one) unless something was imported
    # before the stream broke: pickle executes as it reads, so that still counts.
    if report.globals:
        return report.findings
    return []
