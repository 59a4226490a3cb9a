"""POSIX tar archives (ustar magic at offset 257, POSIX.1-1988), read member by member through
the standard library without extracting anything to disk."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from detente.errors import FormatError

if TYPE_CHECKING:
    import tarfile

__all__ = ["is_tar", "iter_tar"]


def is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def iter_tar(
    data: bytes | memoryview | Any,
) -> Iterator[tuple[tarfile.TarInfo, Callable[[], bytes]]]:
    """Each member header with a function that reads a regular member's bytes;
    :class:`FormatError` (from the iteration or the read) when the archive is unreadable."""
    import tarfile  # lazily: `detente scan` starts faster without it

    try:
        with tarfile.open(fileobj=io.BytesIO(bytes(data)), mode="r:") as tf:
            while True:
                info = tf.next()
                if info is None:
                    return
                yield info, partial(_read, tf, info)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FormatError(f"unreadable tar archive: {exc}") from None


def _read(tf: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    import tarfile

    try:
        fh = tf.extractfile(info)
        return b"" if fh is None else fh.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FormatError(f"unreadable tar archive: {exc}") from None
