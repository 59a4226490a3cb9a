"""An opt-in digest cache for incremental re-verification.

A cached digest is reused only if the file's size, device, inode, ctime and mtime are all
unchanged. ``ctime`` cannot be set by unprivileged users (any write or ``utime`` call bumps
it), so restoring a tampered file's mtime does not fool the cache. Any doubt — a missing or
unreadable cache, a changed stat — falls back to hashing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from detente.integrity._hashing import hash_range

__all__ = ["DigestCache", "default_cache_path"]


def default_cache_path() -> Path:
    from detente.env import cache_dir

    return cache_dir() / "digests.sqlite3"


class DigestCache:
    """SQLite-backed ``(file, algorithm, range, stat) -> digest`` map, safe across threads."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS digests (path TEXT, algorithm TEXT, start INTEGER, "
            "stop INTEGER, stat TEXT, digest BLOB, PRIMARY KEY (path, algorithm, start, stop))"
        )
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _stat_key(path: Path) -> str:
        st = os.stat(path)
        return f"{st.st_size}:{st.st_dev}:{st.st_ino}:{st.st_ctime_ns}:{st.st_mtime_ns}"

    def digest(self, path: Path, algorithm: str, start: int = 0, end: int | None = None) -> bytes:
        real = str(path.resolve())
        stop = -1 if end is None else end
        before = self._stat_key(path)
        with self._lock:
            row = self._db.execute(
                "SELECT stat, digest FROM digests WHERE path=? AND algorithm=? AND start=? "
                "AND stop=?",
                (real, algorithm, start, stop),
            ).fetchone()
        if row is not None and row[0] == before:
            self.hits += 1
            return bytes(row[1])
        self.misses += 1
        value = hash_range(path, algorithm, start, end, threads=algorithm == "blake3")
        # Only remember the digest if the file did not change while we read it.
        if self._stat_key(path) == before:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?, ?)",
                    (real, algorithm, start, stop, before, value),
                )
        return value

    def close(self) -> None:
        self._db.close()
