"""Redaction with salted commitments: ``detente.redaction/v1``.

Each sensitive span becomes a typed placeholder (``[REDACTED:api_key#3]``) and a commitment

    commitment = "sha256:" + hex(SHA-256(salt ‖ type ‖ 0x00 ‖ value))

with a fresh 32-byte salt per distinct (type, value) and UTF-8 for type and value. The NUL byte
ends the type (types are ``[a-z_]+``) so no (type, value) pair can be re-split into another.
The salts and values (:class:`Opening`) stay with the reporter (a 0600 salts file); the
redacted text and the commitments can be published, and any single value can later be opened to
one recipient, who checks it against the signed commitment.

The JSON contract other tools consume::

    {"schema": "detente.redaction/v1", "text": "<redacted text>",
     "spans": [{"start": 10, "end": 50, "type": "api_key",
                "placeholder": "[REDACTED:api_key#1]", "commitment": "sha256:…"}]}

``start``/``end`` are Python ``str`` offsets (code points) into the ORIGINAL text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from detente.errors import FormatError
from detente.incidents import _fields as f
from detente.incidents._detect import SENSITIVE_TYPES, Detection, detect

__all__ = [
    "REDACTION_SCHEMA",
    "Opening",
    "RedactedSpan",
    "Redaction",
    "Redactor",
    "commit",
    "redact",
]

REDACTION_SCHEMA = "detente.redaction/v1"
SALT_BYTES = 32


def commit(salt: bytes, type_: str, value: str) -> str:
    """``sha256:`` hex of SHA-256(salt ‖ type ‖ 0x00 ‖ value)."""
    if len(salt) != SALT_BYTES:
        raise ValueError("commitment salt must be 32 bytes")
    digest = hashlib.sha256(salt + type_.encode() + b"\x00" + value.encode()).hexdigest()
    return f"sha256:{digest}"


@dataclass(frozen=True)
class RedactedSpan:
    start: int
    end: int
    type: str
    placeholder: str
    commitment: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "type": self.type,
            "placeholder": self.placeholder,
            "commitment": self.commitment,
        }


@dataclass(frozen=True)
class Opening:
    """The secret side of one commitment: kept by the reporter, disclosed one by one."""

    placeholder: str
    type: str
    value: str = field(repr=False)
    salt: bytes = field(repr=False)

    @property
    def commitment(self) -> str:
        return commit(self.salt, self.type, self.value)

    def verifies(self, commitment: str) -> bool:
        return hmac.compare_digest(self.commitment.encode(), commitment.encode())

    def to_dict(self) -> dict[str, Any]:
        return {
            "placeholder": self.placeholder,
            "type": self.type,
            "value": self.value,
            "salt": self.salt.hex(),
            "commitment": self.commitment,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "opening") -> Opening:
        keys = {"placeholder", "type", "value", "salt", "commitment"}
        d = f.obj(data, where, keys, keys - {"commitment"})
        try:
            salt = bytes.fromhex(f.text(d, "salt", where))
        except ValueError:
            raise FormatError(f"{where}.salt: not hex") from None
        if len(salt) != SALT_BYTES:
            raise FormatError(f"{where}.salt: expected {SALT_BYTES} bytes")
        type_ = f.text(d, "type", where)
        if type_ not in SENSITIVE_TYPES:
            raise FormatError(f"{where}.type: unknown redaction type {type_!r}")
        opening = cls(f.text(d, "placeholder", where), type_, f.text(d, "value", where), salt)
        if "commitment" in d and not opening.verifies(str(d["commitment"])):
            raise FormatError(f"{where}.commitment: does not match the value and salt")
        return opening


@dataclass(frozen=True)
class Redaction:
    """Redacted text, its spans, and (not serialised, not compared) the openings."""

    text: str
    spans: tuple[RedactedSpan, ...]
    openings: tuple[Opening, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REDACTION_SCHEMA,
            "text": self.text,
            "spans": [s.to_dict() for s in self.spans],
        }


class Redactor:
    """Numbers placeholders per type and reuses one salt per (type, value) across many texts.

    One redactor per report, so ``[REDACTED:email#2]`` means the same address in the summary
    and in the timeline.
    """

    def __init__(self, org_domains: Iterable[str] = (), types: Iterable[str] | None = None) -> None:
        self.org_domains = tuple(org_domains)
        self.types = frozenset(SENSITIVE_TYPES if types is None else types)
        unknown = self.types - set(SENSITIVE_TYPES)
        if unknown:
            raise ValueError(f"unknown redaction type {sorted(unknown)[0]!r}")
        self._seen: dict[tuple[str, str], Opening] = {}
        self._counts: dict[str, int] = {}

    @property
    def openings(self) -> tuple[Opening, ...]:
        return tuple(self._seen.values())

    def _opening(self, type_: str, value: str) -> Opening:
        key = (type_, value)
        if key not in self._seen:
            n = self._counts.get(type_, 0) + 1
            self._counts[type_] = n
            placeholder = f"[REDACTED:{type_}#{n}]"
            self._seen[key] = Opening(placeholder, type_, value, secrets.token_bytes(SALT_BYTES))
        return self._seen[key]

    def redact(self, text: str) -> Redaction:
        detections = [d for d in detect(text, self.org_domains) if d.type in self.types]
        return self.apply(text, detections)

    def apply(self, text: str, detections: list[Detection]) -> Redaction:
        parts: list[str] = []
        spans: list[RedactedSpan] = []
        used: dict[str, Opening] = {}
        pos = 0
        for d in sorted(detections, key=lambda d: d.start):
            if d.start < pos:
                raise ValueError("detections overlap")
            op = self._opening(d.type, text[d.start : d.end])
            used[op.placeholder] = op
            parts += [text[pos : d.start], op.placeholder]
            spans.append(RedactedSpan(d.start, d.end, d.type, op.placeholder, op.commitment))
            pos = d.end
        parts.append(text[pos:])
        return Redaction("".join(parts), tuple(spans), tuple(used.values()))


def redact(
    text: str, *, org_domains: Iterable[str] = (), types: Iterable[str] | None = None
) -> Redaction:
    """Redact ``text``: placeholders, spans into the original, salted commitments.

    ``org_domains`` marks your own domains internal (``gpu-1.lab-a.com`` then goes too);
    ``types`` restricts what is redacted (default: every type in ``SENSITIVE_TYPES``).
    """
    return Redactor(org_domains, types).redact(text)
