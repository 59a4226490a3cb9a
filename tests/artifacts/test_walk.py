from __future__ import annotations

import os
from pathlib import Path

import pytest

from detente.artifacts import walk_model
from detente.errors import InputError


def _tree(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.bin").write_bytes(b"a")
    (root / "sub" / "b.json").write_text("{}")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref")
    (root / ".gitattributes").write_text("*")
    (root / ".github").mkdir()
    (root / ".github" / "ci.yml").write_text("x")
    (root / ".gitignore").write_text("x")
    (root / ".hidden").write_text("kept: only OMS's git paths are ignored")
    (root / "model.sig").write_text("{}")
    return root


def test_oms_ignore_rules_and_extra_ignores(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m")
    names = [f.name for f in walk_model(root, ignore=["model.sig"]).files]
    assert names == [".hidden", "a.bin", "sub/b.json"]
    assert "model.sig" in [f.name for f in walk_model(root).files]
    assert ".git/HEAD" in [f.name for f in walk_model(root, ignore_git=False).files]


def test_single_file(tmp_path: Path) -> None:
    p = tmp_path / "w.gguf"
    p.write_bytes(b"x" * 5)
    m = walk_model(p)
    assert m.single_file and [f.name for f in m.files] == ["w.gguf"] and m.total_bytes == 5


def test_symlink_leaving_the_model_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m")
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    os.symlink(secret, root / "link")
    with pytest.raises(InputError, match="leaves the model directory"):
        walk_model(root, allow_symlinks=True)


def test_symlink_inside_needs_permission(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m")
    os.symlink(root / "a.bin", root / "alias.bin")
    with pytest.raises(InputError, match="allow symlinks"):
        walk_model(root)
    m = walk_model(root, allow_symlinks=True)
    assert m.has_symlinks and "alias.bin" in [f.name for f in m.files]


def test_symlinked_dir_and_missing_path(tmp_path: Path) -> None:
    root = _tree(tmp_path / "m")
    os.symlink(root / "sub", root / "subdir-link")
    with pytest.raises(InputError, match="symlinked directories"):
        walk_model(root)
    with pytest.raises(InputError, match="no such file"):
        walk_model(tmp_path / "nope")


def test_fifo_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    os.mkfifo(root / "pipe")
    with pytest.raises(InputError, match="not a regular file"):
        walk_model(root)
