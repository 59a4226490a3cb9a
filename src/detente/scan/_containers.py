"""Containers, recognised by content: zip (PyTorch, npz, .keras), tar, npy.

The readers live in :mod:`detente.artifacts` (lenient like PyTorch's miniz: CRCs and flag bits
ignored, sizes from the central directory, so a file torch would load is a file we read). Here
we judge what they read: because loaders and scanners can disagree about a zip, every local
header is compared with its central-directory entry and local headers the central directory
does not list are walked; disagreements are reported as tampering and the hidden content is
scanned too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from detente.artifacts import (
    SizeLimitExceeded,
    ZipEntry,
    iter_tar,
    read_npy_header,
    read_zip_directory,
    read_zip_local_header,
    read_zip_member,
    unsafe_member_name,
)
from detente.errors import FormatError
from detente.scan import _rules as R
from detente.scan._base import ScanContext
from detente.scan._finding import Finding, Location
from detente.scan._rulebase import Rule

__all__ = ["scan_npy", "scan_tar", "scan_zip"]

Nested = Callable[[bytes | memoryview, Location, ScanContext], list[Finding]]
Add = Callable[..., None]


def _adder(out: list[Finding], loc: Location) -> Add:
    def add(rule: Rule, msg: str, member: str | None = None, evidence: str = "") -> None:
        where = Location(loc.path, (*loc.members, member) if member else loc.members)
        out.append(rule.finding(msg, where, evidence[:300]))

    return add


def scan_zip(data: Any, loc: Location, ctx: ScanContext, nested: Nested) -> list[Finding]:
    out: list[Finding] = []
    add = _adder(out, loc)
    lim = ctx.limits
    try:
        entries = read_zip_directory(data)
    except FormatError as exc:
        add(R.ZIP_010, f"unreadable zip archive: {exc.problem}")
        entries = []
    if len(entries) > lim.max_members:
        add(R.ZIP_011, f"zip lists {len(entries)} members; only the first {lim.max_members} "
            "are scanned")  # fmt: skip
        entries = entries[: lim.max_members]
    covered: list[tuple[int, int]] = []
    child = ctx.child()
    out += _listed_members(data, entries, loc, child, nested, add, covered)
    out += _hidden_members(data, loc, child, nested, add, covered)
    return out


def _listed_members(data: Any, entries: list[ZipEntry], loc: Location, ctx: ScanContext,
                    nested: Nested, add: Add, covered: list[tuple[int, int]]) -> list[Finding]:  # fmt: skip
    out: list[Finding] = []
    names_seen: set[str] = set()
    for e in entries:
        if e.name in names_seen:
            add(R.ZIP_003, "duplicate member name: loaders disagree on which copy wins", e.name,
                e.name)  # fmt: skip
        names_seen.add(e.name)
        if why := unsafe_member_name(e.name):
            add(R.ZIP_004, f"member name is an {why}", e.name, e.name)
        local = read_zip_local_header(data, e.local_offset)
        if local is None:
            add(R.ZIP_012, "central directory points at no local header", e.name)
            continue
        if local.name != e.name:
            add(R.ZIP_001, f"local header names {local.name!r} but the central directory says "
                f"{e.name!r}: scanners and loaders may see different files (tampering)", e.name,
                f"{local.name} != {e.name}")  # fmt: skip
        covered.append((e.local_offset, local.data_start + e.csize))
        if e.name.endswith("/"):
            continue
        out += _scan_member(data, local.data_start, e.method, e.csize, e.usize, e.name, loc, ctx,
                            nested, add)  # fmt: skip
    return out


def _hidden_members(data: Any, loc: Location, ctx: ScanContext, nested: Nested, add: Add,
                    covered: list[tuple[int, int]]) -> list[Finding]:  # fmt: skip
    """Local headers that the central directory does not list: hidden members."""
    out: list[Finding] = []
    # Only bytes no listed member covers can hold a hidden local header that a sequential
    # reader would reach; searching the gaps keeps a multi-GB checkpoint's tensors untouched.
    gaps, prev = [], 0
    for a, b in sorted(covered):
        if a > prev:
            gaps.append((prev, a))
        prev = max(prev, b)
    gaps.append((prev, len(data)))
    for lo, hi in gaps:
        out += _hidden_in(data, lo, hi, loc, ctx, nested, add, covered)
    return out


def _hidden_in(data: Any, lo: int, hi: int, loc: Location, ctx: ScanContext, nested: Nested,
               add: Add, covered: list[tuple[int, int]]) -> list[Finding]:  # fmt: skip
    out: list[Finding] = []
    step = 1 << 24
    for chunk_lo in range(lo, hi, step):
        chunk = bytes(data[chunk_lo : min(hi, chunk_lo + step + 3)])
        for m in re.finditer(rb"PK\x03\x04", chunk):
            off = chunk_lo + m.start()
            if m.start() >= step or any(a <= off < b for a, b in covered):
                continue
            local = read_zip_local_header(data, off)
            if local is None:
                continue
            if (not local.name or local.data_start + local.csize > len(data)
                    or local.method not in (0, 8, 12, 14)):  # fmt: skip
                continue
            add(R.ZIP_002, f"local file header {local.name!r} at offset {off} is not in the "
                "central directory (a hidden member some readers will see)", local.name,
                local.name)  # fmt: skip
            covered.append((off, local.data_start + local.csize))
            out += _scan_member(data, local.data_start, local.method, local.csize, local.usize,
                                f"{local.name} (hidden)", loc, ctx, nested, add)  # fmt: skip
    return out


def _scan_member(data: Any, start: int, method: int, csize: int, usize: int, name: str,
                 loc: Location, ctx: ScanContext, nested: Nested, add: Add) -> list[Finding]:  # fmt: skip
    lim = ctx.limits
    if usize > lim.max_member_bytes or (
        csize and usize // max(csize, 1) > 1000 and usize > 1 << 26
    ):
        add(R.ZIP_013, f"member claims {usize} bytes uncompressed (limit or bomb ratio exceeded); "
            "not scanned", name)  # fmt: skip
        return []
    try:
        content = read_zip_member(data, start, method, csize, lim.max_member_bytes)
    except SizeLimitExceeded:
        add(R.ZIP_013, "member decompresses past the size limit; not scanned", name)
        return []
    except FormatError as exc:
        add(R.ZIP_014, f"member cannot be read: {exc.problem}", name)
        return []
    ctx.bytes_expanded += len(content)
    if ctx.bytes_expanded > lim.max_total_bytes:
        add(R.ZIP_015, "total decompressed size limit reached; rest not scanned", name)
        return []
    return nested(content, Location(loc.path, (*loc.members, name)), ctx)


def scan_tar(data: Any, loc: Location, ctx: ScanContext, nested: Nested) -> list[Finding]:
    out: list[Finding] = []
    add = _adder(out, loc)
    child = ctx.child()
    try:
        for i, (member, read) in enumerate(iter_tar(data)):
            if i >= ctx.limits.max_members:
                add(R.TAR_011, "too many tar members; rest not scanned")
                break
            name = member.name
            if why := unsafe_member_name(name):
                add(R.TAR_001, f"tar member name is an {why}", name, name)
            if member.issym() or member.islnk():
                target = member.linkname
                if unsafe_member_name(target) or target.startswith("/"):
                    add(R.TAR_002, f"link member points outside the archive ({target!r})", name,
                        name)  # fmt: skip
                continue
            if member.isdev() or member.isfifo():
                add(R.TAR_003, "device or FIFO member", name, name)
                continue
            if not member.isfile():
                continue
            if member.size > ctx.limits.max_member_bytes:
                add(R.TAR_012, "member over the size limit; not scanned", name, name)
                continue
            content = read()
            child.bytes_expanded += len(content)
            out.extend(nested(content, Location(loc.path, (*loc.members, name)), child))
    except FormatError as exc:
        add(R.TAR_010, exc.problem)
    return out


def scan_npy(
    data: Any,
    loc: Location,
    pickle_scan: Callable[[Any, Location, int], list[Finding]],
) -> list[Finding]:
    """numpy .npy: object arrays store a pickle as their data; numpy.load runs it when
    allow_pickle=True, so it is scanned as one."""
    try:
        header = read_npy_header(data)
    except FormatError as exc:
        return [R.NPY_010.finding(exc.problem, loc)]
    if not header.is_object:
        return []
    msg = ("object-dtype array: its data is a pickle (numpy.load needs allow_pickle=True to "
           "run it)")  # fmt: skip
    return [R.NPY_001.finding(msg, loc, header.descr), *pickle_scan(data, loc, header.data_offset)]
