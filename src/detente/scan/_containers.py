"""Containers, recognised by content: zip (PyTorch, npz, .keras), tar, gz/bz2/xz/zlib, npy.

The zip reader is our own and lenient like PyTorch's (miniz): it ignores CRCs and flag bits
and takes sizes from the central directory, so a file torch would load is a file we read.
Because loaders and scanners can disagree about a zip, we also compare every local header
with its central-directory entry and walk local headers the central directory does not list;
disagreements are reported as tampering and the hidden content is scanned too.
"""

from __future__ import annotations

import ast
import bz2
import io
import lzma
import re
import struct
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from detente.scan._base import ScanContext
from detente.scan._finding import Finding, Location, Severity

__all__ = [
    "NPY_MAGIC",
    "decompress",
    "is_compressed",
    "is_tar",
    "is_zip",
    "scan_npy",
    "scan_tar",
    "scan_zip",
]

NPY_MAGIC = b"\x93NUMPY"
CWE_22 = ("CWE-22",)
CWE_502 = ("CWE-502",)
ATLAS_SUPPLY = ("AML.T0010.003",)
Nested = Callable[[bytes, Location, ScanContext], list[Finding]]


def is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


_COMPRESSED = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x5d\x00\x00", "lzma"),
)


def is_compressed(head: bytes) -> str | None:
    for magic, kind in _COMPRESSED:
        if head.startswith(magic):
            return kind
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "zlib"
    if head.startswith(b"ZF0x"):  # joblib < 0.10 zlib container
        return "joblib-zf"
    return None


class TooLarge(Exception):
    pass


_ZLIB_TYPE = type(zlib.decompressobj())


def decompress(data: bytes | memoryview, kind: str, limit: int) -> bytes:
    """Decompress, refusing to produce more than ``limit`` bytes (decompression bombs)."""
    d: Any
    if kind == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif kind in ("zlib",):
        d = zlib.decompressobj()
    elif kind == "joblib-zf":
        head = bytes(data[:32])
        data = data[head.find(b"\n") + 1 :] if b"\n" in head else data[4:]
        d = zlib.decompressobj()
    elif kind == "bzip2":
        d = bz2.BZ2Decompressor()
    elif kind in ("xz", "lzma"):
        d = lzma.LZMADecompressor(lzma.FORMAT_AUTO)
    else:
        raise ValueError(kind)
    out = bytearray()
    view = memoryview(data)
    step = 1 << 20
    for i in range(0, len(view), step):
        chunk = view[i : i + step]
        if isinstance(d, _ZLIB_TYPE):
            out += d.decompress(chunk, limit + 1 - len(out))
            if len(out) > limit:
                raise TooLarge
            while d.unconsumed_tail:
                out += d.decompress(d.unconsumed_tail, limit + 1 - len(out))
                if len(out) > limit:
                    raise TooLarge
            if d.eof:
                break
        else:
            out += d.decompress(chunk, max_length=limit + 1 - len(out))
            if len(out) > limit:
                raise TooLarge
            while not d.eof and not d.needs_input:
                out += d.decompress(b"", max_length=limit + 1 - len(out))
                if len(out) > limit:
                    raise TooLarge
            if d.eof:
                break
    return bytes(out)


# --------------------------------------------------------------------------------------
# zip
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    name: str
    method: int
    flags: int
    csize: int
    usize: int
    local_offset: int


def _u(fmt: str, data: bytes | memoryview, pos: int) -> tuple[int, ...]:
    return struct.unpack_from(fmt, data, pos)


def _zip64(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        hid, ln = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + ln]
        if hid == 0x0001:
            vals = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            it = iter(vals)
            if usize == 0xFFFFFFFF:
                usize = next(it, usize)
            if csize == 0xFFFFFFFF:
                csize = next(it, csize)
            if offset == 0xFFFFFFFF:
                offset = next(it, offset)
        pos += 4 + ln
    return usize, csize, offset


