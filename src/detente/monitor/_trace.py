"""The canonical agent trace: OpenAI chat messages with ``tool_calls`` and tool results.

A trace is what the monitor sees before a tool call runs: the user's request, the model's
earlier calls, and every tool output so far (OpenAI Chat Completions message format; the
assistant's ``tool_calls[].function.arguments`` is a JSON *string*). Other formats (MCP
JSON-RPC, inspect logs, AgentDojo) are converted into this one by ``_adapters``.

Hostile input is expected: arguments that are not JSON, not objects, or huge are kept as
data (``ToolCall.parse_error``) so the policy can block them; structurally broken traces raise
:class:`detente.errors.FormatError` naming the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from detente.errors import FormatError

__all__ = [
    "JSON",
    "MAX_ARGUMENT_CHARS",
    "Message",
    "Role",
    "ToolCall",
    "ToolSpec",
    "Trace",
    "parse_openai_messages",
    "parse_tool_specs",
    "trace_from_dict",
]

JSON: TypeAlias = "bool | int | float | str | list[JSON] | dict[str, JSON] | None"
Role = Literal["system", "user", "assistant", "tool"]
ROLES: tuple[str, ...] = ("system", "developer", "user", "assistant", "tool", "function")
# Arguments larger than this are not parsed: the call is blocked as oversized (a monitor that
# must answer in milliseconds cannot scan megabytes, and no legitimate call needs them).
MAX_ARGUMENT_CHARS = 1_000_000


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for. ``arguments`` is empty when ``parse_error`` is set."""

    name: str
    arguments: Mapping[str, JSON] = field(default_factory=dict)
    id: str = ""
    raw_arguments: str = ""
    parse_error: str | None = None

    @staticmethod
    def from_raw(name: str, raw: object, call_id: str = "") -> ToolCall:
        """Build a call from OpenAI's JSON-string arguments (or an already-decoded object)."""
        if isinstance(raw, Mapping):
            text = json.dumps(raw, ensure_ascii=False, default=str)
            return _checked(name, raw, text, call_id)
        if raw is None:
            return ToolCall(name, {}, call_id, "")
        if not isinstance(raw, str):
            return ToolCall(name, {}, call_id, repr(raw)[:200], "arguments are not a JSON string")
        if len(raw) > MAX_ARGUMENT_CHARS:
            return ToolCall(name, {}, call_id, raw[:200], f"arguments exceed {MAX_ARGUMENT_CHARS}")
        if not raw.strip():
            return ToolCall(name, {}, call_id, raw)
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            return ToolCall(name, {}, call_id, raw, f"arguments are not valid JSON: {exc}")
        if not isinstance(value, dict):
            return ToolCall(name, {}, call_id, raw, "arguments are not a JSON object")
        return _checked(name, value, raw, call_id)

    def to_openai(self) -> dict[str, JSON]:
        raw = self.raw_arguments or json.dumps(dict(self.arguments), ensure_ascii=False)
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": raw},
        }


def _checked(name: str, value: Mapping[str, object], text: str, call_id: str) -> ToolCall:
    if len(text) > MAX_ARGUMENT_CHARS:
        return ToolCall(name, {}, call_id, text[:200], f"arguments exceed {MAX_ARGUMENT_CHARS}")
    return ToolCall(name, dict(value), call_id, text)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None  # the tool's name on tool results, when known


@dataclass(frozen=True)
class ToolSpec:
    """A tool's description (OpenAI ``tools[]`` / MCP ``tools/list``), JSON Schema parameters."""

    name: str
    description: str = ""
    parameters: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True)
