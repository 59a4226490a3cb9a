"""Static scanning of model files for code execution and hostile payloads (never executes them).

Every file and archive member is recognised by content and handed to one analyzer of an
ordered registry (one per format family, behind the :class:`Analyzer` protocol). Findings take
their id, severity, CWE and MITRE ATLAS ids from the rule catalog (:data:`RULES`), which also
writes SARIF ``rules[]`` and docs/scan-rules.md.

Example::

    from detente.scan import ScanReport, Severity, exit_code, scan_paths
    report = scan_paths(["path/to/model"])
    bad = [f for f in report.findings if f.severity >= Severity.HIGH]
    print(report.summary.by_severity, exit_code(report, Severity.HIGH))
    again = ScanReport.from_dict(report.to_dict())   # what `detente scan --format json` writes
"""

from detente.scan._analyzer import Analyzer, Item
from detente.scan._analyzers import ANALYZERS
from detente.scan._base import Limits, ScanContext
from detente.scan._dispatch import scan_bytes, scan_paths
from detente.scan._finding import Finding, Location
from detente.scan._report import SARIF_SCHEMA, to_json, to_sarif, to_text
from detente.scan._result import REPORT_SCHEMA, REPORT_VERSION, ScanReport, ScanSummary, exit_code
from detente.scan._rulebase import Rule
from detente.scan._rules import RULES
from detente.scan._rules_doc import render_rules_markdown
from detente.taxonomy import Severity

__all__ = [
    "ANALYZERS",
    "REPORT_SCHEMA",
    "REPORT_VERSION",
    "RULES",
    "SARIF_SCHEMA",
    "Analyzer",
    "Finding",
    "Item",
    "Limits",
    "Location",
    "Rule",
    "ScanContext",
    "ScanReport",
    "ScanSummary",
    "Severity",
    "exit_code",
    "render_rules_markdown",
    "scan_bytes",
    "scan_paths",
    "to_json",
    "to_sarif",
    "to_text",
]
