"""What may be appended: entry kinds, namespaces and the keys that own them.

Pure over the bundle and the namespace's current keys, so the server and the client apply the
same rules. A namespace is claimed by a self-signed ``namespace-claim`` entry naming its
public keys (first claim wins); after that only those keys can append under it, and a
``key-rotation`` entry signed by a current key replaces the key set.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detente.attest import Statement, VerifyingKey, load_public_key, parse_bundle, verify_bundle
from detente.errors import BundleFormatError, Error, InputError, SignatureError, WrongKeyError

__all__ = [
    "KINDS",
    "Admission",
    "AdmissionError",
    "ServiceError",
    "admit",
    "canonical_bundle",
    "namespace_keys",
    "statement_of",
    "subjects_of",
]

PREFIX = "https://detente.dev/"
KINDS = {
    f"{PREFIX}namespace-claim/v1": "namespace-claim",
    f"{PREFIX}key-rotation/v1": "key-rotation",
    f"{PREFIX}release/v1": "release",
    f"{PREFIX}revocation/v1": "revocation",
    f"{PREFIX}advisory/v1": "advisory",
    "https://model_signing/signature/v1.0": "model-signature",
}


class ServiceError(InputError):
    """The log refused a request; ``status`` is the HTTP status the API answers with
    (400 malformed, 403 wrong key, 404 unknown, 413 too large, 422 bad signature)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class AdmissionError(ServiceError):
    """An entry may not be appended (malformed, unsigned, or not signed by the namespace)."""


@dataclass(frozen=True)
class Admission:
    kind: str
    namespace: str
    subjects: tuple[str, ...]
    statement: Statement


def canonical_bundle(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def statement_of(bundle: dict[str, Any]) -> Statement:
    """The statement inside a bundle, *unverified* (to learn which keys must verify it)."""
    parsed = parse_bundle(bundle)
    try:
        return Statement.from_dict(json.loads(parsed.payload))
    except ValueError as exc:
        raise BundleFormatError(f"payload is not JSON: {exc}") from None


def _keys_from(predicate: dict[str, Any]) -> list[VerifyingKey]:
    raw = predicate.get("keys")
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(k, str) for k in raw)
        or len(raw) > 16
    ):
        raise AdmissionError(400, "predicate.keys must list 1-16 PEM public keys")
    try:
        return [load_public_key(k.encode()) for k in raw]
    except Error as exc:
        raise AdmissionError(400, f"predicate.keys: {exc}") from None


def namespace_keys(history: Sequence[Statement]) -> list[VerifyingKey] | None:
    """Current keys of a namespace from its claim and rotations, in log order."""
    keys: list[VerifyingKey] | None = None
    for st in history:
        kind = KINDS.get(st.predicate_type)
        if (kind == "namespace-claim" and keys is None) or (
            kind == "key-rotation" and keys is not None
        ):
            keys = _keys_from(st.predicate)
    return keys


def subjects_of(st: Statement) -> tuple[str, ...]:
    """Every digest an entry is about (its subjects and the digests its predicate names):
    what the log indexes it under, and what a client's status rule matches."""
    out = [f"{alg}:{hexd}" for s in st.subjects for alg, hexd in sorted(s.digest.items())]
    p = st.predicate
    for field in ("digest", "root_digest", "tensor_digest"):
        if isinstance(p.get(field), str):
            out.append(p[field])
    if isinstance(p.get("affected"), list):
        out += [d for d in p["affected"] if isinstance(d, str)]
    return tuple(dict.fromkeys(out))


def _verify_with(bundle: dict[str, Any], keys: Sequence[VerifyingKey]) -> Statement:
    wrong_key = True
    for key in keys:
        try:
            return verify_bundle(bundle, key)
        except WrongKeyError:
            continue
        except SignatureError:
            wrong_key = False
    if wrong_key:
        raise AdmissionError(403, "the bundle is not signed by a key of this namespace")
    raise AdmissionError(422, "the bundle's signature does not verify")


def admit(
    bundle: dict[str, Any],
    namespace_hint: str | None,
    current_keys: list[VerifyingKey] | None,
    *,
    statement: Statement | None = None,
) -> Admission:
    """Decide whether ``bundle`` may be appended. ``current_keys`` are the keys of the
    namespace the bundle names (None if it is unclaimed); ``statement`` is the bundle's
    unverified statement when the caller already parsed it (``statement_of``). The
    signature is always verified here, and subjects come from the verified statement."""
    try:
        st = statement_of(bundle) if statement is None else statement
    except Error as exc:
        raise AdmissionError(400, f"malformed bundle: {exc}") from None
    kind = KINDS.get(st.predicate_type, "attestation")
    ns = (
        st.predicate.get("namespace")
        if isinstance(st.predicate.get("namespace"), str)
        else namespace_hint
    )
    if not ns or len(ns) > 200 or any(c.isspace() for c in ns):
        raise AdmissionError(400, "the entry names no valid namespace")
    if namespace_hint and namespace_hint != ns:
        raise AdmissionError(400, "the request's namespace differs from the statement's")
    if kind == "namespace-claim":
        keys = _keys_from(st.predicate)
        verified = _verify_with(bundle, keys)  # proof of possession of a claimed key
        if current_keys is not None:
            raise AdmissionError(403, f"namespace {ns!r} is already claimed")
        return Admission(kind, ns, subjects_of(verified), verified)
    if current_keys is None:
        raise AdmissionError(403, f"namespace {ns!r} has not been claimed")
    verified = _verify_with(bundle, current_keys)
    if kind == "key-rotation":
        _keys_from(verified.predicate)
    return Admission(kind, ns, subjects_of(verified), verified)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
