"""Scan reports as text, JSON and SARIF 2.1.0.

SARIF (OASIS SARIF v2.1.0): one run; ``tool.driver.rules`` lists each rule that fired with
its CWE and MITRE ATLAS ids as tags; each result has ``ruleId``, a ``level`` mapped from our
severity (§3.27.10: error/warning/note), a physical location for the file and, for archive
members, a logical location naming the member chain (§3.33), and a ``partialFingerprints``
entry so services can track a result across runs (§3.27.17).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from detente.scan._base import ScanReport
from detente.scan._finding import Finding, Severity

__all__ = ["REPORT_VERSION", "SARIF_SCHEMA", "exit_code", "to_json", "to_sarif", "to_text"]

REPORT_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.0",
                      Severity.LOW: "2.0", Severity.INFO: "0.0"}  # fmt: skip


def exit_code(report: ScanReport, fail_on: Severity) -> int:
    """1 if any finding is at or above ``fail_on``; else 2 if anything was not fully analysed;
    else 0. A finding at/above the threshold wins over incompleteness: the verdict is already
    "do not load"."""
    if any(f.severity >= fail_on for f in report.findings):
        return 1
    if report.incomplete:
        return 2
    return 0


def _sorted(findings: Any) -> list[Finding]:
    return sorted(findings, key=lambda f: (-int(f.severity), str(f.location), f.rule_id))


def to_text(report: ScanReport, fail_on: Severity) -> str:
    lines = []
    for f in _sorted(report.findings):
        tag = " [incomplete]" if f.incomplete else ""
        lines.append(f"{str(f.severity).upper():8} {f.rule_id}  {f.location}{tag}")
        lines.append(f"         {f.message}")
        if f.evidence:
            lines.append(f"         evidence: {f.evidence}")
        refs = ", ".join((*f.cwe, *f.atlas))
        if refs:
            lines.append(f"         refs: {refs}")
    counts = Counter(str(f.severity) for f in report.findings)
    summary = ", ".join(
        f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low", "info") if counts[s]
    )
    code = exit_code(report, fail_on)
    verdict = {
        0: "clean",
        1: f"FINDINGS at or above {fail_on}",
        2: "INCOMPLETE (not everything could be analysed)",
    }[code]
    lines.append(
        f"scanned {report.files_scanned} files ({report.bytes_scanned} bytes): "
        f"{summary or 'no findings'} — {verdict}"
    )
    return "\n".join(lines)


def to_json(report: ScanReport, fail_on: Severity) -> dict[str, Any]:
    counts = Counter(str(f.severity) for f in report.findings)
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "detente", "version": report.tool_version},
        "inputs": list(report.inputs),
        "summary": {
            "files_scanned": report.files_scanned,
            "bytes_scanned": report.bytes_scanned,
            "findings": len(report.findings),
            "by_severity": {s.name.lower(): counts[str(s)] for s in Severity},
            "incomplete": report.incomplete,
            "fail_on": str(fail_on),
            "exit_code": exit_code(report, fail_on),
        },
        "findings": [f.to_dict() for f in _sorted(report.findings)],
    }


def _fingerprint(f: Finding) -> str:
    key = f"{f.rule_id}|{f.location.path}|{'!'.join(f.location.members)}|{f.evidence}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def to_sarif(report: ScanReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in _sorted(report.findings):
        if f.rule_id not in rules:
            rules[f.rule_id] = {
                "id": f.rule_id,
                "shortDescription": {"text": f.message.split(":")[0][:120]},
                "fullDescription": {"text": f.message[:1000]},
                "help": {"text": "See docs/scan-rules.md for what this rule detects and why."},
                "defaultConfiguration": {"level": _LEVEL[f.severity]},
                "properties": {
                    "tags": ["security", *f.cwe, *f.atlas],
                    "security-severity": _SECURITY_SEVERITY[f.severity],
                },
            }
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": {"uri": f.location.path.replace("\\", "/")}}
        }
        if f.location.offset is not None and not f.location.members:
            location["physicalLocation"]["region"] = {"byteOffset": f.location.offset}
        if f.location.members:
            location["logicalLocations"] = [
                {"fullyQualifiedName": "!".join(f.location.members), "kind": "member"}
            ]
        result: dict[str, Any] = {
            "ruleId": f.rule_id,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f" (evidence: {f.evidence})" if f.evidence else "")},
            "locations": [location],
            "partialFingerprints": {"detenteFinding/v1": _fingerprint(f)},
            "properties": {"severity": str(f.severity), "incomplete": f.incomplete},
        }
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "detente",
                        "version": report.tool_version,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not report.incomplete,
                        "toolExecutionNotifications": [
                            {
                                "level": "warning",
                                "message": {"text": f"incomplete: {f.location}: {f.message}"},
                            }
                            for f in report.findings
                            if f.incomplete
                        ],
                    }
                ],
            }
        ],
    }
