"""The log's storage: SQLAlchemy 2 Core over SQLite (default) or PostgreSQL.

Appends are serialised by a lock on the single ``log_head`` row (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: ``SELECT … FOR UPDATE``), so two writers can never claim the same index, and an
entry is acknowledged only after its transaction — entry, new subtree hashes, new head and
the signed checkpoint for the new size — has committed. A crash before commit loses nothing
that was acknowledged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Engine

from detente.registry._checkpoint import Checkpoint, LogKey, sign_checkpoint
from detente.registry._merkle import (
    NodeKey,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    leaf_hash,
    new_nodes_for_append,
    range_hash,
    root_plan,
)

__all__ = ["SCHEMA_VERSION", "Admitting", "Appended", "LogStore", "NewEntry", "make_engine"]

SCHEMA_VERSION = 1
metadata = MetaData()
log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("schema_version", Integer, nullable=False),
)
entries = Table(
    "entries",
    metadata,
    Column("idx", BigInteger, primary_key=True),
    Column("leaf_hash", LargeBinary(32), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("namespace", String(256), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("created", Integer, nullable=False),
    # the admission query's claim and rotation lookup, and lookups by namespace (migration 0004)
    Index("ix_entries_namespace_kind", "namespace", "kind"),
)
nodes = Table(
    "nodes",
    metadata,
    Column("level", Integer, primary_key=True),
    Column("idx", BigInteger, primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)
subjects = Table(
    "subjects",
    metadata,
    Column("digest", String(200), primary_key=True),
    Column("idx", BigInteger, primary_key=True),
)
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True),
    Column("note", Text, nullable=False),
)
cosignatures = Table(
    "cosignatures",
    metadata,
    Column("size", BigInteger, primary_key=True),
    Column("witness", String(512), primary_key=True),
    Column("line", Text, nullable=False),
)

# The append path's statements, built once: constructing a SQLAlchemy expression (coercing
# every operand) cost more CPU than running the query did, for each of them, on every append.
_HEAD = select(log_head.c.size).where(log_head.c.id == 1)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_CHECKPOINT = select(checkpoints.c.note).where(checkpoints.c.size == bindparam("size"))
_COSIGNED_BY = select(cosignatures.c.witness).where(cosignatures.c.size == bindparam("size"))
_COSIGNATURES = (
    select(cosignatures.c.line)
    .where(cosignatures.c.size == bindparam("size"))
    .order_by(cosignatures.c.witness)
)
_LATEST_COSIGNED = select(func.max(cosignatures.c.size))
RECENT_NODES = 1 << 15  # subtree hashes of our own recent commits kept in memory
_CLAIMS = ("namespace-claim", "key-rotation")  # the kinds that set a namespace's keys
_ADMITTING = (
    select(entries.c.idx, entries.c.leaf_hash)
    .where(
        or_(
            entries.c.leaf_hash == bindparam("leaf"),
            and_(entries.c.namespace == bindparam("ns"), entries.c.kind.in_(_CLAIMS)),
        )
    )
    .order_by(entries.c.idx)
)


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    """An engine for the log or a witness. SQLite: WAL, ``synchronous=FULL`` (a commit is on
    disk before we answer: kill -9 and power safe) and a busy timeout; ``immediate`` makes
    every transaction ``BEGIN IMMEDIATE`` (pysqlite's implicit BEGIN is deferred), so the
    writer lock is taken before the head is read. PostgreSQL needs nothing special."""
    if url.startswith("sqlite"):
        # No pre-ping: a SQLite file connection cannot go stale, and the ``SELECT 1`` it
        # issued on every checkout was a tenth of the append path's time under load.
        engine = create_engine(url, future=True)
    else:
        return create_engine(url, pool_pre_ping=True, future=True)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        if immediate:
            dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    if immediate:

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass(frozen=True)
class NewEntry:
    body: bytes  # canonical JSON of the signed bundle: the log leaf
    kind: str
    namespace: str
    subjects: Sequence[str]  # "sha256:…" digests the entry is about


@dataclass(frozen=True)
class Admitting:
    """What admitting one bundle needs from the log, read in one query: the index of an
    entry with the same leaf (a duplicate), and the indexes of its namespace's claim and
    rotations."""

    existing: int | None
    claims: tuple[int, ...]


@dataclass(frozen=True)
class Appended:
    index: int
    leaf_hash: bytes
    duplicate: bool


class LogStore:
    def __init__(self, url: str, key: LogKey, *, origin: str | None = None) -> None:
        self.url = url
        self.key = key
        self.origin = origin or key.name
        self.engine: Engine = make_engine(url, immediate=True)
        self.sqlite = self.engine.dialect.name == "sqlite"
        # Reads use their own engine on SQLite: with ``immediate`` every transaction, even a
        # lone SELECT, took the writer lock, so each duplicate check and namespace lookup
        # queued behind the commit (and its fsync) in flight and batches stayed ~1 entry.
        # WAL readers see the last committed state without blocking the writer. An
        # in-memory database is per connection, so it keeps the one engine.
        memory = self.sqlite and self.engine.url.database in (None, "", ":memory:")
        self.reader: Engine = make_engine(url) if self.sqlite and not memory else self.engine
        # The tree's frontier (the perfect subtrees whose hashes make its root) after our last
        # commit, by size: the next append reuses it when the head is still at that size
        # (nodes are immutable, so a size names one frontier), instead of reading it back.
        self._frontier: tuple[int, dict[NodeKey, bytes]] = (-1, {})
        # The subtree hashes our recent commits wrote (immutable once committed): the
        # consistency proofs the cosigner sends every round, and most inclusion proofs of
        # new entries, are made from them without a query.
        self._recent: dict[NodeKey, bytes] = {}
        self._migrate()

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Bring the schema to the current alembic revision, then create the head row."""
        from importlib import resources

        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("detente.registry") / "migrations")
        )
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with self.engine.begin() as conn:
            row = conn.execute(select(log_head.c.size).where(log_head.c.id == 1)).first()
            if row is None:
                conn.execute(log_head.insert().values(id=1, size=0, schema_version=SCHEMA_VERSION))
                conn.execute(
                    checkpoints.insert().values(size=0, note=self._sign(0, range_hash(0, 0, {})))
                )

    def _sign(self, size: int, root: bytes) -> str:
        return sign_checkpoint(Checkpoint(self.origin, size, root), self.key)

    # -- reads ----------------------------------------------------------------------------
    def _nodes(self, conn: Connection, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Fetch stored subtree hashes in one query. Grouped by level so both SQLite and
        PostgreSQL use the (level, idx) primary key (row-value IN lists can fall back to a
        scan on SQLite, which made proof cost grow with the log)."""
        by_level: dict[int, list[int]] = {}
        for level, idx in keys:
            by_level.setdefault(level, []).append(idx)
        if not by_level:
            return {}
        cond = or_(
            *(and_(nodes.c.level == lvl, nodes.c.idx.in_(idxs)) for lvl, idxs in by_level.items())
        )
        rows = conn.execute(select(nodes.c.level, nodes.c.idx, nodes.c.hash).where(cond))
        return {(r.level, r.idx): bytes(r.hash) for r in rows}

    def _fetch_nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Subtree hashes: those our recent commits wrote from memory, the rest in one query."""
        recent = self._recent
        found: dict[NodeKey, bytes] = {}
        missing: list[NodeKey] = []
        for k in keys:
            h = recent.get(k)
            if h is None:
                missing.append(k)
            else:
                found[k] = h
        if missing:
            with self.reader.connect() as conn:
                found.update(self._nodes(conn, missing))
        return found

    def size(self) -> int:
        with self.reader.connect() as conn:
            return int(conn.execute(_HEAD).scalar_one())

    def checkpoint(self, size: int | None = None) -> str:
        with self.reader.connect() as conn:
            if size is None:
                size = int(conn.execute(_HEAD).scalar_one())
            note = conn.execute(_CHECKPOINT, {"size": size}).scalar()
            if note is None:
                # A size inside a group-committed batch: every size up to the head has a
                # tree, so sign its checkpoint now (Ed25519 is deterministic: same note).
                if not 0 < size <= int(conn.execute(_HEAD).scalar_one()):
                    raise KeyError(size)
                return self._sign(size, range_hash(0, size, self._nodes(conn, root_plan(size))))
            return str(note)

    def entry(self, index: int) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(entries).where(entries.c.idx == index)).first()
        if row is None:
            return None
        return {
            "index": row.idx,
            "leaf_hash": bytes(row.leaf_hash),
            "kind": row.kind,
            "namespace": row.namespace,
            "subject": row.subject,
            "body": row.body,
        }

    def index_of(self, leaf: bytes) -> int | None:
        with self.reader.connect() as conn:
            return conn.execute(select(entries.c.idx).where(entries.c.leaf_hash == leaf)).scalar()

    def admitting(self, leaf: bytes, namespace: str | None) -> Admitting:
        """The duplicate check and the namespace's claim/rotation indexes, in one query."""
        with self.reader.connect() as conn:
            rows = conn.execute(_ADMITTING, {"leaf": leaf, "ns": namespace or ""}).all()
        existing = next((int(r.idx) for r in rows if bytes(r.leaf_hash) == leaf), None)
        claims = tuple(int(r.idx) for r in rows if bytes(r.leaf_hash) != leaf)
        return Admitting(existing, claims)

    def find(
        self,
        *,
        subject: str | None = None,
        namespace: str | None = None,
        kinds: Sequence[str] | None = None,
        after: int = -1,
        limit: int = 1000,
    ) -> list[int]:
        q = select(entries.c.idx).where(entries.c.idx > after).order_by(entries.c.idx).limit(limit)
        if kinds:
            q = q.where(entries.c.kind.in_(list(kinds)))
        if subject is not None:
            q = q.where(
                entries.c.idx.in_(select(subjects.c.idx).where(subjects.c.digest == subject))
            )
        if namespace is not None:
            q = q.where(entries.c.namespace == namespace)
        with self.reader.connect() as conn:
            return [int(r) for r in conn.execute(q).scalars()]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return inclusion_proof(index, size, self._fetch_nodes(inclusion_plan(index, size)))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return consistency_proof(first, second, self._fetch_nodes(consistency_plan(first, second)))

    # -- the one write path -------------------------------------------------------------
    def append(self, batch: Sequence[NewEntry]) -> list[Appended]:
        """Append entries atomically; duplicates (same leaf) return the existing index.

        A constant number of statements per batch, whatever its length (the group commit in
        ``_sequencer.py`` relies on it): one lookup for duplicates, one read of the tree's
        frontier (every left sibling a new leaf can close, RFC 9162 §2.1.1, is either in it
        or made by this batch), then bulk inserts."""
        leaves = [leaf_hash(e.body) for e in batch]
        with self.engine.begin() as conn:
            size = int(conn.execute(_HEAD if self.sqlite else _HEAD_FOR_UPDATE).scalar_one())
            start = size
            seen: dict[bytes, int] = {}
            for i in range(0, len(leaves), 500):
                rows = conn.execute(
                    select(entries.c.idx, entries.c.leaf_hash).where(
                        entries.c.leaf_hash.in_(leaves[i : i + 500])
                    )
                )
                seen.update({bytes(r.leaf_hash): int(r.idx) for r in rows})
            cached_size, frontier = self._frontier
            if cached_size != start:
                frontier = self._nodes(conn, root_plan(start))
            pending: dict[NodeKey, bytes] = {}
            rows_e: list[dict[str, Any]] = []
            rows_s: list[dict[str, Any]] = []
            results: list[Appended] = []
            now = int(time.time())
            for e, leaf in zip(batch, leaves, strict=True):
                existing = seen.get(leaf)
                if existing is not None:
                    results.append(Appended(existing, leaf, True))
                    continue
                rows_e.append({"idx": size, "leaf_hash": leaf, "kind": e.kind,
                               "namespace": e.namespace, "subject": " ".join(e.subjects)[:200],
                               "body": e.body.decode(), "created": now})  # fmt: skip
                pending.update(
                    new_nodes_for_append(size, leaf, lambda k: pending.get(k) or frontier[k])
                )
                rows_s += [
                    {"digest": d, "idx": size} for d in sorted(set(e.subjects)) if len(d) <= 200
                ]
                seen[leaf] = size
                results.append(Appended(size, leaf, False))
                size += 1
            if size != start:
                conn.execute(entries.insert(), rows_e)
                if rows_s:
                    conn.execute(subjects.insert(), rows_s)
                conn.execute(
                    nodes.insert(),
                    [{"level": k[0], "idx": k[1], "hash": h} for k, h in pending.items()],
                )
                tree = {**frontier, **pending}
                root = range_hash(0, size, tree)
                conn.execute(checkpoints.insert().values(size=size, note=self._sign(size, root)))
                conn.execute(log_head.update().where(log_head.c.id == 1).values(size=size))
        if size != start:  # committed: remember the new frontier and nodes
            self._frontier = (size, {k: tree[k] for k in root_plan(size)})
            recent = self._recent if len(self._recent) < RECENT_NODES else {}
            recent.update(pending)
            self._recent = recent
        return results

    # -- witness cosignatures (c2sp.org/tlog-cosignature) -----------------------------------
    def add_cosignatures(self, size: int, lines: dict[str, str]) -> None:
        """Record the cosignature line each witness (by vkey) returned for checkpoint ``size``."""
        if not lines:
            return
        with self.engine.begin() as conn:
            have = set(conn.execute(_COSIGNED_BY, {"size": size}).scalars())
            rows = [
                {"size": size, "witness": w, "line": ln} for w, ln in lines.items() if w not in have
            ]
            if rows:
                conn.execute(cosignatures.insert(), rows)

    def cosignatures(self, size: int) -> list[str]:
        """The cosignature lines recorded for checkpoint ``size``, in witness order."""
        with self.reader.connect() as conn:
            return [str(r) for r in conn.execute(_COSIGNATURES, {"size": size}).scalars()]

    def latest_cosigned(self) -> int | None:
        """The largest checkpoint size with any cosignature."""
        with self.reader.connect() as conn:
            v = conn.execute(_LATEST_COSIGNED).scalar()
        return None if v is None else int(v)

    def iter_bodies(self, size: int, chunk: int = 5000) -> Iterator[bytes]:
        """Every entry's leaf bytes, in log order, up to ``size`` (streamed in chunks)."""
        for start in range(0, size, chunk):
            with self.reader.connect() as conn:
                rows = conn.execute(
                    select(entries.c.body)
                    .where(entries.c.idx >= start, entries.c.idx < min(size, start + chunk))
                    .order_by(entries.c.idx)
                )
                for body in rows.scalars():
                    yield str(body).encode()

    def bodies(self, indexes: Iterable[int]) -> dict[int, dict[str, Any]]:
        with self.reader.connect() as conn:
            rows = conn.execute(select(entries).where(entries.c.idx.in_(list(indexes))))
            return {r.idx: json.loads(r.body) for r in rows}
