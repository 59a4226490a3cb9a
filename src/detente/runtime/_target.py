"""Where the evaluated model lives: an inspect model string, an OpenAI-compatible endpoint, or a
local GGUF (by default the embedded Gemma 3 270M) run in-process by llama-cpp-python."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.env import package_version
from detente.errors import InputError, UsageError
from detente.integrity import file_digest
from detente.runtime._gemma_format import CHAT_FORMAT, SAMPLER

__all__ = ["Target", "local_gguf", "resolve_target"]


@dataclass(frozen=True)
class Target:
    """What inspect is pointed at, and what the scorecard records about it."""

    model: Any  # an inspect model string, or an inspect Model (local GGUFs, tests)
    base_url: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@contextmanager
def local_gguf(gguf: Path, *, embedded: bool, n_ctx: int = 4096) -> Iterator[Target]:
    """Evaluate a local GGUF in this process (provider ``detente-llama``): no server, no port."""
    if not gguf.is_file():
        raise InputError("no such GGUF file", gguf)
    digest = file_digest(gguf)
    from inspect_ai.model import get_model

    import detente.runtime.llama_provider as provider

    # inspect prints start-up notes on stdout when it first makes a model; stdout is ours.
    with contextlib.redirect_stdout(io.StringIO()):
        model = get_model(
            f"{provider.PROVIDER}/gemma", model_path=str(gguf), n_ctx=n_ctx, memoize=False
        )
    yield Target(
        model=model,
        identity={
            "name": "gemma3-270m-q4-k-m (embedded)" if embedded else gguf.name,
            "inspect_model": f"{provider.PROVIDER}/gemma",
            "endpoint": "in-process llama-cpp-python (CPU)",
            "weights_path": gguf.name,
            "weights_digest": digest,
            "chat_format": CHAT_FORMAT,
            "runtime": f"llama-cpp-python {package_version('llama-cpp-python')}",
            "sampler": dict(SAMPLER),
        },
    )


def resolve_target(model: str | None, base_url: str | None) -> Target:
    """A remote or provider target (local GGUFs go through :func:`local_gguf`)."""
    if model is None:
        raise UsageError("no model: pass --model, or leave it out to use the embedded model")
    env: dict[str, str] = {}
    inspect_model = model
    if base_url is not None and "/" not in model:
        # A bare model name on an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server).
        inspect_model = f"openai-api/endpoint/{model}"
        env["ENDPOINT_API_KEY"] = os.environ.get(
            "DETENTE_ENDPOINT_API_KEY", os.environ.get("ENDPOINT_API_KEY", "none")
        )
    return Target(
        model=inspect_model,
        base_url=base_url,
        identity={
            "name": model,
            "inspect_model": inspect_model,
            "endpoint": base_url,
            "weights_digest": None,
        },
        env=env,
    )
