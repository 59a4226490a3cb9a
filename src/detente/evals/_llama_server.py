"""A minimal OpenAI-compatible server for a local GGUF, with a faithful Gemma 3 turn format.

The Gemma 3 270M base GGUF carries no chat template, and llama-cpp-python's built-in ``gemma``
format silently drops system messages and tool results -- an injection test run through it
would never show the model the secret or the poisoned tool output. ``detente-gemma3`` follows
Gemma 3's own template (the system prompt opens the first user turn; turns alternate
``user``/``model``), renders tool results as user turns and tool calls as JSON in model turns,
and lists the offered tools in the system prompt.

The server (``python -m detente.evals._llama_server --model FILE --port N``) is ours rather than
llama-cpp-python's stock one, which applies hidden sampling defaults (repetition penalty 1.1,
top-k 40, top-p 0.95, min-p 0.05) and costs about a fifth of the throughput in per-request
overhead; ours samples exactly as requested (:data:`SAMPLER`) and serves one generation at a
time on loopback. It logs each generation's token count and speed to stderr (``server.log`` in
an eval's output directory); ``DETENTE_LLAMA_DEBUG=1`` also logs each request's parameters.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

__all__ = ["CHAT_FORMAT", "SAMPLER", "render_gemma3", "serve"]

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


# What we pass to llama.cpp for every request: plain temperature sampling (greedy at 0), no
# hidden repetition penalty or truncation. llama-cpp-python's stock server silently applies
# repeat_penalty=1.1, top_k=40, top_p=0.95 and min_p=0.05, which changes what is measured and
# is not visible in a scorecard; these are recorded in the scorecard instead.
SAMPLER = {"repeat_penalty": 1.0, "top_k": 0, "min_p": 0.0, "top_p": 1.0}
MAX_BODY = 8 << 20


def _completion(llm: Any, request: dict[str, Any], lock: Any) -> dict[str, Any]:
    if os.environ.get("DETENTE_LLAMA_DEBUG"):
        sys.stderr.write(json.dumps({k: v for k, v in request.items() if k != "messages"}) + "\n")
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty list")
    prompt = render_gemma3(messages, request.get("tools"))
    max_tokens = request.get("max_completion_tokens") or request.get("max_tokens") or 256
    stop = ["<end_of_turn>"]
    extra = request.get("stop")
    stop += [extra] if isinstance(extra, str) else list(extra or [])
    top_p = request.get("top_p")
    with lock:
        started = time.perf_counter()
        out = llm.create_completion(
            prompt,
            max_tokens=int(max_tokens),
            temperature=float(request.get("temperature") or 0.0),
            seed=int(request["seed"]) if request.get("seed") is not None else None,
            stop=stop,
            **{**SAMPLER, **({"top_p": float(top_p)} if top_p is not None else {})},
        )
    elapsed = time.perf_counter() - started
    usage = out["usage"]
    sys.stderr.write(
        f"generated {usage['completion_tokens']} tokens after {usage['prompt_tokens']} prompt "
        f"tokens in {elapsed:.2f} s ({usage['completion_tokens'] / max(elapsed, 1e-9):.1f} tok/s)\n"
    )
    choice = out["choices"][0]
    return {
        "id": "chatcmpl-" + str(out["id"]).split("-", 1)[-1],
        "object": "chat.completion",
        "created": out["created"],
        "model": str(request.get("model") or "gemma"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": choice["text"]},
                "finish_reason": choice.get("finish_reason") or "stop",
            }
        ],
        "usage": out["usage"],
    }


def serve(model: str, host: str, port: int, n_ctx: int, threads: int) -> None:  # pragma: no cover
    """A minimal OpenAI-compatible chat endpoint (one generation at a time) on loopback."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from llama_cpp import Llama

    llm = Llama(model, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": [{"id": "gemma", "object": "model", "owned_by": "local"}],
                    },
                )
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"error": {"message": "request too large"}})
                return
            try:
                request = json.loads(self.rfile.read(length) or b"{}")
                if request.get("stream"):
                    raise ValueError("streaming is not supported")
                body = _completion(llm, request, lock)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
                return
            self._send(200, body)

        def log_message(self, format: str, *args: Any) -> None:
            message = format % args  # the http.server logging API
            sys.stderr.write(f"{self.address_string()} {message}\n")

    server = ThreadingHTTPServer((host, port), Handler)
    sys.stderr.write(f"detente llama server on http://{host}:{port}/v1 ({model})\n")
    sys.stderr.flush()
    server.serve_forever()


def main() -> None:  # pragma: no cover - exercised by the end-to-end test in a subprocess
    import argparse

    parser = argparse.ArgumentParser(description="OpenAI-compatible server for a local GGUF")
    parser.add_argument("--model", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n_ctx", type=int, default=4096)
    parser.add_argument("--n_threads", type=int, default=1)
    args = parser.parse_args()
    serve(args.model, args.host, args.port, args.n_ctx, args.n_threads)


if __name__ == "__main__":  # pragma: no cover
    main()
