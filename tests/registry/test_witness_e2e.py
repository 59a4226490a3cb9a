"""Witnesses as real processes on loopback: a log that forks gets no quorum for its second
history, a lying witness is outvoted, and a witness that is down degrades to "insufficient
witnesses" — never to "trusted"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.registry.conftest import _free_port  # type: ignore[import-not-found]

from detente.attest import generate_key, sign_statement
from detente.registry import (
    QuorumError,
    WitnessKey,
    connect,
    load_or_create_log_key,
    load_or_create_witness_key,
    namespace_claim,
    release,
)

pytestmark = pytest.mark.slow
OWNER = generate_key("ed25519")
D1, D2 = "sha256:" + "aa" * 32, "sha256:" + "bb" * 32


def _wait(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 120  # a loaded CI machine
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "died")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class Procs:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, args: list[str], probe: str) -> subprocess.Popen[bytes]:
        p = subprocess.Popen([sys.executable, "-m", "detente", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        self.procs.append(p)
        _wait(p, probe)
        return p

    def witness(self, name: str, log_vkey: str, db: str | None = None) -> tuple[str, WitnessKey]:
        key = load_or_create_witness_key(self.tmp / f"{name}.key", f"{name}.example/w")
        port = _free_port()
        db = db or f"sqlite:///{self.tmp / (name + '.db')}"
        self.spawn(["witness", "serve", "--name", key.name, "--key", str(self.tmp / f"{name}.key"),
                    "--db", db, "--log", log_vkey, "--port", str(port)],
                   f"http://127.0.0.1:{port}/witness-key")  # fmt: skip
        return f"http://127.0.0.1:{port}", key

    def log(self, db: str, witnesses: list[tuple[str, WitnessKey]]) -> str:
        port = _free_port()
        args = ["registry", "serve", "--db", db, "--log-key", str(self.tmp / "log.key"),
                "--origin", "fork.example/log", "--port", str(port)]  # fmt: skip
        for url, key in witnesses:
            args += ["--witness", f"{url}={key.vkey}"]
        self.spawn(args, f"http://127.0.0.1:{port}/v1/log-key")
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    p = Procs(tmp_path)
    yield p
    p.stop()


def test_fork_lying_witness_and_witness_down(procs: Procs, tmp_path: Path) -> None:
    log_key = load_or_create_log_key(tmp_path / "log.key", "fork.example/log")
    honest = [procs.witness(f"w{i}", log_key.vkey) for i in range(3)]
    keys = [k for _u, k in honest]
    log_a = procs.log(f"sqlite:///{tmp_path / 'a.db'}", honest)
    publisher = connect(log_a, log_key.vkey, state_dir=tmp_path / "pub", witnesses=keys, quorum=2)
    publisher.publish(sign_statement(namespace_claim("acme/m", [OWNER.public_key()]), OWNER))
    publisher.publish(sign_statement(release("acme/m", "m", "1", D1, None), OWNER))
    alice = connect(log_a, log_key.vkey, state_dir=tmp_path / "alice", witnesses=keys, quorum=2)
    assert alice.check_digest(D1).status == "current"
    assert alice.last_quorum is not None and len(alice.last_quorum.cosigners) == 3

    # The operator forks: same key and origin, another history (D1 never released, D2 is),
    # shown to Bob. The honest witnesses refuse it; a fourth witness that never saw history A
    # (a liar, or one the operator controls) cosigns it.
    liar = procs.witness("liar", log_key.vkey)
    log_b = procs.log(f"sqlite:///{tmp_path / 'b.db'}", [*honest, liar])
    forker = connect(log_b, log_key.vkey, state_dir=tmp_path / "forker")
    forker.publish(sign_statement(namespace_claim("acme/m", [OWNER.public_key()]), OWNER))
    forker.publish(sign_statement(release("acme/m", "m", "2", D2, None), OWNER))
    forker.publish(sign_statement(release("acme/m", "m", "3", D1, None), OWNER))
    note_b = httpx.get(log_b + "/v1/checkpoint").text
    assert liar[1].name in note_b and not any(k.name in note_b for k in keys)
    bob = connect(log_b, log_key.vkey, state_dir=tmp_path / "bob",
                  witnesses=[*keys, liar[1]], quorum=2)  # fmt: skip
    with pytest.raises(QuorumError, match="insufficient witnesses: 1 of the 2"):
        bob.check_digest(D2)
    # Without a quorum requirement, a newcomer cannot tell history B from history A.
    assert (
        connect(log_b, log_key.vkey, state_dir=tmp_path / "carol").check_digest(D1).status
        == "current"
    )

    # CLI: the same refusal is exit 1 with the reason; history A passes.
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    wargs = [a for k in keys for a in ("--witness", k.vkey)]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    out = subprocess.run([sys.executable, "-m", "detente", "check", str(model), "--registry", log_b,
                          "--log-key", log_key.vkey, *wargs, "--quorum", "2"],
                         capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert out.returncode == 1 and "insufficient witnesses" in out.stderr, out.stderr

    # Two witnesses go down: history A still has its cosignatures for the size they saw,
    # but a new entry gets only one — "insufficient witnesses", never trusted.
    for p in procs.procs[1:3]:
        p.kill()
        p.wait()
    publisher.quorum = 0  # the publisher itself does not insist
    publisher.publish(sign_statement(release("acme/m", "m", "1.1", D2, None), OWNER))
    with pytest.raises(QuorumError, match="insufficient witnesses: 1 of the 2"):
        alice.check_digest(D1)
