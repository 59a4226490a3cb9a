"""Static scanning of model files for code execution and hostile payloads (never executes them).

Example::

    from detente.scan import scan_paths, Severity
    report = scan_paths(["path/to/model"])
    bad = [f for f in report.findings if f.severity >= Severity.HIGH]
"""

from detente.scan._base import Limits, ScanContext, ScanReport
from detente.scan._dispatch import scan_bytes, scan_paths
from detente.scan._finding import Finding, Location, Severity

__all__ = [
    "Finding",
    "Limits",
    "Location",
    "ScanContext",
    "ScanReport",
    "Severity",
    "scan_bytes",
    "scan_paths",
]
