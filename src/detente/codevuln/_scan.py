"""Scanning source files: find them, tell their language, analyse, report (JSON, text, SARIF).

Languages come from the extension (``.py``, ``.c``/``.h``, ``.cc``/``.cpp``/``.hpp``,
``.js``/``.mjs``/``.cjs``/``.jsx``, ``.ts``/``.tsx``) or, for files without one, from a
shebang line or :func:`guess_language`. Binary files (a NUL byte in the first 8 KiB) and files
over :data:`MAX_FILE_BYTES` are skipped and listed as such. Files are read, never run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.codevuln._analyze import DETECTOR_ID, Finding, analyze_code
from detente.codevuln._markdown import guess_language
from detente.codevuln._rules import RULES
from detente.errors import FormatError, InputError
from detente.taxonomy import Severity

__all__ = [
    "MAX_FILE_BYTES",
    "CodeScanReport",
    "FileResult",
    "language_of",
    "scan_code_paths",
    "to_sarif",
    "to_text",
]

SCHEMA = "detente.code-scan/v1"
MAX_FILE_BYTES = 2_000_000
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_EXT = {".py": "python", ".pyw": "python", ".c": "c", ".h": "c"}
_EXT |= {".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp"}
_EXT |= {".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript"}
_EXT |= {".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx"}
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", "dist", "build"}
# SARIF 2.1.0 §3.27.10 result.level
_LEVEL = {"info": "note", "low": "note", "medium": "warning", "high": "error", "critical": "error"}
# GitHub code scanning reads rule.properties["security-severity"] (a CVSS-like score)
_SCORE = {"info": "0.0", "low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}


@dataclass(frozen=True)
class FileResult:
    """The findings in one file (``language`` as detected; ``skipped`` says why if not read)."""

    path: str
    language: str | None
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "language": self.language,
            "findings": [f.to_dict() for f in self.findings],
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileResult:
        if not isinstance(data.get("path"), str) or not isinstance(data.get("findings"), list):
            raise FormatError("code scan: a file entry needs a path and a findings list")
        return cls(
            data["path"],
            data.get("language"),
            tuple(Finding.from_dict(f) for f in data["findings"]),
            data.get("skipped"),
        )


@dataclass(frozen=True)
class CodeScanReport:
    """Every file looked at, in path order, with the detector that looked."""

    files: tuple[FileResult, ...]
    detector: str = DETECTOR_ID

    @property
    def findings(self) -> list[tuple[str, Finding]]:
        return [(r.path, f) for r in self.files for f in r.findings]

    def worst(self) -> Severity | None:
        return max((f.severity for _, f in self.findings), default=None)

    def exit_code(self, fail_on: Severity) -> int:
        """1 if a finding is at or above ``fail_on``, else 2 if no file could be read, else 0."""
        if any(f.severity >= fail_on for _, f in self.findings):
            return 1
        if self.files and all(r.skipped for r in self.files):
            return 2
        return 0

    def to_dict(self) -> dict[str, Any]:
        counts = {str(s): 0 for s in Severity}
        for _, f in self.findings:
            counts[str(f.severity)] += 1
        return {
            "schema": SCHEMA,
            "detector": self.detector,
            "files": [r.to_dict() for r in self.files],
            "summary": {
                "files": len(self.files),
                "skipped": sum(1 for r in self.files if r.skipped),
                "findings": len(self.findings),
                "by_severity": counts,
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeScanReport:
        if data.get("schema") != SCHEMA or not isinstance(data.get("files"), list):
            raise FormatError(f"not a {SCHEMA} report")
        return cls(tuple(FileResult.from_dict(f) for f in data["files"]), str(data["detector"]))


def language_of(path: Path, head: str) -> str | None:
    """The analyser language for a file: by extension, then shebang, then content."""
    lang = _EXT.get(path.suffix.lower())
    if lang is not None:
        return lang
    first = head.split("\n", 1)[0]
    if first.startswith("#!"):
        if "python" in first:
            return "python"
        if "node" in first or "deno" in first:
            return "javascript"
        return None
    return guess_language(head) if not path.suffix else None


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError("no such file or directory", p)
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                out.extend(Path(root) / n for n in sorted(names))
        else:
            out.append(p)
    return out


def _scan_file(path: Path, explicit: bool, min_severity: Severity) -> FileResult | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return FileResult(str(path), None, skipped=f"larger than {MAX_FILE_BYTES} bytes")
        data = path.read_bytes()
    except OSError as e:
        return FileResult(str(path), None, skipped=f"unreadable: {e.strerror or e}")
    if b"\x00" in data[:8192]:
        return FileResult(str(path), None, skipped="binary") if explicit else None
    text = data.decode("utf-8", "replace")
    lang = language_of(path, text[:4096])
    if lang is None:
        return FileResult(str(path), None, skipped="unknown language") if explicit else None
    found = tuple(f for f in analyze_code(text, lang) if f.severity >= min_severity)
    return FileResult(str(path), lang, found)


def scan_code_paths(paths: Iterable[Path], min_severity: Severity = Severity.LOW) -> CodeScanReport:
    """Scan files and directories (recursively, skipping VCS, virtualenv and build folders).

    A path that does not exist is an :class:`InputError`; a file that cannot be read or whose
    language is unknown is listed as skipped when named explicitly, silently left out when
    found inside a directory.
    """
    paths = list(paths)
    named = {p for p in paths if not p.is_dir()}
    results = [_scan_file(f, f in named, min_severity) for f in _files(paths)]
    return CodeScanReport(tuple(r for r in results if r is not None))


def to_text(report: CodeScanReport) -> str:
    lines = []
    for path, f in report.findings:
        lines.append(f"{path}:{f.line}:{f.column}: {f.severity} {f.rule_id} {f.cwe}: {f.message}")
        if f.snippet:
            lines.append(f"    {f.snippet}")
    for r in report.files:
        if r.skipped:
            lines.append(f"{r.path}: skipped ({r.skipped})")
    n = len(report.findings)
    read = sum(1 for r in report.files if not r.skipped)
    lines.append(
        f"{n} finding{'s' * (n != 1)} in {read} file{'s' * (read != 1)} ({report.detector})"
    )
    return "\n".join(lines)


def _sarif_rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    sev = str(rule.severity)
    cwe_num = rule.cwe.split("-", 1)[1]
    return {
        "id": rule.id,
        "name": rule.id.replace("-", "_"),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": f"{rule.title} ({rule.cwe}): {rule.description}."},
        "helpUri": f"https://cwe.mitre.org/data/definitions/{cwe_num}.html",
        "defaultConfiguration": {"level": _LEVEL[sev]},
        "properties": {
            "tags": ["security", rule.cwe, f"external/cwe/cwe-{cwe_num}"],
            "security-severity": _SCORE[sev],
            "precision": "high" if sev in {"high", "critical"} else "medium",
        },
    }


def to_sarif(report: CodeScanReport) -> dict[str, Any]:
    """SARIF 2.1.0 (OASIS, §3.13 sarifLog): ``rules[]`` from the catalog, one result a finding."""
    used = sorted({f.rule_id for _, f in report.findings})
    index = {rid: i for i, rid in enumerate(used)}
    results = []
    for path, f in report.findings:
        region = {"startLine": f.line, "startColumn": f.column, "snippet": {"text": f.snippet}}
        fingerprint = hashlib.sha256(f"{f.rule_id}|{path}|{f.snippet}".encode()).hexdigest()
        results.append(
            {
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": _LEVEL[str(f.severity)],
                "message": {"text": f"{f.message} ({f.cwe})"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": Path(path).as_posix()},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"detenteCode/v1": fingerprint[:32]},
                "properties": {"cwe": f.cwe, "severity": str(f.severity)},
            }
        )
    skipped = [r for r in report.files if r.skipped]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "detente-codevuln",
                        "semanticVersion": report.detector.rsplit("/", 1)[-1] + ".0.0",
                        "version": report.detector,
                        "rules": [_sarif_rule(r) for r in used],
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note", "message": {"text": f"{r.path}: {r.skipped}"}}
                            for r in skipped
                        ],
                    }
                ],
            }
        ],
    }
