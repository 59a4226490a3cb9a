"""Reading a log from static tiles alone (c2sp.org/tlog-tiles): a directory or a URL prefix.

Proofs are computed here from tile hashes and checked by the client against the checkpoint
it verified; lookups come from a local index built by reading every entry bundle once,
checking each entry against its level-0 tile hash and the whole sequence against the
checkpoint's root (so a mirror can neither hide nor invent an entry), then extended
incrementally. Nothing is taken on trust from the host.
"""

from __future__ import annotations

import base64
import hmac
import json
import sqlite3
from collections import OrderedDict
from pathlib import Path
from typing import Any

from detente.errors import Error, FormatError, InputError, UsageError
from detente.registry._checkpoint import parse_checkpoint_body
from detente.registry._merkle import (
    NodeKey,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    leaf_hash,
)
from detente.registry._note import split_note
from detente.registry._policy import KINDS, statement_of, subjects_of
from detente.registry._tiles import (
    HASH,
    TILE_WIDTH,
    CompactRange,
    bundle_entries,
    entries_path,
    subtree_hash,
    tile_path,
)
from detente.registry._trust import LogError

__all__ = ["TileTransport", "is_tiles"]


def is_tiles(source: str) -> bool:
    """A local directory, or a URL written ``tiles+https://…``."""
    return source.startswith("tiles+") or Path(source).is_dir()


