"""Finding the files of a model, with OpenSSF Model Signing's ignore rules and a symlink policy.

OMS (model_signing 1.1.1, ``hashing.Config.hash``) ignores ``.git/``, ``.gitattributes``,
``.github/`` and ``.gitignore`` at the model root plus any configured paths, matching by path
prefix (``Path.is_relative_to``). We apply the same rule so that our file set equals theirs.
Symlinks: a link that resolves outside the model directory is refused (it would let a
"model" silently include arbitrary files of the verifier's machine); links inside it are
followed only when the caller allows them (OMS ``allow_symlinks``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from detente.errors import InputError

__all__ = ["DEFAULT_IGNORES", "ModelFile", "ModelFiles", "walk_model"]

DEFAULT_IGNORES: tuple[str, ...] = (".git", ".gitattributes", ".github", ".gitignore")


@dataclass(frozen=True)
class ModelFile:
    """One regular file of a model: ``name`` is its POSIX path relative to the model root."""

    name: str
    path: Path
    size: int


@dataclass(frozen=True)
class ModelFiles:
    """The files of a model, sorted by name. ``single_file`` when the model is one file."""

    root: Path
    files: tuple[ModelFile, ...]
    single_file: bool
    has_symlinks: bool

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def _ignored(rel: PurePosixPath, ignores: Iterable[PurePosixPath]) -> bool:
    return any(rel.is_relative_to(i) for i in ignores)


def walk_model(
    path: str | Path,
    *,
    ignore: Iterable[str] = (),
    ignore_git: bool = True,
    allow_symlinks: bool = False,
) -> ModelFiles:
    """List the files of the model at ``path`` (a directory or a single file).

    ``ignore`` holds extra paths relative to the model root (e.g. the signature file); paths
    outside the root are dropped, as OMS does.
    """
    root = Path(path)
    try:
        st = root.lstat()
    except FileNotFoundError:
        raise InputError("no such file or directory", root) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", root) from None
    if stat.S_ISLNK(st.st_mode):
        raise InputError("the model path itself is a symlink; pass its target instead", root)
    if stat.S_ISREG(st.st_mode):
        return ModelFiles(root.parent, (ModelFile(root.name, root, st.st_size),), True, False)
    if not stat.S_ISDIR(st.st_mode):
        raise InputError("not a regular file or directory", root)

    ignores = [PurePosixPath(p) for p in ignore]
    if ignore_git:
        ignores += [PurePosixPath(p) for p in DEFAULT_IGNORES]
    real_root = root.resolve()
    files: list[ModelFile] = []
    has_links = False

    def onerror(exc: OSError) -> None:
        raise InputError(f"cannot read directory: {exc.strerror}", exc.filename)

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        base = Path(dirpath)
        rel_dir = PurePosixPath(base.relative_to(root).as_posix())
        keep = []
        for d in sorted(dirnames):
            rel = rel_dir / d
            if _ignored(rel, ignores):
                continue
            full = base / d
            if full.is_symlink():
                raise InputError(
                    "symlinked directories are not followed; copy the directory instead", full
                )
            keep.append(d)
        dirnames[:] = keep
        for name in filenames:
            rel = rel_dir / name
            if _ignored(rel, ignores):
                continue
            full = base / name
            lst = full.lstat()
            if stat.S_ISLNK(lst.st_mode):
                target = full.resolve()
                if not target.is_relative_to(real_root):
                    raise InputError(f"symlink leaves the model directory (-> {target})", full)
                if not allow_symlinks:
                    raise InputError("symlink inside the model; allow symlinks to follow it", full)
                has_links = True
                lst = target.stat()
            if not stat.S_ISREG(lst.st_mode):
                raise InputError("not a regular file (device, socket or FIFO)", full)
            files.append(ModelFile(rel.as_posix(), full, lst.st_size))
    files.sort(key=lambda f: f.name)
    return ModelFiles(root, tuple(files), False, has_links)
