"""The shape of a rule in the catalog (``_rules.py``) and how a finding is made from one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detente.scan._finding import Finding, Location
from detente.taxonomy import Severity

__all__ = ["Rule"]


@dataclass(frozen=True)
class Rule:
    """One documented rule: findings, SARIF ``rules[]`` and docs/scan-rules.md all read it.

    ``severity`` is the default; a finding may carry another one when the rule says so in its
    description (e.g. a shipped Python call is critical at import time). ``incomplete`` rules
    mean "this could not be fully analysed".
    """

    id: str
    family: str
    severity: Severity
    title: str
    description: str
    help: str
    cwe: tuple[str, ...] = ()
    atlas: tuple[str, ...] = ()
    incomplete: bool = False
    severities: str = ""  # how docs describe a rule whose severity varies, e.g. "high/critical"

    def finding(
        self,
        message: str,
        location: Location,
        evidence: str = "",
        *,
        severity: Severity | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            self.id,
            self.severity if severity is None else severity,
            message,
            location,
            evidence,
            self.cwe,
            self.atlas,
            self.incomplete,
            extra if extra is not None else {},
        )