class TileTransport:
    """A read-only transport over tiles; ``index`` is the local lookup index (SQLite)."""

    def __init__(self, source: str, index: Path) -> None:
        self.name = source
        src = source.removeprefix("tiles+")
        self.dir = None if src.startswith(("http://", "https://")) else Path(src)
        self.http: Any = None
        if self.dir is None:
            import httpx

            self.http = httpx.Client(base_url=src.rstrip("/") + "/", timeout=30.0)
        self.cache: OrderedDict[str, bytes] = OrderedDict()
        self.size: int | None = None
        self.root: bytes | None = None
        self.index_path = index
        self._conn: sqlite3.Connection | None = None
        self._synced: tuple[int, bytes] | None = None  # (size, root) indexed and verified
        # Perfect-subtree hashes never change once complete: keep the ones proofs used.
        self._node_cache: OrderedDict[NodeKey, bytes] = OrderedDict()
        self._bundles: OrderedDict[str, list[bytes]] = OrderedDict()  # parsed entry bundles

    # -- fetching ---------------------------------------------------------------------------
    def _get(self, path: str, immutable: bool = True) -> bytes:
        if immutable and path in self.cache:
            self.cache.move_to_end(path)
            return self.cache[path]
        try:
            if self.dir is not None:
                data = (self.dir / path).read_bytes()
            else:
                r = self.http.get(path)
                if r.status_code != 200:
                    raise InputError(f"tiles {self.name}/{path}: HTTP {r.status_code}")
                data = r.content
        except OSError as exc:
            raise InputError(f"tiles {self.name}: cannot read {path}: {exc.strerror}") from None
        except Exception as exc:
            if exc.__class__.__module__.startswith("httpx"):
                raise InputError(f"tiles {self.name} unreachable: {exc}") from None
            raise
        if immutable:
            self.cache[path] = data
            if len(self.cache) > 512:
                self.cache.popitem(last=False)
        return data

    def log_key(self) -> str:
        return self._get("log-key", immutable=False).decode().strip()

    def checkpoint(self) -> str:
        note = self._get("checkpoint", immutable=False).decode("utf-8", "replace")
        text, _ = split_note(note)
        cp = parse_checkpoint_body(text)  # the client verifies the signature on this same note
        self.size, self.root = cp.size, cp.root
        return note

    def _size(self) -> int:
        if self.size is None:
            self.checkpoint()
        assert self.size is not None
        return self.size

    # -- hashes and proofs --------------------------------------------------------------------
    def _tile(self, level: int, n: int, size: int) -> list[bytes]:
        count = size // TILE_WIDTH**level  # hashes at this tile level
        width = TILE_WIDTH if n < count // TILE_WIDTH else count % TILE_WIDTH
        if width == 0:
            raise LogError(f"no tile {level}/{n} in a tree of size {size}")
        data = self._get(tile_path(level, n, width))
        if len(data) != width * HASH:
            raise LogError(f"tile {level}/{n} has {len(data)} bytes, expected {width * HASH}")
        return [data[i : i + HASH] for i in range(0, len(data), HASH)]

    def _node(self, key: NodeKey, size: int) -> bytes:
        lv, idx = key
        t, r = divmod(lv, 8)
        first = idx << r  # the first tile-level hash under this node
        hashes = self._tile(t, first // TILE_WIDTH, size)
        part = hashes[first % TILE_WIDTH : first % TILE_WIDTH + (1 << r)]
        if len(part) != 1 << r:
            raise LogError(f"tile {t}/{first // TILE_WIDTH} is too short for node {key}")
        return subtree_hash(part)

    def _nodes(self, keys: set[NodeKey], size: int) -> dict[NodeKey, bytes]:
        out = {}
        for k in keys:
            h = self._node_cache.get(k)
            if h is None:
                h = self._node_cache[k] = self._node(k, size)
                if len(self._node_cache) > 4096:
                    self._node_cache.popitem(last=False)
            out[k] = h
        return out

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return inclusion_proof(index, size, self._nodes(inclusion_plan(index, size), size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        plan = consistency_plan(first, second)
        return consistency_proof(first, second, self._nodes(plan, second))

    # -- entries ----------------------------------------------------------------------------
    def _bundle(self, n: int, size: int) -> list[bytes]:
        width = TILE_WIDTH if n < size // TILE_WIDTH else size % TILE_WIDTH
        path = entries_path(n, width)
        hit = self._bundles.get(path)
        if hit is None:
            hit = self._bundles[path] = bundle_entries(self._get(path), width)
            if len(self._bundles) > 64:
                self._bundles.popitem(last=False)
        return hit

    def entry(self, index: int) -> dict[str, Any]:
        size = self._size()
        if not 0 <= index < size:
            raise InputError(f"tiles {self.name}: no entry {index} in a log of {size}")
        body = self._bundle(index // TILE_WIDTH, size)[index % TILE_WIDTH]
        try:
            bundle = json.loads(body)
        except ValueError:
            raise FormatError(f"entry {index} is not a JSON bundle") from None
        return {"index": index, "namespace": _namespace(bundle), "bundle": bundle,
                "leaf_hash": base64.b64encode(leaf_hash(body)).decode()}  # fmt: skip

    # -- the local index ----------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.index_path, check_same_thread=False)
        self._conn = db
        db.executescript(
            "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, ns TEXT);"
            "CREATE INDEX IF NOT EXISTS entries_ns ON entries (ns);"
            "CREATE TABLE IF NOT EXISTS subjects (digest TEXT, idx INTEGER,"
            " PRIMARY KEY (digest, idx));"
        )
        return db

    def sync(self) -> int:
        """Index every entry up to the current checkpoint, verifying the entries hash to its
        root (extending the verified prefix kept from earlier syncs). Returns the size."""
        size, root = self._size(), self.root
        if root is not None and self._synced == (size, root):
            return size  # this process indexed and verified exactly this tree already
        with self._db() as db:
            row = db.execute("SELECT v FROM meta WHERE k = 'state'").fetchone()
            done, stack = (0, []) if row is None else _load_state(row[0])
            if size < done:
                raise LogError(f"the tiles shrank from {done} to {size} entries")
            tree = CompactRange(stack)
            if done == size and root is not None and hmac.compare_digest(tree.root(), root):
                self._synced = (size, root)
                return size
            for n in range(done // TILE_WIDTH, -(-size // TILE_WIDTH)):
                bodies = self._bundle(n, size)
                leaves = self._tile(0, n, size)
                for j, body in enumerate(bodies):
                    i = n * TILE_WIDTH + j
                    if i < done:
                        continue
                    h = leaf_hash(body)
                    if not hmac.compare_digest(h, leaves[j]):
                        raise LogError(f"entry {i} does not match its level-0 tile hash")
                    tree.append(h)
                    _index_entry(db, i, body)
            if root is None or not hmac.compare_digest(tree.root(), root):
                db.rollback()
                raise LogError("the tiles' entries do not hash to the checkpoint's root")
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('state', ?)", (_dump_state(size, tree),)
            )
        self._synced = (size, root)
        return size

    def lookup(self, *, digest: str | None = None, namespace: str | None = None) -> list[int]:
        self.sync()
        sql, args = "SELECT e.idx FROM entries e", []
        if digest is not None:
            sql += " JOIN subjects s ON s.idx = e.idx AND s.digest = ?"
            args.append(digest)
        if namespace is not None:
            sql += " WHERE e.ns = ?"
            args.append(namespace)
        return [int(r[0]) for r in self._db().execute(sql + " ORDER BY e.idx", args)]

    def append(self, bundle: dict[str, Any], namespace: str | None) -> dict[str, Any]:
        raise UsageError(f"{self.name} is a static tile mirror: publish to the registry itself")


def _namespace(bundle: Any) -> str | None:
    try:
        ns = statement_of(bundle).predicate.get("namespace")
    except (Error, ValueError):
        return None  # a malformed leaf simply has no namespace
    return ns if isinstance(ns, str) else None


def _index_entry(db: sqlite3.Connection, i: int, body: bytes) -> None:
    ns: str | None = None
    subjects: tuple[str, ...] = ()
    try:
        st = statement_of(json.loads(body))
    except (Error, ValueError, RecursionError):
        st = None  # an entry we cannot read is indexed under nothing
    if st is not None:
        subjects = subjects_of(st)
        pred_ns = st.predicate.get("namespace")
        ns = pred_ns if isinstance(pred_ns, str) and KINDS.get(st.predicate_type) else None
    db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (i, ns))
    db.executemany("INSERT OR IGNORE INTO subjects VALUES (?, ?)", [(d, i) for d in subjects])


def _dump_state(size: int, tree: CompactRange) -> str:
    return json.dumps({"size": size, "stack": [[lv, h.hex()] for lv, h in tree.stack]})


def _load_state(text: str) -> tuple[int, list[tuple[int, bytes]]]:
    d = json.loads(text)
    return int(d["size"]), [(int(lv), bytes.fromhex(h)) for lv, h in d["stack"]]
