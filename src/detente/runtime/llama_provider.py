"""An in-process inspect_ai model provider for local GGUF files: ``detente-llama/<name>``.

llama-cpp-python runs in the evaluating process (no server, no port, no HTTP per sample), with
the Gemma 3 turn format and the explicit sampler of :mod:`detente.runtime` (``detente-gemma3``).
Generations are serialised (one llama.cpp context) and run on the calling thread. Usable from inspect directly::

    inspect eval detente/cyber_misuse --model detente-llama/gemma -M model_path=./model.gguf
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from detente.env import require
from detente.errors import InputError
from detente.runtime._gemma_format import complete, render_gemma3

__all__ = ["PROVIDER", "LlamaCppAPI", "to_openai_messages"]

PROVIDER = "detente-llama"


def to_openai_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """inspect chat messages in the OpenAI shape :func:`render_gemma3` reads."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, ChatMessageSystem):
            out.append({"role": "system", "content": m.text})
        elif isinstance(m, ChatMessageAssistant):
            calls = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.function, "arguments": json.dumps(c.arguments)}}
                for c in m.tool_calls or []
            ]  # fmt: skip
            out.append({"role": "assistant", "content": m.text, "tool_calls": calls})
        elif isinstance(m, ChatMessageTool):
            out.append({"role": "tool", "name": m.function or "tool", "content": m.text})
        else:
            out.append({"role": "user", "content": m.text})
    return out


def _tools(tools: list[ToolInfo]) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description,
                                          "parameters": t.parameters.model_dump(exclude_none=True)}}
        for t in tools
    ]  # fmt: skip


class LlamaCppAPI(ModelAPI):
    """``-M model_path=FILE`` (required), ``-M n_ctx=4096``, ``-M n_threads=<cpu count>``."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        path = model_args.get("model_path")
        if not path or not os.path.isfile(str(path)):
            raise InputError(f"{PROVIDER}: -M model_path=FILE must name a GGUF file (got {path!r})")
        Llama = require(
            "llama_cpp",
            "model",
            "a local GGUF (llama-cpp-python builds llama.cpp from source, ~5 min)",
        ).Llama
        threads = int(model_args.get("n_threads") or os.cpu_count() or 1)
        self.llm: Any = Llama(
            str(path),
            n_ctx=int(model_args.get("n_ctx") or 4096),
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        self._lock = threading.Lock()

    def max_connections(self) -> int:
        return 1  # one llama.cpp context; more would only queue

    def _complete(self, prompt: str, config: GenerateConfig) -> dict[str, Any]:
        return complete(
            self.llm,
            prompt,
            max_tokens=config.max_tokens or 256,
            temperature=config.temperature or 0.0,
            seed=config.seed,
            stop=list(config.stop_seqs or []),
            top_p=config.top_p,
            lock=self._lock,
        )

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        prompt = render_gemma3(to_openai_messages(input), _tools(tools) if tools else None)
        # Generate on the event loop's own (main) thread, blocking it: llama-cpp-python
        # measured ~13% slower when called from any worker thread (asyncio.to_thread or a plain
        # ThreadPoolExecutor) on this 2-core machine, and with one llama.cpp context there is
        # nothing else for the loop to run meanwhile (max_connections is 1).
        result = self._complete(prompt, config)
        choice = result["choices"][0]
        usage = result["usage"]
        output = ModelOutput.from_content(
            model=self.model_name,
            content=choice["text"],
            stop_reason="max_tokens" if choice.get("finish_reason") == "length" else "stop",
        )
        output.usage = ModelUsage(
            input_tokens=usage["prompt_tokens"],
            output_tokens=usage["completion_tokens"],
            total_tokens=usage["total_tokens"],
        )
        return output


@modelapi(name=PROVIDER)
def detente_llama() -> type[ModelAPI]:
    return LlamaCppAPI
