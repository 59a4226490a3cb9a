"""Builders for the registry's entry statements (in-toto Statement v1 predicates).

Predicate types (all ``https://detente.dev/<kind>/v1``):

* ``namespace-claim``: ``{namespace, keys: [PEM…]}``; subject = sha256 of the namespace name.
* ``key-rotation``: ``{namespace, keys: [PEM…]}``; signed by a current key.
* ``release``: ``{namespace, name, version, root_digest, tensor_digest}``; subject = the model's
  OMS root digest.
* ``revocation``: ``{namespace, digest, reason, severity}``; subject = the revoked digest.
* ``advisory``: ``{namespace, affected: [digest…], fixed_version, summary, severity}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from detente.attest import Statement, Subject, VerifyingKey
from detente.errors import UsageError
from detente.registry._policy import PREFIX
from detente.taxonomy import Severity

__all__ = ["advisory", "key_rotation", "namespace_claim", "release", "revocation"]

# The shared scale without ``info``: a revocation or advisory is never merely informational.
SEVERITIES = tuple(str(s) for s in Severity if s > Severity.INFO)


def _digest_subject(name: str, digest: str) -> Subject:
    alg, sep, hexpart = digest.partition(":")
    if not sep or not hexpart or any(c not in "0123456789abcdef" for c in hexpart):
        raise UsageError(f"malformed digest {digest!r} (expected algorithm:hex)")
    return Subject(name, {alg: hexpart})


def namespace_claim(namespace: str, keys: Sequence[VerifyingKey]) -> Statement:
    subject = Subject(namespace, {"sha256": hashlib.sha256(namespace.encode()).hexdigest()})
    pems = [k.pem().decode() for k in keys]
    return Statement(
        (subject,), PREFIX + "namespace-claim/v1", {"namespace": namespace, "keys": pems}
    )


def key_rotation(namespace: str, keys: Sequence[VerifyingKey]) -> Statement:
    subject = Subject(namespace, {"sha256": hashlib.sha256(namespace.encode()).hexdigest()})
    pems = [k.pem().decode() for k in keys]
    return Statement((subject,), PREFIX + "key-rotation/v1", {"namespace": namespace, "keys": pems})


def release(
    namespace: str, name: str, version: str, root_digest: str, tensor_digest: str | None
) -> Statement:
    pred = {"namespace": namespace, "name": name, "version": version, "root_digest": root_digest,
            "tensor_digest": tensor_digest}  # fmt: skip
    return Statement(
        (_digest_subject(f"{namespace}/{name}", root_digest),), PREFIX + "release/v1", pred
    )


def revocation(namespace: str, digest: str, reason: str, severity: str) -> Statement:
    if severity not in SEVERITIES:
        raise UsageError(f"severity must be one of {SEVERITIES}")
    pred = {"namespace": namespace, "digest": digest, "reason": reason, "severity": severity}
    return Statement((_digest_subject(namespace, digest),), PREFIX + "revocation/v1", pred)


def advisory(
    namespace: str, affected: Sequence[str], fixed_version: str | None, summary: str, severity: str
) -> Statement:
    if severity not in SEVERITIES:
        raise UsageError(f"severity must be one of {SEVERITIES}")
    if not affected:
        raise UsageError("an advisory names at least one affected digest")
    pred = {"namespace": namespace, "affected": list(affected), "fixed_version": fixed_version,
            "summary": summary, "severity": severity}  # fmt: skip
    return Statement(
        tuple(_digest_subject(namespace, d) for d in affected), PREFIX + "advisory/v1", pred
    )
