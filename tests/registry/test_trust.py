"""Trust state rules (pure) and their persistence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detente.errors import InputError
from detente.registry import Checkpoint, LogError, LogKey, TrustState, TrustStore, leaf_hash
from detente.registry._merkle import node_hash

A, B, C = (leaf_hash(x) for x in (b"a", b"b", b"c"))
ROOT2 = node_hash(A, B)
ROOT3 = node_hash(ROOT2, C)


def test_first_use_then_pinned_and_changed_keys() -> None:
    k1, k2 = LogKey.generate("log.example"), LogKey.generate("log.example")
    key, st = TrustState().accept_key(k1.vkey, None)
    assert key == k1 and st.vkey == k1.vkey
    assert st.accept_key(k1.vkey, None) == (k1, st)
    with pytest.raises(LogError, match="different log key"):
        st.accept_key(k2.vkey, None)
    assert st.accept_key(k2.vkey, k2) == (k2, st)  # a pinned key overrides first use


def test_advance_needs_consistency_and_refuses_rollback() -> None:
    st = TrustState().advance(Checkpoint("o", 2, ROOT2), [])
    assert (st.size, st.root) == (2, ROOT2)
    assert st.needs_proof(Checkpoint("o", 3, ROOT3))
    good = st.advance(Checkpoint("o", 3, ROOT3), [C])
    assert good.size == 3
    with pytest.raises(LogError, match="not consistent"):
        st.advance(Checkpoint("o", 3, node_hash(ROOT2, A)), [C])
    with pytest.raises(LogError, match="rollback"):
        good.advance(Checkpoint("o", 2, ROOT2), [])


def test_store_round_trip_and_old_form(tmp_path: Path) -> None:
    store = TrustStore("https://log.example", tmp_path)
    assert store.load() == TrustState()
    st = TrustState("x+00000000+AQ==", 3, ROOT3)
    store.save(st)
    assert store.load() == st
    assert json.loads(store.path.read_text())["schema"] == "detente.registry-trust/v1"
    old = {"vkey": "x", "size": 3, "root": "AAAA"}
    store.path.write_text(json.dumps(old))
    assert store.load() == TrustState("x", 3, b"\0\0\0")
    store.path.write_text('{"size": "many"}')
    with pytest.raises(InputError, match="malformed"):
        store.load()
