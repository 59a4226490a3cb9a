"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs — pure functions.

Hashes (RFC 9162 §2.1.1): ``leaf = SHA-256(0x00 || entry)``,
``node = SHA-256(0x01 || left || right)``; the tree over n leaves splits at the largest power
of two smaller than n.

Storage model: the log stores the hash of every *perfect* subtree (``(level, index)`` covers
leaves ``[index·2^level, (index+1)·2^level)``), written once when the subtree completes. Any
range the proofs need decomposes into O(log n) perfect subtrees, so a proof is computed from
O(log n) stored hashes fetched in one batch: first ask :func:`inclusion_plan` /
:func:`consistency_plan` which nodes are needed, fetch them, then :func:`inclusion_proof` /
:func:`consistency_proof` assemble the proof.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "NodeKey",
    "consistency_plan",
    "consistency_proof",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "new_nodes_for_append",
    "node_hash",
    "perfect_subtrees",
    "range_hash",
    "root_plan",
    "verify_consistency",
    "verify_inclusion",
]

NodeKey = tuple[int, int]  # (level, index)
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees whose hashes determine MTH(D[start:end]) per RFC 9162's split.

    Valid for the ranges RFC 9162's recursion produces (``start`` aligned to the split)."""
    out: list[NodeKey] = []

    def go(a: int, b: int) -> None:
        n = b - a
        if n & (n - 1) == 0 and a % n == 0:
            out.append((n.bit_length() - 1, a // n))
            return
        k = _split(n)
        go(a, a + k)
        go(a + k, b)

    if end > start:
        go(start, end)
    return out


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[start:end]) from stored perfect-subtree hashes."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return nodes[(n.bit_length() - 1, start // n)]
    k = _split(n)
    return node_hash(range_hash(start, start + k, nodes), range_hash(start + k, end, nodes))


def _inclusion_ranges(m: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[start:end]) as a list of ranges, leaf to root."""
    n = end - start
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return [*_inclusion_ranges(m, start, start + k), (start + k, end)]
    return [*_inclusion_ranges(m - k, start + k, end), (start, start + k)]


def _consistency_ranges(m: int, start: int, end: int, whole: bool) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b) as ranges."""
    n = end - start
    if m == n:
        return [] if whole else [(start, end)]
    k = _split(n)
    if m <= k:
        return [*_consistency_ranges(m, start, start + k, whole), (start + k, end)]
    return [*_consistency_ranges(m - k, start + k, end, False), (start, start + k)]


def _plan(ranges: Sequence[tuple[int, int]]) -> set[NodeKey]:
    keys: set[NodeKey] = set()
    for a, b in ranges:
        keys.update(perfect_subtrees(a, b))
    return keys


def root_plan(size: int) -> set[NodeKey]:
    return _plan([(0, size)])


def inclusion_plan(index: int, size: int) -> set[NodeKey]:
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _plan(_inclusion_ranges(index, 0, size))


def inclusion_proof(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    return [range_hash(a, b, nodes) for a, b in _inclusion_ranges(index, 0, size)]


def consistency_plan(first: int, second: int) -> set[NodeKey]:
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return set()
    return _plan(_consistency_ranges(first, 0, second, True))


def consistency_proof(first: int, second: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    if first in (0, second):
        return []
    return [range_hash(a, b, nodes) for a, b in _consistency_ranges(first, 0, second, True)]


def new_nodes_for_append(
    size: int, leaf: bytes, get: Callable[[NodeKey], bytes]
) -> dict[NodeKey, bytes]:
    """Nodes completed by appending ``leaf`` as leaf number ``size``: the leaf itself and every
    perfect subtree it closes (a binary counter carry)."""
    out: dict[NodeKey, bytes] = {(0, size): leaf}
    level, index, h = 0, size, leaf
    while index & 1:
        left = get((level, index - 1))
        h = node_hash(left, h)
        level, index = level + 1, index >> 1
        out[(level, index)] = h
    return out


def _eq(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def _hashes(*values: bytes) -> bool:
    """Every value is a SHA-256 hash (an empty or short "hash" never verifies)."""
    return all(len(v) == 32 for v in values)


def _climb(fn: int, sn: int) -> tuple[int, int]:
    """RFC 9162: "right-shift both fn and sn equally until either LSB(fn) is set or fn is 0"
    (shifting at least once, as the verification loops do)."""
    while True:
        fn >>= 1
        sn >>= 1
        if fn & 1 or fn == 0:
            return fn, sn


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size or not _hashes(leaf, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _climb(fn, sn)
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _eq(r, root)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 <= first <= second or not _hashes(*proof):
        return False
    if first == second:
        # The root of size 0 can only be MTH({}) = SHA-256("") (RFC 9162 §2.1.1).
        same = not proof and _eq(first_root, second_root)
        return same and (first != 0 or _eq(first_root, EMPTY_ROOT))
    if first == 0:
        # RFC 9162 §2.1.4 defines proofs for 0 < m < n only; as transparency-dev/merkle, a
        # "proof" from the empty tree is refused. Callers treat growth from 0 themselves.
        return False
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                fn, sn = _climb(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _eq(fr, first_root) and _eq(sr, second_root)
