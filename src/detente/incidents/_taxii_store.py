"""TAXII object storage: SQLAlchemy 2 Core over SQLite (default) or PostgreSQL.

Pagination is keyset pagination on ``date_added`` (TAXII 2.1 §3.4): every object version gets
a ``date_added`` that is unique and strictly increasing within its collection (the clock, or
the previous value plus one microsecond), allocated under a lock on the collection's row. So
``added_after`` = the last page's ``X-TAXII-Date-Added-Last`` resumes exactly where the page
ended — which is how the manifest and versions endpoints page (their resources have no
``next``; oasis-tcs/cti-taxii2#110) — and ``next`` is the same position. Each page is one
index range scan: the first page costs the same at 10^5 objects as at 10, and a full walk is
linear. ``is_last``/``is_first`` flags are kept up to date on insert so ``match[version]``'s
default (``last``) is an indexed predicate too.

Tables are created idempotently (``CREATE TABLE IF NOT EXISTS``) under a prefix
(default ``taxii_``) beside the registry's own tables.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    exists,
    false,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection, Engine

from detente.incidents._stix_markings import is_tlp_red, red_recipients
from detente.incidents._taxii_query import Query, format_timestamp, parse_timestamp

__all__ = ["Added", "Row", "TaxiiStore"]

_Seq = Integer().with_variant(BigInteger(), "postgresql")


def _tables(prefix: str) -> tuple[MetaData, Table, Table, Table, Table]:
    md = MetaData()
    cols = Table(
        f"{prefix}collections",
        md,
        Column("id", String(128), primary_key=True),
        Column("last_added", BigInteger, nullable=False),
    )
    objs = Table(
        f"{prefix}objects",
        md,
        Column("seq", _Seq, primary_key=True, autoincrement=True),
        Column("collection", String(128), nullable=False),
        Column("object_id", String(300), nullable=False),
        Column("type", String(250), nullable=False),
        Column("spec_version", String(8), nullable=False),
        Column("version", String(40), nullable=False),
        Column("version_us", BigInteger, nullable=False),
        Column("date_added", BigInteger, nullable=False),
        Column("is_last", Boolean, nullable=False),
        Column("is_first", Boolean, nullable=False),
        Column("red", Boolean, nullable=False),
        Column("body", Text, nullable=False),
        Index(f"{prefix}objects_added", "collection", "date_added", unique=True),
        Index(f"{prefix}objects_version", "collection", "object_id", "version_us", unique=True),
    )
    recips = Table(
        f"{prefix}recipients",
        md,
        Column("seq", _Seq, primary_key=True),
        Column("principal", String(256), primary_key=True),
    )
    status = Table(
        f"{prefix}status",
        md,
        Column("id", String(64), primary_key=True),
        Column("owner", String(128), nullable=False),
        Column("body", Text, nullable=False),
    )
    return md, cols, objs, recips, status


@dataclass(frozen=True)
class Row:
    object_id: str
    version: str
    spec_version: str
    date_added: int
    body: str


@dataclass(frozen=True)
class Added:
    """The outcome of one POST: TAXII 2.1 §4.3 status details."""

    successes: tuple[tuple[str, str, str], ...]  # (id, version, message)
    failures: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class _New:
    object_id: str
    type: str
    spec_version: str
    version: str | None
    version_us: int | None
    red: bool
    recipients: tuple[str, ...]
    body: str


def _classify(obj: object) -> _New | str:
    """A new object's indexed fields, or why it is refused (pure)."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    oid, otype = obj.get("id"), obj.get("type")
    if not isinstance(oid, str) or not isinstance(otype, str) or not oid.startswith(f"{otype}--"):
        return "id and type missing or inconsistent"
    if len(oid) > 300 or len(otype) > 250:
        return "id too long"
    spec = obj.get("spec_version", "2.1")
    if spec not in ("2.0", "2.1"):
        return f"unsupported spec_version {str(spec)[:16]!r}"
    ver = obj.get("modified", obj.get("created"))
    try:
        ver_us = None if ver is None else parse_timestamp(str(ver))
    except ValueError:
        return "modified/created is not an RFC 3339 timestamp"
    red = is_tlp_red(obj)
    recipients = red_recipients(obj) if red else ()
    if recipients is None:
        return "TLP:RED object names no recipients; refusing what could never be served"
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return _New(oid, otype, str(spec), None if ver is None else str(ver), ver_us, red,
                recipients, body)  # fmt: skip


