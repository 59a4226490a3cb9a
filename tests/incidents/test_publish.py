"""Publishing a signed incident to the transparency log, and finding it by model digest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detente import attest, incidents, registry

sys.path.insert(0, str(Path(__file__).parent))
from incident_samples import DIGEST, draft

connect = registry.connect


def test_publish_then_find_by_model_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    key = attest.generate_key("ec-p256")
    client = connect(None, state_dir=tmp_path / "trust")
    client.publish(
        attest.sign_statement(registry.namespace_claim("lab-a", [key.public_key()]), key)
    )
    bundle, redacted, _ = incidents.sign_report(draft(), key, ["lab-a.com"])
    client.publish(bundle, "lab-a")
    cp = client.checkpoint()
    found = incidents.incidents_naming(
        (e.statement for e in client.verified_entries(DIGEST, cp)), DIGEST
    )
    assert found == (redacted,)
    summary = incidents.incident_summaries(client.verified_entries(DIGEST, cp), DIGEST)
    assert summary == [{"id": redacted.id, "title": redacted.title, "severity": "high", "determination": "confirmed",
                        "investigation_status": "open", "reporter": "Lab A security"}]  # fmt: skip
    other = "sha256:" + "cd" * 32
    assert (
        incidents.incidents_naming((e.statement for e in client.verified_entries(other, cp)), other)
        == ()
    )


def test_cli_publish_refuses_a_non_incident(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "s"),
    }
    other = attest.sign_statement(
        attest.Statement((attest.Subject("x", {"sha256": "00" * 32}),), "https://example/x", {}),
        attest.generate_key("ec-p256"),
    )
    path = tmp_path / "b.json"
    path.write_text(json.dumps(other))
    out = subprocess.run(
        [sys.executable, "-m", "detente", "incident", "publish", str(path), "--namespace", "lab-a"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert "incident" in out.stderr
