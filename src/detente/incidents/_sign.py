"""Redact a whole report, sign it as an in-toto attestation, keep the openings in a salts file.

The signed statement (in-toto Statement v1, DSSE, Sigstore bundle — :mod:`detente.attest`)
carries ONLY the redacted report: placeholders in the text and one commitment per placeholder.
Its subjects are the report itself (sha256 of its canonical JSON) and every affected model's
OMS root digest, so a registry can index incidents by model digest.

The salts file (``detente.incident-salts/v1``, written 0600) holds each placeholder's value
and salt; it never leaves the reporter's machine except through ``disclose``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.attest import Statement, Subject, sign_statement, verify_bundle
from detente.errors import FormatError, InputError, PayloadTypeError, UsageError, VerificationError
from detente.incidents import _fields as f
from detente.incidents._redact import Opening, Redactor
from detente.incidents._report import Commitment, IncidentReport
from detente.integrity import canonical_json

if TYPE_CHECKING:
    from detente.attest import SigningKey, VerifyingKey

__all__ = [
    "INCIDENT_PREDICATE_TYPE",
    "SALTS_SCHEMA",
    "read_salts",
    "redact_report",
    "report_digest",
    "salts_document",
    "sign_report",
    "verify_report",
    "write_salts",
]

INCIDENT_PREDICATE_TYPE = "https://detente.dev/incident/v1"
SALTS_SCHEMA = "detente.incident-salts/v1"
_PLACEHOLDER = re.compile(r"\[REDACTED:[a-z_]+#[1-9][0-9]*\]")


def report_digest(report: IncidentReport) -> str:
    """``sha256:`` of the report's canonical JSON: the subject a signature and a package name."""
    return "sha256:" + hashlib.sha256(canonical_json(report.to_dict())).hexdigest()


def redact_report(
    report: IncidentReport, org_domains: Iterable[str] = ()
) -> tuple[IncidentReport, tuple[Opening, ...]]:
    """Redact every free-text field with one numbering; commitments go into ``redactions``.

    A report that already carries commitments is refused: its numbering would collide.
    """
    if report.redactions:
        raise UsageError("the report is already redacted; redact and sign the original draft")
    redactor = Redactor(org_domains)
    texts: dict[str, str] = {}
    commitments: list[Commitment] = []
    known: set[str] = set()
    for selector, text in report.text_fields():
        r = redactor.redact(text)
        texts[selector] = r.text
        for span in r.spans:
            if span.placeholder not in known:
                known.add(span.placeholder)
                commitments.append(
                    Commitment(selector, span.placeholder, span.type, span.commitment)
                )
    return report.with_texts(texts, tuple(commitments)), redactor.openings


def _check_placeholders(report: IncidentReport) -> None:
    """Every placeholder in the text has a commitment, and every commitment a placeholder."""
    seen = {p for _sel, text in report.text_fields() for p in _PLACEHOLDER.findall(text)}
    committed = {c.placeholder for c in report.redactions}
    if len(committed) != len(report.redactions):
        raise FormatError("report.redactions: a placeholder is committed twice")
    if seen - committed:
        raise FormatError(f"report: placeholder {sorted(seen - committed)[0]} has no commitment")
    if committed - seen:
        raise FormatError(f"report.redactions: {sorted(committed - seen)[0]} appears in no field")


def sign_report(
    report: IncidentReport, key: SigningKey, org_domains: Iterable[str] = ()
) -> tuple[dict[str, Any], IncidentReport, tuple[Opening, ...]]:
    """Redact, then sign: ``(bundle, redacted report, openings for the salts file)``."""
    redacted, openings = redact_report(report, org_domains)
    _check_placeholders(redacted)
    subjects = [Subject(f"incident:{redacted.id}", {"sha256": report_digest(redacted)[7:]})]
    for m in redacted.affected_models:
        alg, _, hexd = m.root_digest.partition(":")
        subjects.append(Subject(m.name or m.root_digest, {alg: hexd}))
    statement = Statement(tuple(subjects), INCIDENT_PREDICATE_TYPE, redacted.to_dict())
    return sign_statement(statement, key), redacted, openings


def verify_report(bundle: dict[str, Any] | bytes | str, key: VerifyingKey) -> IncidentReport:
    """Verify the signature and the report inside; raise on anything unchecked."""
    statement = verify_bundle(bundle, key)
    if statement.predicate_type != INCIDENT_PREDICATE_TYPE:
        raise PayloadTypeError(
            f"predicateType is {statement.predicate_type!r}, expected {INCIDENT_PREDICATE_TYPE!r}"
        )
    report = IncidentReport.from_dict(statement.predicate)
    _check_placeholders(report)
    own = [s for s in statement.subjects if s.name == f"incident:{report.id}"]
    if len(own) != 1 or own[0].digest.get("sha256") != report_digest(report)[7:]:
        raise VerificationError("the signed subject does not match the report it carries")
    return report


def salts_document(report_id: str, openings: Iterable[Opening]) -> dict[str, Any]:
    """The ``detente.incident-salts/v1`` object (values and salts: keep it private)."""
    return {
        "schema": SALTS_SCHEMA,
        "report_id": report_id,
        "openings": [o.to_dict() for o in openings],
    }


def write_salts(path: str | Path, report_id: str, openings: Iterable[Opening]) -> Path:
    """Write the reporter's salts file, 0600, refusing to replace an existing one."""
    p = Path(path)
    data = salts_document(report_id, openings)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError("refusing to overwrite an existing salts file", p) from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, ensure_ascii=False)
    return p


def read_salts(path: str | Path) -> tuple[str, tuple[Opening, ...]]:
    """``(report_id, openings)``; each opening's stored commitment is re-checked."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read salts file: {exc.strerror}", p) from None
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"salts file is not JSON: {exc}", p) from None
    try:
        d = f.obj(
            data, "salts", {"schema", "report_id", "openings"}, {"schema", "report_id", "openings"}
        )
        if d["schema"] != SALTS_SCHEMA:
            raise FormatError(f"salts.schema: expected {SALTS_SCHEMA!r}")
        return f.text(d, "report_id", "salts"), f.items(d, "openings", "salts", Opening.from_dict)
    except FormatError as exc:
        raise FormatError(exc.problem, p) from None