class TaxiiStore:
    def __init__(self, url: str, *, prefix: str = "taxii_") -> None:
        sqlite = url.startswith("sqlite")
        self.engine: Engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"check_same_thread": False} if sqlite else {},
        )
        if sqlite:

            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()

        self._md, self.cols, self.objs, self.recips, self.status_t = _tables(prefix)
        self._md.create_all(self.engine, checkfirst=True)
        # One writer per process; across processes the row lock (PostgreSQL) or SQLite's
        # database lock plus the unique (collection, date_added) index keep date_added unique.
        self._write_lock = threading.Lock()

    def ensure_collections(self, ids: Iterable[str]) -> None:
        with self.engine.begin() as conn:
            have = set(conn.scalars(select(self.cols.c.id)))
            new = [{"id": i, "last_added": 0} for i in ids if i not in have]
            if new:
                conn.execute(insert(self.cols), new)

    # -- writes ----------------------------------------------------------------------------

    def add(self, collection: str, objects: Sequence[object]) -> Added:
        ok: list[tuple[str, str, str]] = []
        bad: list[tuple[str, str, str]] = []
        news: list[_New] = []
        for obj in objects:
            got = _classify(obj)
            if isinstance(got, str):
                oid = obj.get("id") if isinstance(obj, dict) else None
                bad.append((str(oid)[:300] if oid else "", "", got))
            else:
                news.append(got)
        with self._write_lock, self.engine.begin() as conn:
            ok.extend(self._insert(conn, collection, news))
        return Added(tuple(ok), tuple(bad))

    def _insert(
        self, conn: Connection, collection: str, news: list[_New]
    ) -> list[tuple[str, str, str]]:
        c, o = self.cols.c, self.objs.c
        last = conn.execute(
            select(c.last_added).where(c.id == collection).with_for_update()
        ).scalar_one()
        ids = list(dict.fromkeys(n.object_id for n in news))
        have: dict[str, set[int]] = {}
        for i in range(0, len(ids), 500):
            q = select(o.object_id, o.version_us).where(
                o.collection == collection, o.object_id.in_(ids[i : i + 500])
            )
            for oid, vus in conn.execute(q):
                have.setdefault(oid, set()).add(vus)
        rows: list[dict[str, Any]] = []
        red: dict[int, tuple[str, ...]] = {}  # date_added -> recipients
        out: list[tuple[str, str, str]] = []
        now = time.time_ns() // 1000
        for n in news:
            last = max(now, last + 1)
            # §3.6: an object without modified/created is versioned by its date_added.
            vus = n.version_us if n.version_us is not None else last
            version = n.version or format_timestamp(last)
            seen = have.setdefault(n.object_id, set())
            if vus in seen:
                out.append((n.object_id, version, "already present"))
                continue
            seen.add(vus)
            rows.append(
                dict(collection=collection, object_id=n.object_id, type=n.type,
                     spec_version=n.spec_version, version=version, version_us=vus,
                     date_added=last, is_last=False, is_first=False, red=n.red, body=n.body)
            )  # fmt: skip
            if n.red:
                red[last] = n.recipients
            out.append((n.object_id, version, "added"))
        if not rows:
            return out
        # An object's only version is both its first and its last: flag it at insert and
        # re-flag (one UPDATE per object) only objects that now have several versions.
        for r in rows:
            if len(have[r["object_id"]]) == 1:
                r["is_last"] = r["is_first"] = True
        conn.execute(insert(self.objs), rows)
        conn.execute(update(self.cols).where(c.id == collection).values(last_added=last))
        touched = list(dict.fromkeys(r["object_id"] for r in rows if len(have[r["object_id"]]) > 1))
        if touched:
            self._reflag(conn, collection, touched, have)
        if red:
            o = self.objs.c
            q = select(o.seq, o.date_added).where(
                o.collection == collection, o.date_added.in_(list(red))
            )
            recs = [{"seq": seq, "principal": p} for seq, d in conn.execute(q) for p in red[d]]
            conn.execute(insert(self.recips), recs)
        return out

    def _reflag(
        self, conn: Connection, collection: str, ids: list[str], have: dict[str, set[int]]
    ) -> None:
        o = self.objs.c
        params = [{"_oid": i, "_hi": max(have[i]), "_lo": min(have[i])} for i in ids]
        stmt = (
            update(self.objs)
            .where(o.collection == collection, o.object_id == bindparam("_oid"))
            .values(
                is_last=o.version_us == bindparam("_hi"), is_first=o.version_us == bindparam("_lo")
            )
        )
        conn.execute(stmt, params)

    def put_status(self, owner: str, body: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(self.status_t),
                {"id": body["id"], "owner": owner, "body": json.dumps(body)},
            )

    def status(self, status_id: str, owner: str) -> dict[str, Any] | None:
        s = self.status_t.c
        with self.engine.connect() as conn:
            body = conn.execute(
                select(s.body).where(s.id == status_id, s.owner == owner)
            ).scalar_one_or_none()
        return None if body is None else dict(json.loads(body))

    @staticmethod
    def new_status_id() -> str:
        return str(uuid.uuid4())

    # -- reads -----------------------------------------------------------------------------

    def _visible(self, principals: Sequence[str]) -> ColumnElement[bool]:
        o, r = self.objs.c, self.recips.c
        granted = exists().where(r.seq == o.seq, r.principal.in_(list(principals)))
        return or_(o.red == false(), granted)

    def _versions(self, wanted: tuple[str | int, ...], default: str) -> ColumnElement[bool]:
        o = self.objs.c
        conds: list[ColumnElement[bool]] = []
        for v in wanted or (default,):
            if v == "all":
                return true()
            if v == "last":
                conds.append(o.is_last == true())
            elif v == "first":
                conds.append(o.is_first == true())
            else:
                conds.append(o.version_us == int(v))
        return or_(*conds)

    def page(
        self,
        collection: str,
        query: Query,
        principals: Sequence[str],
        *,
        object_id: str | None = None,
        default_version: str = "last",
    ) -> tuple[list[Row], bool]:
        """One page in date_added order, and whether more rows follow."""
        o = self.objs.c
        where = [o.collection == collection, o.date_added > query.after, self._visible(principals)]
        if object_id is not None:
            where.append(o.object_id == object_id)
        if query.ids:
            where.append(o.object_id.in_(query.ids))
        if query.types:
            where.append(o.type.in_(query.types))
        if query.spec_versions:
            where.append(o.spec_version.in_(query.spec_versions))
        where.append(self._versions(query.versions, default_version))
        q = (
            select(o.object_id, o.version, o.spec_version, o.date_added, o.body)
            .where(and_(*where))
            .order_by(o.date_added)
            .limit(query.limit + 1)
        )
        with self.engine.connect() as conn:
            rows = [Row(*r) for r in conn.execute(q)]
        return rows[: query.limit], len(rows) > query.limit

    def has_object(self, collection: str, object_id: str, principals: Sequence[str]) -> bool:
        o = self.objs.c
        q = select(o.seq).where(
            o.collection == collection, o.object_id == object_id, self._visible(principals)
        )
        with self.engine.connect() as conn:
            return conn.execute(q.limit(1)).first() is not None

    def delete(
        self, collection: str, object_id: str, query: Query, principals: Sequence[str]
    ) -> int:
        """Delete the visible versions of one object that match (§5.7: ``match[version]``
        defaults to all versions here); returns how many were deleted."""
        o, r = self.objs.c, self.recips.c
        where = [o.collection == collection, o.object_id == object_id, self._visible(principals),
                 self._versions(query.versions, "all")]  # fmt: skip
        if query.spec_versions:
            where.append(o.spec_version.in_(query.spec_versions))
        with self._write_lock, self.engine.begin() as conn:
            seqs = list(conn.scalars(select(o.seq).where(and_(*where))))
            if not seqs:
                return 0
            conn.execute(delete(self.recips).where(r.seq.in_(seqs)))
            conn.execute(delete(self.objs).where(o.seq.in_(seqs)))
            left = set(conn.scalars(select(o.version_us).where(
                o.collection == collection, o.object_id == object_id)))  # fmt: skip
            if left:
                self._reflag(conn, collection, [object_id], {object_id: left})
        return len(seqs)
