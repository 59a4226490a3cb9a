"""Compressed streams recognised by content (gzip, bzip2, xz, raw lzma, zlib, joblib's ZF),
decompressed with a hard output limit so a decompression bomb stops at the limit."""

from __future__ import annotations

import zlib
from typing import Any

from detente.errors import FormatError

__all__ = ["SizeLimitExceeded", "decompress", "sniff_compression"]

_MAGIC = (
    (b"\x1f\x8b", "gzip"),  # RFC 1952 §2.3.1
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),  # xz file format §2.1.1.1
    (b"\x5d\x00\x00", "lzma"),  # LZMA-alone: properties byte 0x5d, dictionary size
)
# Weak magics: ordinary data may begin like these, so a failure to decompress is not an error.
WEAK = frozenset({"zlib", "lzma"})


class SizeLimitExceeded(FormatError):
    """Decompressing would produce more than the caller's limit (a bomb, or just too big)."""


def sniff_compression(head: bytes) -> str | None:
    """``gzip``, ``bzip2``, ``xz``, ``lzma``, ``zlib``, ``joblib-zf`` or None, by content."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    # RFC 1950 §2.2: CMF 0x78 (deflate, 32 KiB window) and FCHECK makes CMF*256+FLG % 31 == 0.
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "zlib"
    if head.startswith(b"ZF0x"):  # joblib < 0.10 zlib container
        return "joblib-zf"
    return None


_ZLIB_TYPE = type(zlib.decompressobj())


def _decompressor(data: Any, kind: str) -> tuple[Any, Any]:
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS), data
    if kind == "zlib":
        return zlib.decompressobj(), data
    if kind == "joblib-zf":
        head = bytes(data[:32])
        return zlib.decompressobj(), data[head.find(b"\n") + 1 :] if b"\n" in head else data[4:]
    if kind == "bzip2":
        import bz2  # bz2 and lzma load when a stream needs them, not at start-up

        return bz2.BZ2Decompressor(), data
    if kind in ("xz", "lzma"):
        import lzma

        return lzma.LZMADecompressor(lzma.FORMAT_AUTO), data
    raise ValueError(f"unknown compression {kind!r}")


def decompress(data: bytes | memoryview | Any, kind: str, limit: int) -> bytes:
    """Decompress ``data`` (a ``sniff_compression`` kind), never producing more than ``limit``
    bytes: :class:`SizeLimitExceeded` past it, :class:`FormatError` for a corrupt stream."""
    try:
        return _decompress(data, kind, limit)
    except Exception as exc:
        if not is_codec_error(exc):
            raise
        raise FormatError(f"corrupt {kind} stream: {exc}") from None


def is_codec_error(exc: BaseException) -> bool:
    """What zlib, bz2 and lzma raise for a corrupt stream. lzma is imported here, on the error
    path, so that start-up (the whole cost of scanning a torch zip, issue 16) skips it."""
    if isinstance(exc, (OSError, EOFError, ValueError, zlib.error)):
        return True
    import lzma

    return isinstance(exc, lzma.LZMAError)


def _decompress(data: Any, kind: str, limit: int) -> bytes:
    d, data = _decompressor(data, kind)
    out = bytearray()
    view = memoryview(data)
    step = 1 << 20
    for i in range(0, len(view), step):
        chunk = view[i : i + step]
        if isinstance(d, _ZLIB_TYPE):
            out += d.decompress(chunk, limit + 1 - len(out))
            if len(out) > limit:
                raise SizeLimitExceeded(f"{kind} stream decompresses past {limit} bytes")
            while d.unconsumed_tail:
                out += d.decompress(d.unconsumed_tail, limit + 1 - len(out))
                if len(out) > limit:
                    raise SizeLimitExceeded(f"{kind} stream decompresses past {limit} bytes")
        else:
            out += d.decompress(chunk, max_length=limit + 1 - len(out))
            if len(out) > limit:
                raise SizeLimitExceeded(f"{kind} stream decompresses past {limit} bytes")
            while not d.eof and not d.needs_input:
                out += d.decompress(b"", max_length=limit + 1 - len(out))
                if len(out) > limit:
                    raise SizeLimitExceeded(f"{kind} stream decompresses past {limit} bytes")
        if d.eof:
            break
    return bytes(out)
