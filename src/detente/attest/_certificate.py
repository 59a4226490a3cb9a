"""Certificate bundles: OMS ``sign certificate`` (an X.509 chain to a CA you name) and Sigstore
keyless (a Fulcio certificate and a Rekor entry), verified offline against a trust root file.

Two kinds of bundle carry a certificate instead of a key hint:

* **OMS certificate bundles** (model_signing ``sign certificate``): ``verificationMaterial``
  holds ``x509CertificateChain`` (the signing certificate first, then intermediates) and no
  transparency-log entry. The trust root is a PEM file of CA certificates (model_signing's
  ``--certificate_chain``). As model_signing's ``sign_certificate.Verifier`` does, the chain
  is validated at the signing certificate's ``notBefore`` — without a timestamp nothing better
  is known about when the signature was made — and the signing certificate must allow
  digital signatures (KeyUsage) or code signing (ExtendedKeyUsage).
* **Sigstore bundles** (``certificate`` + ``tlogEntries``): the trust root is a Sigstore
  ``trusted_root.json`` (Fulcio CAs, Rekor and CT log keys). ``sigstore`` (PyPI) checks the
  Fulcio chain at the log's integration time, the SCT, the Rekor inclusion proof with its
  signed checkpoint and the inclusion promise (SET), and the DSSE signature — all offline.

The identity policy is what makes a certificate mean something: ``identity`` must be one of
the certificate's subject alternative names (email, URI, DNS, or Sigstore's other-name) or its
subject (RFC 4514, e.g. ``CN=release-bot``); ``issuer`` the OIDC issuer the certificate
records (Fulcio extensions 1.3.6.1.4.1.57264.1.8 / .1.1) or, for a CA-issued certificate
without one, its issuer's name (RFC 4514). Keyless bundles require both: anyone can obtain a
Fulcio certificate, so a keyless signature without an identity policy proves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from detente.attest._envelope import (
    INTOTO_PAYLOAD_TYPE,
    ParsedBundle,
    Statement,
    parse_bundle,
    verify_parsed,
)
from detente.attest._keys import VerifyingKey
from detente.errors import (
    BundleFormatError,
    FormatError,
    InputError,
    PayloadTypeError,
    SignatureError,
    UnsupportedError,
    UsageError,
    WrongKeyError,
)

if TYPE_CHECKING:
    from detente.attest._sigstore import SigstoreRoot

__all__ = ["CertificatePolicy", "CertificateSigner", "TrustRoot", "load_trust_root"]

_OIDC_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")  # DER UTF8String
_OIDC_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")  # raw bytes (deprecated)
_SIGSTORE_OTHERNAME = ObjectIdentifier("1.3.6.1.4.1.57264.1.7")
MAX_TRUST_ROOT_BYTES = 16 << 20


@dataclass(frozen=True)
class TrustRoot:
    """What a certificate must chain to: PEM CA certificates, or a Sigstore trusted root."""

    path: str
    anchors: tuple[x509.Certificate, ...] = ()  # PEM CAs (OMS certificate bundles)
    sigstore_json: bytes | None = None  # a Sigstore trusted_root.json (keyless bundles)

    @property
    def kind(self) -> str:
        return "sigstore" if self.sigstore_json is not None else "pem"

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        if self.sigstore_json is not None:
            h.update(self.sigstore_json)
        for c in self.anchors:
            h.update(c.fingerprint(hashes.SHA256()))
        return "sha256:" + h.hexdigest()


def load_trust_root(path: str | Path) -> TrustRoot:
    """Read a trust root: a PEM file of CA certificates, or a Sigstore ``trusted_root.json``."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_TRUST_ROOT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the trust root: {exc.strerror or exc}", p) from None
    if len(raw) > MAX_TRUST_ROOT_BYTES:
        raise FormatError(f"trust root is larger than {MAX_TRUST_ROOT_BYTES} bytes", p)
    if raw.lstrip().startswith(b"{"):
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise FormatError(f"trust root is not valid JSON: {exc}", p) from None
        media = data.get("mediaType", "") if isinstance(data, dict) else ""
        if not isinstance(media, str) or not media.startswith(
            "application/vnd.dev.sigstore.trustedroot"
        ):
            raise FormatError(
                "a JSON trust root must be a Sigstore trusted root (mediaType "
                f"application/vnd.dev.sigstore.trustedroot+json…), found {media!r}",
                p,
            )
        return TrustRoot(str(p), sigstore_json=raw)
    try:
        anchors = tuple(x509.load_pem_x509_certificates(raw))
    except ValueError:
        raise FormatError(
            "trust root is neither PEM CA certificates nor a Sigstore trusted_root.json", p
        ) from None
    return TrustRoot(str(p), anchors=anchors)


