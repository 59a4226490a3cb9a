"""Findings are data: what a scanner saw, where, how bad, and in which taxonomy.

A scanner never raises on what it finds in a file; it returns :class:`Finding` values.
It raises :class:`detente.errors.Error` only for problems with the *request* (a path that does
not exist). A file that cannot be fully analysed yields a finding with ``incomplete=True`` —
never silence, never "clean".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from detente.taxonomy import Severity

__all__ = ["Finding", "Location", "Severity"]


@dataclass(frozen=True)
class Location:
    """Where a finding is: a file, optionally a member inside an archive chain, a byte offset.

    ``members`` lists archive members from outermost to innermost, e.g.
    ``("archive/data.pkl",)`` for a torch zip, ``("inner.zip", "a/b.pkl")`` for nesting.
    """

    path: str
    members: tuple[str, ...] = ()
    offset: int | None = None

    def __str__(self) -> str:
        text = self.path + "".join(f"!{m}" for m in self.members)
        return text if self.offset is None else f"{text}@{self.offset}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "members": list(self.members), "offset": self.offset}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        return cls(str(data["path"]), tuple(data.get("members", ())), data.get("offset"))


@dataclass(frozen=True)
class Finding:
    """One thing a scanner reports.

    ``rule_id`` is stable and documented (e.g. ``DT-PICKLE-001``); ``evidence`` is the literal
    thing seen (a global name ``os.system``, a template snippet), truncated to a sane length;
    ``cwe`` holds ids like ``CWE-502``; ``atlas`` holds MITRE ATLAS technique ids validated against
    the shipped ATLAS data (e.g. ``AML.T0010.003``). ``incomplete`` marks "could not analyse this
    fully" (drives exit code 2).
    """

    rule_id: str
    severity: Severity
    message: str
    location: Location
    evidence: str = ""
    cwe: tuple[str, ...] = ()
    atlas: tuple[str, ...] = ()
    incomplete: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": str(self.severity),
            "message": self.message,
            "location": self.location.to_dict(),
            "evidence": self.evidence,
            "cwe": list(self.cwe),
            "atlas": list(self.atlas),
            "incomplete": self.incomplete,
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule_id=str(data["rule_id"]),
            severity=Severity.parse(str(data["severity"])),
            message=str(data["message"]),
            location=Location.from_dict(data["location"]),
            evidence=str(data.get("evidence", "")),
            cwe=tuple(data.get("cwe", ())),
            atlas=tuple(data.get("atlas", ())),
            incomplete=bool(data.get("incomplete", False)),
            extra=dict(data.get("extra", {})),
        )
