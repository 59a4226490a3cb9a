"""C2SP signed notes (c2sp.org/signed-note), verified exactly as Go's ``sumdb/note.Open``.

A note is UTF-8 text without control characters other than newline, a blank line, then
signature lines ``— <key name> base64(4-byte key ID || signature)``. Every signature line
must be well formed (a valid key name: non-empty, no ``+``, no Unicode space; base64 of at
least 5 bytes), even from keys the verifier does not know; at most 100 lines. Lines by
unknown keys are ignored; a known key's first line must verify; repeats are skipped; and at
least one known key must have signed.

Verifier keys (*vkeys*) are ``<name>+<hex key ID>+base64(<type byte> || public key)`` with
``key ID = SHA-256(name || 0x0A || type || public key)[:4]``. Types used here: 0x01 Ed25519
note signatures (logs) and 0x04 ``cosignature/v1`` timestamped Ed25519 signatures (witnesses,
c2sp.org/tlog-cosignature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from detente.errors import FormatError, SignatureError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Ed25519NoteKey",
    "Note",
    "NoteSignature",
    "NoteVerifier",
    "UnverifiedNoteError",
    "key_hash",
    "open_note",
    "parse_vkey",
    "signature_line",
    "split_note",
    "valid_name",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100
EM_DASH = "\u2014 "
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


def key_hash(name: str, alg: int, public: bytes) -> bytes:
    """The 4-byte key ID of a note key (c2sp.org/signed-note, "Signatures")."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def valid_name(name: str) -> bool:
    """A key name: non-empty, no ``+``, no Unicode whitespace (Go ``isValidName``)."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _b64(text: str) -> bytes:
    # Go's base64.StdEncoding skips CR and LF inside the input; nothing else is tolerated.
    return base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)


def parse_vkey(vkey: str | bytes) -> tuple[str, bytes, int, bytes]:
    """Split a verifier key into (name, key ID, type, public key), checking the key ID.
    Refuses anything Go's ``note.NewVerifier`` refuses (and any type but 0x01/0x04)."""
    try:
        text = vkey.decode() if isinstance(vkey, bytes) else vkey
    except UnicodeDecodeError:
        raise FormatError("malformed verifier key (not UTF-8)") from None
    name, _, rest = text.partition("+")
    hexid, _, key64 = rest.partition("+")
    try:
        raw = _b64(key64)
    except (binascii.Error, ValueError):
        raw = b""
    if not _HEX8.fullmatch(hexid) or not raw or not valid_name(name):
        raise FormatError(f"malformed verifier key {text[:80]!r}")
    if bytes.fromhex(hexid) != key_hash(name, raw[0], raw[1:]):
        raise FormatError("verifier key id does not match its name and public key")
    if raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1) or len(raw) != 33:
        raise FormatError(f"unsupported verifier key type 0x{raw[0]:02x} (want Ed25519)")
    return name, bytes.fromhex(hexid), raw[0], raw[1:]