@dataclass(frozen=True)
class CertificateSigner:
    """Who a certificate bundle was verified as."""

    kind: str  # "x509" (OMS certificate chain) | "sigstore" (Fulcio + Rekor)
    identities: tuple[str, ...]  # SANs, then the subject (RFC 4514)
    issuer: str  # OIDC issuer, or the issuing CA's name
    fingerprint: str  # sha256:… of the signing certificate (DER)

    @property
    def key_id(self) -> str:
        return f"{self.kind}:{self.identities[0] if self.identities else '?'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "identities": list(self.identities),
            "issuer": self.issuer,
            "certificate": self.fingerprint,
        }


@dataclass(frozen=True)
class CertificatePolicy:
    """A trust root and the identity a signing certificate must carry.

    Used where a :class:`VerifyingKey` is (``verify_bundle``, ``verify_model``,
    ``verify_attestation``): it verifies certificate bundles and refuses key bundles with
    :class:`WrongKeyError`.
    """

    trust_root: TrustRoot
    identity: str | None = None
    issuer: str | None = None

    @property
    def key_id(self) -> str:
        """A stable name for this trust (what a consumer verdict lists as trusted)."""
        who = self.identity or "*"
        return f"cert:{who}@{self.issuer or '*'}/{self.trust_root.digest[7:23]}"

    def verify_bundle(
        self, bundle: dict[str, Any] | bytes | str
    ) -> tuple[Statement, CertificateSigner]:
        """Verify a certificate bundle: chain, identity policy, then the DSSE signature."""
        parsed = parse_bundle(bundle)
        if not parsed.certificates:
            raise WrongKeyError(
                "the bundle is signed with a key, not a certificate: verify it with --key"
            )
        if parsed.tlog_entries or parsed.material == "certificate":
            return self._verify_sigstore(bundle)
        if self.trust_root.kind != "pem":
            raise UsageError(
                "this is an OMS certificate bundle (an X.509 chain, no transparency log): "
                "--trust-root must be a PEM file of CA certificates, not a Sigstore trusted root"
            )
        signer, key = _verify_chain(parsed, self.trust_root.anchors)
        self._check_identity(signer)
        return verify_parsed(parsed, key, compat_sha256=True), signer

    def _check_identity(self, signer: CertificateSigner) -> None:
        if self.identity is not None and self.identity not in signer.identities:
            raise WrongKeyError(
                f"the certificate's identity is not {self.identity!r} "
                f"(it names {', '.join(signer.identities) or 'nothing'})"
            )
        if self.issuer is not None and self.issuer != signer.issuer:
            raise WrongKeyError(
                f"the certificate's issuer is not {self.issuer!r} (it is {signer.issuer!r})"
            )

    def _verify_sigstore(
        self, bundle: dict[str, Any] | bytes | str
    ) -> tuple[Statement, CertificateSigner]:
        if self.trust_root.sigstore_json is None:
            raise UsageError(
                "this is a Sigstore (Fulcio + Rekor) bundle: --trust-root must be a Sigstore "
                "trusted_root.json, not PEM certificates"
            )
        if not self.identity or not self.issuer:
            raise UsageError(
                "a keyless (Sigstore) signature proves only that someone with an OIDC account "
                "signed: name who with --identity and --issuer"
            )
        from detente.attest._sigstore import load_sigstore_root, verify_sigstore_dsse

        root: SigstoreRoot = load_sigstore_root(self.trust_root)
        payload_type, payload, cert = verify_sigstore_dsse(root, bundle, self.identity, self.issuer)
        if payload_type != INTOTO_PAYLOAD_TYPE:
            raise PayloadTypeError(
                f"DSSE payloadType is {payload_type!r}, expected {INTOTO_PAYLOAD_TYPE!r}"
            )
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise BundleFormatError(f"signed payload is not valid JSON: {exc}") from None
        return Statement.from_dict(data), signer_of(cert, "sigstore")


