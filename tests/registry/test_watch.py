"""detente watch: events per namespace, resumable, and key-compromise alerts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from detente.attest import generate_key, sign_statement
from detente.registry import (
    LogService,
    WatchState,
    canonical_bundle,
    connect,
    key_rotation,
    namespace_claim,
    open_store,
    release,
    revocation,
    watch_step,
)
from detente.registry._store import NewEntry

OWNER, NEXT, THIEF = generate_key("ed25519"), generate_key("ed25519"), generate_key("ed25519")
D1, D2 = "sha256:" + "31" * 32, "sha256:" + "32" * 32


def test_watch_reports_and_alerts(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))  # the embedded log's key
    db = f"sqlite:///{tmp_path / 'log.db'}"
    svc = LogService(open_store(db))
    svc.append(sign_statement(namespace_claim("acme/w", [OWNER.public_key()]), OWNER))
    svc.append(sign_statement(namespace_claim("other/x", [OWNER.public_key()]), OWNER))
    svc.append(sign_statement(release("acme/w", "m", "1", D1, None), OWNER))
    client = connect(None, db=db, state_dir=tmp_path / "c")
    events = [e for e, _ in watch_step(client, ["acme/w"], WatchState()) if e]
    assert [e["kind"] for e in events] == ["namespace-claim", "release"]
    assert "alert" not in events[1] and events[1]["version"] == "1"
    state = [s for _, s in watch_step(client, ["acme/w"], WatchState())][-1]
    assert state.next_index == 3 and "acme/w" in state.keys
    # A malicious operator slips in a revocation signed by a key acme/w never announced
    # (the log's own admission would refuse it), then a real rotation happens.
    forged = sign_statement(revocation("acme/w", D1, "fake", "critical"), THIEF)
    svc.store.append([NewEntry(canonical_bundle(forged), "revocation", "acme/w", (D1,))])
    svc.append(sign_statement(key_rotation("acme/w", [NEXT.public_key()]), OWNER))
    svc.append(sign_statement(release("acme/w", "m", "2", D2, None), NEXT))
    later = [e for e, _ in watch_step(client, ["acme/w"], state) if e]
    assert [e["index"] for e in later] == [3, 4, 5]
    assert "never announced" in later[0]["alert"] and "rotation" in later[1]["alert"]
    assert "alert" not in later[2]  # signed by the rotated-in key

    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "detente", "watch", "acme/w", "--since", "4"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and run.stdout == ""  # the embedded log of this env is empty
    assert WatchState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