class Trace:
    id: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()

    def calls(self) -> list[tuple[int, ToolCall]]:
        """Every tool call in order, with the index of the assistant message that holds it."""
        return [(i, c) for i, m in enumerate(self.messages) for c in m.tool_calls]

    def before_call(self, k: int) -> tuple[Trace, ToolCall]:
        """The trace as it stood when call ``k`` (0-based among all calls) was about to run."""
        n = 0
        for i, m in enumerate(self.messages):
            for j, c in enumerate(m.tool_calls):
                if n == k:
                    head = Message(m.role, m.content, m.tool_calls[:j], m.tool_call_id, m.name)
                    msgs = (*self.messages[:i], head) if j else self.messages[:i]
                    return Trace(self.id, msgs, self.tools), c
                n += 1
        raise IndexError(k)

    def tool_name_for(self, message: Message) -> str:
        if message.name:
            return message.name
        for m in self.messages:
            for c in m.tool_calls:
                if c.id and c.id == message.tool_call_id:
                    return c.name
        return ""


def _content_text(content: object, where: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts: [{"type": "text", "text": ...}, ...]
        parts = []
        for p in content:
            if isinstance(p, Mapping) and isinstance(p.get("text"), str):
                parts.append(p["text"])
            elif isinstance(p, str):
                parts.append(p)
        return "\n".join(parts)
    if isinstance(content, Mapping):
        return json.dumps(content, ensure_ascii=False, default=str)
    raise FormatError(f"{where}: content is {type(content).__name__}, not text")


def _parse_tool_calls(raw: object, where: str) -> tuple[ToolCall, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FormatError(f"{where}: tool_calls is not a list")
    out = []
    for k, tc in enumerate(raw):
        if not isinstance(tc, Mapping):
            raise FormatError(f"{where}: tool_calls[{k}] is not an object")
        fn = tc.get("function", tc)
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            raise FormatError(f"{where}: tool_calls[{k}] has no function name")
        cid = tc.get("id")
        out.append(
            ToolCall.from_raw(fn["name"], fn.get("arguments"), cid if isinstance(cid, str) else "")
        )
    return tuple(out)


def parse_openai_messages(raw: object, where: str = "messages") -> tuple[Message, ...]:
    """Parse an OpenAI Chat Completions ``messages`` list (the canonical trace form)."""
    if not isinstance(raw, list):
        raise FormatError(f"{where}: not a list of messages")
    out: list[Message] = []
    for i, m in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(m, Mapping):
            raise FormatError(f"{at}: not an object")
        role = m.get("role")
        if role not in ROLES:
            raise FormatError(f"{at}: unknown role {role!r}")
        role = {"developer": "system", "function": "tool"}.get(str(role), str(role))
        name = m.get("name")
        tcid = m.get("tool_call_id")
        out.append(
            Message(
                role,  # type: ignore[arg-type]
                _content_text(m.get("content"), at),
                _parse_tool_calls(m.get("tool_calls"), at) if role == "assistant" else (),
                tcid if isinstance(tcid, str) else None,
                name if isinstance(name, str) else None,
            )
        )
    return tuple(out)


def parse_tool_specs(raw: object, where: str = "tools") -> tuple[ToolSpec, ...]:
    """OpenAI ``tools`` ([{"type": "function", "function": {...}}]) or MCP ``tools/list`` items."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FormatError(f"{where}: not a list")
    out = []
    for k, t in enumerate(raw):
        fn = t.get("function", t) if isinstance(t, Mapping) else None
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            raise FormatError(f"{where}[{k}]: no tool name")
        params = fn.get("parameters", fn.get("inputSchema", {}))
        desc = fn.get("description")
        out.append(
            ToolSpec(
                fn["name"],
                desc if isinstance(desc, str) else "",
                params if isinstance(params, Mapping) else {},
            )
        )
    return tuple(out)


def trace_from_dict(obj: object, where: str = "trace") -> Trace:
    """``{"id", "messages", "tools"?}`` — one line of a TRACES.jsonl file."""
    if not isinstance(obj, Mapping):
        raise FormatError(f"{where}: not a JSON object")
    tid = obj.get("id", "")
    if not isinstance(tid, (str, int)):
        raise FormatError(f"{where}: id is not a string")
    return Trace(
        str(tid),
        parse_openai_messages(obj.get("messages"), f"{where}.messages"),
        parse_tool_specs(obj.get("tools"), f"{where}.tools"),
    )


def user_texts(messages: Sequence[Message]) -> list[str]:
    return [m.content for m in messages if m.role in ("user", "system") and m.content]
