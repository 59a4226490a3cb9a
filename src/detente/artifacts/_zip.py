"""A lenient zip reader, like PyTorch's (miniz): CRCs and flag bits are ignored and sizes come
from the central directory (APPNOTE 6.3.10 §4.3.12), so a file torch would load is a file we
read. Local headers (§4.3.7) are exposed separately so callers can compare them with the
central directory and find local entries it does not list."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from detente.artifacts._compression import SizeLimitExceeded, is_codec_error
from detente.errors import FormatError

__all__ = [
    "LocalHeader",
    "ZipEntry",
    "is_zip",
    "read_zip_directory",
    "read_zip_local_header",
    "read_zip_member",
    "unsafe_member_name",
]


def is_zip(head: bytes) -> bool:
    """A local file header or an empty archive's end-of-central-directory record."""
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True)
class ZipEntry:
    """One central-directory entry (§4.3.12), zip64 sizes resolved."""

    name: str
    method: int
    flags: int
    csize: int
    usize: int
    local_offset: int


@dataclass(frozen=True)
class LocalHeader:
    """One local file header (§4.3.7); ``data_start`` is where the member's bytes begin."""

    name: str
    method: int
    csize: int
    usize: int
    data_start: int


def _u(fmt: str, data: Any, pos: int) -> tuple[int, ...]:
    return struct.unpack_from(fmt, data, pos)


def _zip64(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """§4.5.3: the zip64 extra field holds the 64-bit values of fields set to 0xFFFFFFFF."""
    if 0xFFFFFFFF not in (usize, csize, offset):  # nothing to resolve (most members)
        return usize, csize, offset
    pos = 0
    while pos + 4 <= len(extra):
        hid, ln = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + ln]
        if hid == 0x0001:
            it = iter([v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])])
            if usize == 0xFFFFFFFF:
                usize = next(it, usize)
            if csize == 0xFFFFFFFF:
                csize = next(it, csize)
            if offset == 0xFFFFFFFF:
                offset = next(it, offset)
        pos += 4 + ln
    return usize, csize, offset


def read_zip_directory(data: bytes | memoryview | Any) -> list[ZipEntry]:
    """Every central-directory entry; :class:`FormatError` when there is none to read."""
    try:
        return _central_directory(data)
    except struct.error as exc:
        raise FormatError(f"zip central directory is truncated: {exc}") from None


def _central_directory(data: Any) -> list[ZipEntry]:
    n = len(data)
    tail_start = max(0, n - (1 << 16) - 22)
    eocd = bytes(data[tail_start:]).rfind(b"PK\x05\x06")
    if eocd < 0:
        raise FormatError("no end-of-central-directory record")
    eocd += tail_start
    (_, _, _, count, _cd_size, cd_off, _) = _u("<HHHHIIH", data, eocd + 4)
    loc = eocd - 20
    if loc >= 0 and bytes(data[loc : loc + 4]) == b"PK\x06\x07":  # §4.3.15 zip64 locator
        (z64_off,) = _u("<Q", data, loc + 8)
        if 0 <= z64_off < n - 56 and bytes(data[z64_off : z64_off + 4]) == b"PK\x06\x06":
            count, _cd_size, cd_off = _u("<QQQ", data, z64_off + 32)
    entries: list[ZipEntry] = []
    pos = cd_off
    for _ in range(count):
        if pos + 46 > n or bytes(data[pos : pos + 4]) != b"PK\x01\x02":
            raise FormatError(f"central directory entry {len(entries)} is corrupt")
        (_, _, flags, method, _, _, _, csize, usize, nlen, xlen, clen, _, _, _, off) = _u(
            "<HHHHHHIIIHHHHHII", data, pos + 4
        )
        name = bytes(data[pos + 46 : pos + 46 + nlen]).decode("utf-8", "replace")
        extra = bytes(data[pos + 46 + nlen : pos + 46 + nlen + xlen])
        usize, csize, off = _zip64(extra, usize, csize, off)
        entries.append(ZipEntry(name, method, flags, csize, usize, off))
        pos += 46 + nlen + xlen + clen
    return entries


def read_zip_local_header(data: bytes | memoryview | Any, off: int) -> LocalHeader | None:
    """The local header at ``off``, or None if there is none there."""
    if off < 0 or off + 30 > len(data) or bytes(data[off : off + 4]) != b"PK\x03\x04":
        return None
    (_, _, method, _, _, _, csize, usize, nlen, xlen) = _u("<HHHHHIIIHH", data, off + 4)
    name = bytes(data[off + 30 : off + 30 + nlen]).decode("utf-8", "replace")
    extra = bytes(data[off + 30 + nlen : off + 30 + nlen + xlen])
    usize, csize, _ = _zip64(extra, usize, csize, 0)
    return LocalHeader(name, method, csize, usize, off + 30 + nlen + xlen)


def read_zip_member(
    data: bytes | memoryview | Any, start: int, method: int, csize: int, limit: int
) -> bytes | memoryview:
    """A member's bytes (stored, deflate, bzip2 or lzma), at most ``limit`` of them:
    :class:`SizeLimitExceeded` past it, :class:`FormatError` when unreadable. A stored member
    is a view into ``data``, not a copy: a 4 GB checkpoint's tensors are never read whole."""
    if start + csize > len(data):
        raise FormatError("member data runs past the end of the archive")
    raw = memoryview(data)[start : start + csize]
    try:
        if method == 0:
            if csize > limit:
                raise SizeLimitExceeded(f"member is larger than {limit} bytes")
            return raw
        if method == 8:
            out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, limit + 1)
        elif method == 12:
            import bz2  # bz2 and lzma load when a member needs them, not at start-up

            out = bz2.BZ2Decompressor().decompress(bytes(raw), limit + 1)
        elif method == 14:
            out = _lzma_member(bytes(raw), limit)
        else:
            raise FormatError(f"unsupported compression method {method}")
    except Exception as exc:
        if not is_codec_error(exc):
            raise
        raise FormatError(str(exc)) from None
    if len(out) > limit:
        raise SizeLimitExceeded(f"member decompresses past {limit} bytes")
    return out


def _lzma_member(raw: bytes, limit: int) -> bytes:
    """APPNOTE §5.8.8: LZMA version (2 bytes), properties size (2), properties, raw LZMA1."""
    import lzma

    if len(raw) < 4:
        raise ValueError("LZMA member header is truncated")
    (psize,) = struct.unpack_from("<H", raw, 2)
    props = raw[4 : 4 + psize]
    # The stdlib's zipfile decodes these properties the same way (lzma filter spec).
    filt = lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)  # type: ignore[attr-defined]
    d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[filt])
    return d.decompress(raw[4 + psize :], limit + 1)


def unsafe_member_name(name: str) -> str | None:
    """Why an archive member name would escape the extraction directory, or None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", name):
        return "absolute path"
    if ".." in re.split(r"[\\/]", name):
        return "path traversal (..)"
    return None
