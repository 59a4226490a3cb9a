"""Signed checkpoints: C2SP tlog-checkpoint bodies in C2SP signed notes, Ed25519 log keys.

Checkpoint body (c2sp.org/tlog-checkpoint)::

    <origin>\\n<tree size, decimal>\\n<base64 root hash>\\n[extension lines]

The note around it is parsed and verified by ``_note.open_note`` (Go ``note.Open``
semantics). Deliberately stricter than Go's ``log.ParseCheckpoint``: the size has no leading
zeros (tlog-checkpoint: "ASCII decimal"), and the root hash is 32 bytes (SHA-256, the only
hash this log uses). The origin must be the pinned log's name.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric import ed25519

from detente.errors import FormatError, SignatureError, VerificationError
from detente.registry._note import (
    ALG_ED25519,
    Ed25519NoteKey,
    UnverifiedNoteError,
    ed25519_verify,
    key_hash,
    open_note,
    signature_line,
)

__all__ = [
    "Checkpoint",
    "LogKey",
    "key_id",
    "parse_checkpoint",
    "parse_checkpoint_body",
    "sign_checkpoint",
]

MAX_NOTE = 1 << 16
MAX_SIZE = 2**64 - 1


def key_id(name: str, public_key: bytes) -> bytes:
    """Key ID of an Ed25519 note key: ``SHA-256(name || 0x0A || 0x01 || key)[:4]``."""
    return key_hash(name, ALG_ED25519, public_key)


@dataclass(frozen=True)
class LogKey(Ed25519NoteKey):
    """An Ed25519 log key with its note name. ``vkey`` is the text form verifiers pin:
    ``<name>+<hex key id>+<base64(0x01 || public key)>`` (Go sumdb/note verifier key)."""

    ALG: ClassVar[int] = ALG_ED25519

    @classmethod
    def from_skey(cls, skey: str) -> LogKey:
        """A Go signer key: ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)``."""
        prefix, _, rest = skey.strip().partition("PRIVATE+KEY+")
        name, _, rest = rest.partition("+")
        hexid, _, b64 = rest.partition("+")
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if prefix or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise FormatError("malformed Ed25519 signer key")
        sk = ed25519.Ed25519PrivateKey.from_private_bytes(raw[1:])
        key = cls(name, sk.public_key().public_bytes_raw(), sk)
        if key.id.hex() != hexid.lower():
            raise FormatError("signer key id does not match its name and key")
        return key

    def verify_note(self, text: bytes, signature: bytes) -> bool:
        return ed25519_verify(self.public, text, signature)

    def sign_note(self, text: str) -> str:
        """The signature line of this key over a note body ``text``."""
        if self.private is None:
            raise FormatError("signing needs the private key")
        return signature_line(self.name, self.id, self.private.sign(text.encode()))


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
    return body + "\n" + key.sign_note(body)


def parse_checkpoint_body(text: str) -> Checkpoint:
    """The checkpoint in a note's (already verified) text."""
    parts = text[:-1].split("\n") if text.endswith("\n") else []
    if len(parts) < 3:
        raise FormatError("checkpoint body needs origin, size and root hash lines")
    origin, size_text, root_b64 = parts[0], parts[1], parts[2]
    if not origin:
        raise FormatError("checkpoint origin is empty")
    # ASCII digits only: str.isdigit() also accepts "٥" and "²" (and int("²") raises).
    if (
        not size_text
        or not all("0" <= c <= "9" for c in size_text)
        or (size_text != "0" and size_text.startswith("0"))
        or int(size_text) > MAX_SIZE
    ):
        raise FormatError(f"checkpoint tree size {size_text[:30]!r} is not a decimal number")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError("checkpoint root hash is not base64") from None
    if len(root) != 32:
        raise FormatError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(parts[3:]))


def parse_checkpoint(note: str | bytes, key: LogKey, origin: str | None = None) -> Checkpoint:
    """Verify ``note`` with ``key`` (the pinned log key) and return its checkpoint, whose
    origin must be ``origin`` (default: the key's name, as this log names its key)."""
    if len(note) > MAX_NOTE:
        raise FormatError("checkpoint note is too large")
    try:
        verified = open_note(note, [key])
    except UnverifiedNoteError:
        raise SignatureError(f"checkpoint is not signed by the pinned log key {key.name}") from None
    except SignatureError:
        raise SignatureError("checkpoint signature by the pinned log key does not verify") from None
    cp = parse_checkpoint_body(verified.text)
    want = key.name if origin is None else origin
    if cp.origin != want:
        raise VerificationError(f"checkpoint origin {cp.origin[:80]!r} is not the log's {want!r}")
    return cp
