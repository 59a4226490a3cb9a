"""The status rule: what the verified log says about a digest. Pure over verified entries.

Precedence: a revocation of the digest wins (``revoked``); else an advisory naming it
(``flagged``); else a release naming it is ``current`` unless a later release of the same
model in the same namespace carries another version (``outdated``); a digest no release
names is ``unknown``. Entries reach this function only after the client verified their
inclusion and their signature by a key of their namespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from detente.attest import Statement
from detente.registry._policy import KINDS, subjects_of

__all__ = ["EXIT_CODES", "STATUSES", "Status", "VerifiedEntry", "status_of"]

StatusName = Literal["current", "unknown", "outdated", "flagged", "revoked"]
STATUSES: tuple[StatusName, ...] = ("current", "unknown", "outdated", "flagged", "revoked")
# Status -> exit code (detente check). 1 stays "a check failed": the log misbehaved.
EXIT_CODES: dict[str, int] = {"current": 0, "unknown": 4, "outdated": 5, "flagged": 6, "revoked": 7}


@dataclass(frozen=True)
class VerifiedEntry:
    """A log entry whose inclusion and signature the client verified."""

    index: int
    namespace: str
    statement: Statement

    @property
    def kind(self) -> str:
        return KINDS.get(self.statement.predicate_type, "attestation")

    @property
    def subjects(self) -> tuple[str, ...]:
        return subjects_of(self.statement)


@dataclass(frozen=True)
class Status:
    """A digest's status in the log, with the reasons and the entries it rests on."""

    status: StatusName
    digest: str
    checkpoint_size: int
    reasons: tuple[str, ...] = ()
    release: dict[str, Any] | None = None
    latest_version: str | None = None
    entries: tuple[int, ...] = ()

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "digest": self.digest,
            "checkpoint_size": self.checkpoint_size,
            "reasons": list(self.reasons),
            "release": self.release,
            "latest_version": self.latest_version,
            "entries": list(self.entries),
        }


def _flags(digest: str, about: Sequence[VerifiedEntry]) -> tuple[StatusName | None, list[str]]:
    revoked = [
        e for e in about if e.kind == "revocation" and e.statement.predicate.get("digest") == digest
    ]
    if revoked:
        return "revoked", [
            f"revoked (entry {e.index}, severity {p.get('severity')}): {p.get('reason')}"
            for e in revoked
            for p in [e.statement.predicate]
        ]
    flagged = [
        e
        for e in about
        if e.kind == "advisory" and digest in (e.statement.predicate.get("affected") or [])
    ]
    return ("flagged" if flagged else None), [
        f"advisory (entry {e.index}, severity {p.get('severity')}): {p.get('summary')}; "
        f"fixed in {p.get('fixed_version')}"
        for e in flagged
        for p in [e.statement.predicate]
    ]


def status_of(
    digest: str, verified_entries: Sequence[VerifiedEntry], *, checkpoint_size: int = 0
) -> Status:
    """The status of ``digest`` given the verified entries about it and the verified release
    entries of the namespaces of its releases (any order; other entries are ignored)."""
    entries = sorted({e.index: e for e in verified_entries}.values(), key=lambda e: e.index)
    about = [e for e in entries if digest in e.subjects]
    flag, reasons = _flags(digest, about)
    releases = [e for e in about if e.kind == "release"]
    indexes = tuple(e.index for e in about)
    if not releases:
        if flag is None:
            reasons.append("no release in the log names this digest")
        return Status(flag or "unknown", digest, checkpoint_size, tuple(reasons), entries=indexes)
    first = releases[0]
    pred = first.statement.predicate
    name, version = pred.get("name"), pred.get("version")
    release = {"index": first.index, "namespace": first.namespace, "name": name, "version": version}
    lineage = [
        e
        for e in entries
        if e.kind == "release"
        and e.namespace == first.namespace
        and e.statement.predicate.get("name") == name
    ]
    latest = lineage[-1]
    latest_version = str(latest.statement.predicate.get("version"))
    if flag is not None:
        return Status(flag, digest, checkpoint_size, tuple(reasons), release, entries=indexes)
    if latest.index > first.index and latest_version != version:
        reasons.append(f"a newer release {latest_version} is in the log (entry {latest.index})")
        return Status(
            "outdated", digest, checkpoint_size, tuple(reasons), release, latest_version, indexes
        )
    reasons.append(f"release {version} of {first.namespace}/{name} (entry {first.index})")
    return Status("current", digest, checkpoint_size, tuple(reasons), release, entries=indexes)
