"""A sample unredacted incident draft shared by the incidents tests."""

from __future__ import annotations

from detente import incidents
from detente.taxonomy import Severity

DIGEST = "sha256:" + "ab" * 32
KEY = "hf_" + "Q7" * 17


def draft() -> incidents.IncidentReport:
    """An unredacted draft, as the reporter writes it."""
    return incidents.IncidentReport(
        title="Jailbreak produced ransomware on gpu-7.corp.lab-a.com",
        summary=f"Alice Chen saw requests from 10.20.30.40 using {KEY}; logs in s3://lab-a-logs/x.",
        determination=incidents.Determination.CONFIRMED,
        investigation_status=incidents.InvestigationStatus.OPEN,
        severity=Severity.HIGH,
        created="2026-11-30T08:00:00Z",
        reporter="Lab A security",
        timeline=(incidents.TimelineEvent("2026-11-29T23:10:00Z", "alert from 10.20.30.40"),),
        affected_models=(incidents.AffectedModel("gemma-3-270m", DIGEST),),
        atlas=("AML.T0054",),
        owasp_llm=("LLM01:2025",),
    )
