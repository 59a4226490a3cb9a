"""RFC 9162 proofs checked against a direct transcription of the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from detente.registry._merkle import (
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    leaf_hash,
    new_nodes_for_append,
    node_hash,
    range_hash,
    root_plan,
    verify_consistency,
    verify_inclusion,
)


def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], b), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def build(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    nodes: dict[tuple[int, int], bytes] = {}
    for i, e in enumerate(leaves):
        nodes.update(new_nodes_for_append(i, leaf_hash(e), nodes.__getitem__))
    return nodes


def test_known_small_trees() -> None:
    leaves = [bytes([i]) for i in range(7)]
    nodes = build(leaves)
    for n in range(1, 8):
        assert range_hash(0, n, nodes) == mth(leaves[:n])
    assert range_hash(0, 0, nodes) == hashlib.sha256(b"").digest()
    # Perfect subtrees: 4 leaves at level 0..2 for a 7-leaf tree.
    assert (2, 0) in nodes and (2, 1) not in nodes and (1, 2) in nodes


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_proofs_match_rfc_and_verify(leaves: list[bytes], data: st.DataObject) -> None:
    nodes = build(leaves)
    n = len(leaves)
    root = range_hash(0, n, nodes)
    assert root == mth(leaves)
    assert root_plan(n) <= set(nodes)
    m = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(m, n, nodes)
    assert inclusion_plan(m, n) <= set(nodes)
    assert proof == path(m, leaves)
    assert verify_inclusion(leaf_hash(leaves[m]), m, n, proof, root)
    assert not verify_inclusion(leaf_hash(leaves[m] + b"x"), m, n, proof, root)
    if proof:
        bad = list(proof)
        bad[0] = bytes(32)
        assert not verify_inclusion(leaf_hash(leaves[m]), m, n, bad, root)
    first = data.draw(st.integers(0, n))
    cproof = consistency_proof(first, n, nodes)
    assert consistency_plan(first, n) <= set(nodes)
    if 0 < first < n:
        assert cproof == subproof(first, leaves, True)
    first_root = mth(leaves[:first])
    # A "proof" from the empty tree is refused, as transparency-dev/merkle does; callers treat
    # growth from size 0 themselves (the trust state and the witness).
    assert verify_consistency(first, n, first_root, root, cproof) == (first > 0)
    if 0 < first < n:
        assert not verify_consistency(first, n, node_hash(first_root, first_root), root, cproof)
        assert not verify_consistency(first, n, first_root, node_hash(root, root), cproof)
        forked = [*leaves[: first - 1], leaves[first - 1] + b"fork", *leaves[first:]]
        assert not verify_consistency(first, n, mth(forked[:first]), root, cproof)


def test_proof_cost_is_logarithmic() -> None:
    n = 1_000_003
    worst = max(len(inclusion_plan(i, n)) for i in (0, 1, n // 2, n - 2, n - 1, 524_287, 999_999))
    assert worst <= 2 * 20 + 2
    assert len(consistency_plan(777_777, n)) <= 2 * 20 + 2
