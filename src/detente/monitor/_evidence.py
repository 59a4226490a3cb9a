"""Evidence from a decision: a signed monitor-decision attestation and a draft incident.

The attestation is an in-toto Statement (``predicateType`` :data:`DECISION_PREDICATE`) whose
subject is the digest of the call and of the trace it was decided on (canonical JSON), signed
through :mod:`detente.attest` like every other piece of Détente evidence. Argument values are
never copied into it: each is a salted SHA-256 commitment (DESIGN.md: nothing secret leaves
unredacted), so the recipient can check a value they are shown without the statement leaking it.

A blocked (or escalated) call also becomes a ``detente.incidents`` report with determination
*blocked* (:func:`incident_report`), whose summary passes through the incidents redactor; sign,
redact further and publish it with ``detente incident``. :func:`evidence_files` gathers both
for every call of a trace the monitor stopped (``detente monitor check --incident-dir``).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import TYPE_CHECKING, Any

from detente.monitor._decision import Decision
from detente.monitor._flow import leaf_values, value_text
from detente.monitor._trace import ToolCall, Trace

if TYPE_CHECKING:
    from detente.attest import SigningKey, Statement
    from detente.incidents import IncidentReport
    from detente.monitor._monitor import TraceResult

# detente.attest and detente.integrity are imported where used: they bring cryptography and
# numpy, which the monitor's hot path (and the proxy's start-up) does not need.

__all__ = [
    "DECISION_PREDICATE",
    "decision_statement",
    "evidence_files",
    "incident_draft",
    "incident_report",
    "sign_decision",
]

DECISION_PREDICATE = "https://detente.dev/attestation/monitor-decision/v1"
INCIDENT_DRAFT_SCHEMA = "detente.monitor-incident-draft/v1"
SECRETS_SCHEMA = "detente.monitor-decision-secrets/v1"


def _trace_digest(trace: Trace, call: ToolCall) -> str:
    from detente.integrity import canonical_json

    body = {
        "messages": [
            {"role": m.role, "content": m.content, "calls": [c.to_openai() for c in m.tool_calls]}
            for m in trace.messages
        ],
        "call": call.to_openai(),
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _commitments(call: ToolCall, salt: bytes) -> dict[str, str]:
    return {
        p: "sha256:" + hashlib.sha256(salt + value_text(v).encode()).hexdigest()
        for p, v in leaf_values(call.arguments)
    }


def _redacted_decision(decision: Decision) -> tuple[dict[str, Any], list[dict[str, str]], Any]:
    """The decision's dict with its reason and evidence excerpts through the incidents
    redactor (they quote argument values and tool output); commitments and openings."""
    from detente.incidents import Redactor

    redactor = Redactor()
    body = decision.to_dict()
    marks: list[dict[str, str]] = []

    def scrub(where: str, text: str) -> str:
        r = redactor.redact(text)
        marks.extend(
            {
                "field": where,
                "placeholder": sp.placeholder,
                "type": sp.type,
                "commitment": sp.commitment,
            }
            for sp in r.spans
        )
        return r.text

    body["reason"] = scrub("reason", body["reason"])
    for i, ev in enumerate(body["evidence"]):
        ev["excerpt"] = scrub(f"evidence[{i}].excerpt", ev["excerpt"])
    return body, marks, redactor.openings


def decision_statement(
    decision: Decision, trace: Trace, call: ToolCall, salt: bytes | None = None
) -> tuple[Statement, dict[str, Any]]:
    """The statement for one decision, and its secrets document (keep it; mode 0600).

    Argument values appear only as salted commitments; the reason and evidence excerpts are
    redacted by ``detente.incidents`` (placeholders + commitments). The secrets document holds
    the argument salt and the redactor's openings, to disclose a value later.
    """
    from detente.attest import Statement, Subject

    salt = salt if salt is not None else secrets.token_bytes(16)
    body, marks, openings = _redacted_decision(decision)
    predicate: dict[str, Any] = {
        "decision": body,
        "redactions": marks,
        "trace_id": trace.id,
        "tool": call.name,
        "argument_commitments": _commitments(call, salt),
    }
    subject = Subject(
        f"trace:{trace.id}#call:{call.id or call.name}", {"sha256": _trace_digest(trace, call)}
    )
    secret = {
        "schema": SECRETS_SCHEMA,
        "trace_id": trace.id,
        "argument_salt": salt.hex(),
        "openings": [o.to_dict() for o in openings],
    }
    return Statement((subject,), DECISION_PREDICATE, predicate), secret


def sign_decision(
    decision: Decision, trace: Trace, call: ToolCall, key: SigningKey
) -> dict[str, Any]:
    """A Sigstore bundle (DSSE, in-toto) for the decision, verifiable with ``attest.verify_bundle``."""
    from detente.attest import sign_statement

    statement, _ = decision_statement(decision, trace, call)
    return sign_statement(statement, key)


def incident_draft(decision: Decision, trace: Trace, call: ToolCall) -> dict[str, Any]:
    """A draft incident for a blocked or escalated call (redacted: evidence excerpts only)."""
    body, _, _ = _redacted_decision(decision)
    return {
        "schema": INCIDENT_DRAFT_SCHEMA,
        "title": f"Agent monitor {decision.action.value}ed {call.name}: {decision.rule}",
        "severity": decision.severity,
        "atlas": list(decision.atlas),
        "attack": list(decision.attack),
        "trace_id": trace.id,
        "trace_digest": "sha256:" + _trace_digest(trace, call),
        "decision": body,
    }


def incident_report(decision: Decision, trace: Trace, call: ToolCall) -> IncidentReport:
    """A draft ``detente.incidents`` report (determination *blocked*) for a stopped call.

    Like ``detente incident new``'s drafts it stays with the reporter and keeps the reason as
    written (it can quote the recipient or URL the attacker chose): ``incidents.sign_report``
    (``detente incident sign``) redacts every free-text field with commitments before anything
    leaves. The trace itself is named by its digest, never copied.
    """
    from detente.incidents import (
        Determination,
        EvidenceItem,
        IncidentReport,
        InvestigationStatus,
    )
    from detente.taxonomy import Severity

    severity = Severity[(decision.severity or "medium").upper()]
    return IncidentReport(
        title=f"Agent monitor {decision.action.value}ed a {call.name} call ({decision.rule})",
        summary=decision.reason,
        determination=Determination.BLOCKED,
        investigation_status=InvestigationStatus.NEW,
        severity=severity,
        atlas=decision.atlas,
        attack=decision.attack,
        evidence=(
            EvidenceItem(
                "agent-trace",
                "sha256:" + _trace_digest(trace, call),
                "the trace and tool call the monitor decided on",
                "application/json",
            ),
        ),
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _dump(obj: object) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode()


def evidence_files(
    trace: Trace, result: TraceResult, key: SigningKey | None = None
) -> list[tuple[str, bytes, int]]:
    """``(file name, bytes, mode)`` for every call of ``trace`` that ``result`` did not allow.

    Per stopped call: ``<trace>.call<k>.incident.json`` (a ``detente.incidents`` report, blocked,
    redacted summary) and, with ``key``, ``<trace>.call<k>.decision.intoto.json`` (the signed
    decision) with its secrets in ``….decision.secrets.json`` (0600: the argument salt and the
    redaction openings, to disclose a value later).
    """
    from detente.attest import sign_statement

    out: list[tuple[str, bytes, int]] = []
    stem = _UNSAFE.sub("_", trace.id).strip("_")[:120] or "trace"
    for k, decision in enumerate(result.decisions):
        if decision.action.value == "allow":
            continue
        prefix, call = trace.before_call(k)
        base = f"{stem}.call{k}"
        report = incident_report(decision, prefix, call)
        out.append((f"{base}.incident.json", _dump(report.to_dict()), 0o644))
        if key is not None:
            statement, secret = decision_statement(decision, prefix, call)
            bundle = _dump(sign_statement(statement, key))
            out.append((f"{base}.decision.intoto.json", bundle, 0o644))
            secret_doc = _dump({**secret, "call_index": k})
            out.append((f"{base}.decision.secrets.json", secret_doc, 0o600))
    return out
