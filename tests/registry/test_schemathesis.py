"""Schemathesis against the served OpenAPI spec: no input crashes the server (no 5xx) and
every response conforms to the spec; state-changing requests it generates are refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx


def test_no_server_errors_for_generated_requests(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    st = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    size_before = httpx.get(server.url + "/v1/checkpoint").text.split("\n")[1]
    out = subprocess.run(
        [st, "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", "25", "--generation-deterministic", "--no-color"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    # Generated bodies are never validly signed bundles, so nothing was appended.
    assert httpx.get(server.url + "/v1/checkpoint").text.split("\n")[1] == size_before
