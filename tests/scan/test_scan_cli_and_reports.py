from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
from tests.scan.corpus import call_reduce  # type: ignore[import-not-found]

# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) our output uses,
# with the spec's required properties and enums.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "defaultConfiguration": {
                                                    "properties": {
                                                        "level": {
                                                            "enum": [
                                                                "none",
                                                                "note",
                                                                "warning",
                                                                "error",
                                                            ]
                                                        }
                                                    }
                                                }
                                            },
                                        },
                                    }
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                    },
                                                    "region": {
                                                        "properties": {
                                                            "byteOffset": {
                                                                "type": "integer",
                                                                "minimum": 0,
                                                            }
                                                        }
                                                    },
                                                },
                                            },
                                            "logicalLocations": {"type": "array"},
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", "scan", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_exit_codes_and_formats(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "config.json").write_text('{"model_type": "llama"}')
    out = run(str(clean))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no findings" in out.stdout and "clean" in out.stdout

    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "model.pkl").write_bytes(call_reduce("os", "system", "id"))
    out = run(str(evil))
    assert out.returncode == 1 and "DT-PICKLE-010" in out.stdout and "os.system" in out.stdout
    js = json.loads(run(str(evil), "--format", "json").stdout)
    assert js["summary"]["exit_code"] == 1 and js["summary"]["by_severity"]["critical"] >= 1
    assert js["findings"][0]["cwe"] == ["CWE-502"]
    # --fail-on critical still fails; a mere medium finding does not fail at the default.
    medium = tmp_path / "medium"
    medium.mkdir()
    (medium / "thing.pkl").write_bytes(b"\x80\x02cmylib.models\nThing\n)\x81.")
    assert run(str(medium)).returncode == 0
    assert run(str(medium), "--fail-on", "medium").returncode == 1


def test_sarif_output_validates(tmp_path: Path) -> None:
    (tmp_path / "model.pkl").write_bytes(call_reduce("os", "system", "id"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", call_reduce("subprocess", "run", "id"))
    (tmp_path / "m.pt").write_bytes(buf.getvalue())
    out_file = tmp_path / "scan.sarif"
    out = run(str(tmp_path), "--format", "sarif", "-o", str(out_file))
    assert out.returncode == 1
    sarif = json.loads(out_file.read_text())
    jsonschema.validate(sarif, SARIF_SUBSET)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"DT-PICKLE-001", "DT-PICKLE-010"}
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rule_ids
    member = [r for r in results if "logicalLocations" in r["locations"][0]]
    assert (
        member
        and member[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        == "archive/data.pkl"
    )


def test_incomplete_analysis_exits_2(tmp_path: Path) -> None:
    # A zip bomb: a member that inflates past the limit is reported, not silently skipped.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"\0" * (80 << 20))
    (tmp_path / "bomb.pt").write_bytes(buf.getvalue())
    from detente.scan import Limits, scan_paths

    report = scan_paths([tmp_path], Limits(max_member_bytes=1 << 20))
    assert report.incomplete and any(f.rule_id == "DT-ZIP-013" for f in report.findings)
    truncated = tmp_path / "t"
    truncated.mkdir()
    (truncated / "model.pkl").write_bytes(b"\x80\x02cmylib\nThing\n(")
    out = run(str(truncated))
    assert out.returncode == 2 and "incomplete" in out.stdout.lower()


def test_depth_limit(tmp_path: Path) -> None:
    data = call_reduce("os", "system", "id")
    for _ in range(5):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("inner.zip", data)
        data = buf.getvalue()
    (tmp_path / "deep.zip").write_bytes(data)
    from detente.scan import Limits, scan_paths

    shallow = scan_paths([tmp_path], Limits(max_depth=2))
    assert shallow.incomplete and not any(f.rule_id == "DT-PICKLE-010" for f in shallow.findings)
    deep = scan_paths([tmp_path])
    assert any(f.rule_id == "DT-PICKLE-010" for f in deep.findings)


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    out = run(str(tmp_path / "nope"))
    assert out.returncode == 2 and "no such file" in out.stderr
