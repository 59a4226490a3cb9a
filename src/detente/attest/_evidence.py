"""Evidence attestations: a scan report, an evaluation scorecard and a gate decision, each an
in-toto Statement v1 about the model, signed exactly like the model signature (DSSE in a
Sigstore bundle v0.3).

The subject is the model: its name and the OMS root digest of its manifest (the digest the
model signature's subject carries), so one model digest ties the signature, every piece of
evidence and the registry entries together.

Predicate types (schemas in docs/attestations.md; golden files in tests/attest/golden/):

* ``https://detente.dev/scan/v1`` -- ``{"scanner": {name, version}, "report": <scan report v1>}``
* ``https://detente.dev/scorecard/v1`` -- ``{"suite": {name, version, digest},
  "scorecard": <detente.scorecard/v1>}``
* ``https://detente.dev/gate/v1`` -- ``{"standard": {name, version, digest}, "verdict":
  "pass"|"fail"|"insufficient-evidence", "rules": [...], "evidence": {kind: sha256 of the
  evidence statement's payload}}``
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detente.attest._envelope import Statement, Subject, parse_bundle, verify_bundle
from detente.attest._keys import VerifyingKey
from detente.attest._model import OMS_PREDICATE_TYPE
from detente.canonical import canonical_json
from detente.errors import (
    BundleFormatError,
    PayloadTypeError,
    SignatureError,
    UnsupportedError,
    UsageError,
    WrongKeyError,
)

if TYPE_CHECKING:
    from detente.attest._certificate import CertificatePolicy

__all__ = [
    "EVIDENCE_KINDS",
    "EVIDENCE_TYPES",
    "VerifiedAttestation",
    "evidence_statement",
    "payload_digest",
    "verify_attestation",
]

_PREFIX = "https://detente.dev/"
EVIDENCE_TYPES: dict[str, str] = {
    "scan": _PREFIX + "scan/v1",
    "scorecard": _PREFIX + "scorecard/v1",
    "gate": _PREFIX + "gate/v1",
}
EVIDENCE_KINDS: dict[str, str] = {v: k for k, v in EVIDENCE_TYPES.items()}
EVIDENCE_KINDS[OMS_PREDICATE_TYPE] = "signature"

_VERDICTS = ("pass", "fail", "insufficient-evidence")


def _digest_subject(name: str, digest: str) -> Subject:
    alg, sep, hexpart = digest.partition(":")
    if (
        not sep
        or alg != "sha256"
        or len(hexpart) != 64
        or any(c not in "0123456789abcdef" for c in hexpart)
    ):
        raise BundleFormatError(f"model digest must be sha256:<64 hex>, got {digest!r}")
    return Subject(name, {"sha256": hexpart})


def _need(pred: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = pred.get(key)
    if not isinstance(value, kind):
        raise BundleFormatError(
            f"{where}: predicate field {key!r} is missing or has the wrong type"
        )
    return value


def _check_predicate(kind: str, pred: Mapping[str, Any]) -> None:
    where = f"{kind} attestation"
    if kind == "scan":
        scanner = _need(pred, "scanner", dict, where)
        _need(scanner, "name", str, where)
        report = _need(pred, "report", dict, where)
        summary = _need(report, "summary", dict, where)
        _need(summary, "by_severity", dict, where)
        _need(summary, "incomplete", bool, where)
    elif kind == "scorecard":
        suite = _need(pred, "suite", dict, where)
        card = _need(pred, "scorecard", dict, where)
        if card.get("schema") != "detente.scorecard/v1":
            raise BundleFormatError(f"{where}: scorecard schema is not detente.scorecard/v1")
        if suite.get("digest") != (card.get("suite") or {}).get("digest"):
            raise BundleFormatError(f"{where}: suite digest differs from the scorecard's")
    elif kind == "gate":
        standard = _need(pred, "standard", dict, where)
        for key in ("name", "version", "digest"):
            _need(standard, key, str, where)
        if pred.get("verdict") not in _VERDICTS:
            raise BundleFormatError(f"{where}: verdict must be one of {', '.join(_VERDICTS)}")
        _need(pred, "rules", list, where)
        _need(pred, "evidence", dict, where)


def evidence_statement(
    kind: str, model_name: str, model_digest: str, predicate: Mapping[str, Any]
) -> Statement:
    """An evidence statement about the model ``model_digest`` (``sha256:…``)."""
    if kind not in EVIDENCE_TYPES:
        raise BundleFormatError(f"unknown evidence kind {kind!r}")
    _check_predicate(kind, predicate)
    return Statement(
        (_digest_subject(model_name, model_digest),), EVIDENCE_TYPES[kind], dict(predicate)
    )


def payload_digest(statement: Statement) -> str:
    """sha256 of the statement's canonical JSON: how a gate names the evidence it judged."""
    return "sha256:" + hashlib.sha256(canonical_json(statement.to_dict())).hexdigest()


@dataclass(frozen=True)
class VerifiedAttestation:
    kind: str  # scan | scorecard | gate | signature
    statement: Statement
    key_id: str
    model_digest: str  # "sha256:…" of the subject

    @property
    def predicate(self) -> dict[str, Any]:
        return self.statement.predicate

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "predicate_type": self.statement.predicate_type,
            "key_id": self.key_id,
            "subject": [s.to_dict() for s in self.statement.subjects],
            "model_digest": self.model_digest,
        }


def verify_attestation(
    bundle: dict[str, Any] | bytes | str,
    keys: Sequence[VerifyingKey | CertificatePolicy],
    *,
    expect_kind: str | None = None,
    expect_digest: str | None = None,
) -> VerifiedAttestation:
    """Verify an attestation bundle against any of ``keys`` (the trusted keys), then its
    predicate's schema and, if given, its kind and subject digest.

    Raises :class:`WrongKeyError` when no trusted key signed it, :class:`SignatureError` when
    the signature is bad, :class:`BundleFormatError` / :class:`PayloadTypeError` for
    malformed bundles and predicates.
    """
    if not keys:
        raise WrongKeyError("no trusted key to verify the attestation with")
    parse_bundle(bundle)  # format errors before key errors
    statement: Statement | None = None
    signer: VerifyingKey | CertificatePolicy | None = None
    bad_signature = False
    for key in keys:
        try:
            statement = verify_bundle(bundle, key)
            signer = key
            break
        except (WrongKeyError, UnsupportedError, UsageError):
            continue  # another key, or a key where a certificate is needed (or vice versa)
        except SignatureError:
            bad_signature = True
    if statement is None or signer is None:
        if bad_signature:
            raise SignatureError("the attestation's signature does not verify with a trusted key")
        raise WrongKeyError(
            "the attestation is not signed by a trusted key (trusted: "
            + ", ".join(k.key_id for k in keys)
            + ")"
        )
    kind = EVIDENCE_KINDS.get(statement.predicate_type)
    if kind is None:
        raise PayloadTypeError(f"not an evidence attestation: {statement.predicate_type}")
    if expect_kind is not None and kind != expect_kind:
        raise PayloadTypeError(f"expected a {expect_kind} attestation, got {kind}")
    if kind != "signature":
        _check_predicate(kind, statement.predicate)
    if len(statement.subjects) != 1 or "sha256" not in statement.subjects[0].digest:
        raise BundleFormatError("an evidence attestation has exactly one sha256 subject")
    digest = "sha256:" + statement.subjects[0].digest["sha256"]
    if expect_digest is not None and digest != expect_digest:
        raise SignatureError(f"the {kind} attestation is about model {digest}, not {expect_digest}")
    return VerifiedAttestation(kind, statement, signer.key_id, digest)
