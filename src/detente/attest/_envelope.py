"""in-toto Statement v1 in a DSSE envelope in a Sigstore bundle v0.3 — sign and verify.

* in-toto Statement v1: ``{"_type": "https://in-toto.io/Statement/v1", "subject": [...],
  "predicateType": ..., "predicate": {...}}`` (in-toto attestation spec v1, statement.md).
* DSSE v1 (secure-systems-lab/dsse protocol.md): the signature is over the pre-authentication
  encoding ``PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``.
* Sigstore bundle v0.3 (sigstore protobuf-specs ``Bundle``): ``mediaType``,
  ``verificationMaterial`` (here a ``publicKey`` hint — the form model_signing's ``sign key``
  writes: sha256 hex of the PEM public key) and ``dsseEnvelope``.

Everything here is pure: bytes and dicts in, values or :class:`detente.errors.Error` out.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from detente.attest._keys import SigningKey, VerifyingKey
from detente.errors import (
    BundleFormatError,
    PayloadTypeError,
    SignatureError,
    UnsupportedError,
    WrongKeyError,
)

if TYPE_CHECKING:
    from detente.attest._certificate import CertificatePolicy

__all__ = [
    "BUNDLE_MEDIA_TYPE",
    "INTOTO_PAYLOAD_TYPE",
    "STATEMENT_TYPE",
    "Statement",
    "Subject",
    "pae",
    "parse_bundle",
    "sign_statement",
    "verify_bundle",
]

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
_ACCEPTED_MEDIA_TYPES = {BUNDLE_MEDIA_TYPE, "application/vnd.dev.sigstore.bundle+json;version=0.3"}
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
MAX_BUNDLE_BYTES = 256 << 20
_URLSAFE = re.compile(r"[A-Za-z0-9_-]*={0,2}")


@dataclass(frozen=True)
class Subject:
    name: str
    digest: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "digest": dict(self.digest)}


@dataclass(frozen=True)
class Statement:
    subjects: tuple[Subject, ...] | list[Subject]
    predicate_type: str
    predicate: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [s.to_dict() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": self.predicate,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Statement:
        if not isinstance(data, dict):
            raise BundleFormatError("in-toto statement is not a JSON object")
        if data.get("_type") != STATEMENT_TYPE:
            raise PayloadTypeError(
                f"payload is not an in-toto Statement v1 (_type {data.get('_type')!r})"
            )
        subjects = data.get("subject")
        if not isinstance(subjects, list) or not subjects:
            raise BundleFormatError("in-toto statement has no subject")
        out = []
        for s in subjects:
            if (
                not isinstance(s, dict)
                or not isinstance(s.get("name", ""), str)
                or not isinstance(s.get("digest"), dict)
                or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in s["digest"].items()
                )
            ):
                raise BundleFormatError(f"malformed statement subject {s!r:.200}")
            out.append(Subject(s.get("name", ""), dict(s["digest"])))
        ptype = data.get("predicateType")
        if not isinstance(ptype, str) or not ptype:
            raise BundleFormatError("in-toto statement has no predicateType")
        predicate = data.get("predicate", {})
        if not isinstance(predicate, dict):
            raise BundleFormatError("in-toto predicate is not a JSON object")
        return cls(tuple(out), ptype, predicate)


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding (lengths are byte lengths, in ASCII decimal)."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def _pae_model_signing_v02(payload: bytes) -> bytes:
    # model_signing < 1.0 signed str(bytes) by mistake; its 1.x verifier still accepts that,
    # so we do too, for EC keys only (model_signing ``sign_sigstore_pb.pae_compat``).
    t = INTOTO_PAYLOAD_TYPE
    return f"DSSEV1 {len(t)} {t} {len(payload)} {payload!r}".encode()


def sign_statement(statement: Statement, key: SigningKey) -> dict[str, Any]:
    """Sign ``statement`` into a Sigstore bundle v0.3 (as a JSON-ready dict)."""
    payload = json.dumps(statement.to_dict(), sort_keys=True, separators=(",", ":")).encode()
    sig = key.sign(pae(INTOTO_PAYLOAD_TYPE, payload))
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": {"hint": key.public_key().oms_hint},
            "tlogEntries": [],
        },
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": INTOTO_PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": ""}],
        },
    }


@dataclass(frozen=True)
class ParsedBundle:
    media_type: str
    key_hint: str | None
    payload_type: str
    payload: bytes
    signatures: tuple[bytes, ...]
    material: str = "publicKey"  # | "x509CertificateChain" | "certificate"
    certificates: tuple[bytes, ...] = ()  # DER, the signing certificate first
    tlog_entries: int = 0


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise BundleFormatError(f"{what} is not a base64 string")
    try:
        if _URLSAFE.fullmatch(value) and ("-" in value or "_" in value):
            # The protobuf JSON mapping also allows URL-safe base64.
            return base64.urlsafe_b64decode(value)
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BundleFormatError(f"{what} is not valid base64") from None


def parse_bundle(bundle: dict[str, Any] | bytes | str) -> ParsedBundle:
    """Check a bundle's structure (no cryptography yet)."""
    if isinstance(bundle, bytes | str):
        if len(bundle) > MAX_BUNDLE_BYTES:
            raise BundleFormatError(f"bundle is larger than {MAX_BUNDLE_BYTES} bytes")
        try:
            bundle = json.loads(bundle)
        except (ValueError, RecursionError) as exc:
            raise BundleFormatError(f"bundle is not valid JSON: {exc}") from None
    if not isinstance(bundle, dict):
        raise BundleFormatError("bundle is not a JSON object")
    media = bundle.get("mediaType")
    if media not in _ACCEPTED_MEDIA_TYPES:
        raise BundleFormatError(
            f"unsupported bundle mediaType {media!r} (expected {BUNDLE_MEDIA_TYPE})"
        )
    vm = bundle.get("verificationMaterial")
    if not isinstance(vm, dict):
        raise BundleFormatError("bundle has no verificationMaterial")
    hint, material, certs = _verification_material(vm)
    entries = vm.get("tlogEntries", [])
    if not isinstance(entries, list):
        raise BundleFormatError("verificationMaterial.tlogEntries is not a list")
    if "messageSignature" in bundle and "dsseEnvelope" not in bundle:
        raise PayloadTypeError("bundle carries a plain message signature, not a DSSE envelope")
    env = bundle.get("dsseEnvelope")
    if not isinstance(env, dict):
        raise BundleFormatError("bundle has no dsseEnvelope")
    payload = _b64(env.get("payload"), "dsseEnvelope.payload")
    ptype = env.get("payloadType")
    if not isinstance(ptype, str):
        raise BundleFormatError("dsseEnvelope.payloadType is missing")
    sigs = env.get("signatures")
    if not isinstance(sigs, list) or not sigs:
        raise BundleFormatError("dsseEnvelope has no signatures")
    raw_sigs = []
    for i, s in enumerate(sigs):
        if not isinstance(s, dict):
            raise BundleFormatError(f"dsseEnvelope.signatures[{i}] is not an object")
        raw_sigs.append(_b64(s.get("sig"), f"dsseEnvelope.signatures[{i}].sig"))
    return ParsedBundle(
        str(media), hint, ptype, payload, tuple(raw_sigs), material, certs, len(entries)
    )