def _central_directory(data: bytes | memoryview) -> list[ZipEntry]:
    n = len(data)
    tail_start = max(0, n - (1 << 16) - 22)
    eocd = bytes(data[tail_start:]).rfind(b"PK\x05\x06")
    if eocd < 0:
        raise ValueError("no end-of-central-directory record")
    eocd += tail_start
    (_, _, _, count, _cd_size, cd_off, _) = _u("<HHHHIIH", data, eocd + 4)
    loc = eocd - 20
    if loc >= 0 and bytes(data[loc : loc + 4]) == b"PK\x06\x07":
        (z64_off,) = _u("<Q", data, loc + 8)
        if 0 <= z64_off < n - 56 and bytes(data[z64_off : z64_off + 4]) == b"PK\x06\x06":
            count, _cd_size, cd_off = _u("<QQQ", data, z64_off + 32)
    entries: list[ZipEntry] = []
    pos = cd_off
    for _ in range(count):
        if pos + 46 > n or bytes(data[pos : pos + 4]) != b"PK\x01\x02":
            raise ValueError(f"central directory entry {len(entries)} is corrupt")
        (_, _, flags, method, _, _, _, csize, usize, nlen, xlen, clen, _, _, _, off) = _u(
            "<HHHHHHIIIHHHHHII", data, pos + 4
        )
        name = bytes(data[pos + 46 : pos + 46 + nlen]).decode("utf-8", "replace")
        extra = bytes(data[pos + 46 + nlen : pos + 46 + nlen + xlen])
        usize, csize, off = _zip64(extra, usize, csize, off)
        entries.append(ZipEntry(name, method, flags, csize, usize, off))
        pos += 46 + nlen + xlen + clen
    return entries


def _local_header(data: bytes | memoryview, off: int) -> tuple[str, int, int, int, int] | None:
    """(name, method, csize, usize, data_start) of the local header at ``off``."""
    if off + 30 > len(data) or bytes(data[off : off + 4]) != b"PK\x03\x04":
        return None
    (_, _, method, _, _, _, csize, usize, nlen, xlen) = _u("<HHHHHIIIHH", data, off + 4)
    name = bytes(data[off + 30 : off + 30 + nlen]).decode("utf-8", "replace")
    extra = bytes(data[off + 30 + nlen : off + 30 + nlen + xlen])
    usize, csize, _ = _zip64(extra, usize, csize, 0)
    return name, method, csize, usize, off + 30 + nlen + xlen


def _member_bytes(
    data: bytes | memoryview, start: int, method: int, csize: int, usize: int, limit: int
) -> bytes:
    raw = data[start : start + csize]
    if len(raw) < csize:
        raise ValueError("member data runs past the end of the archive")
    if method == 0:
        if csize > limit:
            raise TooLarge
        return bytes(raw)
    if method == 8:
        d = zlib.decompressobj(-zlib.MAX_WBITS)
        out = d.decompress(raw, limit + 1)
        if len(out) > limit:
            raise TooLarge
        return out
    if method == 12:
        return bz2.decompress(bytes(raw))[: limit + 1]
    if method == 14:
        return lzma.decompress(bytes(raw))[: limit + 1]
    raise ValueError(f"unsupported compression method {method}")


