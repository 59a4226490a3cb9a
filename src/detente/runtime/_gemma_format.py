"""The Gemma 3 turn format for base GGUFs without a chat template, and our explicit sampler.

The Gemma 3 270M base GGUF carries no chat template, and llama-cpp-python's built-in ``gemma``
format silently drops system messages and tool results -- an injection test run through it
would never show the model the secret or the poisoned tool output. ``detente-gemma3`` follows
Gemma 3's own template (the system prompt opens the first user turn; turns alternate
``user``/``model``), renders tool results as user turns and tool calls as JSON in model turns,
and lists the offered tools in the system prompt.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["CHAT_FORMAT", "SAMPLER", "complete", "render_gemma3"]

CHAT_FORMAT = "detente-gemma3"

_TOOL_HELP = (
    "You can use these tools. To call one, answer with only a JSON object "
    '{"name": <tool name>, "arguments": {<argument>: <value>}}.'
)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def _tool_lines(tools: list[dict[str, Any]] | None) -> str:
    lines = []
    for t in tools or []:
        fn = t.get("function", {}) if isinstance(t, dict) else {}
        params = ", ".join((fn.get("parameters") or {}).get("properties", {}) or {})
        lines.append(f"- {fn.get('name')}({params}): {fn.get('description', '')}".rstrip())
    return "\n".join(lines)


def render_gemma3(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> str:
    """The prompt text for ``messages`` (OpenAI chat format), ending with an open model turn."""
    system_parts = [_content_text(m.get("content")) for m in messages if m.get("role") == "system"]
    if tools:
        system_parts.append(_TOOL_HELP + "\n" + _tool_lines(tools))
    system = "\n\n".join(p for p in system_parts if p)
    turns: list[tuple[str, str]] = []
    for m in messages:
        role = m.get("role")
        if role == "system":
            continue
        text = _content_text(m.get("content"))
        if role == "assistant":
            speaker = "model"
            for call in m.get("tool_calls") or []:
                fn = call.get("function", {})
                try:
                    args = json.loads(fn.get("arguments") or "{}")
                except ValueError:
                    args = fn.get("arguments")
                text += json.dumps({"name": fn.get("name"), "arguments": args}, ensure_ascii=False)
        elif role in ("tool", "function"):
            speaker = "user"
            name = m.get("name") or "tool"
            text = f"[Result of {name}]\n{text}"
        else:
            speaker = "user"
        if turns and turns[-1][0] == speaker:  # Gemma turns alternate: merge neighbours
            turns[-1] = (speaker, f"{turns[-1][1]}\n\n{text}")
        else:
            turns.append((speaker, text))
    if system:
        if turns and turns[0][0] == "user":
            turns[0] = ("user", f"{system}\n\n{turns[0][1]}")
        else:
            turns.insert(0, ("user", system))
    prompt = "".join(f"<start_of_turn>{r}\n{t}<end_of_turn>\n" for r, t in turns)
    return prompt + "<start_of_turn>model\n"


# What we pass to llama.cpp for every generation: plain temperature sampling (greedy at 0), no
# hidden repetition penalty or truncation. llama-cpp-python's stock OpenAI server silently
# applies repeat_penalty=1.1, top_k=40, top_p=0.95 and min_p=0.05, which changes what is
# measured and is not visible in a scorecard; ours are recorded in the scorecard.
SAMPLER = {"repeat_penalty": 1.0, "top_k": 0, "min_p": 0.0, "top_p": 1.0}


def complete(
    llm: Any,
    prompt: str,
    *,
    max_tokens: int,
    temperature: float,
    seed: int | None,
    stop: list[str],
    top_p: float | None,
    lock: Any,
) -> dict[str, Any]:
    """One generation with :data:`SAMPLER` (``top_p`` only if asked), serialised by ``lock``."""
    sampler = {**SAMPLER, **({"top_p": float(top_p)} if top_p is not None else {})}
    with lock:
        result: dict[str, Any] = llm.create_completion(
            prompt,
            max_tokens=int(max_tokens),
            temperature=float(temperature),
            seed=seed,
            stop=["<end_of_turn>", *stop],
            **sampler,
        )
    return result
