"""The report as an SD-JWT (RFC 9901): every redacted value a selectively disclosable claim.

Issuer-signed JWT payload::

    {"iss": <reporter>, "iat": <seconds>, "_sd_alg": "sha-256",
     "incident": <the redacted detente.incident/v1 report>,
     "redacted": {"_sd": [<digest of each disclosure>, ...]}}

Each disclosure is ``base64url(JSON [salt, placeholder, value])`` (RFC 9901 §4.2.1) whose salt
is the commitment's salt, so an opened claim is ALSO checked against the report's commitment.
Its digest is ``base64url(SHA-256(ASCII(disclosure)))`` (§4.2.3). A presentation is
``<jwt>~<disclosure>~…~`` (no key binding).

:func:`verify_sd_jwt` refuses what it cannot match — a disclosure whose digest is not in the
signed ``_sd`` array (RFC 9901 §7.1 step 3.2.2 says to reject it; some verifiers skip it), a
duplicate, a value that does not open the commitment — instead of silently ignoring it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from detente.errors import (
    FormatError,
    SignatureError,
    UnsupportedError,
    UsageError,
    VerificationError,
)
from detente.incidents._disclose import Disclosed, _check
from detente.incidents._redact import Opening
from detente.incidents._report import IncidentReport
from detente.integrity import canonical_json

if TYPE_CHECKING:
    from detente.attest import SigningKey, VerifyingKey

__all__ = ["SD_JWT_TYPE", "issue_sd_jwt", "present_sd_jwt", "verify_sd_jwt"]

SD_JWT_TYPE = "detente-incident+sd-jwt"
MAX_SD_JWT = 16 << 20


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64u(text: str, what: str) -> bytes:
    if not text or any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text
    ):
        raise FormatError(f"SD-JWT {what} is not base64url without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise FormatError(f"SD-JWT {what} is not base64url") from None


def _alg(kind: str) -> str:
    if kind == "ec-secp256r1":
        return "ES256"
    if kind == "ed25519":
        return "EdDSA"
    raise UnsupportedError(f"SD-JWT signing supports EC P-256 (ES256) and Ed25519 keys, not {kind}")


def _disclosure(o: Opening) -> str:
    return _b64u(json.dumps([_b64u(o.salt), o.placeholder, o.value], ensure_ascii=False).encode())


def _digest(disclosure: str) -> str:
    return _b64u(hashlib.sha256(disclosure.encode("ascii")).digest())


def issue_sd_jwt(
    report: IncidentReport,
    openings: Iterable[Opening],
    key: SigningKey,
    *,
    issuer: str | None = None,
) -> str:
    """The signed SD-JWT with EVERY disclosure attached (the reporter's copy; present a subset)."""
    disclosures = [_disclosure(o) for o in openings]
    payload = {
        "iss": issuer or report.reporter or key.public_key().key_id,
        "iat": int(time.time()),
        "_sd_alg": "sha-256",
        "incident": report.to_dict(),
        "redacted": {"_sd": sorted(_digest(d) for d in disclosures)},
    }
    header = {"alg": _alg(key.public_key().kind), "typ": SD_JWT_TYPE}
    signing_input = f"{_b64u(canonical_json(header))}.{_b64u(canonical_json(payload))}"
    sig = key.sign(signing_input.encode())
    if isinstance(key.key, ec.EllipticCurvePrivateKey):  # JWS wants r ‖ s, not DER (RFC 7518 §3.4)
        r, s = decode_dss_signature(sig)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return "~".join([f"{signing_input}.{_b64u(sig)}", *disclosures, ""])


def present_sd_jwt(sd_jwt: str, placeholders: Iterable[str]) -> str:
    """Keep only the disclosures for ``placeholders`` (``[REDACTED:email#1]`` or ``email#1``)."""
    jwt, *disclosures = sd_jwt.split("~")
    wanted = {p if p.startswith("[") else f"[REDACTED:{p}]" for p in placeholders}
    kept = []
    for d in disclosures:
        if d and json.loads(_unb64u(d, "disclosure"))[1] in wanted:
            kept.append(d)
    if len(kept) != len(wanted):
        raise UsageError("some placeholders have no disclosure in this SD-JWT")
    return "~".join([jwt, *kept, ""])


def _verify_jws(jwt: str, key: VerifyingKey) -> dict[str, Any]:
    parts = jwt.split(".")
    if len(parts) != 3:
        raise FormatError("SD-JWT: the issuer JWT is not three base64url parts")
    try:
        header = json.loads(_unb64u(parts[0], "header"))
        payload = json.loads(_unb64u(parts[1], "payload"))
    except (ValueError, RecursionError):
        raise FormatError("SD-JWT: header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise FormatError("SD-JWT: header and payload must be JSON objects")
    if header.get("alg") != _alg(key.kind):  # never let the token pick the algorithm
        raise SignatureError(
            f"SD-JWT alg {header.get('alg')!r} does not match the key ({_alg(key.kind)})"
        )
    sig = _unb64u(parts[2], "signature")
    if isinstance(key.key, ec.EllipticCurvePublicKey):
        if len(sig) != 64:
            raise SignatureError("ES256 signature is not 64 bytes")
        sig = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    elif not isinstance(key.key, ed25519.Ed25519PublicKey):
        raise UnsupportedError("unsupported key")
    key.verify(sig, f"{parts[0]}.{parts[1]}".encode())
    return payload


def verify_sd_jwt(
    presentation: str, key: VerifyingKey
) -> tuple[IncidentReport, tuple[Disclosed, ...]]:
    """Verify the issuer signature and EVERY disclosure; return the report and opened values."""
    if (
        not isinstance(presentation, str)
        or len(presentation) > MAX_SD_JWT
        or "~" not in presentation
    ):
        raise FormatError("not an SD-JWT presentation (<jwt>~<disclosure>~…~)")
    jwt, *disclosures = presentation.strip().split("~")
    if disclosures[-1] != "":
        raise UnsupportedError("SD-JWT key binding JWTs are not supported; present without one")
    payload = _verify_jws(jwt, key)
    if payload.get("_sd_alg") != "sha-256":
        raise UnsupportedError(f"SD-JWT _sd_alg {payload.get('_sd_alg')!r} (only sha-256)")
    redacted = payload.get("redacted")
    digests = redacted.get("_sd") if isinstance(redacted, dict) else None
    if not isinstance(digests, list) or not all(isinstance(x, str) for x in digests):
        raise FormatError("SD-JWT payload has no redacted._sd digest array")
    report = IncidentReport.from_dict(payload.get("incident"), "sd-jwt.incident")
    openings = []
    seen: set[str] = set()
    for d in disclosures[:-1]:
        digest = _digest(d) if d.isascii() else ""
        if digest not in digests:
            raise VerificationError(
                "an SD-JWT disclosure matches no signed digest: forged or altered"
            )
        if digest in seen:
            raise VerificationError("an SD-JWT disclosure is repeated")
        seen.add(digest)
        try:
            salt, name, value = json.loads(_unb64u(d, "disclosure"))
        except (ValueError, TypeError, RecursionError):
            raise FormatError("SD-JWT disclosure is not a JSON [salt, name, value] array") from None
        if not all(isinstance(x, str) for x in (salt, name, value)):
            raise FormatError("SD-JWT disclosure members must be strings")
        type_ = name.removeprefix("[REDACTED:").split("#")[0]
        openings.append(Opening(name, type_, value, _unb64u(salt, "salt")))
    try:
        return report, _check(tuple(openings), report)
    except ValueError:
        raise VerificationError("an SD-JWT disclosure salt is not a commitment salt") from None
