"""Group commit: appends that arrive while the log commits are integrated together next.

Every append used to be its own transaction: one fsync, one new checkpoint signature and one
set of subtree hashes per entry, so the write rate was the fsync rate. Here the first waiting
request becomes the *leader*: it takes every entry queued so far (up to ``max_batch``), appends
them in one :meth:`LogStore.append` transaction and hands each request its result; requests
that arrive meanwhile queue for the leader after it. Under load a batch holds every request
in flight, so the cost of a commit, and of the witnesses' cosigning round that follows it
(c2sp.org/tlog-witness: one ``add-checkpoint`` per witness per checkpoint, not per entry), is
shared by all of them. An entry is still acknowledged only after its transaction committed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detente.registry._store import Appended, LogStore, NewEntry

__all__ = ["Sequencer"]


@dataclass
class _Slot:
    entry: NewEntry
    wake: threading.Event = field(default_factory=threading.Event)
    result: Appended | None = None
    error: BaseException | None = None
    done: bool = False


class Sequencer:
    """Leader/follower group commit over ``store`` (no thread of its own).

    Each waiting request sleeps on its own event and is woken once: when its batch committed,
    or to lead the next batch. (One condition with ``notify_all`` woke every waiting request
    on every commit, to find most of them still queued: with 64 in flight that herd cost
    more CPU than the commits.)"""

    def __init__(self, store: LogStore, max_batch: int = 1000) -> None:
        self.store = store
        self.max_batch = max_batch
        self.lock = threading.Lock()
        self.queue: list[_Slot] = []
        self.committing = False  # a leader is running (or has been woken to run)
        self.batches = 0  # transactions committed (for tests and benchmarks)

    def append(self, entry: NewEntry) -> Appended:
        slot = _Slot(entry)
        with self.lock:
            self.queue.append(slot)
            lead, self.committing = not self.committing, True
        if not lead:
            slot.wake.wait()  # set when our batch is done, or when we are to lead
        if not slot.done:
            self._lead()
        if slot.error is not None:
            raise slot.error
        assert slot.result is not None
        return slot.result

    def _lead(self) -> None:
        """Commit the queue's head (our own slot is its first entry), then hand over."""
        with self.lock:
            batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
        results, error = self._commit(batch)
        for i, s in enumerate(batch):
            s.result = results[i] if results is not None else None
            s.error, s.done = error, True
            s.wake.set()
        with self.lock:
            if self.queue:
                self.queue[0].wake.set()  # not done: it leads the next batch
            else:
                self.committing = False

    def _commit(self, batch: list[_Slot]) -> tuple[list[Appended] | None, BaseException | None]:
        try:
            results = self.store.append([s.entry for s in batch])
        except BaseException as exc:  # every request of the batch gets the failure
            return None, exc
        self.batches += 1
        return results, None
