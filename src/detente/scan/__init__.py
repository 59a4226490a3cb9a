"""Static scanning of model files for code execution and hostile payloads (never executes them)."""

from detente.scan._base import Analyzer, Limits, ScanContext, ScanReport
from detente.scan._finding import Finding, Location, Severity

__all__ = ["Analyzer", "Finding", "Limits", "Location", "ScanContext", "ScanReport", "Severity"]
