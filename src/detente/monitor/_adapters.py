"""Adapters from other trace formats to the canonical one (OpenAI chat messages).

* **OpenAI** (canonical): ``{"id", "messages", "tools"?}`` per JSONL line.
* **MCP** (Model Context Protocol, JSON-RPC 2.0): ``{"id", "user"?, "mcp": [jsonrpc messages]}``;
  ``tools/call`` requests become tool calls, their results (matched by JSON-RPC id) tool
  messages; a ``tools/list`` result gives the tool specs with their annotations
  (MCP spec 2025-06-18 §Tools: readOnlyHint, destructiveHint, openWorldHint).
* **inspect_ai** eval logs: each sample's messages (``ChatMessage*``; tool calls carry decoded
  ``arguments``); read through inspect's own log reader.
* **AgentDojo**: its pipeline's messages (content blocks ``{"type": "text", "content"}``,
  ``FunctionCall {function, args, id}``, tool results with ``tool_call``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from detente.errors import FormatError, InputError, UsageError
from detente.monitor._trace import (
    JSON,
    Message,
    ToolCall,
    ToolSpec,
    Trace,
    parse_tool_specs,
    trace_from_dict,
)

__all__ = ["load_traces", "trace_from_agentdojo", "trace_from_inspect_messages", "trace_from_mcp"]


def _blocks_text(content: object) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for b in content:
            if isinstance(b, Mapping):
                t = b.get("text", b.get("content"))
                if isinstance(t, str):
                    parts.append(t)
            elif isinstance(b, str):
                parts.append(b)
        return "\n".join(parts)
    return json.dumps(content, ensure_ascii=False, default=str)


def _plain(obj: object) -> object:
    """pydantic values (AgentDojo's FunctionCall, inspect's ToolCall) as plain dicts."""
    dump = getattr(obj, "model_dump", None)
    return dump() if callable(dump) else obj


def _fn_call(raw: object, where: str) -> ToolCall:
    raw = _plain(raw)
    if not isinstance(raw, Mapping):
        raise FormatError(f"{where}: tool call is not an object")
    fn = raw.get("function")
    name = fn.get("name") if isinstance(fn, Mapping) else fn
    if not isinstance(name, str):
        raise FormatError(f"{where}: tool call without a function name")
    args = raw.get("args", raw.get("arguments"))
    if isinstance(fn, Mapping):
        args = fn.get("arguments", args)
    cid = raw.get("id")
    return ToolCall.from_raw(name, args, cid if isinstance(cid, str) else "")


def _generic_messages(raw: Sequence[object], where: str) -> tuple[Message, ...]:
    """Messages whose tool calls may be OpenAI-, inspect- or AgentDojo-shaped."""
    out: list[Message] = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        m = _plain(item)
        if not isinstance(m, Mapping):
            raise FormatError(f"{at}: not an object")
        role = m.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool", "function"):
            raise FormatError(f"{at}: unknown role {role!r}")
        role = {"developer": "system", "function": "tool"}.get(str(role), str(role))
        calls_raw = m.get("tool_calls") or []
        if not isinstance(calls_raw, list):
            raise FormatError(f"{at}: tool_calls is not a list")
        calls = tuple(_fn_call(c, f"{at}.tool_calls[{k}]") for k, c in enumerate(calls_raw))
        tc = _plain(m.get("tool_call"))  # AgentDojo tool results carry their call
        name = (
            m.get("function")
            or m.get("name")
            or (_fn_call(tc, at).name if isinstance(tc, Mapping) else None)
        )
        tcid = m.get("tool_call_id") or (tc.get("id") if isinstance(tc, Mapping) else None)
        text = _blocks_text(m.get("content"))
        err = m.get("error")
        if role == "tool" and err:
            text = f"{text}\n{_blocks_text(err)}".strip()
        out.append(
            Message(
                role,  # type: ignore[arg-type]  # checked against the roles above
                text,
                calls if role == "assistant" else (),
                tcid if isinstance(tcid, str) else None,
                name if isinstance(name, str) else None,
            )
        )
    return tuple(out)


def trace_from_agentdojo(
    messages: Sequence[object], trace_id: str, tools: Sequence[object] = ()
) -> Trace:
    """An AgentDojo pipeline's ``messages`` (dicts or its TypedDicts) as a trace."""
    return Trace(
        trace_id, _generic_messages(list(messages), trace_id), parse_tool_specs(list(tools) or None)
    )


def trace_from_inspect_messages(
    messages: Sequence[object], trace_id: str, tools: Sequence[object] = ()
) -> Trace:
    """inspect_ai ``ChatMessage`` objects (or their ``model_dump()``) as a trace."""
    specs = []
    for t in tools:
        d = t.model_dump() if hasattr(t, "model_dump") else t
        if isinstance(d, Mapping) and isinstance(d.get("name"), str):
            params = d.get("parameters")
            specs.append(
                ToolSpec(
                    d["name"],
                    str(d.get("description") or ""),
                    params if isinstance(params, Mapping) else {},
                )
            )
    return Trace(trace_id, _generic_messages(list(messages), trace_id), tuple(specs))


