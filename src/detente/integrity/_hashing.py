"""The hashing engine: files, byte ranges and tensors, in parallel where the format allows.

Hashing is compute-bound, so speed comes from keeping every core busy and from not hashing
what need not be hashed. ``hashlib`` releases the GIL on large updates, so threads scale for
sha256/blake2b across files and shards; blake3 parallelises inside one file by itself.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from detente.errors import InputError, UsageError

__all__ = [
    "ALGORITHMS",
    "CHUNK",
    "Hasher",
    "file_digest",
    "hash_range",
    "hash_ranges_of_file",
    "new_hasher",
    "parallel_map",
]

ALGORITHMS = ("sha256", "blake2b", "blake3")
CHUNK = 8 << 20  # 8 MiB reads: large enough that hashing, not syscalls, dominates
_T = TypeVar("_T")
_R = TypeVar("_R")


class Hasher(Protocol):
    def update(self, data: Any, /) -> object: ...

    def digest(self) -> bytes: ...


def new_hasher(algorithm: str, *, threads: bool = False) -> Hasher:
    """A fresh hasher; ``threads`` lets blake3 use every core within one stream."""
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "blake2b":
        return hashlib.blake2b()
    if algorithm == "blake3":
        import blake3  # lazy: keeps CLI start-up fast

        h: Hasher = blake3.blake3(max_threads=blake3.blake3.AUTO if threads else 1)
        return h
    raise UsageError(f"unknown hash algorithm {algorithm!r} (expected one of {ALGORITHMS})")


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The digest of a whole file, written ``algorithm:hex``."""
    h = new_hasher(algorithm, threads=True)
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except OSError as exc:
        raise _read_error(path, exc) from None
    return f"{algorithm}:{h.digest().hex()}"


def _buffer(size: int) -> bytearray:
    """A read buffer no larger than what is left to read: zeroing an 8 MiB buffer costs ~4 ms
    (2,048 page faults), which was most of the cost of hashing a few-KB file (measured on a
    10,000-model sweep). A file that grows while read is still read whole, ``CHUNK`` or less
    at a time."""
    return bytearray(max(1, min(CHUNK, size)))


def _read_error(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot read: {exc.strerror or exc}", path)


def hash_range(
    path: Path, algorithm: str, start: int = 0, end: int | None = None, *, threads: bool = False
) -> bytes:
    """Digest of bytes ``[start, end)`` of ``path`` (the whole file when ``end`` is None)."""
    h = new_hasher(algorithm, threads=threads)
    try:
        if algorithm == "blake3" and start == 0 and end is None and threads:
            h.update_mmap(str(path))  # type: ignore[attr-defined]
            return h.digest()
        with path.open("rb", buffering=0) as fh:
            if start:
                fh.seek(start)
            remaining = None if end is None else end - start
            size = os.fstat(fh.fileno()).st_size - start if remaining is None else remaining
            view = memoryview(_buffer(size))
            while remaining is None or remaining > 0:
                want = CHUNK if remaining is None else min(CHUNK, remaining)
                n = fh.readinto(view[:want])
                if not n:
                    if remaining:
                        raise InputError(f"file shrank while being read (offset {end})", path)
                    break
                h.update(view[:n])
                if remaining is not None:
                    remaining -= n
    except OSError as exc:
        raise _read_error(path, exc) from None
    return h.digest()


@dataclass(frozen=True)
class _Range:
    key: str
    start: int
    end: int


def hash_ranges_of_file(
    path: Path,
    algorithm: str,
    ranges: Sequence[tuple[str, int, int]],
    *,
    whole_file: bool = False,
) -> tuple[bytes | None, dict[str, bytes]]:
    """One sequential pass over ``path`` that digests each ``(key, start, end)`` range and,
    with ``whole_file``, the whole file too. Ranges may not overlap (tensor byte ranges)."""
    todo = sorted((_Range(k, s, e) for k, s, e in ranges), key=lambda r: (r.start, r.end))
    out: dict[str, bytes] = {}
    file_h = new_hasher(algorithm) if whole_file else None
    hashers = {r.key: new_hasher(algorithm) for r in todo}
    try:
        with path.open("rb", buffering=0) as fh:
            size = os.fstat(fh.fileno()).st_size
            stop = size if whole_file else max((r.end for r in todo), default=0)
            pos = 0 if whole_file else min((r.start for r in todo), default=0)
            fh.seek(pos)
            view = memoryview(_buffer(stop - pos))
            i = 0  # first range not yet finished
            while pos < stop:
                n = fh.readinto(view[: min(CHUNK, stop - pos)])
                if not n:
                    raise InputError(f"file ended at byte {pos}, expected {stop}", path)
                chunk_end = pos + n
                if file_h is not None:
                    file_h.update(view[:n])
                j = i
                while j < len(todo) and todo[j].start < chunk_end:
                    r = todo[j]
                    lo, hi = max(r.start, pos), min(r.end, chunk_end)
                    if hi > lo:
                        hashers[r.key].update(view[lo - pos : hi - pos])
                    j += 1
                while i < len(todo) and todo[i].end <= chunk_end:
                    i += 1
                pos = chunk_end
    except OSError as exc:
        raise _read_error(path, exc) from None
    for r in todo:
        out[r.key] = hashers[r.key].digest()
    return (file_h.digest() if file_h is not None else None), out


def parallel_map(
    fn: Callable[[_T], _R],
    items: Iterable[_T],
    *,
    weight: Callable[[_T], int] | None = None,
    workers: int | None = None,
    on_done: Callable[[_T], None] | None = None,
) -> list[_R]:
    """``[fn(x) for x in items]`` on a thread pool, heaviest first, results in input order."""
    seq = list(items)
    if not seq:
        return []
    n = workers or os.cpu_count() or 1
    order = sorted(range(len(seq)), key=lambda i: -(weight(seq[i]) if weight else 0))
    results: list[Any] = [None] * len(seq)
    if n == 1 or len(seq) == 1:
        for i in order:
            results[i] = fn(seq[i])
            if on_done:
                on_done(seq[i])
        return results
    with ThreadPoolExecutor(max_workers=min(n, len(seq))) as pool:
        futures = {pool.submit(fn, seq[i]): i for i in order}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            if on_done:
                on_done(seq[i])
    return results
