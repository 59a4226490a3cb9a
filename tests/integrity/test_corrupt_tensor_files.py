"""A file whose name or magic says safetensors/GGUF and that fails to parse is an input error.

Issue 17 item 4: ``detente diff A B`` with a corrupt shard used to report "8 tensors removed"
(exit 1) because the sniffer silently classified the corrupt shard as "not a tensor file".
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from detente.errors import FormatError
from detente.integrity import build_manifest, diff_models

DETENTE = [sys.executable, "-m", "detente"]


def _two_shards(root: Path) -> Path:
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        tensors = {
            f"layers.{i}.w{j}": rng.standard_normal((4, 4)).astype(np.float32) for j in range(4)
        }
        save_file(tensors, str(root / f"model-0000{i + 1}-of-00002.safetensors"))
    return root


def _huge_header_length(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[:8] = struct.pack("<Q", 1 << 62)
    p.write_bytes(bytes(data))


def _not_json(p: Path) -> None:
    data = bytearray(p.read_bytes())
    (n,) = struct.unpack("<Q", data[:8])
    data[8 : 8 + n] = b"#" * n
    p.write_bytes(bytes(data))


def _bad_gguf(p: Path) -> None:
    # Right magic, then a version and counts that run past the end of the file.
    p.with_suffix(".gguf").write_bytes(b"GGUF" + struct.pack("<I", 3) + b"\xff" * 16)
    p.unlink()


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "header-length-2^62": _huge_header_length,
    "header-not-json": _not_json,
    "gguf-magic-truncated": _bad_gguf,
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS))
def test_corrupt_shard_is_named_not_counted_as_removed(tmp_path: Path, corrupt: str) -> None:
    a = _two_shards(tmp_path / "a")
    b = tmp_path / "b"
    shutil.copytree(a, b)
    shard = b / "model-00002-of-00002.safetensors"
    CORRUPTIONS[corrupt](shard)
    bad_name = shard.name if shard.exists() else shard.with_suffix(".gguf").name

    with pytest.raises(FormatError) as exc:
        diff_models(a, b)
    assert bad_name in str(exc.value)
    with pytest.raises(FormatError):
        build_manifest(b)

    out = subprocess.run(
        [*DETENTE, "diff", str(a), str(b)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2, out.stdout + out.stderr
    assert bad_name in out.stderr + out.stdout
    assert "removed" not in out.stdout
    man = subprocess.run(
        [*DETENTE, "manifest", str(b)], capture_output=True, text=True, check=False
    )
    assert man.returncode == 2, man.stdout + man.stderr
    assert bad_name in man.stderr


def test_intact_shards_still_diff_identical(tmp_path: Path) -> None:
    a = _two_shards(tmp_path / "a")
    b = tmp_path / "b"
    shutil.copytree(a, b)
    r = diff_models(a, b)
    assert r.same_weights and r.tensors_compared == 8


def test_unrelated_files_are_still_not_tensor_files(tmp_path: Path) -> None:
    root = _two_shards(tmp_path / "m")
    (root / "README.md").write_text("# not a tensor file\n")
    (root / "weights.bin").write_bytes(b"\x00" * 64)
    m = build_manifest(root)
    assert m.tensors is not None and len(m.tensors) == 8