def _suspicious_name(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", name):
        return "absolute path"
    if ".." in re.split(r"[\\/]", name):
        return "path traversal (..)"
    return None


def scan_zip(
    data: bytes | memoryview, loc: Location, ctx: ScanContext, nested: Nested
) -> list[Finding]:
    out: list[Finding] = []
    lim = ctx.limits

    def add(rule: str, sev: Severity, msg: str, member: str | None, evidence: str = "", *,
            incomplete: bool = False, cwe: tuple[str, ...] = CWE_502) -> None:  # fmt: skip
        where = Location(loc.path, (*loc.members, member) if member else loc.members)
        out.append(Finding(rule, sev, msg, where, evidence[:300], cwe, ATLAS_SUPPLY, incomplete))

    try:
        entries = _central_directory(data)
    except (ValueError, struct.error) as exc:
        add("DT-ZIP-010", Severity.MEDIUM, f"unreadable zip archive: {exc}", None, incomplete=True)
        entries = []
    if len(entries) > lim.max_members:
        add(
            "DT-ZIP-011",
            Severity.MEDIUM,
            f"zip lists {len(entries)} members; only the first {lim.max_members} are scanned",
            None,
            incomplete=True,
        )
        entries = entries[: lim.max_members]
    covered: list[tuple[int, int]] = []
    names_seen: set[str] = set()
    child = ctx.child()
    for e in entries:
        if e.name in names_seen:
            add(
                "DT-ZIP-003",
                Severity.HIGH,
                "duplicate member name: loaders disagree on which copy wins",
                e.name,
                e.name,
            )
        names_seen.add(e.name)
        if why := _suspicious_name(e.name):
            add("DT-ZIP-004", Severity.HIGH, f"member name is an {why}", e.name, e.name, cwe=CWE_22)
        local = _local_header(data, e.local_offset)
        if local is None:
            add(
                "DT-ZIP-012",
                Severity.MEDIUM,
                "central directory points at no local header",
                e.name,
                incomplete=True,
            )
            continue
        lname, _lmethod, _lc, _lu, start = local
        if lname != e.name:
            add(
                "DT-ZIP-001",
                Severity.HIGH,
                f"local header names {lname!r} but the central directory says {e.name!r}: "
                "scanners and loaders may see different files (tampering)",
                e.name,
                f"{lname} != {e.name}",
            )
        covered.append((e.local_offset, start + e.csize))
        if e.name.endswith("/"):
            continue
        out.extend(
            _scan_member(data, start, e.method, e.csize, e.usize, e.name, loc, child, nested, add)
        )

    # Local headers that the central directory does not list: hidden members.
    view = bytes(data) if isinstance(data, memoryview) else data
    for m in re.finditer(rb"PK\x03\x04", view):
        off = m.start()
        if any(a <= off < b for a, b in covered):
            continue
        local = _local_header(data, off)
        if local is None:
            continue
        lname, method, csize, usize, start = local
        if not lname or start + csize > len(data) or method not in (0, 8, 12, 14):
            continue
        add(
            "DT-ZIP-002",
            Severity.HIGH,
            f"local file header {lname!r} at offset {off} is not in the central directory "
            "(a hidden member some readers will see)",
            lname,
            lname,
        )
        covered.append((off, start + csize))
        out.extend(
            _scan_member(
                data, start, method, csize, usize, f"{lname} (hidden)", loc, child, nested, add
            )
        )
    return out


def _scan_member(
    data: bytes | memoryview, start: int, method: int, csize: int, usize: int, name: str,
    loc: Location, ctx: ScanContext, nested: Nested, add: Callable[..., None],
) -> list[Finding]:  # fmt: skip
    lim = ctx.limits
    if usize > lim.max_member_bytes or (
        csize and usize // max(csize, 1) > 1000 and usize > 1 << 26
    ):
        add(
            "DT-ZIP-013",
            Severity.MEDIUM,
            f"member claims {usize} bytes uncompressed (limit or bomb ratio exceeded); not scanned",
            name,
            incomplete=True,
        )
        return []
    try:
        content = _member_bytes(data, start, method, csize, usize, lim.max_member_bytes)
    except TooLarge:
        add(
            "DT-ZIP-013",
            Severity.MEDIUM,
            "member decompresses past the size limit; not scanned",
            name,
            incomplete=True,
        )
        return []
    except (ValueError, zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
        add("DT-ZIP-014", Severity.MEDIUM, f"member cannot be read: {exc}", name, incomplete=True)
        return []
    ctx.bytes_expanded += len(content)
    if ctx.bytes_expanded > lim.max_total_bytes:
        add(
            "DT-ZIP-015",
            Severity.MEDIUM,
            "total decompressed size limit reached; rest not scanned",
            name,
            incomplete=True,
        )
        return []
    return nested(content, Location(loc.path, (*loc.members, name)), ctx)


# --------------------------------------------------------------------------------------
# tar
# --------------------------------------------------------------------------------------


def scan_tar(
    data: bytes | memoryview, loc: Location, ctx: ScanContext, nested: Nested
) -> list[Finding]:
    out: list[Finding] = []

    def add(rule: str, sev: Severity, msg: str, member: str | None, *, incomplete: bool = False,
            cwe: tuple[str, ...] = CWE_22) -> None:  # fmt: skip
        where = Location(loc.path, (*loc.members, member) if member else loc.members)
        out.append(Finding(rule, sev, msg, where, member or "", cwe, ATLAS_SUPPLY, incomplete))

    child = ctx.child()
    try:
        with tarfile.open(fileobj=io.BytesIO(bytes(data)), mode="r:") as tf:
            for i, member in enumerate(_iter_tar(tf)):
                if i >= ctx.limits.max_members:
                    add(
                        "DT-TAR-011",
                        Severity.MEDIUM,
                        "too many tar members; rest not scanned",
                        None,
                        incomplete=True,
                    )
                    break
                if why := _suspicious_name(member.name):
                    add("DT-TAR-001", Severity.HIGH, f"tar member name is an {why}", member.name)
                if member.issym() or member.islnk():
                    target = member.linkname
                    if _suspicious_name(target) or target.startswith("/"):
                        add(
                            "DT-TAR-002",
                            Severity.HIGH,
                            f"link member points outside the archive ({target!r})",
                            member.name,
                        )
                    continue
                if member.isdev() or member.isfifo():
                    add("DT-TAR-003", Severity.MEDIUM, "device or FIFO member", member.name)
                    continue
                if not member.isfile():
                    continue
                if member.size > ctx.limits.max_member_bytes:
                    add(
                        "DT-TAR-012",
                        Severity.MEDIUM,
                        "member over the size limit; not scanned",
                        member.name,
                        incomplete=True,
                    )
                    continue
                fh = tf.extractfile(member)
                if fh is None:
                    continue
                content = fh.read()
                child.bytes_expanded += len(content)
                out.extend(nested(content, Location(loc.path, (*loc.members, member.name)), child))
    except (tarfile.TarError, OSError, EOFError) as exc:
        add("DT-TAR-010", Severity.MEDIUM, f"unreadable tar archive: {exc}", None, incomplete=True)
    return out


def _iter_tar(tf: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while True:
        m = tf.next()
        if m is None:
            return
        yield m


# --------------------------------------------------------------------------------------
# npy
# --------------------------------------------------------------------------------------


def scan_npy(
    data: bytes | memoryview,
    loc: Location,
    ctx: ScanContext,
    pickle_scan: Callable[[bytes | memoryview, Location, int], list[Finding]],
) -> list[Finding]:
    """numpy .npy: magic, version, header dict (a Python literal), then data. Object arrays
    store a pickle as their data; numpy.load runs it when allow_pickle=True."""
    out: list[Finding] = []
    try:
        major = data[6]
        if major == 1:
            (hlen,) = _u("<H", data, 8)
            hstart = 10
        elif major in (2, 3):
            (hlen,) = _u("<I", data, 8)
            hstart = 12
        else:
            raise ValueError(f"unknown npy version {major}")
        header_text = bytes(data[hstart : hstart + hlen]).decode(
            "latin-1" if major < 3 else "utf-8"
        )
        if len(header_text) != hlen:
            raise ValueError("truncated header")
        header = ast.literal_eval(header_text.strip())  # a literal only: never evaluates code
        if not isinstance(header, dict) or "descr" not in header:
            raise ValueError("header is not a dict with descr")
    except (ValueError, SyntaxError, struct.error, IndexError, MemoryError, RecursionError) as exc:
        out.append(
            Finding(
                "DT-NPY-010",
                Severity.MEDIUM,
                f"malformed .npy header: {exc}",
                loc,
                "",
                (),
                (),
                True,
            )
        )
        return out
    if "O" in str(header["descr"]):
        out.append(
            Finding(
                "DT-NPY-001",
                Severity.LOW,
                "object-dtype array: its data is a pickle (numpy.load needs "
                "allow_pickle=True to run it)",
                loc,
                str(header["descr"]),
                CWE_502,
                ATLAS_SUPPLY,
            )
        )
        out.extend(pickle_scan(data, loc, hstart + hlen))
    return out
