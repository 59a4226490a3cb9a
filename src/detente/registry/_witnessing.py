"""The log side of witnessing: ask every configured witness to cosign each new checkpoint.

One background thread runs *rounds*: take the newest checkpoint, send it with a consistency
proof from each witness's last cosigned size to all witnesses in parallel
(c2sp.org/tlog-witness ``add-checkpoint``; a 409 tells us the witness's size, and we retry
once from there), store the cosignatures, and release every append waiting for that size. All
appends that arrive during a round are cosigned together in the next one (batching), so the
rate does not fall with the number of witnesses. A witness that is down or refuses simply
contributes nothing: clients count cosignatures against their own quorum.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detente.registry._cosign import WitnessKey, cosignature_lines
from detente.registry._witness import format_add_checkpoint

if TYPE_CHECKING:
    from detente.registry._store import LogStore

__all__ = ["Cosigner", "WitnessEndpoint", "parse_witness_spec"]


@dataclass(frozen=True)
class WitnessEndpoint:
    url: str  # submission prefix: POST <url>/add-checkpoint
    key: WitnessKey


def parse_witness_spec(spec: str) -> WitnessEndpoint:
    """``URL=VKEY`` (the URL itself must not contain ``=``)."""
    from detente.errors import UsageError

    url, sep, vkey = spec.partition("=")
    if not sep or not url.startswith(("http://", "https://")):
        raise UsageError(f"--witness takes URL=VKEY, got {spec[:80]!r}")
    return WitnessEndpoint(url.rstrip("/"), WitnessKey.from_vkey(vkey))


class _Link:
    """One keep-alive connection to a witness's ``add-checkpoint``. The standard library's
    client: httpx cost about a millisecond of CPU per request, three requests a round."""

    MAX_RESPONSE = 1 << 16

    def __init__(self, url: str, timeout: float) -> None:
        from urllib.parse import urlsplit

        u = urlsplit(url)
        self.https, self.host, self.port = u.scheme == "https", u.hostname or "", u.port
        self.path = (u.path or "") + "/add-checkpoint"
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, str] | None:
        """(status, text) of one POST, or None if the witness could not be reached."""
        while True:
            fresh = self.conn is None
            if self.conn is None:
                cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
                self.conn = cls(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("POST", self.path, body, {"content-type": "text/plain"})
                r = self.conn.getresponse()
                data = r.read(self.MAX_RESPONSE + 1)
            except (OSError, http.client.HTTPException):
                self.close()
                if fresh:
                    return None  # down (a kept-alive connection the witness closed: retry)
                continue
            if r.will_close or len(data) > self.MAX_RESPONSE or not r.isclosed():
                self.close()
            if len(data) > self.MAX_RESPONSE:
                return None
            return r.status, data.decode("utf-8", "replace")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Cosigner:
    """Collects cosignatures for ``store``'s checkpoints from ``witnesses``."""

    def __init__(
        self, store: LogStore, witnesses: Sequence[WitnessEndpoint], timeout: float = 5.0
    ) -> None:
        self.store = store
        self.witnesses = tuple(witnesses)
        self.links = {w.key.vkey: _Link(w.url, timeout) for w in self.witnesses}
        self.sizes: dict[str, int] = {}  # what each witness last cosigned, as far as we know
        self.done = -1  # the newest size a round has finished for
        self.wanted = -1  # the largest size an append is waiting for
        # Appends wake only the round loop when they arrive, and a finished round wakes only
        # the appends it covers, each through its own event (a heap by size). One condition
        # for all woke every waiting append on every arrival, and every round woke the
        # appends it did not cover yet too: thundering herds that, with dozens of requests
        # in flight, cost more than the rounds.
        self.lock = threading.Lock()
        self.kick = threading.Condition(self.lock)  # the loop waits here for ``wanted``
        self.waiters: list[tuple[int, int, threading.Event]] = []
        self.arrivals = itertools.count()
        self.pool = ThreadPoolExecutor(max(1, len(self.witnesses)))
        self.thread = threading.Thread(target=self._loop, daemon=True, name="cosigner")
        self.stopped = False

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            self.kick.notify_all()
            for _size, _n, event in self.waiters:
                event.set()
            self.waiters.clear()

    def served_size(self) -> int:
        """The checkpoint to serve: the newest one a round has finished for."""
        with self.lock:
            if self.done >= 0:
                return self.done
        cosigned = self.store.latest_cosigned()
        return cosigned if cosigned is not None else self.store.size()

    def wait(self, size: int, timeout: float = 30.0) -> bool:
        """Block until a round covering tree ``size`` finished (True) or ``timeout``."""
        with self.lock:
            if self.done >= size or self.stopped:
                return True
            event = threading.Event()
            heapq.heappush(self.waiters, (size, next(self.arrivals), event))
            if size > self.wanted:
                self.wanted = size
                self.kick.notify()  # wake the loop: there is something new
        return event.wait(timeout)

    def _loop(self) -> None:
        while True:
            with self.lock:
                # Woken by an append; otherwise poll the head once a second (entries
                # appended by another process sharing the database).
                self.kick.wait_for(lambda: self.stopped or self.wanted > self.done, timeout=1.0)
                if self.stopped:
                    return
            size = self.store.size()
            if size <= self.done:
                continue
            try:
                self._round(size)
            finally:
                with self.lock:
                    self.done = max(self.done, size)
                    while self.waiters and self.waiters[0][0] <= self.done:
                        heapq.heappop(self.waiters)[2].set()

    def _round(self, size: int) -> None:
        note = self.store.checkpoint(size)
        proofs: dict[int, list[bytes]] = {}  # witnesses at one size share one proof

        def proof(old: int) -> list[bytes]:
            if old not in proofs:
                proofs[old] = self.store.consistency(old, size) if 0 < old < size else []
            return proofs[old]

        results = self.pool.map(lambda w: self._ask(w, size, note, proof), self.witnesses)
        lines = {w.key.vkey: line for w, line in zip(self.witnesses, results, strict=True) if line}
        self.store.add_cosignatures(size, lines)

    def _ask(
        self, w: WitnessEndpoint, size: int, note: str, proof: Callable[[int], list[bytes]]
    ) -> str | None:
        old = self.sizes.get(w.key.vkey, 0)
        for _attempt in range(2):
            if old > size:
                return None  # the witness has seen more than we have: not ours to cosign
            got = self.links[w.key.vkey].post(format_add_checkpoint(old, proof(old), note))
            if got is None:
                return None  # down: no cosignature this round
            status, text = got
            if status == 409 and text.strip().isdigit():
                old = int(text.strip())
                self.sizes[w.key.vkey] = old
                continue
            if status != 200:
                return None
            self.sizes[w.key.vkey] = size
            return _own_line(text, w.key, note)
        return None


def _own_line(response: str, key: WitnessKey, note: str) -> str | None:
    """The response's cosignature line by ``key`` that verifies over ``note``'s body."""
    from detente.errors import FormatError

    body = note[: note.rfind("\n\n") + 1].encode()
    try:
        lines = cosignature_lines(response)
    except FormatError:
        return None
    for sig in lines:
        if (sig.name, sig.key_id) == (key.name, key.id) and key.verify_note(body, sig.signature):
            return sig.line()
    return None
