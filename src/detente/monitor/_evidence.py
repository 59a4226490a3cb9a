"""Evidence from a decision: a signed monitor-decision attestation and a draft incident.

The attestation is an in-toto Statement (``predicateType`` :data:`DECISION_PREDICATE`) whose
subject is the digest of the call and of the trace it was decided on (canonical JSON), signed
through :mod:`detente.attest` like every other piece of Détente evidence. Argument values are
never copied into it: each is a salted SHA-256 commitment (DESIGN.md: nothing secret leaves
unredacted), so the recipient can check a value they are shown without the statement leaking it.

The draft incident is a plain, versioned value (``detente.monitor-incident-draft/v1``) ready to
be turned into an incident report by ``detente.incidents`` once that package's report model is
available; this module does not depend on it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from detente.monitor._decision import Decision
from detente.monitor._flow import leaf_values, value_text
from detente.monitor._trace import ToolCall, Trace

if TYPE_CHECKING:
    from detente.attest import SigningKey, Statement
    from detente.incidents import IncidentReport

# detente.attest and detente.integrity are imported where used: they bring cryptography and
# numpy, which the monitor's hot path (and the proxy's start-up) does not need.

__all__ = [
    "DECISION_PREDICATE",
    "decision_statement",
    "incident_draft",
    "incident_report",
    "sign_decision",
]

DECISION_PREDICATE = "https://detente.dev/attestation/monitor-decision/v1"
INCIDENT_DRAFT_SCHEMA = "detente.monitor-incident-draft/v1"


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


def decision_statement(
    decision: Decision, trace: Trace, call: ToolCall, salt: bytes | None = None
) -> tuple[Statement, bytes]:
    """The statement for one decision, and the salt its argument commitments use."""
    from detente.attest import Statement, Subject

    salt = salt if salt is not None else secrets.token_bytes(16)
    predicate: dict[str, Any] = {
        "decision": decision.to_dict(),
        "trace_id": trace.id,
        "tool": call.name,
        "argument_commitments": _commitments(call, salt),
    }
    subject = Subject(
        f"trace:{trace.id}#call:{call.id or call.name}", {"sha256": _trace_digest(trace, call)}
    )
    return Statement((subject,), DECISION_PREDICATE, predicate), salt


def sign_decision(
    decision: Decision, trace: Trace, call: ToolCall, key: SigningKey
) -> dict[str, Any]:
    """A Sigstore bundle (DSSE, in-toto) for the decision, verifiable with ``attest.verify_bundle``."""
    from detente.attest import sign_statement

    statement, _ = decision_statement(decision, trace, call)
    return sign_statement(statement, key)


def incident_draft(decision: Decision, trace: Trace, call: ToolCall) -> dict[str, Any]:
    """A draft incident for a blocked or escalated call (redacted: evidence excerpts only)."""
    return {
        "schema": INCIDENT_DRAFT_SCHEMA,
        "title": f"Agent monitor {decision.action.value}ed {call.name}: {decision.rule}",
        "severity": decision.severity,
        "atlas": list(decision.atlas),
        "attack": list(decision.attack),
        "trace_id": trace.id,
        "trace_digest": "sha256:" + _trace_digest(trace, call),
        "decision": decision.to_dict(),
    }


def incident_report(decision: Decision, trace: Trace, call: ToolCall) -> IncidentReport:
    """A ``detente.incidents`` report (determination *blocked*) for a blocked or escalated call.

    The reason is passed through the incidents redactor (it can quote the recipient or URL the
    attacker chose); the trace itself stays with the reporter, named by its digest.
    """
    from detente.incidents import (
        Determination,
        EvidenceItem,
        IncidentReport,
        InvestigationStatus,
        redact,
    )
    from detente.taxonomy import Severity

    severity = Severity[(decision.severity or "medium").upper()]
    return IncidentReport(
        title=f"Agent monitor {decision.action.value}ed a {call.name} call ({decision.rule})",
        summary=redact(decision.reason).text,
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
