"""Incident reports between rival labs: shared taxonomy, redaction with commitments, disclosure,
STIX 2.1 export/import and a TAXII 2.1 server.

Example::

    from detente import incidents
    from detente.taxonomy import Severity

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

    r = incidents.redact("key hf_abcdefghijklmnopqrstuvwxyz01234567 from 10.0.0.7")
    r.text            # 'key [REDACTED:api_key#1] from [REDACTED:ip_address#1]'
    r.to_dict()       # {"schema": "detente.redaction/v1", "text": ..., "spans": [...]}
"""

from detente.incidents._detect import SENSITIVE_TYPES, Detection
from detente.incidents._detect import detect as find_sensitive
from detente.incidents._disclose import (
    DISCLOSURE_SCHEMA,
    Disclosed,
    disclose,
    generate_recipient_key,
    load_recipient_private_key,
    load_recipient_public_key,
    open_disclosure,
    recipient_key_id,
    select_openings,
)
from detente.incidents._files import (
    incident_summaries,
    incidents_naming,
    read_json,
    read_report,
    report_in_bundle,
    write_files,
)
from detente.incidents._redact import (
    REDACTION_SCHEMA,
    Opening,
    RedactedSpan,
    Redaction,
    Redactor,
    commit,
    redact,
)
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
from detente.incidents._sdjwt import SD_JWT_TYPE, issue_sd_jwt, present_sd_jwt, verify_sd_jwt
from detente.incidents._sign import (
    INCIDENT_PREDICATE_TYPE,
    SALTS_SCHEMA,
    read_salts,
    redact_report,
    report_digest,
    salts_document,
    sign_report,
    verify_report,
    write_salts,
)
from detente.incidents._stix import from_stix, to_stix
from detente.incidents._stix_validate import stix_problems, validate_stix
from detente.incidents._taxii import taxii_app, taxii_app_from_env
from detente.incidents._taxii_auth import TaxiiConfig, hash_taxii_password, load_taxii_config

__all__ = [
    "DISCLOSURE_SCHEMA",
    "INCIDENT_PREDICATE_TYPE",
    "REDACTION_SCHEMA",
    "REPORT_SCHEMA",
    "SALTS_SCHEMA",
    "SD_JWT_TYPE",
    "SENSITIVE_TYPES",
    "AffectedModel",
    "Commitment",
    "Detection",
    "Determination",
    "Disclosed",
    "EvidenceItem",
    "IncidentReport",
    "Indicator",
    "InvestigationStatus",
    "Opening",
    "RedactedSpan",
    "Redaction",
    "Redactor",
    "TaxiiConfig",
    "TimelineEvent",
    "Tlp",
    "commit",
    "disclose",
    "find_sensitive",
    "from_stix",
    "generate_recipient_key",
    "hash_taxii_password",
    "incident_summaries",
    "incidents_naming",
    "issue_sd_jwt",
    "load_recipient_private_key",
    "load_recipient_public_key",
    "load_taxii_config",
    "open_disclosure",
    "present_sd_jwt",
    "read_json",
    "read_report",
    "read_salts",
    "recipient_key_id",
    "redact",
    "redact_report",
    "report_digest",
    "report_in_bundle",
    "salts_document",
    "select_openings",
    "sign_report",
    "stix_problems",
    "taxii_app",
    "taxii_app_from_env",
    "to_stix",
    "validate_stix",
    "verify_report",
    "verify_sd_jwt",
    "write_files",
    "write_salts",
]
