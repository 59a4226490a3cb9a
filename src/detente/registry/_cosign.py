"""Witness keys, cosignatures and quorum (c2sp.org/tlog-cosignature, ``cosignature/v1``).

A cosignature is a note signature line by a witness key (vkey type 0x04) whose signature is
``u64 timestamp || Ed25519(cosignature/v1\\ntime <t>\\n<checkpoint body>)``. By it the witness
states that, at time t, this is the largest checkpoint consistent with everything it has seen
for that origin. A client that requires k cosignatures from distinct witnesses it trusts
cannot be shown a history that fewer than k of them accepted: a split view needs k liars.

:func:`check_quorum` is pure: given a checkpoint note, the trusted witness keys and k, it
says which witnesses validly cosigned and whether that is enough.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from detente.errors import FormatError, UsageError, VerificationError
from detente.registry._note import (
    ALG_COSIGNATURE_V1,
    Ed25519NoteKey,
    NoteSignature,
    cosigned_message,
    ed25519_verify,
    signature_line,
    split_note,
    split_timestamped,
)

__all__ = ["Quorum", "QuorumError", "WitnessKey", "check_quorum", "require_quorum"]


class QuorumError(VerificationError):
    """A checkpoint lacks the cosignatures the client requires ("insufficient witnesses")."""


@dataclass(frozen=True)
class WitnessKey(Ed25519NoteKey):
    """An Ed25519 witness (cosigner) key; ``vkey`` is ``<name>+<id>+base64(0x04 || key)``."""

    ALG: ClassVar[int] = ALG_COSIGNATURE_V1

    def cosign(self, body: str, timestamp: int) -> str:
        """The cosignature line over a checkpoint body at ``timestamp`` (POSIX seconds)."""
        if self.private is None:
            raise FormatError("cosigning needs the witness's private key")
        if not 0 <= timestamp < 2**63:
            raise UsageError("cosignature timestamps are 0 <= t < 2^63")
        sig = self.private.sign(cosigned_message(body.encode(), timestamp))
        return signature_line(self.name, self.id, struct.pack(">Q", timestamp) + sig)

    def timestamp_of(self, text: bytes, signature: bytes) -> int | None:
        """The timestamp of a valid cosignature by this key over ``text``; None if invalid."""
        parts = split_timestamped(signature)
        if parts is None:
            return None
        ts, sig = parts
        return ts if ed25519_verify(self.public, cosigned_message(text, ts), sig) else None

    def verify_note(self, text: bytes, signature: bytes) -> bool:
        return self.timestamp_of(text, signature) is not None


@dataclass(frozen=True)
class Quorum:
    """Which trusted witnesses validly cosigned a checkpoint, and whether k of them did."""

    required: int
    cosigners: tuple[str, ...]  # vkeys of the witnesses whose cosignature verified
    invalid: tuple[str, ...]  # vkeys of trusted witnesses with a line that did not verify
    timestamps: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return len(self.cosigners) >= self.required

    @property
    def reason(self) -> str:
        got = f"{len(self.cosigners)} of the {self.required} required witness cosignatures"
        bad = f"; {len(self.invalid)} invalid" if self.invalid else ""
        return (f"witnessed: {got}" if self.ok else f"insufficient witnesses: {got}") + bad


def check_quorum(note: str | bytes, witnesses: Sequence[WitnessKey], k: int) -> Quorum:
    """Count the distinct trusted witnesses whose cosignature on ``note`` verifies.

    Pure. Lines by unknown keys are ignored (tlog-witness: "MUST ignore any cosignatures from
    unknown keys"); an invalid line by a trusted key does not count (and is reported), so one
    bad witness can neither forge nor veto a quorum. The note's log signature is not checked
    here (``parse_checkpoint`` does that)."""
    if k < 0 or k > len(witnesses):
        raise UsageError(f"quorum {k} is not between 0 and the {len(witnesses)} witnesses given")
    text, lines = split_note(note)
    body = text.encode()
    by_id = {(w.name, w.id): w for w in witnesses}
    good: dict[str, int] = {}
    bad: set[str] = set()
    for line in lines:
        w = by_id.get((line.name, line.key_id))
        if w is None or w.vkey in good:
            continue
        ts = w.timestamp_of(body, line.signature)
        if ts is None:
            bad.add(w.vkey)
        else:
            good[w.vkey] = ts
    bad -= set(good)
    return Quorum(k, tuple(sorted(good)), tuple(sorted(bad)), tuple(good[v] for v in sorted(good)))


def require_quorum(note: str | bytes, witnesses: Sequence[WitnessKey], k: int) -> Quorum:
    """:func:`check_quorum`, raising :class:`QuorumError` when it is not met."""
    q = check_quorum(note, witnesses, k)
    if not q.ok:
        raise QuorumError(f"checkpoint not trusted: {q.reason}")
    return q


def cosignature_lines(response: str) -> list[NoteSignature]:
    """Parse a witness's add-checkpoint response: one or more note signature lines."""
    _text, lines = split_note("x\n\n" + response)
    return lines
