"""Host-side access to a sandbox's work directory that a sandboxed program cannot redirect.

A program in the sandbox can plant ``/work/out -> /etc/shadow`` (or a FIFO, or swap a
directory for a symlink between our check and our use). So we never resolve a path with the
host's view: we walk it one component at a time from a directory descriptor with
``O_NOFOLLOW`` (openat(2)), refuse anything that is not a plain directory or regular file, and
give files we create to the sandbox's host uid.
"""

from __future__ import annotations

import os
import stat
from pathlib import PurePosixPath

from detente.errors import InputError
from detente.sandbox._bwrap import WORK

__all__ = ["disk_usage", "read_beneath", "relative_to_work", "write_beneath"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def relative_to_work(path: str) -> tuple[str, ...]:
    """``/work/a/b`` or ``a/b`` -> ("a", "b"); anything outside /work is refused."""
    pure = PurePosixPath(path)
    if pure.is_absolute():
        try:
            pure = pure.relative_to(WORK)
        except ValueError:
            raise InputError(f"only files under {WORK} persist in the sandbox", path) from None
    parts = tuple(p for p in pure.parts if p not in ("", "."))
    if not parts or ".." in parts:
        raise InputError("not a file path inside the sandbox's work directory", path)
    return parts


def _walk_dirs(root: str, parts: tuple[str, ...], create: bool, owner: tuple[int, int]) -> int:
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            if create:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                    os.chown(part, *owner, dir_fd=fd, follow_symlinks=False)
                except FileExistsError:
                    pass
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except OSError:
        os.close(fd)
        raise
    return fd


def write_beneath(root: str, path: str, data: bytes, owner: tuple[int, int]) -> None:
    parts = relative_to_work(path)
    try:
        dir_fd = _walk_dirs(root, parts[:-1], True, owner)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(parts[-1], flags | os.O_NONBLOCK, 0o644, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        with os.fdopen(fd, "wb") as out:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError("not a regular file", path)
            os.fchown(fd, *owner)
            out.write(data)
    except OSError as exc:
        raise InputError(f"cannot write in the sandbox: {exc.strerror}", path) from None


def read_beneath(root: str, path: str, max_bytes: int) -> bytes:
    parts = relative_to_work(path)
    try:
        dir_fd = _walk_dirs(root, parts[:-1], False, (-1, -1))
        try:
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            fd = os.open(parts[-1], flags, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        with os.fdopen(fd, "rb") as src:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError("not a regular file", path)
            if info.st_size > max_bytes:
                raise InputError(f"file is larger than {max_bytes} bytes", path)
            return src.read(max_bytes + 1)[:max_bytes]
    except FileNotFoundError:
        raise FileNotFoundError(path) from None
    except OSError as exc:
        raise InputError(f"cannot read from the sandbox: {exc.strerror}", path) from None


def disk_usage(root: str) -> int:
    """Bytes allocated under ``root`` (not following symlinks)."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                continue
    return total