@dataclass(frozen=True)
class Ed25519NoteKey:
    """An Ed25519 note key of one signature type (``ALG``), with its name; ``vkey`` is the
    text form verifiers pin. Subclasses: log keys (0x01) and witness keys (0x04)."""

    ALG: ClassVar[int] = ALG_ED25519
    name: str
    public: bytes
    private: ed25519.Ed25519PrivateKey | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise FormatError(f"invalid note key name {self.name!r}")
        if len(self.public) != 32:
            raise FormatError("Ed25519 public keys are 32 bytes")

    @classmethod
    def generate(cls, name: str) -> Self:
        sk = ed25519.Ed25519PrivateKey.generate()
        return cls(name, sk.public_key().public_bytes_raw(), sk)

    @classmethod
    def from_private_pem(cls, name: str, pem: bytes) -> Self:
        sk = serialization.load_pem_private_key(pem, None)
        if not isinstance(sk, ed25519.Ed25519PrivateKey):
            raise FormatError("the key must be an Ed25519 private key")
        return cls(name, sk.public_key().public_bytes_raw(), sk)

    @classmethod
    def from_vkey(cls, vkey: str | bytes) -> Self:
        name, _id, alg, public = parse_vkey(vkey)
        if alg != cls.ALG:
            raise FormatError(
                f"verifier key has type 0x{alg:02x}; {cls.__name__} is 0x{cls.ALG:02x}"
            )
        return cls(name, public)

    # Computed once per key (a SHA-256 and a base64 each): the log signs a checkpoint per
    # commit and the cosigner names each witness by vkey several times a round.
    @cached_property
    def id(self) -> bytes:
        return key_hash(self.name, self.ALG, self.public)

    @cached_property
    def vkey(self) -> str:
        typed = base64.b64encode(bytes([self.ALG]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{typed}"

    def private_pem(self) -> bytes:
        if self.private is None:
            raise FormatError("no private key")
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID, and the signature bytes after the ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return signature_line(self.name, self.key_id, self.signature)


def signature_line(name: str, key_id: bytes, signature: bytes) -> str:
    return f"{EM_DASH}{name} {base64.b64encode(key_id + signature).decode()}\n"


class NoteVerifier(Protocol):
    """A key that verifies note signatures: its name, key ID, and the check itself."""

    @property
    def name(self) -> str: ...
    @property
    def id(self) -> bytes: ...
    def verify_note(self, text: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class Note:
    text: str
    sigs: tuple[NoteSignature, ...]  # verified, one per known key
    unverified: tuple[NoteSignature, ...]  # by keys the caller did not supply


class UnverifiedNoteError(SignatureError):
    """The note is well formed, but none of the given keys signed it."""

    def __init__(self, message: str, note: Note) -> None:
        super().__init__(message)
        self.note = note


def split_note(msg: str | bytes) -> tuple[str, list[NoteSignature]]:
    """The note's text and its well-formed signature lines (nothing verified yet)."""
    try:
        text_all = msg.decode("utf-8") if isinstance(msg, bytes) else msg
    except UnicodeDecodeError:
        raise FormatError("malformed note: not UTF-8") from None
    if any((ord(c) < 0x20 and c != "\n") or 0xD800 <= ord(c) < 0xE000 for c in text_all):
        raise FormatError("malformed note: control characters or lone surrogates")
    split = text_all.rfind("\n\n")
    if split < 0:
        raise FormatError("malformed note: no blank line before the signatures")
    text, sigs = text_all[: split + 1], text_all[split + 2 :]
    if not sigs or not sigs.endswith("\n"):
        raise FormatError("malformed note: no signature lines, or no final newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    out = []
    for line in lines:
        if not line.startswith(EM_DASH):
            raise FormatError(f"malformed note: bad signature line {line[:60]!r}")
        name, _, b64 = line[len(EM_DASH) :].partition(" ")
        try:
            raw = _b64(b64)
        except (binascii.Error, ValueError):
            raw = b""
        if not valid_name(name) or not b64 or len(raw) < 5:
            raise FormatError(f"malformed note: bad signature line {line[:60]!r}")
        out.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, out


def open_note(msg: str | bytes, verifiers: Sequence[NoteVerifier]) -> Note:
    """Parse and verify a signed note with the given keys (C2SP signed-note; Go note.Open).

    Raises FormatError (malformed), SignatureError (a known key's signature does not
    verify) or UnverifiedNoteError (no known key signed)."""
    text, lines = split_note(msg)
    known = {(v.name, v.id): v for v in verifiers}
    body = text.encode()
    seen: set[tuple[str, bytes]] = set()
    seen_unknown: set[NoteSignature] = set()
    sigs: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for sig in lines:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            if sig not in seen_unknown:
                seen_unknown.add(sig)
                unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue  # repeated signatures by one key: only the first counts (as Go)
        seen.add((sig.name, sig.key_id))
        if not v.verify_note(body, sig.signature):
            raise SignatureError(f"invalid signature for key {sig.name}+{sig.key_id.hex()}")
        sigs.append(sig)
    note = Note(text, tuple(sigs), tuple(unverified))
    if not sigs:
        raise UnverifiedNoteError("note has no verifiable signatures", note)
    return note


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """The message a ``cosignature/v1`` signs (c2sp.org/tlog-cosignature, "Ed25519 signed
    message"): header line, timestamp line, then the whole checkpoint body."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def split_timestamped(signature: bytes) -> tuple[int, bytes] | None:
    """``timestamped_signature``: u64 big-endian timestamp then a 64-byte Ed25519 signature."""
    if len(signature) != 8 + 64:
        return None
    (ts,) = struct.unpack(">Q", signature[:8])
    return (ts, signature[8:]) if ts < 2**63 else None
