"""``detente incident export --format stix`` / ``import`` through real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("stix2validator")

DETENTE = [sys.executable, "-m", "detente"]


def run(*args: str, check: int) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*DETENTE, *args], capture_output=True, text=True, check=False)
    assert out.returncode == check, out.stdout + out.stderr
    return out


@pytest.mark.slow
def test_export_then_import_round_trips_and_bad_stix_exits_2(tmp_path: Path) -> None:
    draft = tmp_path / "ir.json"
    run("incident", "new", "-o", str(draft), "--title", "Agent exfiltrated a customer table",
        "--severity", "high", "--determination", "confirmed", "--model",
        "gemma=sha256:" + "ab" * 32, "--atlas", "AML.T0054", "--cwe", "CWE-94", check=0)  # fmt: skip
    stix = tmp_path / "ir.stix.json"
    run("incident", "export", str(draft), "--format", "stix", "-o", str(stix), check=0)
    bundle = json.loads(stix.read_text())
    assert {o["type"] for o in bundle["objects"]} >= {"incident", "attack-pattern", "vulnerability"}
    back = tmp_path / "back.json"
    out = json.loads(run("incident", "import", str(stix), "-o", str(back), "--format", "json",
                         check=0).stdout)  # fmt: skip
    assert out["id"] == json.loads(draft.read_text())["id"]
    assert json.loads(back.read_text()) == json.loads(draft.read_text())

    inc = next(o for o in bundle["objects"] if o["type"] == "incident")
    inc["extensions"]["extension-definition--00000000-0000-4000-8000-000000000000"] = {
        "extension_type": "property-extension"
    }
    stix.write_text(json.dumps(bundle))
    bad = run("incident", "import", str(stix), "-o", str(tmp_path / "no.json"), check=2)
    assert "no schema" in bad.stderr and not (tmp_path / "no.json").exists()
    stix.write_text("{not json")
    run("incident", "import", str(stix), "-o", str(tmp_path / "no.json"), check=2)
    red = tmp_path / "red.json"
    data = json.loads(draft.read_text())
    red.write_text(json.dumps({**data, "tlp": "red"}))
    assert "recipients" in run("incident", "export", str(red), "-o", str(tmp_path / "r.stix"),
                               check=2).stderr  # fmt: skip
