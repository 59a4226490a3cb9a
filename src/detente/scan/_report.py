"""Scan reports as text, JSON and SARIF 2.1.0.

SARIF (OASIS SARIF v2.1.0): one run; ``tool.driver.rules`` lists each rule that fired with
its CWE and MITRE ATLAS ids as tags; each result has ``ruleId``, a ``level`` mapped from our
severity (§3.27.10: error/warning/note), a physical location for the file and, for archive
members, a logical location naming the member chain (§3.33), and a ``partialFingerprints``
entry so services can track a result across runs (§3.27.17).
"""

from __future__ import annotations

from typing import Any

from detente.scan._finding import Finding
from detente.scan._result import REPORT_VERSION, ScanReport, exit_code, sorted_findings
from detente.scan._rules import RULES
from detente.taxonomy import Severity, severity_counts

__all__ = ["REPORT_VERSION", "SARIF_SCHEMA", "exit_code", "to_json", "to_sarif", "to_text"]

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


def to_text(report: ScanReport, fail_on: Severity) -> str:
    lines = []
    for f in sorted_findings(report.findings):
        tag = " [incomplete]" if f.incomplete else ""
        lines.append(f"{str(f.severity).upper():8} {f.rule_id}  {f.location}{tag}")
        lines.append(f"         {f.message}")
        if f.evidence:
            lines.append(f"         evidence: {f.evidence}")
        refs = ", ".join((*f.cwe, *f.atlas))
        if refs:
            lines.append(f"         refs: {refs}")
    counts = severity_counts(report.findings)
    summary = ", ".join(f"{counts[str(s)]} {s}" for s in reversed(Severity) if counts[str(s)])
    code = exit_code(report, fail_on)
    verdict = {
        # Never "clean" while there are findings: below the threshold is not the same as none.
        0: f"nothing at or above {fail_on}" if report.findings else "clean",
        1: f"FINDINGS at or above {fail_on}",
        2: "INCOMPLETE (not everything could be analysed)",
    }[code]
    lines.append(
        f"scanned {report.files_scanned} files ({report.bytes_scanned} bytes): "
        f"{summary or 'no findings'} — {verdict}"
    )
    return "\n".join(lines)


def to_json(report: ScanReport, fail_on: Severity) -> dict[str, Any]:
    """The report's on-disk form (``ScanReport.to_dict``) with ``fail_on`` as its threshold."""
    return report.with_threshold(fail_on).to_dict()


def _fingerprint(f: Finding) -> str:
    key = f"{f.rule_id}|{f.location.path}|{'!'.join(f.location.members)}|{f.evidence}"
    import hashlib  # lazily: only SARIF needs it, and `detente scan` should start fast

    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _sarif_rule(f: Finding) -> dict[str, Any]:
    """SARIF 2.1.0 §3.49 reportingDescriptor, from the rule catalog."""
    rule = RULES.get(f.rule_id)
    if rule is None:  # a finding read back from an older report: describe it by itself
        title, full, help_, sev, tags = (
            f.message[:120],
            f.message[:1000],
            "",
            f.severity,
            [*f.cwe, *f.atlas],
        )
    else:
        title, full, help_, sev = rule.title, rule.description, rule.help, rule.severity
        tags = [*rule.cwe, *rule.atlas]
    return {
        "id": f.rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": f"{help_} See docs/scan-rules.md#{f.rule_id.lower()}.".strip()},
        "defaultConfiguration": {"level": _LEVEL[sev]},
        "properties": {"tags": ["security", *tags], "security-severity": _SECURITY_SEVERITY[sev]},
    }


def to_sarif(report: ScanReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in sorted_findings(report.findings):
        if f.rule_id not in rules:
            rules[f.rule_id] = _sarif_rule(f)
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
