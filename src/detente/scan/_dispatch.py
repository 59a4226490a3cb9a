"""Decide by content what each file or archive member is, and hand it to the right analyzer.

Containers recurse through :meth:`ScanContext.scan_nested`, with depth and size limits, so a
pickle inside a zip inside a tar is found, and a decompression bomb is stopped and reported.
Anything that could not be fully analysed becomes an ``incomplete`` finding — never "clean".
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detente import __version__
from detente.errors import InputError
from detente.scan import _rules as R
from detente.scan._analyzer import Item
from detente.scan._analyzers import ANALYZERS
from detente.scan._base import Limits, ScanContext
from detente.scan._finding import Finding, Location
from detente.scan._result import ScanReport
from detente.taxonomy import Severity

__all__ = ["scan_bytes", "scan_paths"]


def scan_bytes(
    data: Any,
    location: Location,
    ctx: ScanContext,
    siblings: set[str] | None = None,
) -> list[Finding]:
    """Scan one file's or member's bytes (``bytes``, ``memoryview`` or ``mmap``): the first
    analyzer of the registry that sniffs the item and keeps it decides."""
    if ctx.depth > ctx.limits.max_depth:
        return [R.SCAN_002.finding(f"nesting deeper than {ctx.limits.max_depth} levels; not "
                                   "analysed", location)]  # fmt: skip
    item = Item.of(data, location, siblings)
    for analyzer in ANALYZERS:
        if analyzer.sniff(item, ctx):
            found = analyzer.analyse(item, ctx)
            if found is not None:
                return found
    return []


def _new_context(limits: Limits) -> ScanContext:
    def nested(payload: bytes | memoryview, loc: Location, ctx: ScanContext) -> list[Finding]:
        return scan_bytes(payload, loc, ctx)

    return ScanContext(limits, nested)


def _scan_file(
    path: Path, shown: str, ctx: ScanContext, siblings: set[str]
) -> tuple[list[Finding], int]:
    loc = Location(shown)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return [], 0
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            try:
                return scan_bytes(mm, loc, ctx, siblings), size
            except (MemoryError, RecursionError) as exc:
                why = f"analysis aborted: {type(exc).__name__}"
                return [R.SCAN_001.finding(why, loc)], size
            finally:
                # Archive members are views into the map (never copies); a view still held
                # by a traceback would make close() fail: the map is then closed when freed.
                with contextlib.suppress(BufferError):
                    mm.close()
    except OSError as exc:
        return [R.SCAN_005.finding(f"cannot read: {exc.strerror}", loc)], 0


def scan_paths(paths: Sequence[str | Path], limits: Limits | None = None) -> ScanReport:
    """Scan files and directories (hidden files included; symlinks not followed)."""
    limits = limits or Limits()
    ctx = _new_context(limits)
    findings: list[Finding] = []
    files = 0
    nbytes = 0
    for raw in paths:
        root = Path(raw)
        try:
            st = root.lstat()
        except FileNotFoundError:
            raise InputError("no such file or directory", root) from None
        if stat.S_ISREG(st.st_mode):
            f, n = _scan_file(root, str(root), ctx, {p.name for p in root.parent.iterdir()})
            findings += f
            files += 1
            nbytes += n
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise InputError("not a regular file or directory", root)
        real_root = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            base = Path(dirpath)
            siblings = set(filenames)
            for fname in sorted(filenames):
                p = base / fname
                shown = str(p)
                if p.is_symlink():
                    target = p.resolve()
                    if not target.is_relative_to(real_root):
                        findings.append(R.SCAN_006.finding(
                            f"symlink points outside the scanned directory ({target})",
                            Location(shown), str(target)))  # fmt: skip
                    continue
                if not p.is_file():
                    continue
                f, n = _scan_file(p, shown, ctx, siblings)
                findings += f
                files += 1
                nbytes += n
            for d in list(dirnames):
                if (base / d).is_symlink():
                    findings.append(R.SCAN_006.finding("symlinked directory not followed",
                                                       Location(str(base / d)),
                                                       severity=Severity.MEDIUM))  # fmt: skip
                    dirnames.remove(d)
    return ScanReport(tuple(findings), files, nbytes, __version__, tuple(str(p) for p in paths))
