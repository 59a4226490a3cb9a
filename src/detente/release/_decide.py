"""The consumer's decision as a pure function: :func:`decide` (policy, gathered facts) → verdict.

Everything that touches files, keys, the network or the database happens before, in
:mod:`detente.release._consumer`, and is written down as :class:`Gathered` facts (which key
verified which bundle, what the model's bytes showed, what the registry proved, what the
rescan found). The decision reads only those values, so it is tested exhaustively without I/O
(tests/release/test_decide.py), as python-tuf keeps its trust state machine free of I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.release._policy import ConsumerPolicy
from detente.scan import ScanSummary
from detente.taxonomy import counts_above

__all__ = [
    "AttestationFacts",
    "Check",
    "ConsumerVerdict",
    "Gathered",
    "RegistryFacts",
    "RescanFacts",
    "SignatureFacts",
    "decide",
]

VERDICT_SCHEMA = "detente.consumer-verdict/v1"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "ok": self.ok,
            "reason": self.reason,
            **({"details": dict(self.details)} if self.details else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Check:
        return cls(str(data["check"]), bool(data["ok"]), str(data["reason"]),
                   dict(data.get("details", {})))  # fmt: skip


@dataclass(frozen=True)
class SignatureFacts:
    """What verifying the model against its signature showed."""

    where: str  # where the evidence came from (a directory, or the log)
    found: bool  # any signature bundle at all
    signer: str | None = None  # key id of the trusted key that verified it; None: none did
    digest: str | None = None  # the signed OMS root digest
    intact: bool = False  # the model's files and tensors match the signature
    changed_files: tuple[str, ...] = ()
    added_or_missing: tuple[str, ...] = ()
    changed_tensors: tuple[str, ...] = ()  # names
    tensor_details: tuple[str, ...] = ()  # one description per changed tensor


@dataclass(frozen=True)
class AttestationFacts:
    kind: str
    found: bool
    key_id: str | None = None  # the trusted key that verified it; None: none did
    problem: str = ""  # why none verified
    predicate: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistryFacts:
    status: str | None = None
    reasons: tuple[str, ...] = ()
    error: str | None = None  # the registry check itself failed (a proof, the connection)
    logged_missing: tuple[str, ...] | None = None  # None: not checked
    logged_kinds: tuple[str, ...] = ()
    checkpoint_size: int = 0


@dataclass(frozen=True)
class RescanFacts:
    by_severity: Mapping[str, int]
    incomplete: bool
    findings: int


@dataclass(frozen=True)
class Gathered:
    model: str
    unclaimed_namespaces: tuple[str, ...] = ()
    trusted_keys: tuple[str, ...] = ()  # key ids
    signature: SignatureFacts | None = None  # None: not reached (no trusted key)
    attestations: tuple[AttestationFacts, ...] = ()
    registry: RegistryFacts | None = None
    rescan: RescanFacts | None = None


@dataclass(frozen=True)
class ConsumerVerdict:
    model: str
    policy: ConsumerPolicy
    checks: tuple[Check, ...]
    model_digest: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def verdict(self) -> str:
        return "allow" if self.ok else "deny"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": VERDICT_SCHEMA,
            "model": self.model,
            "policy": self.policy.name,
            "policy_digest": self.policy.digest,
            "model_digest": self.model_digest,
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
        }

    def text(self) -> str:
        lines = [f"{'ALLOW' if self.ok else 'DENY'}: {self.model} under policy {self.policy.name}"]
        for c in self.checks:
            lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.reason}")
            for t in c.details.get("tensors", [])[:20]:
                lines.append(f"         tensor {t}")
        return "\n".join(lines)


def _signature_check(sig: SignatureFacts, trusted: str) -> Check:
    if not sig.found:
        return Check("signature", False, f"no signature in {sig.where}")
    if sig.signer is None:
        return Check(
            "signature", False, f"the signature is not valid under any trusted key ({trusted})"
        )
    if sig.intact:
        return Check("signature", True,
                     f"signed by trusted key {sig.signer[:23]}; files and tensors match ({sig.digest})")  # fmt: skip
    what = []
    if sig.changed_files:
        what.append("changed files: " + ", ".join(sig.changed_files))
    if sig.added_or_missing:
        what.append("added/missing files: " + ", ".join(sig.added_or_missing))
    if sig.tensor_details:
        what.append(f"{len(sig.tensor_details)} tensor(s) differ: "
                    + ", ".join(sig.changed_tensors[:10]))  # fmt: skip
    return Check("signature", False, "the model does not match its signature: " + "; ".join(what),
                 {"tensors": list(sig.tensor_details)})  # fmt: skip


def _attestation_check(a: AttestationFacts, where: str, digest: str | None) -> Check:
    name = f"attestation.{a.kind}"
    if not a.found:
        return Check(name, False, f"required {a.kind} attestation is missing from {where}")
    if a.key_id is None:
        return Check(name, False, a.problem)
    return Check(name, True, f"signed by trusted key {a.key_id[:23]} about {digest}")


def _gate_check(policy: ConsumerPolicy, pred: Mapping[str, Any]) -> Check:
    std = pred["standard"]
    ok = pred["verdict"] == "pass" and std["name"] == policy.standard
    if ok and policy.standard_digest:
        ok = std["digest"] == policy.standard_digest
    return Check(
        "gate",
        ok,
        f"gate verdict {pred['verdict']} under {std['name']} {std['version']} ({std['digest']}); "
        f"policy requires a pass under {policy.standard}"
        + (f" ({policy.standard_digest})" if policy.standard_digest else ""),
    )


def _severity_reason(over: Mapping[str, int], incomplete: bool, limit: str, clean: str) -> str:
    if over:
        return f"findings above {limit}: {dict(over)}"
    return "incomplete" if incomplete else clean


def _publisher_scan_check(policy: ConsumerPolicy, pred: Mapping[str, Any]) -> Check:
    summary = ScanSummary.from_dict(pred["report"].get("summary"), "publisher's scan report")
    over = counts_above(summary.by_severity, policy.scan_max_severity)
    incomplete = summary.incomplete
    reason = _severity_reason(over, incomplete, policy.scan_max_severity,
                              f"nothing above {policy.scan_max_severity}")  # fmt: skip
    return Check("publisher-scan", not over and not incomplete, "publisher's scan: " + reason)


def _registry_checks(policy: ConsumerPolicy, r: RegistryFacts) -> list[Check]:
    if r.error is not None:
        return [Check("registry", False, f"registry check failed: {r.error}")]
    ok = r.status in policy.allowed_status
    out = [Check("registry", ok, f"status {r.status}: " + "; ".join(r.reasons)
                 + ("" if ok else f" (policy allows {', '.join(policy.allowed_status)})"))]  # fmt: skip
    if r.logged_missing is not None:
        if r.logged_missing:
            out.append(Check("logged", False, "evidence not in the transparency log: "
                             + ", ".join(r.logged_missing)))  # fmt: skip
        else:
            out.append(Check("logged", True, f"{', '.join(r.logged_kinds)} are in the log "
                             f"(inclusion proofs verified against checkpoint {r.checkpoint_size})"))  # fmt: skip
    return out


def _rescan_check(policy: ConsumerPolicy, r: RescanFacts) -> Check:
    over = counts_above(r.by_severity, policy.rescan_max_severity)
    reason = _severity_reason(over, r.incomplete, policy.rescan_max_severity,
                              f"{r.findings} findings, none above {policy.rescan_max_severity}")  # fmt: skip
    return Check("rescan", not over and not r.incomplete, "local rescan: " + reason)


def decide(policy: ConsumerPolicy, g: Gathered) -> ConsumerVerdict:
    """ALLOW only if every check the policy asks for passed; a reason for each check."""
    checks = [Check("publishers", False, f"namespace {ns!r} is not claimed in the log")
              for ns in g.unclaimed_namespaces]  # fmt: skip
    if not g.trusted_keys:
        checks.append(Check("publishers", False, "no trusted key could be loaded"))
        return ConsumerVerdict(g.model, policy, tuple(checks))
    sig = g.signature
    if sig is None:
        raise ValueError("gathered facts with trusted keys must include the signature facts")
    checks.append(_signature_check(sig, ", ".join(sorted({k[:16] for k in g.trusted_keys}))))
    if sig.signer is None:
        return ConsumerVerdict(g.model, policy, tuple(checks))
    verified: dict[str, Mapping[str, Any]] = {}
    for a in g.attestations:
        checks.append(_attestation_check(a, sig.where, sig.digest))
        if a.key_id is not None:
            verified[a.kind] = a.predicate
    if "gate" in verified:
        checks.append(_gate_check(policy, verified["gate"]))
    if "scan" in verified:
        checks.append(_publisher_scan_check(policy, verified["scan"]))
    if policy.check_registry and g.registry is not None:
        checks += _registry_checks(policy, g.registry)
    if policy.rescan and g.rescan is not None:
        checks.append(_rescan_check(policy, g.rescan))
    return ConsumerVerdict(g.model, policy, tuple(checks), sig.digest)
