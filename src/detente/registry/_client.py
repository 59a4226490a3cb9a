"""Registry client: publish entries, and check a model with proofs it verifies itself.

The client never takes the log's word. It composes four separate pieces:

* a :class:`Transport` (HTTP, or the in-process service) that fetches unverified data;
* a :class:`TrustState` (pinned or first-use log key, last verified checkpoint) kept on disk
  per log by a :class:`TrustStore`;
* the proof checks (``_checkpoint.parse_checkpoint``, ``_merkle.verify_*``): every checkpoint
  is verified with the log key and must be consistent with the last one this client saw, and
  every entry it relies on must be included in the verified checkpoint;
* the status rule (``_status.status_of``), applied to entries whose signatures were verified
  with the namespace keys the log itself proves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.errors import Error, UsageError
from detente.registry._checkpoint import Checkpoint, LogKey, parse_checkpoint
from detente.registry._merkle import leaf_hash, verify_inclusion
from detente.registry._policy import (
    KINDS,
    AdmissionError,
    admit,
    canonical_bundle,
    namespace_keys,
    statement_of,
)
from detente.registry._status import Status, VerifiedEntry, status_of
from detente.registry._trust import LogError, TrustStore

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from detente.attest import Statement, VerifyingKey
    from detente.registry._cosign import Quorum, WitnessKey
    from detente.registry._transport import Transport

__all__ = ["RegistryClient"]


class RegistryClient:
    """A verifying client of one log. Build it with :func:`detente.registry.connect`."""

    def __init__(
        self,
        transport: Transport,
        trust: TrustStore,
        *,
        log_key: LogKey | None = None,
        witnesses: Sequence[WitnessKey] = (),
        quorum: int = 0,
    ) -> None:
        """``witnesses``/``quorum``: trust a checkpoint only with ``quorum`` valid
        cosignatures from distinct ``witnesses`` (c2sp.org/tlog-cosignature)."""
        if not 0 <= quorum <= len(witnesses):
            raise UsageError(f"quorum {quorum} is not between 0 and the {len(witnesses)} witnesses")
        self.transport = transport
        self.url = transport.name
        self.trust = trust
        self.witnesses = tuple(witnesses)
        self.quorum = quorum
        self.last_quorum: Quorum | None = None
        self.last_note = ""
        state = trust.load()
        served = state.vkey if log_key is not None else transport.log_key()
        self.log_key, new = state.accept_key(served or "", log_key)
        if new != state:
            trust.save(new)

    # -- unverified reads -------------------------------------------------------------------
    def lookup(self, *, digest: str | None = None, namespace: str | None = None) -> list[int]:
        """Every index the log lists for a query (unverified: check each with
        :meth:`verified_statement`)."""
        return self.transport.lookup(digest=digest, namespace=namespace)

    # -- verified reads ---------------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        """The log's latest checkpoint, verified and consistent with the last one seen."""
        note = self.transport.checkpoint()
        cp = parse_checkpoint(note, self.log_key)
        self.last_note = note
        if self.quorum:
            from detente.registry._cosign import require_quorum

            self.last_quorum = require_quorum(note, self.witnesses, self.quorum)
        state = self.trust.load()
        proof = self.transport.consistency(state.size, cp.size) if state.needs_proof(cp) else []
        new = state.advance(cp, proof)
        if new != state:  # nothing new: no write (a warm check touches no disk)
            self.trust.save(new)
        return cp

    def verified_statement(
        self, index: int, cp: Checkpoint, expect_leaf: bytes | None = None
    ) -> tuple[Statement, dict[str, Any]]:
        """Entry ``index`` proven included in ``cp``; its statement is *not* yet verified
        against its namespace's keys."""
        e = self.transport.entry(index)
        leaf = leaf_hash(canonical_bundle(e["bundle"]))
        if expect_leaf is not None and leaf != expect_leaf:
            raise LogError(f"entry {index} is not the entry that was published")
        proof = self.transport.inclusion(index, cp.size)
        if not verify_inclusion(leaf, index, cp.size, proof, cp.root):
            raise LogError(
                f"entry {index} is not included in the verified checkpoint of size {cp.size}"
            )
        return statement_of(e["bundle"]), e

    def namespace_keys(self, ns: str, cp: Checkpoint) -> list[VerifyingKey] | None:
        """The current keys of namespace ``ns`` as the log proves them (None: unclaimed),
        re-checking every claim and rotation as the log's admission did."""
        history: list[tuple[int, Statement, dict[str, Any]]] = []
        for i in self.lookup(namespace=ns):
            if i >= cp.size:
                continue
            st, e = self.verified_statement(i, cp)
            if KINDS.get(st.predicate_type) in ("namespace-claim", "key-rotation"):
                history.append((i, st, e))
        keys = None
        for i, _st, e in history:
            try:
                admit(e["bundle"], ns, keys)
            except AdmissionError as exc:
                raise LogError(f"log entry {i} should not have been admitted: {exc}") from None
            keys = namespace_keys([s for j, s, _ in history if j <= i])
        return keys

    def publish(self, bundle: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        """Append ``bundle`` and check the acknowledgement: the entry must be included in a
        checkpoint this client verifies."""
        out = dict(self.transport.append(bundle, namespace))
        cp = self.checkpoint()
        self.verified_statement(
            int(out["index"]), cp, expect_leaf=leaf_hash(canonical_bundle(bundle))
        )
        out["checkpoint_size"] = cp.size
        return out

    # -- status -----------------------------------------------------------------------------
    def _signed(self, index: int, e: dict[str, Any], keys: list[VerifyingKey]) -> Statement:
        from detente.attest import verify_bundle

        for k in keys:
            try:
                return verify_bundle(e["bundle"], k)
            except Error:
                continue
        raise LogError(f"entry {index} is not signed by a key of namespace {e['namespace']!r}")

    def verified_entries(self, digest: str, cp: Checkpoint) -> list[VerifiedEntry]:
        """The entries about ``digest`` and the release lineage of its releases, each proven
        included in ``cp`` and signed by a key of its namespace (gathering for status_of)."""
        keys: dict[str, list[VerifyingKey]] = {}
        about: list[VerifiedEntry] = []
        for i in self.lookup(digest=digest):
            if i >= cp.size:
                continue
            st, e = self.verified_statement(i, cp)
            ns = e["namespace"]
            if ns is None:
                # A tile mirror cannot know a namespace given only as a request hint: such
                # entries are evidence bundles, never releases, revocations or advisories.
                if KINDS.get(st.predicate_type) in ("release", "revocation", "advisory"):
                    raise LogError(f"entry {i} names no namespace")
                continue
            if ns not in keys:
                keys[ns] = self.namespace_keys(ns, cp) or []
            about.append(VerifiedEntry(i, ns, self._signed(i, e, keys[ns])))
        names = {
            (e.namespace, e.statement.predicate.get("name")) for e in about if e.kind == "release"
        }
        lineage: list[VerifiedEntry] = []
        for ns in sorted({ns for ns, _ in names}):
            for i in self.lookup(namespace=ns):
                if i >= cp.size:
                    continue
                st, e = self.verified_statement(i, cp)
                if (
                    KINDS.get(st.predicate_type) == "release"
                    and (ns, st.predicate.get("name")) in names
                ):
                    lineage.append(VerifiedEntry(i, ns, self._signed(i, e, keys[ns])))
        return about + lineage

    def export_tiles(self, out: Path, *, on_entry: Callable[[int], None] | None = None) -> int:
        """Write a verified static-tile mirror of this log under ``out`` (tlog-tiles): every
        entry is fetched, the whole must hash to the verified checkpoint's root, and only then
        is the checkpoint published. Returns the number of files written."""
        from detente.registry._tiles import export_tiles

        cp = self.checkpoint()
        note = self.last_note
        bodies = (canonical_bundle(self.transport.entry(i)["bundle"]) for i in range(cp.size))
        return export_tiles(out, cp.size, bodies, note, self.log_key.vkey,
                            expect_root=cp.root, on_entry=on_entry)  # fmt: skip

    def check_digest(self, digest: str) -> Status:
        """The digest's status in the log, every entry it rests on verified."""
        cp = self.checkpoint()
        return status_of(digest, self.verified_entries(digest, cp), checkpoint_size=cp.size)
