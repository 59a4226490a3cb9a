"""``detente code scan``: files and directories in, text / JSON / SARIF 2.1.0 out, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.codevuln import CodeScanReport, language_of, scan_code_paths, to_sarif
from detente.errors import InputError
from detente.taxonomy import Severity

VULN_PY = "import os\ndef f(x):\n    os.system('ls ' + x)\n"
VULN_C = "#include <stdio.h>\nvoid f(char *m) { printf(m); }\n"
CLEAN_JS = "const a = [1, 2, 3].map((x) => x * 2);\nconsole.log(a);\n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", "code", "scan", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _tree(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text(VULN_PY)
    (root / "pkg" / "b.c").write_text(VULN_C)
    (root / "pkg" / "ok.js").write_text(CLEAN_JS)
    (root / "pkg" / "node_modules").mkdir()
    (root / "pkg" / "node_modules" / "dep.js").write_text("eval(userInput);\n")
    (root / "pkg" / "image.bin").write_bytes(b"\x00\x01" * 100)
    return root / "pkg"


def test_exit_codes_text_and_json(tmp_path: Path) -> None:
    pkg = _tree(tmp_path)
    out = run(str(pkg))
    assert out.returncode == 1, out.stderr
    assert f"{pkg / 'a.py'}:3:5: high py-os-command CWE-78" in out.stdout
    assert "b.c:2:" in out.stdout and "dep.js" not in out.stdout  # node_modules skipped
    assert run(str(pkg / "ok.js")).returncode == 0
    assert run(str(pkg), "--fail-on", "critical").returncode == 0
    js = run(str(pkg), "--format", "json")
    data = json.loads(js.stdout)
    assert data["schema"] == "detente.code-scan/v1" and data["summary"]["findings"] == 2
    report = CodeScanReport.from_dict(data)
    assert {f.cwe for _, f in report.findings} == {"CWE-78", "CWE-134"}
    assert run(str(tmp_path / "missing.py")).returncode == 2
    assert run(str(pkg / "image.bin")).returncode == 2  # named, binary: nothing could be read


def test_min_severity_hides_hygiene_notes(tmp_path: Path) -> None:
    f = tmp_path / "port.c"
    f.write_text("#include <stdlib.h>\nint port(const char *s) { return atoi(s); }\n")
    assert scan_code_paths([f]).findings == []
    (finding,) = [x for _, x in scan_code_paths([f], Severity.INFO).findings]
    assert finding.rule_id == "c-dangerous-func" and finding.severity == Severity.INFO


def test_sarif_is_sarif_2_1_0(tmp_path: Path) -> None:
    pkg = _tree(tmp_path)
    out_file = tmp_path / "code.sarif"
    assert run(str(pkg), "--format", "sarif", "-o", str(out_file), "-q").returncode == 1
    sarif = json.loads(out_file.read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    driver = sarif["runs"][0]["tool"]["driver"]
    rules = driver["rules"]
    assert driver["name"] == "detente-codevuln" and len({r["id"] for r in rules}) == len(rules)
    for r in rules:  # §3.49 reportingDescriptor, from the catalog
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["defaultConfiguration"]["level"] in {"note", "warning", "error"}
        assert float(r["properties"]["security-severity"]) > 0
    results = sarif["runs"][0]["results"]
    assert len(results) == 2
    for res in results:  # §3.27 result
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in {"note", "warning", "error"} and res["message"]["text"]
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert res["partialFingerprints"]["detenteCode/v1"]


def test_language_detection(tmp_path: Path) -> None:
    assert language_of(Path("x.tsx"), "") == "tsx"
    assert language_of(Path("x.hpp"), "") == "cpp"
    assert language_of(Path("tool"), "#!/usr/bin/env python3\nprint(1)\n") == "python"
    assert language_of(Path("tool"), "#!/usr/bin/env node\n") == "javascript"
    assert language_of(Path("tool"), "#!/bin/sh\nls\n") is None
    assert language_of(Path("README"), "hello world") is None
    assert language_of(Path("notes.txt"), "import os\ndef f():\n    pass\n") is None
    with pytest.raises(InputError):
        scan_code_paths([tmp_path / "nope"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=600), ext=st.sampled_from([".py", ".c", ".cpp", ".js", ".ts", ".tsx"])
)
def test_any_bytes_scan_without_crashing(tmp_path: Path, data: bytes, ext: str) -> None:
    f = tmp_path / f"x{ext}"
    f.write_bytes(data)
    report = scan_code_paths([f])
    assert len(report.files) == 1
    assert to_sarif(report)["version"] == "2.1.0"
    assert CodeScanReport.from_dict(report.to_dict()) == report
