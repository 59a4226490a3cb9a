from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tests.conftest import toy_tensors, write_gguf, write_safetensors_model  # type: ignore[import-not-found]

from detente.integrity import diff_models


def test_identical_and_resharded(tmp_path: Path) -> None:
    a = write_safetensors_model(tmp_path / "a", toy_tensors(), shards=2)
    b = write_safetensors_model(tmp_path / "b", toy_tensors(), shards=2)
    c = write_safetensors_model(tmp_path / "c", toy_tensors(), shards=4)
    same = diff_models(a, b)
    assert same.same_weights and not same.packaging_changed
    assert same.headline() == "identical weights"
    resharded = diff_models(a, c)
    assert resharded.same_weights and resharded.packaging_changed
    assert resharded.headline() == "same weights, different packaging"
    assert resharded.tensors_compared == len(toy_tensors())


def test_fine_tune_like_change_in_some_layers(tmp_path: Path) -> None:
    base = toy_tensors()
    tuned = {k: v.copy() for k, v in base.items()}
    rng = np.random.default_rng(1)
    for i in (1, 2):
        k = f"model.layers.{i}.mlp.down_proj.weight"
        tuned[k] = (
            base[k].astype(np.float32) * (1 + 1e-3 * rng.standard_normal(base[k].shape))
        ).astype(np.float16)
    a = write_safetensors_model(tmp_path / "a", base)
    b = write_safetensors_model(
        tmp_path / "b",
        tuned,
        shards=1,
        config={
            "model_type": "toy",
            "hidden_size": 16,
            "num_hidden_layers": 4,
            "torch_dtype": "float16",
        },
    )
    r = diff_models(a, b)
    assert not r.same_weights
    assert sorted(d.name for d in r.changed) == [
        "model.layers.1.mlp.down_proj.weight",
        "model.layers.2.mlp.down_proj.weight",
    ]
    d = r.changed[0]
    assert d.rel_l2 is not None and 1e-4 < d.rel_l2 < 1e-2
    assert d.cosine is not None and d.cosine > 0.9999
    assert d.frac_changed is not None and 0 < d.frac_changed <= 1
    (layer,) = r.layers
    assert layer.component == "MLP" and layer.layers == (1, 2)
    assert layer.describe().startswith("layers 1–2 MLP changed by ~")
    assert "fine-tune-like" in layer.describe()
    assert r.configs["config.json"] == [{"key": "torch_dtype", "a": "(absent)", "b": "float16"}]
    out = r.to_dict()
    json.dumps(out)
    assert out["changed"][0]["name"] == "model.layers.1.mlp.down_proj.weight"


def test_added_removed_and_retyped(tmp_path: Path) -> None:
    base = toy_tensors()
    other = dict(base)
    other.pop("lm_head.weight")
    other["extra.bias"] = np.zeros(3, np.float32)
    other["model.embed_tokens.weight"] = base["model.embed_tokens.weight"].astype(np.float16)
    r = diff_models(
        write_safetensors_model(tmp_path / "a", base),
        write_safetensors_model(tmp_path / "b", other),
    )
    assert [t["name"] for t in r.removed] == ["lm_head.weight"]
    assert [t["name"] for t in r.added] == ["extra.bias"]
    assert [t["name"] for t in r.retyped] == ["model.embed_tokens.weight"]
    assert r.retyped[0]["b"]["dtype"] == "F16"


def test_gguf_diff_with_single_files(tmp_path: Path) -> None:
    w = np.arange(64, dtype=np.float32).reshape(2, 32)
    a = write_gguf(tmp_path / "a.gguf", {"blk.3.ffn_up.weight": w, "out": np.ones(4, np.float32)})
    w2 = w.copy()
    w2[0, 0] += 100
    b = write_gguf(tmp_path / "b.gguf", {"blk.3.ffn_up.weight": w2, "out": np.ones(4, np.float32)})
    r = diff_models(a, b)
    (d,) = r.changed
    assert d.name == "blk.3.ffn_up.weight" and d.max_abs == 100.0
    assert d.frac_changed == 1 / 64
    assert r.layers[0].layers == (3,)


def test_bf16_values_are_compared_numerically(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    t = torch.ones(8, dtype=torch.bfloat16)
    save_file({"w": t}, str(tmp_path / "a" / "m.safetensors"))
    save_file({"w": t * 2}, str(tmp_path / "b" / "m.safetensors"))
    (d,) = diff_models(tmp_path / "a", tmp_path / "b").changed
    assert d.max_abs == 1.0 and d.rel_l2 == 1.0 and d.cosine == 1.0