def _verification_material(vm: dict[str, Any]) -> tuple[str | None, str, tuple[bytes, ...]]:
    """(key hint, material kind, DER certificates) of ``verificationMaterial``."""
    if "publicKey" in vm:
        pk = vm["publicKey"]
        if not isinstance(pk, dict):
            raise BundleFormatError("verificationMaterial.publicKey is not an object")
        raw_hint = pk.get("hint")
        if raw_hint is not None and not isinstance(raw_hint, str):
            raise BundleFormatError("verificationMaterial.publicKey.hint is not a string")
        return raw_hint or None, "publicKey", ()
    if "certificate" in vm:  # bundle v0.3: the signing certificate alone (Fulcio)
        cert = vm["certificate"]
        raw = [cert] if isinstance(cert, dict) else None
        where = "verificationMaterial.certificate"
    elif "x509CertificateChain" in vm:
        chain = vm["x509CertificateChain"]
        raw = chain.get("certificates") if isinstance(chain, dict) else None
        where = "verificationMaterial.x509CertificateChain.certificates"
    else:
        raise BundleFormatError("verificationMaterial carries no publicKey or certificate")
    if not isinstance(raw, list) or not raw or not all(isinstance(c, dict) for c in raw):
        raise BundleFormatError(f"{where} is not a non-empty list of certificates")
    certs = tuple(_b64(c.get("rawBytes"), f"{where}[{i}].rawBytes") for i, c in enumerate(raw))
    material = "certificate" if "certificate" in vm else "x509CertificateChain"
    return None, material, certs