def trace_from_mcp(rpc: Sequence[object], trace_id: str, user: str = "") -> Trace:
    """A session's JSON-RPC messages (MCP ``tools/list`` and ``tools/call``) as a trace."""
    msgs: list[Message] = [Message("user", user)] if user else []
    specs: tuple[ToolSpec, ...] = ()
    pending: dict[str, str] = {}
    list_ids: set[str] = set()
    for i, m in enumerate(rpc):
        at = f"{trace_id}.mcp[{i}]"
        if not isinstance(m, Mapping) or m.get("jsonrpc") != "2.0":
            raise FormatError(f"{at}: not a JSON-RPC 2.0 message")
        rid = json.dumps(m.get("id"))
        method = m.get("method")
        params = m.get("params")
        if method == "tools/list":
            list_ids.add(rid)
        elif method == "tools/call":
            if not isinstance(params, Mapping) or not isinstance(params.get("name"), str):
                raise FormatError(f"{at}: tools/call without params.name")
            call = ToolCall.from_raw(params["name"], params.get("arguments") or {}, rid)
            pending[rid] = call.name
            msgs.append(Message("assistant", "", (call,)))
        elif "result" in m or "error" in m:
            result = m.get("result")
            if rid in list_ids and isinstance(result, Mapping):
                specs = _mcp_specs(result.get("tools"), at)
            elif rid in pending:
                text = _blocks_text(result.get("content")) if isinstance(result, Mapping) else ""
                if "error" in m:
                    text = json.dumps(m["error"], ensure_ascii=False, default=str)
                msgs.append(Message("tool", text, (), rid, pending.pop(rid)))
    return Trace(trace_id, tuple(msgs), specs)


def _mcp_specs(raw: object, where: str) -> tuple[ToolSpec, ...]:
    specs = list(parse_tool_specs(raw, where))
    out = []
    for spec, t in zip(specs, raw if isinstance(raw, list) else [], strict=False):
        ann = t.get("annotations") if isinstance(t, Mapping) else None
        params: dict[str, JSON] = dict(spec.parameters)
        if isinstance(ann, Mapping):
            params["x-mcp-annotations"] = dict(ann)
        out.append(ToolSpec(spec.name, spec.description, params))
    return tuple(out)


def _one(obj: object, where: str) -> Trace:
    if not isinstance(obj, Mapping):
        raise FormatError(f"{where}: not a JSON object")
    tid = str(obj.get("id", where))
    if "mcp" in obj:
        rpc = obj["mcp"]
        if not isinstance(rpc, list):
            raise FormatError(f"{where}: mcp is not a list of JSON-RPC messages")
        user = obj.get("user")
        return trace_from_mcp(rpc, tid, user if isinstance(user, str) else "")
    if obj.get("format") in ("agentdojo", "inspect"):
        msgs = obj.get("messages")
        if not isinstance(msgs, list):
            raise FormatError(f"{where}: messages is not a list")
        return Trace(tid, _generic_messages(msgs, where), parse_tool_specs(obj.get("tools"), where))
    return trace_from_dict(obj, where)


def _inspect_log(path: Path) -> Iterator[Trace]:
    try:
        from inspect_ai.log import read_eval_log
    except ImportError:
        raise UsageError(
            "reading inspect logs needs inspect_ai: pip install 'detente[evals]'"
        ) from None
    try:
        log = read_eval_log(str(path))
    except Exception as exc:  # inspect raises many types for a bad file; the file is the problem
        raise FormatError(f"not a readable inspect eval log: {exc}", path) from None
    for s in log.samples or []:
        yield trace_from_inspect_messages(s.messages, f"{s.id}:{s.epoch}")


def load_traces(path: str | Path) -> Iterator[Trace]:
    """Traces from a JSONL file (one trace per line, any format above) or an inspect log."""
    p = Path(path)
    if p.suffix == ".eval":
        yield from _inspect_log(p)
        return
    try:
        f = p.open("r", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read traces: {exc.strerror}", p) from None
    with f:
        try:
            first = f.read(1)
            f.seek(0)
            if first == "{" and p.suffix == ".json":
                obj = json.load(f)
                if isinstance(obj, Mapping) and "eval" in obj and "samples" in obj:
                    yield from _inspect_log(p)
                    return
                yield _one(obj, str(p))
                return
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        obj = json.loads(line)
                    except (ValueError, RecursionError) as exc:
                        raise FormatError(f"line {n}: not JSON ({exc})", p) from None
                    yield _one(obj, f"{p}:{n}")
        except UnicodeDecodeError:
            raise FormatError("not UTF-8 text", p) from None
        except (ValueError, RecursionError) as exc:
            raise FormatError(f"not JSON ({exc})", p) from None
