"""Shared fixtures: small real models written by the real libraries."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest


def write_safetensors_model(
    root: Path, tensors: dict[str, np.ndarray], shards: int = 2, config: dict | None = None
) -> Path:
    """A Hugging Face-style sharded safetensors model written by the safetensors library."""
    from safetensors.numpy import save_file

    root.mkdir(parents=True, exist_ok=True)
    names = sorted(tensors)
    per = -(-len(names) // shards)
    weight_map = {}
    for i in range(shards):
        part = names[i * per : (i + 1) * per]
        if not part:
            continue
        fname = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        save_file({n: tensors[n] for n in part}, str(root / fname))
        weight_map.update(dict.fromkeys(part, fname))
    (root / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map}, indent=2)
    )
    (root / "config.json").write_text(
        json.dumps(config or {"model_type": "toy", "hidden_size": 16, "num_hidden_layers": 4})
    )
    return root


def toy_tensors(seed: int = 0, layers: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {
        "model.embed_tokens.weight": rng.standard_normal((32, 16), dtype=np.float32)
    }
    for i in range(layers):
        out[f"model.layers.{i}.self_attn.q_proj.weight"] = rng.standard_normal(
            (16, 16), dtype=np.float32
        )
        out[f"model.layers.{i}.mlp.down_proj.weight"] = rng.standard_normal(
            (16, 32), dtype=np.float32
        ).astype(np.float16)
        out[f"model.layers.{i}.input_layernorm.weight"] = np.ones(16, dtype=np.float32)
    out["lm_head.weight"] = rng.standard_normal((32, 16), dtype=np.float32)
    return out


@pytest.fixture
def st_model(tmp_path: Path) -> Path:
    return write_safetensors_model(tmp_path / "toy-model", toy_tensors())


@pytest.fixture
def make_model(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "m", shards: int = 2, seed: int = 0, **kw: object) -> Path:
        return write_safetensors_model(tmp_path / name, toy_tensors(seed), shards=shards, **kw)  # type: ignore[arg-type]

    return make


def write_gguf(path: Path, tensors: dict[str, np.ndarray], template: str | None = None) -> Path:
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("toy")
    w.add_block_count(2)
    if template is not None:
        w.add_chat_template(template)
    for name, arr in tensors.items():
        w.add_tensor(name, arr)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture
def embedded_gguf() -> Path:
    from detente.runtime import embedded_model_path

    return embedded_model_path()


def shared_data_dir() -> Path:
    """``../shared/data`` beside the checkout (public corpora, used by path, never committed).

    ``DETENTE_SHARED_DATA`` overrides it. Under CI the directory must exist; elsewhere a test
    that needs it is skipped with the reason.
    """
    import os

    env = os.environ.get("DETENTE_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not root.is_dir():
        if os.environ.get("CI"):
            raise RuntimeError(f"shared data missing under CI: {root}")
        pytest.skip(f"shared data not found at {root} (set DETENTE_SHARED_DATA)")
    return root


@pytest.fixture
def shared_data() -> Path:
    return shared_data_dir()
