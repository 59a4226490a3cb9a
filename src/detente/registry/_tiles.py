"""Static tiles (c2sp.org/tlog-tiles): the log as immutable files any web server or CDN can
host, and a reader that verifies everything from them alone.

Layout under a prefix (a directory or URL)::

    checkpoint                       signed note (with witness cosignatures)
    tile/<L>/<N>[.p/<W>]             256 hashes (8,192 bytes) per full tile; level 0 = leaves
    tile/entries/<N>[.p/<W>]         entry bundles: big-endian uint16 length || entry, repeated
    log-key                          the log's verifier key (a convenience for first use)

The entry is the log leaf (the canonical JSON of a signed bundle). Tile ``(L, N)`` holds
``MTH(D[(N·256+i)·256^L : (N·256+i+1)·256^L])`` for i < 256; with the log's stored perfect
subtree hashes that is node ``(8L, N·256+i)``. Partial tiles have width
``floor(size / 256^L) mod 256`` (tlog-tiles "Partial Tiles").
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from detente.errors import FormatError, InputError, VerificationError
from detente.registry._merkle import EMPTY_ROOT, leaf_hash, node_hash

__all__ = [
    "TILE_WIDTH",
    "CompactRange",
    "bundle_entries",
    "entries_path",
    "export_tiles",
    "pack_entries",
    "subtree_hash",
    "tile_path",
]

TILE_WIDTH = 256
HASH = 32
MAX_ENTRY = 0xFFFF  # uint16 length prefix


def _index(n: int) -> str:
    """tlog-tiles ``<N>``: zero-padded 3-digit groups, all but the last prefixed with x."""
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int, n: int, width: int = TILE_WIDTH) -> str:
    return f"tile/{level}/{_index(n)}" + ("" if width == TILE_WIDTH else f".p/{width}")


def entries_path(n: int, width: int = TILE_WIDTH) -> str:
    return f"tile/entries/{_index(n)}" + ("" if width == TILE_WIDTH else f".p/{width}")


def pack_entries(entries: Iterable[bytes]) -> bytes:
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise InputError(f"an entry of {len(e)} bytes does not fit a tlog-tiles entry bundle")
        out += struct.pack(">H", len(e)) + e
    return bytes(out)


def bundle_entries(data: bytes, width: int) -> list[bytes]:
    """Split an entry bundle; it must hold exactly ``width`` entries."""
    out, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise FormatError("truncated entry bundle")
        (n,) = struct.unpack(">H", data[pos : pos + 2])
        if pos + 2 + n > len(data):
            raise FormatError("truncated entry bundle")
        out.append(data[pos + 2 : pos + 2 + n])
        pos += 2 + n
    if len(out) != width:
        raise FormatError(f"entry bundle holds {len(out)} entries, expected {width}")
    return out


def tile_widths(size: int, level: int) -> Iterator[tuple[int, int]]:
    """(N, width) of every tile at ``level`` for a tree of ``size``, partial last."""
    span = TILE_WIDTH**level
    count = size // span  # hashes at this level
    for n in range(count // TILE_WIDTH):
        yield n, TILE_WIDTH
    if count % TILE_WIDTH:
        yield count // TILE_WIDTH, count % TILE_WIDTH


def subtree_hash(hashes: list[bytes]) -> bytes:
    """MTH of a perfect subtree given its 2^k lowest-level hashes (RFC 9162 §2.1.1)."""
    level = hashes
    while len(level) > 1:
        level = [node_hash(level[j], level[j + 1]) for j in range(0, len(level), 2)]
    return level[0]


class CompactRange:
    """The perfect-subtree roots of a growing tree (binary decomposition of its size): append
    leaves one by one, get MTH of everything so far (RFC 9162 §2.1.1) in O(log n)."""

    def __init__(self, stack: list[tuple[int, bytes]] | None = None) -> None:
        self.stack = stack or []

    def append(self, leaf: bytes) -> None:
        level, h = 0, leaf
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            level, h = level + 1, node_hash(left, h)
        self.stack.append((level, h))

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


def _write(path: Path, data: bytes, immutable: bool) -> int:
    if immutable and path.exists():
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # readers never see a half-written tile
    return 1


def export_tiles(
    out: Path,
    size: int,
    entries: Iterable[bytes],
    note: str,
    log_vkey: str,
    *,
    expect_root: bytes | None = None,
    on_entry: Callable[[int], None] | None = None,
) -> int:
    """Write the tiles of the tree of ``size`` whose leaves are ``entries`` (in log order)
    under ``out``: one pass, memory bounded by one tile per level; full tiles already present
    are kept (immutable), partial ones and the checkpoint rewritten. With ``expect_root``
    (the verified checkpoint's), the entries must hash to it or nothing is published (the
    checkpoint is written last). Returns the number of files written."""
    tree = CompactRange()
    buffers: list[list[bytes]] = [[]]  # per tile level: hashes of the tile being filled
    bundle: list[bytes] = []
    written = count = 0
    for body in entries:
        if count == size:
            break
        bundle.append(body)
        buffers[0].append(leaf_hash(body))
        tree.append(buffers[0][-1])
        count += 1
        if len(bundle) == TILE_WIDTH:
            written += _write(
                out / entries_path((count - 1) // TILE_WIDTH), pack_entries(bundle), True
            )
            bundle = []
        level = 0
        while len(buffers[level]) == TILE_WIDTH:  # a full tile: write it, carry its hash up
            n = (count - 1) // TILE_WIDTH ** (level + 1)
            written += _write(out / tile_path(level, n), b"".join(buffers[level]), True)
            up = subtree_hash(buffers[level])
            buffers[level] = []
            if len(buffers) == level + 1:
                buffers.append([])
            buffers[level + 1].append(up)
            level += 1
        if on_entry is not None:
            on_entry(count)
    if count < size:
        raise InputError(f"the log has {count} entries, fewer than its checkpoint's {size}")
    if bundle:
        written += _write(
            out / entries_path(size // TILE_WIDTH, len(bundle)), pack_entries(bundle), False
        )
    for level, hashes in enumerate(buffers):
        if hashes:
            n = size // TILE_WIDTH ** (level + 1)
            written += _write(out / tile_path(level, n, len(hashes)), b"".join(hashes), False)
    if expect_root is not None and not hmac.compare_digest(tree.root(), expect_root):
        raise VerificationError("the entries do not hash to the checkpoint's root: not exported")
    written += _write(out / "log-key", (log_vkey + "\n").encode(), False)
    written += _write(out / "checkpoint", note.encode(), False)
    return written
