"""The scan report as a typed value, with its on-disk form.

``detente scan --format json`` writes :meth:`ScanReport.to_dict`; the release pipeline signs it
inside a scan attestation and consumers and gates read it back with :meth:`ScanReport.from_dict`,
which refuses a report whose summary does not add up. The form carries
``"schema": "detente.scan-report/v1"`` and, for readers written before the schema convention,
the integer ``"version": 1``; both spellings are read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from detente.errors import FormatError
from detente.scan._finding import Finding
from detente.taxonomy import SEVERITY_NAMES, Severity, severity_counts

__all__ = ["REPORT_SCHEMA", "REPORT_VERSION", "ScanReport", "ScanSummary", "exit_code"]

REPORT_SCHEMA = "detente.scan-report/v1"
REPORT_VERSION = 1


def exit_code(report: ScanReport, fail_on: Severity | None = None) -> int:
    """1 if any finding is at or above ``fail_on`` (default: the report's own threshold); else
    2 if anything was not fully analysed; else 0. A finding at or above the threshold wins over
    incompleteness: the verdict is already "do not load"."""
    threshold = report.fail_on if fail_on is None else fail_on
    if any(f.severity >= threshold for f in report.findings):
        return 1
    if report.incomplete:
        return 2
    return 0


@dataclass(frozen=True)
class ScanSummary:
    """The part of a report that gates and consumer policies judge."""

    files_scanned: int
    bytes_scanned: int
    findings: int
    by_severity: Mapping[str, int]
    incomplete: bool
    fail_on: Severity
    exit_code: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "files_scanned": self.files_scanned,
            "bytes_scanned": self.bytes_scanned,
            "findings": self.findings,
            "by_severity": {s: int(self.by_severity.get(s, 0)) for s in SEVERITY_NAMES},
            "incomplete": self.incomplete,
            "fail_on": str(self.fail_on),
            "exit_code": self.exit_code,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "scan report") -> ScanSummary:
        if not isinstance(data, Mapping):
            raise FormatError(f"{where}: summary is missing or not an object")
        counts = data.get("by_severity")
        if not isinstance(counts, Mapping):
            raise FormatError(f"{where}: summary.by_severity is missing or not an object")
        unknown = sorted(set(counts) - set(SEVERITY_NAMES))
        if unknown:
            raise FormatError(f"{where}: summary.by_severity has unknown severities {unknown}")
        by_severity = {s: _count(counts.get(s, 0), f"summary.by_severity.{s}", where)
                       for s in SEVERITY_NAMES}  # fmt: skip
        try:
            fail_on = Severity.parse(str(data.get("fail_on", "high")))
        except ValueError as exc:
            raise FormatError(f"{where}: summary.fail_on: {exc}") from None
        incomplete = data.get("incomplete")
        if not isinstance(incomplete, bool):
            raise FormatError(f"{where}: summary.incomplete must be true or false")
        summary = cls(
            _count(data.get("files_scanned", 0), "summary.files_scanned", where),
            _count(data.get("bytes_scanned", 0), "summary.bytes_scanned", where),
            _count(data.get("findings", sum(by_severity.values())), "summary.findings", where),
            by_severity,
            incomplete,
            fail_on,
            _count(data.get("exit_code", 0), "summary.exit_code", where),
        )
        if summary.findings != sum(by_severity.values()):
            raise FormatError(f"{where}: summary.findings ({summary.findings}) differs from the "
                              f"sum of summary.by_severity ({sum(by_severity.values())})")  # fmt: skip
        if summary.exit_code not in (0, 1, 2):
            raise FormatError(f"{where}: summary.exit_code must be 0, 1 or 2")
        return summary


def _count(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FormatError(f"{where}: {name} must be a non-negative integer")
    return value


@dataclass(frozen=True)
class ScanReport:
    """What ``scan_paths`` returns: every finding plus what was looked at.

    ``fail_on`` is the threshold the summary's exit code was computed with (``--fail-on``).
    """

    findings: Sequence[Finding]
    files_scanned: int
    bytes_scanned: int
    tool_version: str
    inputs: Sequence[str] = field(default_factory=tuple)
    fail_on: Severity = Severity.HIGH

    @property
    def incomplete(self) -> bool:
        return any(f.incomplete for f in self.findings)

    @property
    def summary(self) -> ScanSummary:
        return ScanSummary(self.files_scanned, self.bytes_scanned, len(self.findings),
                           severity_counts(self.findings), self.incomplete, self.fail_on,
                           exit_code(self))  # fmt: skip

    def with_threshold(self, fail_on: Severity) -> ScanReport:
        return replace(self, fail_on=fail_on)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "version": REPORT_VERSION,
            "tool": {"name": "detente", "version": self.tool_version},
            "inputs": list(self.inputs),
            "summary": self.summary.to_dict(),
            "findings": [f.to_dict() for f in sorted_findings(self.findings)],
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "scan report") -> ScanReport:
        """Read a report (``schema`` or the older integer ``version`` form); :class:`FormatError`
        naming the problem when it is not one, or when its summary does not add up."""
        if not isinstance(data, Mapping):
            raise FormatError(f"{where}: not a JSON object")
        if "schema" in data and data["schema"] != REPORT_SCHEMA:
            raise FormatError(f"{where}: unsupported schema {data['schema']!r} "
                              f"(expected {REPORT_SCHEMA})")  # fmt: skip
        if "schema" not in data and data.get("version") != REPORT_VERSION:
            raise FormatError(f"{where}: not a detente scan report (no schema, version "
                              f"{data.get('version')!r})")  # fmt: skip
        summary = ScanSummary.from_dict(data.get("summary"), where)
        tool = data.get("tool", {})
        inputs = data.get("inputs", [])
        raw = data.get("findings", [])
        if (
            not isinstance(tool, Mapping)
            or not isinstance(inputs, list)
            or not isinstance(raw, list)
        ):
            raise FormatError(f"{where}: tool, inputs or findings has the wrong type")
        try:
            findings = tuple(Finding.from_dict(f) for f in raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"{where}: a finding is malformed ({exc})") from None
        report = cls(findings, summary.files_scanned, summary.bytes_scanned,
                     str(tool.get("version", "")), tuple(str(i) for i in inputs), summary.fail_on)  # fmt: skip
        if report.summary != summary:
            raise FormatError(f"{where}: the summary does not match the findings it lists")
        return report


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then by location and rule: the order every output uses."""
    return sorted(findings, key=lambda f: (-int(f.severity), str(f.location), f.rule_id))
