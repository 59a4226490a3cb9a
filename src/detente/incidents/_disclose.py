"""Selective disclosure to one recipient: chosen openings, encrypted with HPKE (RFC 9180).

Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (RFC 9180 §7: KEM 0x0020, KDF
0x0001, AEAD 0x0001), base mode, ``info = "detente.disclosure/v1"``. The package header
(schema, report id and digest, recipient key id) is the AEAD's associated data, so a
ciphertext cannot be moved to another report or another recipient.

``open_disclosure`` decrypts, then checks every opened value against the commitment the
reporter SIGNED (SHA-256(salt ‖ type ‖ 0x00 ‖ value)); a forged value, a value swapped between
placeholders, a placeholder the report does not have, or a duplicate is a VerificationError.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from detente.errors import FormatError, InputError, UsageError, VerificationError
from detente.incidents import _fields as f
from detente.incidents._redact import Opening
from detente.incidents._report import IncidentReport
from detente.incidents._sign import report_digest
from detente.integrity import canonical_json

__all__ = [
    "DISCLOSURE_SCHEMA",
    "Disclosed",
    "disclose",
    "generate_recipient_key",
    "load_recipient_private_key",
    "load_recipient_public_key",
    "open_disclosure",
    "recipient_key_id",
    "select_openings",
]

DISCLOSURE_SCHEMA = "detente.disclosure/v1"
SUITE = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM"
INFO = b"detente.disclosure/v1"
MAX_PACKAGE = 64 << 20


@dataclass(frozen=True)
class Disclosed:
    """One opened value, checked against the signed commitment."""

    field: str
    placeholder: str
    type: str
    value: str


def _suite() -> Any:
    try:
        from pyhpke import AEADId, CipherSuite, KDFId, KEMId
    except ImportError:
        raise UsageError(
            "selective disclosure needs HPKE: pip install 'detente[incidents]'"
        ) from None
    return CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES128_GCM)


def generate_recipient_key(out_dir: str | Path, name: str) -> tuple[Path, Path]:
    """Write ``<name>.x25519.key`` (PKCS#8 PEM, 0600) and ``<name>.x25519.pub``."""
    key = x25519.X25519PrivateKey.generate()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = out / f"{name}.x25519.key", out / f"{name}.x25519.pub"
    blobs = (
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    for path, blob, mode in zip(paths, blobs, (0o600, 0o644), strict=True):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            raise InputError("refusing to overwrite an existing key file", path) from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
    return paths


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()[: 1 << 16]
    except OSError as exc:
        raise InputError(f"cannot read key: {exc.strerror}", path) from None


def load_recipient_public_key(path: str | Path) -> x25519.X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(_read(path))
    except ValueError:
        raise InputError("not a PEM public key", path) from None
    if not isinstance(key, x25519.X25519PublicKey):
        raise InputError("not an X25519 public key (make one with 'detente incident keygen')", path)
    return key


def load_recipient_private_key(path: str | Path) -> x25519.X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError):
        raise InputError("not an unencrypted PEM private key", path) from None
    if not isinstance(key, x25519.X25519PrivateKey):
        raise InputError("not an X25519 private key", path)
    return key


def recipient_key_id(key: x25519.X25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def select_openings(openings: Iterable[Opening], selectors: Iterable[str]) -> tuple[Opening, ...]:
    """Pick openings by placeholder (``api_key#3`` or ``[REDACTED:api_key#3]``), type or ``all``."""
    pool = list(openings)
    chosen: dict[str, Opening] = {}
    for raw in selectors:
        sel = raw.strip()
        name = sel if sel.startswith("[") else f"[REDACTED:{sel}]"
        hits = [o for o in pool if sel in ("all", o.type) or o.placeholder == name]
        if not hits:
            raise UsageError(f"no redacted span matches {sel!r}")
        chosen.update((o.placeholder, o) for o in hits)
    return tuple(chosen.values())


def _header(report: IncidentReport, key_id: str) -> dict[str, Any]:
    return {
        "schema": DISCLOSURE_SCHEMA,
        "suite": SUITE,
        "report_id": report.id,
        "report_digest": report_digest(report),
        "recipient": key_id,
    }


def disclose(
    report: IncidentReport, openings: Iterable[Opening], recipient: x25519.X25519PublicKey
) -> dict[str, Any]:
    """A ``detente.disclosure/v1`` package: the openings, encrypted to ``recipient``."""
    suite = _suite()
    committed = {c.placeholder: c.commitment for c in report.redactions}
    chosen = list(openings)
    for o in chosen:  # never send what the signed report cannot vouch for
        if o.placeholder not in committed or not o.verifies(committed[o.placeholder]):
            raise UsageError(f"{o.placeholder} does not match this report's commitments")
    header = _header(report, recipient_key_id(recipient))
    pkr = suite.kem.deserialize_public_key(
        recipient.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    enc, sender = suite.create_sender_context(pkr, info=INFO)
    plaintext = canonical_json({"openings": [o.to_dict() for o in chosen]})
    ct = sender.seal(plaintext, aad=canonical_json(header))
    return {
        **header,
        "enc": base64.b64encode(enc).decode(),
        "ciphertext": base64.b64encode(ct).decode(),
    }


def _b64(d: dict[str, Any], key: str) -> bytes:
    try:
        return base64.b64decode(f.text(d, key, "package"), validate=True)
    except (binascii.Error, ValueError):
        raise FormatError(f"package.{key}: not base64") from None


def open_disclosure(
    package: Any, recipient: x25519.X25519PrivateKey, report: IncidentReport
) -> tuple[Disclosed, ...]:
    """Decrypt and check every value against ``report``'s signed commitments."""
    keys = {"schema", "suite", "report_id", "report_digest", "recipient", "enc", "ciphertext"}
    d = f.obj(package, "package", keys, keys)
    if d["schema"] != DISCLOSURE_SCHEMA or d["suite"] != SUITE:
        raise FormatError(f"package: not a {DISCLOSURE_SCHEMA} package with suite {SUITE}")
    header = _header(report, recipient_key_id(recipient.public_key()))
    for k, v in header.items():
        if not hmac.compare_digest(str(d[k]).encode(), str(v).encode()):
            raise VerificationError(
                f"package.{k} does not match (expected {v!r}): another report or recipient"
            )
    suite = _suite()
    skr = suite.kem.deserialize_private_key(
        recipient.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    )
    from pyhpke import PyHPKEError

    enc, ct = _b64(d, "enc"), _b64(d, "ciphertext")
    try:
        ctx = suite.create_recipient_context(enc, skr, info=INFO)
        plaintext = ctx.open(ct, aad=canonical_json(header))
    except (InvalidTag, ValueError, PyHPKEError):
        raise VerificationError(
            "the package does not decrypt with this key (tampered or not for you)"
        ) from None
    try:
        body = f.obj(json.loads(plaintext), "package.plaintext", {"openings"}, {"openings"})
    except (ValueError, RecursionError):
        raise FormatError("package plaintext is not JSON") from None
    return _check(f.items(body, "openings", "package", Opening.from_dict), report)


def _check(openings: tuple[Opening, ...], report: IncidentReport) -> tuple[Disclosed, ...]:
    committed = {c.placeholder: c for c in report.redactions}
    out: list[Disclosed] = []
    seen: set[str] = set()
    for o in openings:
        c = committed.get(o.placeholder)
        if c is None:
            raise VerificationError(f"{o.placeholder} is not a placeholder of the signed report")
        if o.placeholder in seen:
            raise VerificationError(f"{o.placeholder} is opened twice")
        seen.add(o.placeholder)
        if o.type != c.type or not o.verifies(c.commitment):
            raise VerificationError(
                f"{o.placeholder}: the opened value does not match the signed commitment (forged or swapped)"
            )
        out.append(Disclosed(c.field, o.placeholder, o.type, o.value))
    return tuple(out)
