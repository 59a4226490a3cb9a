"""Incident reports between rival labs: shared taxonomy, redaction with commitments, disclosure,
STIX 2.1 export/import and a TAXII 2.1 server.

Example::

    from detente import incidents
    from detente.scan import Severity

    report = incidents.IncidentReport(
        title="Jailbreak produced ransomware",
        summary="A role-play prompt made the model write a file encryptor.",
        determination=incidents.Determination.CONFIRMED,
        investigation_status=incidents.InvestigationStatus.OPEN,
        severity=Severity.HIGH,
        atlas=("AML.T0054",), owasp_llm=("LLM01:2025",),
    )
    data = report.to_dict()                        # {"schema": "detente.incident/v1", ...}
    assert incidents.IncidentReport.from_dict(data) == report
"""

from detente.incidents._report import (
    REPORT_SCHEMA,
    AffectedModel,
    Commitment,
    Determination,
    EvidenceItem,
    IncidentReport,
    Indicator,
    InvestigationStatus,
    TimelineEvent,
    Tlp,
)
from detente.incidents._taxii import taxii_app, taxii_app_from_env
from detente.incidents._taxii_auth import TaxiiConfig, hash_taxii_password, load_taxii_config

__all__ = [
    "REPORT_SCHEMA",
    "AffectedModel",
    "Commitment",
    "Determination",
    "EvidenceItem",
    "IncidentReport",
    "Indicator",
    "InvestigationStatus",
    "TaxiiConfig",
    "TimelineEvent",
    "Tlp",
    "hash_taxii_password",
    "load_taxii_config",
    "taxii_app",
    "taxii_app_from_env",
]
