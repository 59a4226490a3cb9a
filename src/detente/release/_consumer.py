"""The consumer's question, "may we load this model?": gather the facts, then decide.

:func:`verify_release` gathers (trusted keys from key files and from registry namespaces the
log proves, the signature and the model's bytes against it, every required attestation
verified with those keys about the same digest, the registry status with every proof checked
by the client, the evidence's presence in the log, a local rescan) and hands the facts to the
pure :func:`detente.release.decide`. Evidence comes from an :class:`EvidenceSource`: the
release's evidence directory, or, when that holds no signature, the transparency log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from detente.errors import Error
from detente.release._decide import (
    AttestationFacts,
    ConsumerVerdict,
    Gathered,
    RegistryFacts,
    RescanFacts,
    SignatureFacts,
    decide,
)
from detente.release._policy import ConsumerPolicy

if TYPE_CHECKING:
    from detente.attest import CertificatePolicy, VerifyingKey
    from detente.registry import RegistryClient

__all__ = ["EvidenceSource", "gather", "verify_release"]


class EvidenceSource(Protocol):
    """Where signed evidence about a model is found (a directory, the log, a mirror)."""

    @property
    def where(self) -> str: ...

    def candidates(self, kind: str) -> list[dict[str, Any]]:
        """Every bundle of ``kind``, newest first (the first a trusted key verifies is used)."""
        ...


def _connect(policy: ConsumerPolicy) -> RegistryClient:
    from detente.registry import connect

    # A checkpoint without `quorum` cosignatures of the policy's witnesses is not trusted:
    # the client refuses it, and every registry fact then fails with the reason.
    return connect(policy.registry_url, policy.registry_log_key,
                   witnesses=policy.witnesses, quorum=policy.quorum)  # fmt: skip


def _trusted_keys(
    policy: ConsumerPolicy, client: RegistryClient | None, say: Callable[[str], None]
) -> tuple[list[VerifyingKey | CertificatePolicy], list[str]]:
    from detente.attest import CertificatePolicy, load_public_key, load_trust_root

    keys: list[VerifyingKey | CertificatePolicy] = [load_public_key(p) for p in policy.key_files]
    for root, identity, issuer in policy.certificate_publishers:
        keys.append(CertificatePolicy(load_trust_root(root), identity, issuer))
    unclaimed: list[str] = []
    for ns in policy.namespaces:
        assert client is not None
        say(f"reading the keys of namespace {ns} from the log")
        ns_keys = client.namespace_keys(ns, client.checkpoint()) or []
        if not ns_keys:
            unclaimed.append(ns)
        keys.extend(ns_keys)
    return keys, unclaimed


def _signature(
    model: Path,
    source: EvidenceSource,
    keys: list[VerifyingKey | CertificatePolicy],
    used: dict[str, dict[str, Any]],
) -> SignatureFacts:
    from detente.attest import verify_model

    signatures = source.candidates("signature")
    if not signatures:
        return SignatureFacts(source.where, found=False)
    for sig in signatures:
        for key in keys:
            try:
                result = verify_model(model, sig, key)
            except Error:
                continue
            used["signature"] = sig
            r = result.result
            return SignatureFacts(
                source.where,
                found=True,
                signer=result.signer,
                digest=result.manifest.root_digest,
                intact=result.ok,
                changed_files=tuple(c.name for c in r.changed_files),
                added_or_missing=(*r.added_files, *r.missing_files),
                changed_tensors=tuple(t.name for t in r.tensor_changes),
                tensor_details=tuple(t.describe() for t in r.tensor_changes),
            )
    return SignatureFacts(source.where, found=True)


def _attestations(
    policy: ConsumerPolicy,
    source: EvidenceSource,
    keys: list[VerifyingKey | CertificatePolicy],
    digest: str | None,
    used: dict[str, dict[str, Any]],
) -> tuple[AttestationFacts, ...]:
    from detente.attest import verify_attestation

    out: list[AttestationFacts] = []
    for kind in (k for k in policy.required if k != "signature"):
        found = source.candidates(kind)
        problem = ""
        facts = AttestationFacts(kind, found=bool(found))
        for bundle in found:  # newest first; the first one a trusted key verifies wins
            try:
                att = verify_attestation(bundle, keys, expect_kind=kind, expect_digest=digest)
            except Error as exc:
                problem = str(exc)
                continue
            used[kind] = bundle
            facts = AttestationFacts(kind, True, att.key_id, "", att.predicate)
            break
        else:
            facts = AttestationFacts(kind, found=bool(found), problem=problem)
        out.append(facts)
    return tuple(out)


def _registry(
    client: RegistryClient, digest: str, used: Mapping[str, dict[str, Any]], logged: bool
) -> RegistryFacts:
    from detente.registry import canonical_bundle, leaf_hash

    try:
        v = client.check_digest(digest)
        if not logged:
            return RegistryFacts(v.status, tuple(v.reasons))
        cp = client.checkpoint()
        in_log: set[bytes] = set()
        for i in client.lookup(digest=digest):
            if i < cp.size:
                _st, entry = client.verified_statement(i, cp)
                in_log.add(leaf_hash(canonical_bundle(entry["bundle"])))
    except Error as exc:
        return RegistryFacts(error=str(exc))
    missing = tuple(k for k, b in used.items() if leaf_hash(canonical_bundle(b)) not in in_log)
    return RegistryFacts(v.status, tuple(v.reasons), None, missing, tuple(used), cp.size)


def _rescan(model: Path) -> RescanFacts:
    from detente.scan import scan_paths
    from detente.taxonomy import severity_counts

    report = scan_paths([str(model)])
    return RescanFacts(severity_counts(report.findings), report.incomplete, len(report.findings))


def gather(
    model: Path,
    policy: ConsumerPolicy,
    evidence: EvidenceSource,
    *,
    client: RegistryClient | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> Gathered:
    """Every fact the policy's checks need, verified with the policy's keys (I/O lives here)."""
    if (policy.namespaces or policy.check_registry) and client is None:
        client = _connect(policy)
    keys, unclaimed = _trusted_keys(policy, client, say)
    if not keys:
        return Gathered(str(model), tuple(unclaimed))
    ids = tuple(k.key_id for k in keys)
    if not evidence.candidates("signature") and client is not None:
        # No local evidence: look the model's digest up in the log (files/sha256, as
        # `detente release` signs) and take the evidence from there.
        from detente.integrity import build_manifest
        from detente.release._evidence import LoggedEvidence

        say(f"no evidence in {evidence.where}: hashing the model and reading the log")
        evidence = LoggedEvidence(client, build_manifest(model).root_digest)
    say("verifying the signature and the model's files and tensors")
    used: dict[str, dict[str, Any]] = {}  # kind -> the bundle a trusted key verified
    sig = _signature(model, evidence, keys, used)
    if sig.signer is None:
        return Gathered(str(model), tuple(unclaimed), ids, sig)
    atts = _attestations(policy, evidence, keys, sig.digest, used)
    registry = None
    if policy.check_registry and client is not None and sig.digest is not None:
        say("checking the registry (inclusion and consistency proofs)")
        registry = _registry(client, sig.digest, used, policy.require_logged)
    rescan = None
    if policy.rescan:
        say("rescanning the model locally")
        rescan = _rescan(model)
    return Gathered(str(model), tuple(unclaimed), ids, sig, atts, registry, rescan)


def verify_release(
    model: Path,
    policy: ConsumerPolicy,
    evidence_dir: Path,
    *,
    client: RegistryClient | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> ConsumerVerdict:
    """Gather the facts for ``policy`` about ``model`` (evidence in ``evidence_dir``), decide."""
    from detente.release._evidence import EvidenceDir

    return decide(policy, gather(model, policy, EvidenceDir(evidence_dir), client=client, say=say))
