"""Reading incident files strictly (each error names the file) and writing them atomically.

Every command that writes does so only after everything it needs has been read and checked,
so a malformed report, package or key leaves nothing behind (exit 2, nothing written).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from detente.attest import Statement, parse_bundle
from detente.errors import FormatError, InputError, PayloadTypeError
from detente.incidents._report import IncidentReport
from detente.incidents._sign import INCIDENT_PREDICATE_TYPE, report_digest

__all__ = [
    "incident_summaries",
    "incidents_naming",
    "read_json",
    "read_report",
    "report_in_bundle",
    "write_files",
]

MAX_FILE = 64 << 20


def read_json(path: str | Path) -> Any:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE:
            raise FormatError(f"larger than {MAX_FILE} bytes", p)
        return json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", p) from None
    except (ValueError, RecursionError) as exc:
        raise FormatError(f"not JSON: {exc}", p) from None


def read_report(path: str | Path) -> IncidentReport:
    """A ``detente.incident/v1`` JSON file."""
    try:
        return IncidentReport.from_dict(read_json(path))
    except FormatError as exc:
        raise FormatError(exc.problem, path) from None


def report_in_bundle(bundle: Any, path: str | Path = "bundle") -> IncidentReport:
    """The report a signed bundle carries, WITHOUT checking the signature (the signer's own
    copy); anyone else uses :func:`verify_report`."""
    try:
        parsed = parse_bundle(bundle)
        statement = Statement.from_dict(json.loads(parsed.payload))
        if statement.predicate_type != INCIDENT_PREDICATE_TYPE:
            raise PayloadTypeError(
                f"predicateType is {statement.predicate_type!r}, not an incident"
            )
        return IncidentReport.from_dict(statement.predicate)
    except (ValueError, RecursionError):
        raise FormatError("signed payload is not JSON", path) from None
    except InputError as exc:
        raise type(exc)(exc.problem, path) from None


def incidents_naming(statements: Iterable[Statement], digest: str) -> tuple[IncidentReport, ...]:
    """The incident reports among ``statements`` (verified log entries) that name ``digest``.

    Pure: the caller verified inclusion and signatures (``RegistryClient.verified_entries``);
    an entry whose report does not parse, or whose subject does not match its report, is
    skipped rather than trusted.
    """
    out = []
    for st in statements:
        if st.predicate_type != INCIDENT_PREDICATE_TYPE:
            continue
        try:
            report = IncidentReport.from_dict(st.predicate)
        except FormatError:
            continue
        own = [s for s in st.subjects if s.name == f"incident:{report.id}"]
        if len(own) != 1 or own[0].digest.get("sha256") != report_digest(report)[7:]:
            continue
        if digest in report.model_digests():
            out.append(report)
    return tuple(out)


def write_files(files: Iterable[tuple[Path, bytes, int]], *, overwrite: bool = False) -> None:
    """Write every ``(path, data, mode)`` or none: refuse existing files first, then write each
    through a temporary file and a rename."""
    items = list(files)
    for path, _data, _mode in items:
        if path.exists() and not overwrite:
            raise InputError("refusing to overwrite an existing file", path)
    for path, data, mode in items:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class _LogEntry(Protocol):
    """A verified log entry (``detente.registry.VerifiedEntry``): only its statement is read."""

    @property
    def statement(self) -> Statement: ...


def incident_summaries(entries: Iterable[_LogEntry], digest: str) -> list[dict[str, str]]:
    """One line of facts per incident that names ``digest`` among verified log entries, for
    ``detente check``: id, title, severity, determination, investigation status, reporter."""
    return [
        {
            "id": r.id,
            "title": r.title,
            "severity": str(r.severity),
            "determination": r.determination.value,
            "investigation_status": r.investigation_status.value,
            "reporter": r.reporter,
        }
        for r in incidents_naming((e.statement for e in entries), digest)
    ]
