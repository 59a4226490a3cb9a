"""Where the evaluated model lives: an inspect model string, an OpenAI-compatible endpoint, or a
local GGUF (by default the embedded Gemma 3 270M) served by llama-cpp-python on loopback."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError, UsageError
from detente.evals._llama_server import SAMPLER

__all__ = ["LlamaServer", "Target", "file_digest", "resolve_target", "serve_gguf"]


@dataclass(frozen=True)
class Target:
    """What inspect is pointed at, and what the scorecard records about it."""

    model: Any  # an inspect model string (or an inspect Model, in tests)
    base_url: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return f"sha256:{h.hexdigest()}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """``python -m detente.evals._llama_server`` on a free loopback port."""

    def __init__(
        self,
        gguf: Path,
        *,
        chat_format: str = "detente-gemma3",
        n_ctx: int = 4096,
        threads: int | None = None,
        log_path: Path | None = None,
        startup_timeout: float = 180.0,
    ) -> None:
        self.gguf = gguf
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 1
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            raise InputError(
                "serving a local GGUF needs llama-cpp-python: pip install 'detente[model]' "
                "(it builds llama.cpp from source, about 5 minutes on 2 cores)"
            ) from None
        self.port = _free_port()
        cmd = [
            sys.executable, "-m", "detente.evals._llama_server",
            "--model", str(self.gguf),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.threads),
        ]  # fmt: skip
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("wb")
        self._proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            cmd,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self._log else subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self.stop()
                where = f" (see {self.log_path})" if self.log_path else ""
                raise InputError(
                    f"the llama.cpp server for {self.gguf} exited with code "
                    f"{self._proc.returncode}{where}"
                )
            try:
                url = f"{self.base_url}/models"  # http://127.0.0.1 only
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise InputError(
            f"the llama.cpp server did not become ready in {self.startup_timeout:.0f} s"
        )

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _llama_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("llama-cpp-python")
    except Exception:
        return None


@contextmanager
def serve_gguf(
    gguf: Path, *, embedded: bool, log_path: Path | None = None, n_ctx: int = 4096
) -> Iterator[Target]:
    """Serve a local GGUF and yield the target pointing at it."""
    if not gguf.is_file():
        raise InputError("no such GGUF file", gguf)
    digest = file_digest(gguf)
    with LlamaServer(gguf, log_path=log_path, n_ctx=n_ctx) as server:
        yield Target(
            model="openai-api/llamacpp/gemma",
            base_url=server.base_url,
            identity={
                "name": "gemma3-270m-q4-k-m (embedded)" if embedded else gguf.name,
                "inspect_model": "openai-api/llamacpp/gemma",
                "endpoint": "llama-cpp-python on loopback",
                "weights_path": gguf.name,
                "weights_digest": digest,
                "chat_format": server.chat_format,
                "runtime": f"llama-cpp-python {_llama_version()}",
                "sampler": dict(SAMPLER),
            },
            env={"LLAMACPP_API_KEY": os.environ.get("LLAMACPP_API_KEY", "detente-local")},
        )


def resolve_target(model: str | None, base_url: str | None) -> Target:
    """A remote or provider target (the local cases go through :func:`serve_gguf`)."""
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
