"""Group commit: concurrent appends share transactions, every entry keeps a unique index, and
every tree size (also one inside a batch) still has a signed checkpoint the proofs agree with."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from detente.registry import LogKey, parse_checkpoint, verify_consistency, verify_inclusion
from detente.registry._sequencer import Sequencer
from detente.registry._store import Appended, LogStore, NewEntry


def _entry(i: int) -> NewEntry:
    return NewEntry(b'{"n":%d}' % i, "attestation", "t/ns", (f"sha256:{i:064x}",))


class SlowStore(LogStore):
    """A real store whose commits take a while, so that requests pile up behind one."""

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.calls: list[int] = []
        self.gate = threading.Event()

    def append(self, batch):  # type: ignore[no-untyped-def]
        self.calls.append(len(batch))
        self.gate.wait(0.05)
        return super().append(batch)


def test_concurrent_appends_share_commits(tmp_path: Path) -> None:
    key = LogKey.generate("t.example/log")
    store = SlowStore(f"sqlite:///{tmp_path / 'log.db'}", key)
    seq = Sequencer(store)
    n = 64
    with ThreadPoolExecutor(16) as pool:
        got: list[Appended] = list(pool.map(lambda i: seq.append(_entry(i % 60)), range(n)))
    assert sum(store.calls) == n and len(store.calls) < n / 2  # batched, not one per entry
    fresh = [a for a in got if not a.duplicate]
    assert sorted(a.index for a in fresh) == list(range(60))  # unique, dense indexes
    by_leaf = {a.leaf_hash: a.index for a in fresh}
    assert all(by_leaf[a.leaf_hash] == a.index for a in got)  # duplicates get the same index
    final = parse_checkpoint(store.checkpoint(), key)
    assert final.size == 60
    for size in range(1, 61):  # also sizes inside a batch, signed on demand
        cp = parse_checkpoint(store.checkpoint(size), key)
        assert cp.size == size
        assert verify_consistency(size, 60, cp.root, final.root, store.consistency(size, 60))
    for a in fresh:
        assert verify_inclusion(a.leaf_hash, a.index, 60, store.inclusion(a.index, 60), final.root)
    with pytest.raises(KeyError):
        store.checkpoint(61)


def test_a_failed_commit_fails_its_whole_batch_and_nothing_else(tmp_path: Path) -> None:
    store = LogStore(f"sqlite:///{tmp_path / 'log.db'}", LogKey.generate("t.example/log"))
    seq = Sequencer(store)
    bad = NewEntry(b"\xff", "attestation", "t/ns", ())  # not UTF-8: the insert fails
    with pytest.raises(UnicodeDecodeError):
        seq.append(bad)
    assert seq.append(_entry(1)).index == 0 and store.size() == 1


def test_an_older_log_gains_the_namespace_kind_index_and_admission_uses_it(
    tmp_path: Path,
) -> None:
    """A log made at migration 0003 upgrades in place (its entries kept); the claim/rotation
    lookup of every append then uses the (namespace, kind) index instead of walking all of
    the namespace's entries."""
    from importlib import resources

    import sqlalchemy
    from alembic import command
    from alembic.config import Config

    from detente.registry._store import _ADMITTING

    url = f"sqlite:///{tmp_path / 'log.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("detente.registry") / "migrations"))
    eng = sqlalchemy.create_engine(url)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with eng.connect() as conn:
        names = {ix["name"] for ix in sqlalchemy.inspect(conn).get_indexes("entries")}
    assert "ix_entries_namespace_kind" not in names
    eng.dispose()

    store = LogStore(url, LogKey.generate("t.example/log"))
    seq = Sequencer(store)
    for i in range(5):
        seq.append(_entry(i))
    with store.engine.connect() as conn:
        names = {ix["name"] for ix in sqlalchemy.inspect(conn).get_indexes("entries")}
        assert "ix_entries_namespace_kind" in names
        assert "ix_entries_namespace" not in names  # its prefix serves namespace lookups
        compiled = _ADMITTING.compile(store.engine)
        state = compiled.construct_expanded_state({"leaf": b"x", "ns": "t/ns"})
        args = tuple(state.parameters[name] for name in state.positiontup or ())
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + state.statement, args).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_entries_namespace_kind" in details, details
    assert store.size() == 5
