"""Archives this scanner does not read itself (7z, RAR, CAB, xar, ar, cpio, ISO 9660, LHA, and
zstd/lz4/lzip/lzop streams), recognised by content, never by extension.

With the optional ``archives`` extra (libarchive through ``libarchive-c``) their members are
read into memory, within the size and count limits, and scanned like zip members; without it,
or when an archive cannot be read (encrypted, corrupt), the file is reported as not analysed
(incomplete: exit 2) — never as clean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.artifacts import unsafe_member_name
from detente.scan import _rules as R
from detente.scan._analyzer import Item
from detente.scan._finding import Finding, Location

if TYPE_CHECKING:
    from detente.scan._base import ScanContext

__all__ = ["ForeignArchive", "sniff_foreign_archive"]

_MAGIC = (
    (b"7z\xbc\xaf\x27\x1c", "7z", None),
    (b"Rar!\x1a\x07", "RAR", None),
    (b"MSCF\x00\x00\x00\x00", "CAB", None),
    (b"xar!", "xar", None),
    (b"!<arch>\n", "ar", None),
    (b"070701", "cpio", None),
    (b"070702", "cpio", None),
    (b"070707", "cpio", None),
    (b"\xc7\x71", "cpio", None),  # binary cpio, little-endian
    (b"\x28\xb5\x2f\xfd", "zstd", "raw"),  # RFC 8878 §3.1.1
    (b"\x04\x22\x4d\x18", "lz4", "raw"),
    (b"LZIP", "lzip", "raw"),
    (b"\x89LZO\x00\r\n\x1a\n", "lzop", "raw"),
)


def sniff_foreign_archive(head: bytes) -> tuple[str, str | None] | None:
    """(kind, libarchive format or None for "any") of an archive we read through libarchive."""
    for magic, kind, fmt in _MAGIC:
        if head.startswith(magic):
            return kind, fmt
    if len(head) >= 0x8006 and head[0x8001:0x8006] == b"CD001":  # ECMA-119 §8.1
        return "ISO 9660", None
    if len(head) >= 7 and head[2:5] == b"-lh" and head[6:7] == b"-":
        return "LHA", None
    return None


class ForeignArchive:
    name = "foreign-archive"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return not item.torch_storage and sniff_foreign_archive(item.head) is not None

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        kind, fmt = sniff_foreign_archive(item.head) or ("archive", None)
        loc = item.location
        try:
            import libarchive  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except (ImportError, OSError, AttributeError):
            return [R.ARC_010.finding(f"{kind} archive: its members cannot be read without "
                                      "libarchive (pip install 'detente[archives]'); not "
                                      "analysed", loc, kind)]  # fmt: skip
        if item.size > ctx.limits.max_member_bytes:
            return [R.ARC_012.finding(f"{kind} archive larger than the size limit; not "
                                      "analysed", loc, kind)]  # fmt: skip
        out: list[Finding] = []
        try:
            if not _members(libarchive, bytes(item.data), fmt, kind, loc, ctx, out):
                # libarchive lists nothing for a truncated or corrupt header: not "empty".
                out.append(R.ARC_011.finding(f"no member of this {kind} archive could be read; "
                                             "not analysed", loc, kind))  # fmt: skip
        except Exception as exc:
            if type(exc).__name__ != "ArchiveError" and not isinstance(exc, OSError | ValueError):
                raise
            out.append(R.ARC_011.finding(f"{kind} archive cannot be read further ({exc}); the "
                                         "rest was not analysed", loc, kind))  # fmt: skip
        return out


def _members(lib: Any, data: bytes, fmt: str | None, kind: str, loc: Location,
             ctx: ScanContext, out: list[Finding]) -> int:  # fmt: skip
    """Scan every member into ``out``; how many entries were listed."""
    lim = ctx.limits
    count = 0
    child = ctx.child()
    opts: dict[str, Any] = {"format_name": fmt} if fmt else {}
    with lib.memory_reader(data, **opts) as archive:
        for i, entry in enumerate(archive):
            count += 1
            name = entry.pathname or f"<{kind} member {i}>"
            where = Location(loc.path, (*loc.members, name))
            if i >= lim.max_members:
                out.append(R.ARC_012.finding(f"more than {lim.max_members} members; the rest "
                                             "were not scanned", loc, kind))  # fmt: skip
                return count
            if why := unsafe_member_name(name):
                out.append(R.ARC_001.finding(f"member name is an {why}", where, name))
            if entry.isdir or entry.issym or entry.islnk:
                continue
            content = bytearray()
            for block in entry.get_blocks():
                content += block
                if len(content) > lim.max_member_bytes:
                    out.append(R.ARC_012.finding("member over the size limit; not scanned",
                                                 where, name))  # fmt: skip
                    break
            else:
                child.bytes_expanded += len(content)
                out += ctx.scan_nested(bytes(content), where, child)
    return count
