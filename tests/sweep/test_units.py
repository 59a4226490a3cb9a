"""Byte-range work units: a split model gives exactly the result of the model hashed whole.

Every comparison includes the full manifest (each file or shard digest and every tensor
record), and is checked against ``integrity.build_manifest`` itself.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import toy_tensors, write_gguf, write_safetensors_model  # type: ignore[import-not-found]

from detente.integrity import build_manifest
from detente.sweep import (
    ModelResult,
    ModelUnit,
    RangeUnit,
    Settings,
    combine,
    model_entry,
    plan_units,
    run_sweep,
    run_unit,
    sweep_model,
)

WHOLE = 1 << 62  # never split


def _models(tmp: Path) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    st = write_safetensors_model(tmp / "st", toy_tensors(3, layers=6), shards=2)
    (st / "README.md").write_text("small file, hashed by the model unit\n")
    single = tmp / "single.safetensors"
    shutil.copy(sorted(st.glob("*.safetensors"))[0], single)
    gg = tmp / "gg"
    gg.mkdir()
    write_gguf(
        gg / "m.gguf",
        {f"blk.{i}.w": rng.standard_normal((24, 8)).astype(np.float32) for i in range(5)},
    )
    (gg / "zero").mkdir()
    write_gguf(
        gg / "zero" / "e.gguf",
        {"empty": np.zeros((0,), dtype=np.float32), "x": np.ones(3, np.float32)},
    )
    blob = tmp / "blob"
    blob.mkdir()
    (blob / "weights.bin").write_bytes(rng.bytes(5000))  # not a tensor format: digest only
    return {"st": st, "single": single, "gg": gg, "blob": blob}


@pytest.mark.parametrize("inline", [True, False])
@pytest.mark.parametrize("method", ["files", "shards"])
def test_split_equals_whole_for_every_model_kind(
    tmp_path: Path, method: str, inline: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not inline:  # small files through build_manifest's own threads, not hashed inline
        monkeypatch.setattr("detente.sweep._units._INLINE_BYTES", -1)
    for kind, root in _models(tmp_path).items():
        whole = sweep_model(root, Settings(method=method, shard_size=128, split_above=WHOLE))
        split_cfg = Settings(method=method, shard_size=128, split_above=100, unit_size=300)
        units = plan_units(model_entry(root), split_cfg)
        assert sum(isinstance(u, RangeUnit) for u in units) >= 2, kind
        split = sweep_model(root, split_cfg)
        assert whole.manifest is not None and not whole.errors, (kind, whole.errors)
        assert split == whole, kind
        assert split.manifest == whole.manifest, kind
        ref = build_manifest(root, method=method, shard_size=128)
        assert (split.root_digest, split.tensor_digest) == (ref.root_digest, ref.tensor_digest)
        assert split.manifest is not None and split.manifest.tensors == ref.tensors


def test_plan_covers_each_large_file_once_and_aligns_to_shards(tmp_path: Path) -> None:
    root = _models(tmp_path)["st"]
    entry = model_entry(root)
    cfg = Settings(method="shards", shard_size=128, split_above=100, unit_size=300)
    units = plan_units(entry, cfg)
    assert isinstance(units[-1], ModelUnit)
    big = {n for n, _, s in entry.files if s > 100}
    assert set(units[-1].big) == big
    for name in big:
        size = next(s for n, _, s in entry.files if n == name)
        spans = [(u.start, u.end) for u in units if isinstance(u, RangeUnit) and u.name == name]
        assert spans[0][0] == 0 and spans[-1][1] == size
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
        assert all(s % 128 == 0 and (e - s == 256 or e == size) for s, e in spans)
    files_cfg = Settings(method="files", split_above=100, unit_size=300)
    whole_file = [
        u for u in plan_units(entry, files_cfg) if isinstance(u, RangeUnit) and u.whole_file
    ]
    assert sorted(u.name for u in whole_file) == sorted(big)


def test_a_corrupt_large_file_fails_that_model_only(tmp_path: Path) -> None:
    models = _models(tmp_path)
    shard = sorted(models["st"].glob("*.safetensors"))[1]
    data = bytearray(shard.read_bytes())
    data[8:12] = b"\xff\xfe{{"  # the JSON header no longer parses
    shard.write_bytes(bytes(data))
    got = {}
    cfg = Settings(split_above=100, unit_size=300)
    run_sweep(
        [models["st"], models["gg"]],
        settings=cfg,
        on_result=lambda r: got.__setitem__(Path(r.path).name, r),
    )
    assert got["st"].root_digest is None
    assert {e.stage for e in got["st"].errors} >= {"tensors", "inventory"}
    assert all(e.file == str(shard) for e in got["st"].errors)
    assert all(e.attempts == 1 for e in got["st"].errors)  # corrupt input is not retried
    assert got["gg"].root_digest and not got["gg"].errors


def test_unreadable_file_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    root = _models(tmp_path)["blob"]
    units = plan_units(model_entry(root), Settings(split_above=100, unit_size=300))
    (root / "weights.bin").unlink()  # gone between planning and hashing (a flaky mount)
    res = combine([run_unit(u) for u in units])
    assert res.root_digest is None
    failures = [e for e in res.errors if e.stage == "manifest"]
    assert failures and failures[0].attempts == 3
    assert failures[0].file == str(root / "weights.bin")


@pytest.mark.parametrize("split", [False, True])
def test_a_tensor_in_two_shards_is_corrupt_input_not_retried(tmp_path: Path, split: bool) -> None:
    """Two shards defining the same tensor is a model that contradicts itself: one error
    naming both files, on the first attempt (retrying cannot change the bytes)."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    root = _models(tmp_path)["st"]
    first, second = sorted(root.glob("*.safetensors"))
    with safe_open(str(first), "np") as fh:
        name = fh.keys()[0]
        extra = {name: fh.get_tensor(name)}
    with safe_open(str(second), "np") as fh:
        names = fh.keys()
        extra.update({k: fh.get_tensor(k) for k in names})
    save_file(extra, str(second))
    cfg = Settings(split_above=100, unit_size=300) if split else Settings(split_above=WHOLE)
    res = sweep_model(root, cfg)
    assert res.root_digest is None
    assert len(res.errors) == 1 and res.errors[0].attempts == 1
    assert name in res.errors[0].message and first.name in res.errors[0].message


def test_batched_tasks_give_the_same_results(tmp_path: Path) -> None:
    models = _models(tmp_path)
    cfg = Settings(split_above=100, unit_size=300)
    runs = []
    for batch, batch_bytes in ((1, 1 << 30), (3, 1 << 30), (100, 1)):
        got: list[object] = []
        s = run_sweep(
            list(models.values()),
            settings=cfg,
            batch=batch,
            batch_bytes=batch_bytes,
            on_result=got.append,
        )
        runs.append((s.models, s.units, sorted(got, key=lambda r: r.path)))  # type: ignore[attr-defined]
    assert runs[0] == runs[1] == runs[2] and runs[0][0] == 4
    # Unsplit, every model is swept in its scout; without manifests only the digests come back.
    bare: list[ModelResult] = []
    run_sweep(list(models.values()), on_result=bare.append, with_manifests=False)
    assert len(bare) == 4 and all(r.manifest is None and r.root_digest for r in bare)
    assert bare == [replace(sweep_model(r.path), manifest=None) for r in bare]
