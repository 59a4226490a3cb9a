"""A monitor of the log: follow it, verify it, report what happens in some namespaces.

:func:`watch_step` reads entries ``[since, checkpoint size)`` through a verifying client
(checkpoint signature, consistency with the last checkpoint seen, witness quorum if
configured, inclusion of every entry) and turns each entry of a watched namespace into an
event. Key-compromise detection: the monitor replays each watched namespace's claim and
rotations itself, so an entry that no announced key of its namespace signed, or a rotation,
raises an alert. The state (next index, current keys) is a value the caller persists, so a
watch resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from detente.errors import Error, FormatError
from detente.registry._policy import KINDS

if TYPE_CHECKING:
    from detente.attest import Statement
    from detente.registry._client import RegistryClient

__all__ = ["WatchState", "watch_step"]

SCHEMA = "detente.registry-watch/v1"


@dataclass(frozen=True)
class WatchState:
    """Where a watch is: the next index to read, and each watched namespace's keys (PEM)."""

    next_index: int = 0
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "next_index": self.next_index,
                "keys": {ns: list(k) for ns, k in sorted(self.keys.items())}}  # fmt: skip

    @classmethod
    def from_dict(cls, d: Any) -> WatchState:
        try:
            if d.get("schema") != SCHEMA:
                raise ValueError
            keys = {str(ns): tuple(str(k) for k in v) for ns, v in d.get("keys", {}).items()}
            return cls(int(d["next_index"]), keys)
        except (AttributeError, KeyError, TypeError, ValueError):
            raise FormatError(f"not a {SCHEMA} state") from None


def _event(i: int, kind: str, ns: str, st: Statement, **extra: Any) -> dict[str, Any]:
    p = st.predicate
    fields = ("name", "version", "digest", "reason", "severity", "affected", "summary",
              "fixed_version", "root_digest")  # fmt: skip
    return {"index": i, "kind": kind, "namespace": ns,
            **{k: p[k] for k in fields if k in p}, **extra}  # fmt: skip


def _signed_by(bundle: dict[str, Any], pems: Sequence[str]) -> Statement | None:
    from detente.attest import load_public_key, verify_bundle

    for pem in pems:
        try:
            return verify_bundle(bundle, load_public_key(pem.encode()))
        except Error:
            continue
    return None


def watch_step(
    client: RegistryClient, namespaces: Sequence[str], state: WatchState, emit_from: int = 0
) -> Iterator[tuple[dict[str, Any] | None, WatchState]]:
    """For each new entry up to the verified checkpoint: its event (None when it is not in
    ``namespaces``, or before ``emit_from``, which only update the keys) and the state to
    persist after it. Raises LogError if the log misbehaves."""
    for event, new in _steps(client, set(namespaces), state):
        yield (event if event is not None and event["index"] >= emit_from else None), new


def _steps(
    client: RegistryClient, watched: set[str], state: WatchState
) -> Iterator[tuple[dict[str, Any] | None, WatchState]]:
    cp = client.checkpoint()
    for i in range(state.next_index, cp.size):
        st, e = client.verified_statement(i, cp)
        ns = e.get("namespace") or st.predicate.get("namespace")
        kind = KINDS.get(st.predicate_type, "attestation")
        state = replace(state, next_index=i + 1)
        if ns not in watched:
            yield None, state
            continue
        current = state.keys.get(ns)
        if kind == "namespace-claim" and current is None:
            pems = tuple(str(k) for k in st.predicate.get("keys", []))
            if _signed_by(e["bundle"], pems) is None:
                yield _event(i, kind, ns, st, alert="claim not signed by a key it names"), state
                continue
            state = replace(state, keys={**state.keys, ns: pems})
            yield _event(i, kind, ns, st), state
            continue
        if current is None or _signed_by(e["bundle"], current) is None:
            why = (
                "namespace not claimed"
                if current is None
                else "signed by a key the namespace never announced"
            )
            yield _event(i, kind, ns, st, alert=f"possible key compromise: {why}"), state
            continue
        if kind == "key-rotation":
            pems = tuple(str(k) for k in st.predicate.get("keys", []))
            state = replace(state, keys={**state.keys, ns: pems})
            yield (
                _event(
                    i, kind, ns, st, alert="key rotation: confirm the namespace owner expected it"
                ),
                state,
            )
            continue
        yield _event(i, kind, ns, st), state
