"""An OpenAI-compatible HTTP proxy that enforces the monitor on the model's tool calls.

``client → proxy (127.0.0.1) → upstream /v1/chat/completions``. The request's ``messages`` and
``tools`` are the trace so far; every ``tool_calls`` entry in the model's answer is decided
before the client sees it. Allowed calls pass unchanged. A blocked (or ``ask``) call is removed
from the answer and replaced by a refusal in the assistant's text, so the agent loop never runs
it; when no call remains, ``finish_reason`` becomes ``stop``. Every answer carries the decisions
in an extra ``detente_monitor`` field (clients ignore unknown fields) and a header.

Streaming (``"stream": true``, server-sent events): text deltas pass through as they come;
tool-call deltas are held back and assembled until the choice finishes, then decided and sent
as one delta (OpenAI's streaming format allows a tool call in a single chunk).

Only the standard library is used (``http.server``, ``urllib``): no extra dependency.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from detente.errors import FormatError, UsageError
from detente.monitor._decision import Decision
from detente.monitor._monitor import Monitor
from detente.monitor._trace import Message, ToolCall, Trace, parse_openai_messages, parse_tool_specs

__all__ = ["MonitorProxy", "enforce_calls"]

_MAX_BODY = 32 * 1024 * 1024
_HOP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


def enforce_calls(
    monitor: Monitor, trace: Trace, raw_calls: list[Any]
) -> tuple[list[Any], list[tuple[int, Decision]]]:
    """Decide each raw OpenAI tool call in order; (allowed raw calls, every decision by index)."""
    allowed_raw: list[Any] = []
    allowed: list[ToolCall] = []
    decisions: list[tuple[int, Decision]] = []
    for k, raw in enumerate(raw_calls):
        fn = raw.get("function") if isinstance(raw, dict) else None
        name = fn.get("name") if isinstance(fn, dict) else None
        call = ToolCall.from_raw(
            name if isinstance(name, str) else "",
            fn.get("arguments") if isinstance(fn, dict) else None,
        )
        if not isinstance(name, str):
            call = ToolCall("", {}, "", "", "tool call without a function name")
        prefix = Trace(
            trace.id, (*trace.messages, Message("assistant", "", tuple(allowed))), trace.tools
        )
        d = monitor.check_call(prefix, call)
        decisions.append((k, d))
        if d.action.value == "allow":
            allowed_raw.append(raw)
            allowed.append(call)
    return allowed_raw, decisions


def _refusal(decisions: list[tuple[int, Decision]]) -> str:
    lines = [
        f"[detente monitor] {d.action.value}ed tool call {d.tool!r} ({d.rule}): {d.reason}"
        for _, d in decisions
        if d.action.value != "allow"
    ]
    return "\n".join(lines)


def _report(decisions: list[tuple[int, Decision]]) -> list[dict[str, Any]]:
    return [{"call_index": k, **d.to_dict()} for k, d in decisions]


def _apply(
    monitor: Monitor, trace: Trace, message: dict[str, Any], choice: dict[str, Any]
) -> list[dict[str, Any]]:
    calls = message.get("tool_calls")
    if not isinstance(calls, list) or not calls:
        return []
    allowed, decisions = enforce_calls(monitor, trace, calls)
    refusal = _refusal(decisions)
    if refusal:
        message["content"] = f"{message.get('content') or ''}\n{refusal}".strip()
        if allowed:
            message["tool_calls"] = allowed
        else:
            message.pop("tool_calls", None)
            if choice.get("finish_reason") == "tool_calls":
                choice["finish_reason"] = "stop"
    return _report(decisions)


class _Stream:
    """Re-writes one SSE stream: text passes, tool calls are held, decided, then released."""

    def __init__(self, monitor: Monitor, trace: Trace) -> None:
        self.monitor, self.trace = monitor, trace
        self.pending: dict[int, dict[int, dict[str, Any]]] = {}
        self.decisions: list[dict[str, Any]] = []

    def chunk(self, obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for choice in obj.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            ci = choice.get("index", 0)
            delta = choice.get("delta") or {}
            for tc in delta.pop("tool_calls", None) or []:
                slot = self.pending.setdefault(ci, {}).setdefault(
                    tc.get("index", 0), {"function": {"arguments": ""}}
                )
                for key in ("id", "type"):
                    if tc.get(key):
                        slot[key] = tc[key]
                fn = tc.get("function") or {}
                if fn.get("name"):
                    slot["function"]["name"] = fn["name"]
                slot["function"]["arguments"] += fn.get("arguments") or ""
            if choice.get("finish_reason") and ci in self.pending:
                yield from self._release(obj, choice, ci)
                return
        if any(
            (c.get("delta") or {}) or c.get("finish_reason")
            for c in obj.get("choices") or []
            if isinstance(c, dict)
        ):
            yield obj

    def _release(
        self, obj: dict[str, Any], choice: dict[str, Any], ci: int
    ) -> Iterator[dict[str, Any]]:
        slots = self.pending.pop(ci)
        raw = [slots[k] for k in sorted(slots)]
        allowed, decisions = enforce_calls(self.monitor, self.trace, raw)
        self.decisions.extend(_report(decisions))
        delta: dict[str, Any] = {}
        if allowed:
            delta["tool_calls"] = [
                {**c, "index": i, "type": c.get("type", "function")} for i, c in enumerate(allowed)
            ]
        refusal = _refusal(decisions)
        if refusal:
            delta["content"] = "\n" + refusal
        finish = choice["finish_reason"] if allowed else "stop"
        base = {k: v for k, v in obj.items() if k != "choices"}
        yield {**base, "choices": [{"index": ci, "delta": delta, "finish_reason": None}]}
        yield {
            **base,
            "choices": [{"index": ci, "delta": {}, "finish_reason": finish}],
            "detente_monitor": self.decisions,
        }


class MonitorProxy:
    """``with MonitorProxy("http://127.0.0.1:8000/v1", Monitor()) as p: p.url`` — a loopback proxy."""

    def __init__(
        self,
        upstream: str,
        monitor: Monitor,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 300.0,
    ) -> None:
        if not upstream.startswith(("http://", "https://")):
            raise UsageError(f"upstream must be an http(s) URL, not {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self.monitor, self.timeout = monitor, timeout
        handler = type("Handler", (_Handler,), {"proxy": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def target(self, path: str) -> str:
        if self.upstream.endswith("/v1") and path.startswith("/v1/"):
            path = path[3:]
        return self.upstream + path

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def __enter__(self) -> MonitorProxy:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    proxy: MonitorProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI reports decisions
        return

    def _send_json(
        self, status: int, obj: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send_json(
            status, {"error": {"message": message, "type": "detente_monitor_error", "code": status}}
        )

    def _upstream(self, method: str, body: bytes | None) -> Any:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        url = self.proxy.target(self.path)
        req = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        # the scheme is checked in MonitorProxy.__init__ (http/https only)
        return urllib.request.urlopen(req, timeout=self.proxy.timeout)  # noqa: S310

    def do_GET(self) -> None:
        try:
            with self._upstream("GET", None) as r:
                self._send_json(r.status, json.loads(r.read() or b"{}"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._error(502, f"upstream: {exc}")

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error(400, "bad Content-Length")
        if length > _MAX_BODY:
            return self._error(413, "request too large")
        body = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._passthrough(body)
        try:
            req = json.loads(body)
            if not isinstance(req, dict):
                raise FormatError("request is not a JSON object")
            trace = Trace(
                "proxy",
                parse_openai_messages(req.get("messages")),
                parse_tool_specs(req.get("tools")),
            )
        except (ValueError, RecursionError, FormatError) as exc:
            return self._error(400, f"detente monitor cannot read the request: {exc}")
        # The tool outputs came with the request; the tool calls come with the answer. Read the
        # outputs while the model generates, so the decisions wait only on the calls themselves.
        reading = _read_ahead(self.proxy.monitor, trace)
        try:
            upstream = self._upstream("POST", body)
        except urllib.error.HTTPError as exc:
            return self._send_json(exc.code, _json_or_error(exc.read()))
        except (urllib.error.URLError, OSError) as exc:
            return self._error(502, f"upstream unreachable: {exc}")
        with upstream:
            if req.get("stream"):
                reading.join()
                return self._stream(upstream, trace)
            try:
                resp = json.loads(upstream.read())
            except ValueError:
                return self._error(502, "upstream answered with invalid JSON")
        reading.join()
        decisions: list[dict[str, Any]] = []
        for choice in resp.get("choices") or [] if isinstance(resp, dict) else []:
            if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
                decisions.extend(_apply(self.proxy.monitor, trace, choice["message"], choice))
        if isinstance(resp, dict):
            resp["detente_monitor"] = decisions
        blocked = any(d["action"] != "allow" for d in decisions)
        self._send_json(200, resp, {"X-Detente-Monitor": "blocked" if blocked else "allowed"})

    def _passthrough(self, body: bytes) -> None:
        try:
            with self._upstream("POST", body) as r:
                self._send_json(r.status, _json_or_error(r.read()))
        except urllib.error.HTTPError as exc:
            self._send_json(exc.code, _json_or_error(exc.read()))
        except (urllib.error.URLError, OSError) as exc:
            self._error(502, f"upstream unreachable: {exc}")

    def _stream(self, upstream: Any, trace: Trace) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        state = _Stream(self.proxy.monitor, trace)
        for line in upstream:
            text = line.decode("utf-8", "replace").strip()
            if not text.startswith("data:"):
                continue
            data = text[5:].strip()
            if data == "[DONE]":
                self._event("[DONE]")
                break
            try:
                obj = json.loads(data)
            except ValueError:
                continue  # a malformed upstream event is dropped, never forwarded unchecked
            if isinstance(obj, dict):
                for out in state.chunk(obj):
                    self._event(json.dumps(out, ensure_ascii=False))

    def _event(self, data: str) -> None:
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()


def _read_ahead(monitor: Monitor, trace: Trace) -> threading.Thread:
    """:meth:`Monitor.prepare` on a worker thread. A failure there is left for the decision
    itself to meet (it reads the same outputs), so it is not reported twice."""

    def run() -> None:
        with contextlib.suppress(Exception):
            monitor.prepare(trace)

    worker = threading.Thread(target=run, name="detente-monitor-read-ahead", daemon=True)
    worker.start()
    return worker


def _json_or_error(raw: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except ValueError:
        return {
            "error": {"message": raw[:500].decode("utf-8", "replace"), "type": "upstream_error"}
        }
    return obj if isinstance(obj, dict) else {"data": obj}