def _load_chain(parsed: ParsedBundle) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(c) for c in parsed.certificates]
    except ValueError as exc:
        raise BundleFormatError(f"a certificate in the bundle is not DER X.509: {exc}") from None


def _verify_chain(
    parsed: ParsedBundle, anchors: tuple[x509.Certificate, ...]
) -> tuple[CertificateSigner, VerifyingKey]:
    from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store
    from cryptography.x509.verification import VerificationError as X509Error

    chain = _load_chain(parsed)
    leaf = chain[0]
    if not anchors:
        raise UsageError("the trust root holds no CA certificate")
    # model_signing (sign_certificate.Verifier) checks the chain at the leaf's notBefore and
    # puts no profile on the leaf beyond signing usage (its test leaf even says CA:TRUE);
    # the CAs get the RFC 5280 / CA/B profile.
    at: datetime = leaf.not_valid_before_utc
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors)))
        .time(at)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, chain[1:])
    except X509Error as exc:
        raise SignatureError(
            f"the signing certificate does not chain to the trust root: {exc}"
        ) from None
    if not _may_sign(leaf):
        raise SignatureError(
            "the signing certificate may not sign (no digitalSignature key usage and no "
            "codeSigning extended key usage)"
        )
    pub = leaf.public_key()
    if isinstance(pub, ed25519.Ed25519PublicKey) or (
        isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.key_size in (256, 384, 521)
    ):
        return signer_of(leaf, "x509"), VerifyingKey(pub)
    raise UnsupportedError(
        f"the signing certificate's key ({type(pub).__name__}) is not EC P-256/384/521 or Ed25519"
    )


def _may_sign(cert: x509.Certificate) -> bool:
    try:
        if cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature:
            return True
    except x509.ExtensionNotFound:
        pass
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.CODE_SIGNING in eku


def signer_of(cert: x509.Certificate, kind: str) -> CertificateSigner:
    """The identities (SANs, then subject) and issuer a certificate carries."""
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += san.get_values_for_type(x509.RFC822Name)
        names += san.get_values_for_type(x509.UniformResourceIdentifier)
        names += san.get_values_for_type(x509.DNSName)
        for other in san.get_values_for_type(x509.OtherName):
            if other.type_id == _SIGSTORE_OTHERNAME:
                names.append(_der_utf8(other.value))
    except x509.ExtensionNotFound:
        pass
    subject = cert.subject.rfc4514_string()
    if subject:
        names.append(subject)
    issuer = _oidc_issuer(cert) or cert.issuer.rfc4514_string()
    fp = "sha256:" + cert.fingerprint(hashes.SHA256()).hex()
    return CertificateSigner(kind, tuple(names), issuer, fp)


def _oidc_issuer(cert: x509.Certificate) -> str | None:
    for oid, der in ((_OIDC_ISSUER_V2, True), (_OIDC_ISSUER_V1, False)):
        try:
            ext = cert.extensions.get_extension_for_oid(oid).value
        except x509.ExtensionNotFound:
            continue
        raw = getattr(ext, "value", b"")
        return _der_utf8(raw) if der else raw.decode("utf-8", "replace")
    return None


def _der_utf8(raw: bytes) -> str:
    # A DER UTF8String (tag 0x0c) with a short or long length; anything else is shown as hex.
    if len(raw) >= 2 and raw[0] == 0x0C:
        n, off = raw[1], 2
        if n & 0x80:
            width = n & 0x7F
            n, off = int.from_bytes(raw[2 : 2 + width], "big"), 2 + width
        return raw[off : off + n].decode("utf-8", "replace")
    return base64.b16encode(raw).decode().lower()
