"""The log service: the one implementation of append, checkpoints, entries, proofs and lookup.

The HTTP app (``_server.py``) and the in-process embedded client (``_transport.py``) both call
this layer, so the embedded registry behaves exactly as a served one. Refusals raise
:class:`ServiceError` carrying the HTTP status the API answers with; nothing here knows HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detente.errors import Error
from detente.registry._checkpoint import LogKey
from detente.registry._merkle import leaf_hash
from detente.registry._policy import (
    ServiceError,
    admit,
    b64,
    canonical_bundle,
    namespace_keys,
    statement_of,
)

if TYPE_CHECKING:
    from pathlib import Path

    from detente.attest import VerifyingKey
    from detente.registry._store import LogStore
    from detente.registry._witnessing import Cosigner

__all__ = ["MAX_INDEX", "LogService", "Page"]

MAX_INDEX = 2**62  # every index and size parameter is bounded (BIGINT columns)
MAX_PAGE = 1000


@dataclass(frozen=True)
class Page:
    """One page of a lookup: indexes in log order, and the cursor for the next page."""

    indexes: tuple[int, ...]
    next: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"indexes": list(self.indexes), "next": self.next}


class LogService:
    """Log operations over a :class:`LogStore`; the checks every transport shares."""

    def __init__(self, store: LogStore, cosigner: Cosigner | None = None) -> None:
        from detente.registry._sequencer import Sequencer

        self.store = store
        self.cosigner = cosigner
        self.sequencer = Sequencer(store)  # group commit: concurrent appends share a commit
        # namespace -> (indexes of its claim and rotations, the keys they give): re-read only
        # when that list changes, so an append does not re-parse the namespace's history.
        self._keys: dict[str, tuple[list[int], list[VerifyingKey] | None]] = {}

    @property
    def key(self) -> LogKey:
        return self.store.key

    def log_key(self) -> str:
        """The log's verifier key (``name+id+base64``)."""
        return self.store.key.vkey

    def size(self) -> int:
        return self.store.size()

    def checkpoint(self, size: int | None = None) -> str:
        """The signed checkpoint note, latest or at ``size`` (404 if never signed), with the
        witness cosignatures collected for it. With witnesses, "latest" is the newest
        checkpoint a cosigning round has finished for."""
        if size is not None and not 0 <= size <= min(MAX_INDEX, self.store.size()):
            raise ServiceError(404, "no checkpoint for that size")
        if size is None and self.cosigner is not None:
            size = self.cosigner.served_size()
        try:
            note = self.store.checkpoint(size)
        except KeyError:
            raise ServiceError(404, "no checkpoint for that size") from None
        if size is None:
            return note
        return note + "".join(self.store.cosignatures(size))

    def entry(self, index: int) -> dict[str, Any]:
        """One entry as the API serves it: index, leaf hash, kind, namespace and bundle."""
        e = self.store.entry(index) if 0 <= index < self.store.size() else None
        if e is None:
            raise ServiceError(404, "no such entry")
        return {
            "index": e["index"],
            "leaf_hash": b64(e["leaf_hash"]),
            "kind": e["kind"],
            "namespace": e["namespace"],
            "bundle": json.loads(e["body"]),
        }

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 §2.1.3 inclusion proof of leaf ``index`` in the tree of ``size``."""
        if not 0 <= index < size <= self.store.size():
            raise ServiceError(400, "need 0 <= index < size <= current tree size")
        return self.store.inclusion(index, size)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 §2.1.4 consistency proof between two tree sizes."""
        if not 0 <= first <= second <= self.store.size():
            raise ServiceError(400, "need 0 <= first <= second <= current tree size")
        return self.store.consistency(first, second)

    def lookup(
        self,
        *,
        digest: str | None = None,
        namespace: str | None = None,
        after: int = -1,
        limit: int = MAX_PAGE,
    ) -> Page:
        """Indexes of the entries about ``digest`` and/or in ``namespace``, one page."""
        if not digest and not namespace:
            raise ServiceError(400, "give digest= or namespace=")
        if digest is not None and (":" not in digest or len(digest) > 200):
            raise ServiceError(400, "digest must look like sha256:<hex>")
        limit = max(1, min(limit, MAX_PAGE))
        found = self.store.find(subject=digest, namespace=namespace, after=after, limit=limit)
        return Page(tuple(found), found[-1] if len(found) == limit else None)

    def export_tiles(self, out: Path) -> int:
        """Write the log's served checkpoint as static tiles under ``out`` (tlog-tiles)."""
        from detente.registry._checkpoint import parse_checkpoint
        from detente.registry._tiles import export_tiles

        note = self.checkpoint()
        cp = parse_checkpoint(note, self.key, origin=self.store.origin)
        bodies = self.store.iter_bodies(cp.size)
        return export_tiles(out, cp.size, bodies, note, self.key.vkey, expect_root=cp.root)

    def _namespace_keys(self, namespace: str, idx: list[int]) -> list[VerifyingKey] | None:
        """The keys ``namespace``'s claim and rotations (at ``idx``) give, parsed once per
        change of that list."""
        cached = self._keys.get(namespace)
        if cached is not None and cached[0] == idx:
            return cached[1]
        bodies = self.store.bodies(idx)
        keys = namespace_keys([statement_of(bodies[i]) for i in idx])
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[namespace] = (idx, keys)
        return keys

    def append(self, bundle: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        """Verify ``bundle`` against its namespace's keys and append it (idempotent).

        Returns ``{"index", "leaf_hash", "duplicate"}``; raises :class:`ServiceError`
        (an :class:`AdmissionError` for entries the policy refuses). No refusal changes state."""
        if namespace is not None and not isinstance(namespace, str):
            raise ServiceError(400, "namespace must be a string")
        body = canonical_bundle(bundle)
        leaf = leaf_hash(body)
        try:
            # Parsed once: the unverified statement names the namespace whose keys must
            # verify it, and ``admit`` decides from it (the signature is verified there).
            st = statement_of(bundle)
        except Error as exc:  # any parse problem in a hostile bundle is the client's fault
            # A duplicate was admitted once, so it parses: nothing to look up.
            raise ServiceError(400, f"malformed bundle: {exc}") from None
        pred_ns = st.predicate.get("namespace")
        ns = pred_ns if isinstance(pred_ns, str) else namespace
        ns = ns if isinstance(ns, str) and ns else None
        facts = self.store.admitting(leaf, ns)  # duplicate check and claims: one query
        if facts.existing is not None:
            if self.cosigner is not None:
                self.cosigner.wait(facts.existing + 1)
            return {"index": facts.existing, "leaf_hash": b64(leaf), "duplicate": True}
        try:
            keys = self._namespace_keys(ns, list(facts.claims)) if ns else None
            adm = admit(bundle, namespace, keys, statement=st)
        except ServiceError:
            raise
        except Error as exc:
            raise ServiceError(400, f"malformed bundle: {exc}") from None
        from detente.registry._store import NewEntry

        res = self.sequencer.append(NewEntry(body, adm.kind, adm.namespace, adm.subjects))
        if self.cosigner is not None:
            # Acknowledge once a witnessed checkpoint covers the entry (batched rounds).
            self.cosigner.wait(res.index + 1)
        return {"index": res.index, "leaf_hash": b64(res.leaf_hash), "duplicate": res.duplicate}
