"""Sigstore keyless bundles, verified offline with ``sigstore`` (PyPI) against a trusted root.

``sigstore.verify.Verifier(trusted_root=…)`` never touches the network when it is given the
trusted root (the Fulcio CAs, Rekor and CT log keys) instead of fetching it through TUF: it
checks, for a DSSE bundle (sigstore-python ``Verifier._verify_common_signing_cert`` and
``verify_dsse``, steps 0-8): a verified time (the Rekor integration time, or RFC 3161
timestamps), the Fulcio chain at that time, the SCT, the Sigstore X.509 profile and our
identity policy, the Rekor inclusion proof with its signed checkpoint and the inclusion promise
(SET), the DSSE signature, and that the log entry is about this envelope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detente.env import require
from detente.errors import BundleFormatError, FormatError, SignatureError, WrongKeyError

if TYPE_CHECKING:
    from cryptography import x509

    from detente.attest._certificate import TrustRoot

__all__ = ["SigstoreRoot", "load_sigstore_root", "verify_sigstore_dsse"]

_ROOTS: dict[bytes, SigstoreRoot] = {}


@dataclass(frozen=True)
class SigstoreRoot:
    verifier: Any  # sigstore.verify.Verifier (typed at the sigstore seam only)


def load_sigstore_root(root: TrustRoot) -> SigstoreRoot:
    """A verifier for a Sigstore trusted root (parsed once per process and root)."""
    assert root.sigstore_json is not None
    cached = _ROOTS.get(root.sigstore_json)
    if cached is not None:
        return cached
    models = require("sigstore.models", "keyless", "Sigstore (keyless) bundles")
    verify = require("sigstore.verify", "keyless", "Sigstore (keyless) bundles")
    errors = require("sigstore.errors", "keyless")
    inner = require("sigstore_models.trustroot.v1", "keyless")
    try:
        trusted = models.TrustedRoot(inner.TrustedRoot.from_json(root.sigstore_json))
    except (errors.Error, ValueError, TypeError, KeyError) as exc:
        raise FormatError(f"not a valid Sigstore trusted root: {exc}", root.path) from None
    out = SigstoreRoot(verify.Verifier(trusted_root=trusted))
    _ROOTS[root.sigstore_json] = out
    return out


def verify_sigstore_dsse(
    root: SigstoreRoot, bundle: dict[str, Any] | bytes | str, identity: str, issuer: str
) -> tuple[str, bytes, x509.Certificate]:
    """(payload type, payload, signing certificate) of a verified Sigstore DSSE bundle."""
    import json

    models = require("sigstore.models", "keyless")
    policy = require("sigstore.verify.policy", "keyless")
    errors = require("sigstore.errors", "keyless")
    raw = json.dumps(bundle) if isinstance(bundle, dict) else bundle
    try:
        parsed = models.Bundle.from_json(raw)
    except (errors.Error, ValueError, TypeError, KeyError) as exc:
        raise BundleFormatError(f"not a valid Sigstore bundle: {exc}") from None
    cert = parsed.signing_certificate
    try:
        payload_type, payload = root.verifier.verify_dsse(
            parsed, policy.Identity(identity=identity, issuer=issuer)
        )
    except errors.VerificationError as exc:
        text = str(exc)
        if "SANs do not match" in text or "OIDCIssuer" in text:
            raise WrongKeyError(
                f"the Sigstore certificate's identity does not match: {text}"
            ) from None
        raise SignatureError(f"the Sigstore bundle does not verify offline: {text}") from None
    return str(payload_type), bytes(payload), cert
