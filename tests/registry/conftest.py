"""A real registry server (uvicorn in a subprocess) on loopback, per backend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def backends() -> list[str]:
    out = ["sqlite"]
    if os.environ.get("DETENTE_TEST_PG_URL"):
        out.append("postgresql")
    elif os.environ.get("CI"):
        raise RuntimeError("CI must provide DETENTE_TEST_PG_URL (run .ci/setup-postgres.sh)")
    return out


@dataclass
class Server:
    url: str
    db: str
    key_path: Path
    proc: subprocess.Popen[bytes]
    port: int
    max_body: int

    def start(self) -> None:
        self.proc = _spawn(self.db, self.key_path, self.port, self.max_body)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def _spawn(db: str, key_path: Path, port: int, max_body: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "detente", "registry", "serve", "--db", db, "--port", str(port),
         "--log-key", str(key_path), "--max-body", str(max_body)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 90  # a loaded CI machine starts Python slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/log-key", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("registry server did not start")


def _fresh_pg(base: str, name: str) -> str:
    import sqlalchemy

    eng = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    eng.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=backends())
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    from detente.registry import load_or_create_log_key

    key_path = tmp_path / "log.key"
    load_or_create_log_key(key_path, "test.example/log")
    if request.param == "sqlite":
        db = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    else:
        db = _fresh_pg(
            os.environ["DETENTE_TEST_PG_URL"], f"t{os.getpid()}_{abs(hash(tmp_path)) % 10**8}"
        )
    port = _free_port()
    srv = Server(
        f"http://127.0.0.1:{port}", db, key_path, _spawn(db, key_path, port, 100_000), port, 100_000
    )
    yield srv
    srv.kill()