def verify_bundle(
    bundle: dict[str, Any] | bytes | str, key: VerifyingKey | CertificatePolicy
) -> Statement:
    """Verify the bundle's DSSE signature with ``key`` and return its in-toto Statement.

    ``key`` is a public key, or a :class:`CertificatePolicy` (trust root + identity) for
    certificate and keyless bundles.

    Raises :class:`BundleFormatError` (malformed), :class:`PayloadTypeError` (not an in-toto
    statement), :class:`WrongKeyError` (the bundle names another key or identity) or
    :class:`SignatureError` (the signature or certificate chain does not verify).
    """
    if not isinstance(key, VerifyingKey):
        return key.verify_bundle(bundle)[0]
    parsed = parse_bundle(bundle)
    if parsed.certificates:
        raise UnsupportedError(
            "this bundle is signed with a certificate, not a key: verify it with --trust-root "
            "(the CA certificates, or a Sigstore trusted_root.json) and --identity/--issuer"
        )
    if parsed.key_hint is not None and not hmac.compare_digest(
        parsed.key_hint.encode(), key.oms_hint.encode()
    ):
        raise WrongKeyError(
            "the bundle was signed by a different key "
            f"(bundle key hint {parsed.key_hint[:16]}…, given key {key.oms_hint[:16]}…)"
        )
    return verify_parsed(parsed, key)


def verify_parsed(
    parsed: ParsedBundle, key: VerifyingKey, *, compat_sha256: bool = False
) -> Statement:
    """The DSSE signature of a parsed bundle under ``key`` (already chosen), then its statement.

    ``compat_sha256``: certificate bundles of model_signing v0.2 hashed the compat PAE with
    SHA-256 whatever the curve (model_signing ``sign_certificate.Verifier._verify_bundle``).
    """
    if parsed.payload_type != INTOTO_PAYLOAD_TYPE:
        raise PayloadTypeError(
            f"DSSE payloadType is {parsed.payload_type!r}, expected {INTOTO_PAYLOAD_TYPE!r}"
        )
    messages = [pae(parsed.payload_type, parsed.payload)]
    if key.kind.startswith("ec-"):
        messages.append(_pae_model_signing_v02(parsed.payload))
    ok = any(_verifies(key, sig, msg) for sig in parsed.signatures for msg in messages)
    if not ok and compat_sha256 and isinstance(key.key, ec.EllipticCurvePublicKey):
        ok = any(_verifies_sha256(key.key, sig, messages[1]) for sig in parsed.signatures)
    if not ok:
        raise SignatureError(
            "the DSSE signature does not verify with the given public key: the signed "
            "statement was altered, or it was signed by another key"
        )
    try:
        data = json.loads(parsed.payload)
    except (ValueError, RecursionError) as exc:
        raise BundleFormatError(f"signed payload is not valid JSON: {exc}") from None
    return Statement.from_dict(data)


def _verifies_sha256(key: ec.EllipticCurvePublicKey, sig: bytes, msg: bytes) -> bool:
    try:
        key.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _verifies(key: VerifyingKey, sig: bytes, msg: bytes) -> bool:
    try:
        key.verify(sig, msg)
    except SignatureError:
        return False
    return True
