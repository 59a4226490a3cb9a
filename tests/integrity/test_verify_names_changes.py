from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import toy_tensors, write_safetensors_model  # type: ignore[import-not-found]

from detente.artifacts import read_tensor_table
from detente.attest import generate_key, sign_model, verify_model
from detente.errors import UsageError
from detente.integrity import DigestCache, build_manifest

KEY = generate_key("ed25519")


def _flip_in_tensor(model: Path, tensor: str) -> str:
    for f in sorted(model.glob("*.safetensors")):
        table = read_tensor_table(f)
        assert table is not None
        info = table.by_name().get(tensor)
        if info is None:
            continue
        with f.open("r+b") as fh:
            fh.seek(info.start + info.nbytes // 2)
            b = fh.read(1)
            fh.seek(-1, os.SEEK_CUR)
            fh.write(bytes([b[0] ^ 0x40]))
        return f.name
    raise AssertionError(tensor)


def test_tampered_tensor_is_named_with_dtype_shape_and_file(st_model: Path) -> None:
    bundle, _ = sign_model(st_model, KEY)
    assert verify_model(st_model, bundle, KEY.public_key()).ok
    target = "model.layers.2.mlp.down_proj.weight"
    fname = _flip_in_tensor(st_model, target)
    v = verify_model(st_model, bundle, KEY.public_key())
    assert not v.ok
    assert [c.name for c in v.result.changed_files] == [fname]
    (change,) = v.result.tensor_changes
    assert (change.name, change.kind, change.file) == (target, "changed", fname)
    assert change.actual is not None and change.actual.dtype == "F16"
    assert change.actual.shape == (16, 32)
    assert change.expected is not None and change.expected.digest != change.actual.digest
    text = json.dumps(v.to_dict())
    assert target in text and fname in text and "sha256:" in text


def test_files_added_missing_renamed(st_model: Path) -> None:
    bundle, _ = sign_model(st_model, KEY)
    (st_model / "config.json").rename(st_model / "config.old.json")
    (st_model / "model.safetensors.index.json").unlink()
    (st_model / "README.md").write_text("new")
    r = verify_model(st_model, bundle, KEY.public_key()).result
    assert r.renamed_files == (("config.json", "config.old.json"),)
    assert r.missing_files == ("model.safetensors.index.json",)
    assert r.added_files == ("README.md",)
    assert not r.changed_files


def test_removed_shard_names_its_missing_tensors(st_model: Path) -> None:
    bundle, m = sign_model(st_model, KEY)
    (st_model / "model-00002-of-00002.safetensors").unlink()
    r = verify_model(st_model, bundle, KEY.public_key()).result
    missing = {t.name for t in r.tensor_changes if t.kind == "missing"}
    expected = {t.name for t in m.tensors or () if t.file == "model-00002-of-00002.safetensors"}
    assert missing == expected and missing


def test_signature_inside_the_model_dir_is_ignored(st_model: Path) -> None:
    bundle, _ = sign_model(st_model, KEY, ignore_paths=["model.sig"])
    (st_model / "model.sig").write_text(json.dumps(bundle))
    assert verify_model(
        st_model, bundle, KEY.public_key(), signature_path=st_model / "model.sig"
    ).ok


def test_resharded_copy_same_tensor_digest(tmp_path: Path) -> None:
    a = write_safetensors_model(tmp_path / "a", toy_tensors(), shards=2)
    b = write_safetensors_model(tmp_path / "b", toy_tensors(), shards=3)
    ma, mb = build_manifest(a), build_manifest(b)
    assert ma.root_digest != mb.root_digest
    assert ma.tensor_digest == mb.tensor_digest
    bundle, _ = sign_model(a, KEY)
    r = verify_model(b, bundle, KEY.public_key()).result
    assert not r.ok and not r.tensor_changes  # files differ, every tensor intact


def test_only_checks_a_subset(st_model: Path) -> None:
    bundle, _ = sign_model(st_model, KEY)
    target = "model.layers.1.self_attn.q_proj.weight"
    _flip_in_tensor(st_model, target)
    other = verify_model(st_model, bundle, KEY.public_key(), only=["lm_head.weight"])
    assert other.ok and other.result.tensors_checked == 1
    assert other.result.bytes_hashed == 32 * 16 * 4
    hit = verify_model(st_model, bundle, KEY.public_key(), only=[target])
    assert not hit.ok and [t.name for t in hit.result.tensor_changes] == [target]
    cfg = verify_model(st_model, bundle, KEY.public_key(), only=["config.json"])
    assert cfg.ok and cfg.result.files_checked == 1
    with pytest.raises(UsageError, match="neither a file nor a tensor"):
        verify_model(st_model, bundle, KEY.public_key(), only=["nope"])


def test_cache_is_not_fooled_by_restored_mtime(st_model: Path, tmp_path: Path) -> None:
    bundle, _ = sign_model(st_model, KEY)
    cache = DigestCache(tmp_path / "cache.sqlite3")
    assert verify_model(st_model, bundle, KEY.public_key(), cache=cache).ok
    misses = cache.misses
    assert verify_model(st_model, bundle, KEY.public_key(), cache=cache).ok
    assert cache.misses == misses and cache.hits >= misses  # second run: all from cache
    shard = st_model / "model-00001-of-00002.safetensors"
    st = shard.stat()
    data = bytearray(shard.read_bytes())
    data[-1] ^= 1
    shard.write_bytes(bytes(data))
    os.utime(shard, ns=(st.st_atime_ns, st.st_mtime_ns))  # the attacker restores mtime
    assert shard.stat().st_mtime_ns == st.st_mtime_ns and shard.stat().st_size == st.st_size
    v = verify_model(st_model, bundle, KEY.public_key(), cache=cache)
    assert not v.ok and [c.name for c in v.result.changed_files] == [shard.name]
    cache.close()


def test_gguf_tensor_tamper_is_named(tmp_path: Path) -> None:
    from tests.conftest import write_gguf  # type: ignore[import-not-found]

    p = write_gguf(
        tmp_path / "m.gguf",
        {"blk.0.w": np.ones((4, 32), np.float32), "out": np.zeros(8, np.float32)},
    )
    bundle, m = sign_model(p, KEY)
    assert m.tensors and {t.name for t in m.tensors} == {"blk.0.w", "out"}
    table = read_tensor_table(p)
    assert table is not None
    info = table.by_name()["blk.0.w"]
    data = bytearray(p.read_bytes())
    data[info.start] ^= 0xFF
    p.write_bytes(bytes(data))
    v = verify_model(p, bundle, KEY.public_key())
    assert [(t.name, t.file) for t in v.result.tensor_changes] == [("blk.0.w", ".")]


def test_metadata_only_change_is_explained(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    model = tmp_path / "m"
    model.mkdir()
    arrays = {"w": np.ones(4, np.float32)}
    save_file(arrays, str(model / "a.safetensors"), metadata={"note": "aaaa"})
    bundle, _ = sign_model(model, KEY)
    save_file(arrays, str(model / "a.safetensors"), metadata={"note": "bbbb"})
    r = verify_model(model, bundle, KEY.public_key()).result
    assert not r.ok and not r.tensor_changes
    assert any("header/metadata" in n for n in r.notes)


def test_only_tensor_uses_the_safetensors_index_when_signature_has_no_tensors(
    st_model: Path,
) -> None:
    bundle, _ = sign_model(st_model, KEY, tensors=False)
    target = "model.layers.3.self_attn.q_proj.weight"
    fname = _flip_in_tensor(st_model, target)
    v = verify_model(st_model, bundle, KEY.public_key(), only=[target])
    assert not v.ok and [c.name for c in v.result.changed_files] == [fname]
    assert v.result.files_checked == 1
    with pytest.raises(UsageError, match="no safetensors index"):
        verify_model(st_model, bundle, KEY.public_key(), only=["not.a.tensor"])
