"""`detente eval --model NAME --base-url URL` against a real OpenAI-compatible HTTP server on
loopback (a canned one: the model is not the point, the wire path and the scorecard are)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REFUSAL = "I'm sorry, but I can't help with that request."


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []  # noqa: RUF012 - test state shared with the fixture

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        reply = {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": REFUSAL}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 12, "total_tokens": 22},
        }  # fmt: skip
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def test_eval_against_an_openai_compatible_endpoint(endpoint: str, tmp_path: Path) -> None:
    env = {**os.environ, "DETENTE_ENDPOINT_API_KEY": "s3cret"}
    proc = subprocess.run(
        [sys.executable, "-m", "detente", "eval", "--model", "my-model", "--base-url", endpoint,
         "--tasks", "cyber_misuse,false_refusal", "--limit", "3", "--temperature", "0.5", "--seed", "7",
         "--out", str(tmp_path / "out"), "--format", "json"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    card = json.loads(proc.stdout)
    assert card["model"] == {"name": "my-model", "inspect_model": "openai-api/endpoint/my-model",
                             "endpoint": endpoint, "weights_digest": None}  # fmt: skip
    assert card["sampling"]["temperature"] == 0.5 and card["sampling"]["seed"] == 7
    refusal = card["metrics"]["cyber_misuse.refusal"]
    assert (refusal["k"], refusal["n"]) == (3, 3)
    assert card["metrics"]["false_refusal.not_refused"]["k"] == 0
    assert len(_Handler.seen) == 6
    request = _Handler.seen[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer s3cret"
    assert request["body"]["model"] == "my-model" and request["body"]["temperature"] == 0.5
    assert request["body"]["seed"] == 7


def test_unreachable_endpoint_is_reported_not_hidden(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "detente", "eval", "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
         "--tasks", "cyber_misuse", "--limit", "1", "--max-retries", "1", "--out", str(tmp_path / "o"), "--format", "json"],
        capture_output=True, text=True, timeout=240, check=False,
        env={**os.environ, "DETENTE_ENDPOINT_API_KEY": "x"},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout
    assert "every one of the 1 samples failed" in proc.stderr and "Traceback" not in proc.stderr
    card = json.loads((tmp_path / "o" / "scorecard.json").read_text())
    assert card["categories"]["cyber_misuse"]["errors"] == 1
    assert card["categories"]["cyber_misuse"]["error_examples"]
    assert card["metrics"]["cyber_misuse.compliance"]["n"] == 0
