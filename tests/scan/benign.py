"""Benign samples written by the real libraries: the scanner must stay quiet on them."""

from __future__ import annotations

import json
from pathlib import Path

# Chat templates in the shape real models ship (Llama 3, Qwen 2.5/ChatML, Gemma, Mistral).
LLAMA3 = (
    "{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system_message = "
    "messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set "
    "system_message = '' %}{%- endif %}{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}"
    "{{- system_message }}{{- '<|eot_id|>' }}{%- for message in messages %}{{- "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | "
    "trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- "
    "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)
CHATML = (
    "{%- if tools %}{{- '<|im_start|>system\\n' }}{%- for tool in tools %}{{- tool | tojson }}"
    "{%- endfor %}{%- endif %}{%- set ns = namespace(multi_step_tool=true, last_query_index="
    "messages|length - 1) %}{%- for message in messages %}{{- '<|im_start|>' + message.role + "
    "'\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt "
    "%}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
GEMMA = (
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'assistant') %}{% set "
    "role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + "
    "role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if "
    "add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}"
)
MISTRAL = (
    "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}"
    "{%- set loop_messages = messages[1:] %}{%- else %}{%- set loop_messages = messages %}{%- "
    "endif %}{{- bos_token }}{%- for message in loop_messages %}{%- if (message['role'] == 'user')"
    " != (loop.index0 % 2 == 0) %}{{- raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{%- endif %}{%- if message['role'] == 'user' %}{{- "
    "'[INST] ' + message['content'] + '[/INST]' }}{%- else %}{{- message['content'] + eos_token }}"
    "{%- endif %}{%- endfor %}"
)
MODEL_PY = b'''"""A plain model definition as shipped with custom-code models."""
import math
import os

import torch
from torch import nn


class ToyConfig:
    model_type = "toy"

    def __init__(self, hidden_size=16, cache_dir=None):
        self.hidden_size = hidden_size
        self.cache_dir = cache_dir or os.path.join(os.path.expanduser("~"), ".cache")


class ToyModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, x):
        return torch.tanh(self.proj(x)) * math.sqrt(2.0)
'''


def write_benign(root: Path) -> list[Path]:
    """Write every benign sample under ``root``; returns the paths written."""
    import io

    import joblib
    import numpy as np
    import onnx
    import torch
    from onnx import TensorProto, helper
    from safetensors.numpy import save_file
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    root.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []

    def put(name: str, data: bytes) -> None:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        paths.append(p)

    lin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LayerNorm(8), torch.nn.Linear(8, 2))
    sd = lin.state_dict()
    sd["bf16"] = torch.ones(3, dtype=torch.bfloat16)
    sd["int"] = torch.arange(5)
    sd["half"] = torch.zeros(2, 2, dtype=torch.float16)
    for legacy in (False, True):
        buf = io.BytesIO()
        torch.save(sd, buf, _use_new_zipfile_serialization=not legacy)
        put(f"torch/{'legacy' if legacy else 'zip'}_state_dict.pt", buf.getvalue())
    buf = io.BytesIO()
    torch.save(
        {"epoch": 3, "model": sd, "optimizer": torch.optim.Adam(lin.parameters()).state_dict()}, buf
    )
    put("torch/checkpoint.ckpt", buf.getvalue())

    for name, arr in {
        "f": np.random.rand(3, 4),
        "i": np.arange(10),
        "s": np.array(["a", "bc"]),
    }.items():
        b = io.BytesIO()
        np.save(b, arr)
        put(f"numpy/{name}.npy", b.getvalue())
    b = io.BytesIO()
    np.savez_compressed(b, a=np.ones(5), b=np.zeros((2, 2), np.int8))
    put("numpy/arrays.npz", b.getvalue())

    X = np.random.default_rng(0).random((60, 4))
    y = (X[:, 0] > 0.5).astype(int)
    models = {
        "logreg": LogisticRegression().fit(X, y),
        "forest": RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y),
        "gb": GradientBoostingClassifier(n_estimators=4).fit(X, y),
        "pipeline": Pipeline([("s", StandardScaler()), ("l", LogisticRegression())]).fit(X, y),
    }
    for name, model in models.items():
        for comp in (0, 3, ("gzip", 3), ("xz", 3)):
            tag = comp if isinstance(comp, int) else comp[0]
            p = root / "sklearn" / f"{name}_{tag}.joblib"
            p.parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(model, p, compress=comp)
            paths.append(p)
        import pickle

        put(f"sklearn/{name}.pkl", pickle.dumps(model, protocol=5))

    (root / "st").mkdir()
    save_file(
        {"w": np.ones((2, 3), np.float32), "b": np.zeros(3, np.float16)},
        str(root / "st" / "model.safetensors"),
    )
    paths.append(root / "st" / "model.safetensors")

    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])])  # fmt: skip
    put(
        "onnx/model.onnx",
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString(),
    )
    _ = onnx

    put(
        "hf/config.json",
        json.dumps(
            {
                "architectures": ["LlamaForCausalLM"],
                "model_type": "llama",
                "hidden_size": 4096,
                "torch_dtype": "bfloat16",
            }
        ).encode(),
    )
    for i, tpl in enumerate((LLAMA3, CHATML, GEMMA, MISTRAL)):
        put(
            f"hf/t{i}/tokenizer_config.json",
            json.dumps(
                {"chat_template": tpl, "bos_token": "<s>", "model_max_length": 8192}
            ).encode(),
        )
    put("hf/generation_config.json", json.dumps({"temperature": 0.6, "top_p": 0.9}).encode())
    put("hf/modeling_toy.py", MODEL_PY)
    put(
        "hf/model_config.yaml",
        b"model:\n  _target_: nemo.collections.nlp.models.GPTModel\n  optim:\n    _target_: torch.optim.AdamW\n",
    )
    return paths
