"""Group the files under each SOURCE into models.

A model is the shallowest directory that directly holds a regular file (a hub mirror's
``org/name/`` or a cluster store's ``model-x/``); its subdirectories belong to it, as
``detente.artifacts.walk_model`` reads them. A SOURCE that is a file is a single-file model.
"""

from __future__ import annotations

import os
from pathlib import Path

from detente.artifacts import DEFAULT_IGNORES
from detente.errors import InputError

__all__ = ["discover_models"]


def discover_models(sources: list[str | Path]) -> list[Path]:
    roots: list[Path] = []
    for src in sources:
        p = Path(src)
        if p.is_file():
            roots.append(p)
            continue
        if not p.is_dir():
            raise InputError("no such file or directory", p)
        for dirpath, dirnames, filenames in os.walk(p):
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_IGNORES)
            if any(os.path.isfile(os.path.join(dirpath, f)) for f in filenames):
                roots.append(Path(dirpath))
                dirnames[:] = []  # the model owns its subdirectories
    return sorted(set(roots))
