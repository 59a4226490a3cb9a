"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519 log keys.

Checkpoint body (c2sp.org/tlog-checkpoint)::

    <origin>\\n<tree size, decimal>\\n<base64 root hash>\\n[extension lines]

Signed note (c2sp.org/signed-note): the body, a blank line, then signature lines
``— <key name> base64(key ID || signature)`` where for Ed25519
``key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4]``. Verifiers ignore lines from
unknown keys and reject the note if a known key's signature fails or none verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from detente.errors import FormatError, SignatureError

__all__ = ["Checkpoint", "LogKey", "key_id", "parse_checkpoint", "sign_checkpoint"]

_EM_DASH = "\u2014 "
MAX_NOTE = 1 << 16
MAX_SIGNATURES = 100


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not re.search(r"\s", name)


@dataclass(frozen=True)
class LogKey:
    """An Ed25519 log key with its note name. ``vkey`` is the text form verifiers pin:
    ``<name>+<hex key id>+<base64(0x01 || public key)>`` (Go sumdb/note verifier key)."""

    name: str
    public: bytes
    private: ed25519.Ed25519PrivateKey | None = None

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise FormatError(f"invalid note key name {self.name!r}")
        if len(self.public) != 32:
            raise FormatError("Ed25519 public keys are 32 bytes")

    @classmethod
    def generate(cls, name: str) -> LogKey:
        sk = ed25519.Ed25519PrivateKey.generate()
        return cls(name, sk.public_key().public_bytes_raw(), sk)

    @classmethod
    def from_private_pem(cls, name: str, pem: bytes) -> LogKey:
        sk = serialization.load_pem_private_key(pem, None)
        if not isinstance(sk, ed25519.Ed25519PrivateKey):
            raise FormatError("the log key must be an Ed25519 private key")
        return cls(name, sk.public_key().public_bytes_raw(), sk)

    @classmethod
    def from_vkey(cls, vkey: str) -> LogKey:
        try:
            name, hexid, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error):
            raise FormatError(f"malformed verifier key {vkey[:80]!r}") from None
        if len(raw) != 33 or raw[0] != 1:
            raise FormatError("verifier key is not an Ed25519 (type 0x01) key")
        key = cls(name, raw[1:])
        if key.id.hex() != hexid.lower():
            raise FormatError("verifier key id does not match its name and public key")
        return key

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    @property
    def vkey(self) -> str:
        typed = base64.b64encode(b"\x01" + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{typed}"

    def private_pem(self) -> bytes:
        assert self.private is not None
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        return "\n".join(lines) + "\n"


def sign_checkpoint(cp: Checkpoint, key: LogKey) -> str:
    if key.private is None:
        raise FormatError("signing needs the log's private key")
    body = cp.body()
    sig = key.private.sign(body.encode())
    line = f"{_EM_DASH}{key.name} {base64.b64encode(key.id + sig).decode()}\n"
    return body + "\n" + line


def parse_checkpoint(note: str, key: LogKey) -> Checkpoint:
    """Verify ``note`` with ``key`` (the pinned log key) and return its checkpoint."""
    if len(note) > MAX_NOTE:
        raise FormatError("checkpoint note is too large")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise FormatError("checkpoint note contains control characters")
    sep = note.rfind("\n\n")
    if sep < 0 or not note.endswith("\n"):
        raise FormatError("not a signed note (no blank line before signatures)")
    body, sigs = note[: sep + 1], note[sep + 2 :]
    lines = sigs[:-1].split("\n")
    if not lines or len(lines) > MAX_SIGNATURES:
        raise FormatError("signed note has no (or too many) signature lines")
    verified = False
    for line in lines:
        if not line.startswith(_EM_DASH):
            raise FormatError(f"malformed signature line {line[:60]!r}")
        try:
            name, b64 = line[len(_EM_DASH) :].split(" ")
            raw = base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error):
            raise FormatError(f"malformed signature line {line[:60]!r}") from None
        if len(raw) < 5:
            raise FormatError("signature too short")
        if name != key.name or raw[:4] != key.id:
            continue  # unknown key: ignored, as the spec requires
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(key.public).verify(raw[4:], body.encode())
        except InvalidSignature:
            raise SignatureError(
                "checkpoint signature by the pinned log key does not verify"
            ) from None
        verified = True
    if not verified:
        raise SignatureError(f"checkpoint is not signed by the pinned log key {key.name}")
    parts = body[:-1].split("\n")
    if len(parts) < 3:
        raise FormatError("checkpoint body needs origin, size and root hash")
    origin, size_text, root_b64 = parts[0], parts[1], parts[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise FormatError(f"checkpoint tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except binascii.Error:
        raise FormatError("checkpoint root hash is not base64") from None
    if len(root) != 32:
        raise FormatError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(parts[3:]))
