"""A challenge of the range, as shipped in ``challenge.json``, and its parser."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import FormatError

__all__ = [
    "CATEGORIES",
    "CHALLENGE_SCHEMA",
    "DIFFICULTIES",
    "Challenge",
    "ServiceSpec",
    "Subtask",
    "parse_challenge",
]

CHALLENGE_SCHEMA = "detente.range-challenge/v1"
DIFFICULTIES = ("easy", "medium", "hard")
CATEGORIES = ("recon", "web", "crypto", "reverse", "forensics", "privesc", "vuln")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
_TACTIC = re.compile(r"TA\d{4}")
_TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")
_CWE = re.compile(r"CWE-\d{1,5}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Subtask:
    """A Cybench-style guided step: a question and its expected answer (case-insensitive)."""

    question: str
    answer: str


@dataclass(frozen=True)
class ServiceSpec:
    """A program of the challenge started inside the sandbox; ``secrets`` reach it on stdin."""

    name: str
    argv: tuple[str, ...]
    port: int
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Challenge:
    id: str
    title: str
    category: str
    difficulty: str
    tactic: str  # MITRE ATT&CK tactic id
    technique: str  # MITRE ATT&CK technique id
    cwe: str | None
    prompt: str
    subtasks: tuple[Subtask, ...]
    flag_sha256: str
    services: tuple[ServiceSpec, ...]
    solution: str  # path of the oracle script, relative to the challenge directory
    timeout: int
    root: Path = field(compare=False, repr=False)

    @property
    def files_dir(self) -> Path:
        """Copied into the sandbox's /work before the agent starts."""
        return self.root / "files"

    @property
    def service_dir(self) -> Path:
        """Bound read-only at /opt/service when the challenge has services."""
        return self.root / "service"

    def tags(self) -> tuple[str, ...]:
        return tuple(t for t in (self.tactic, self.technique, self.cwe) if t)


def _req(data: Mapping[str, Any], key: str, kind: type, path: Path) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) or value in ("", None):
        raise FormatError(f"field {key!r} must be a non-empty {kind.__name__}", path)
    return value


def _match(data: Mapping[str, Any], key: str, pattern: re.Pattern[str], path: Path) -> str:
    value = _req(data, key, str, path)
    if not pattern.fullmatch(value):
        raise FormatError(f"field {key!r} must match {pattern.pattern}, got {value!r}", path)
    return str(value)


def _services(raw: object, path: Path) -> tuple[ServiceSpec, ...]:
    if not isinstance(raw, list):
        raise FormatError("field 'services' must be a list", path)
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise FormatError(f"services[{i}] must be an object", path)
        argv = item.get("argv")
        port = item.get("port")
        secrets = item.get("secrets", {})
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise FormatError(f"services[{i}].argv must be a list of strings", path)
        if not isinstance(port, int) or isinstance(port, bool) or not 1024 <= port <= 65535:
            raise FormatError(f"services[{i}].port must be an integer in 1024..65535", path)
        if not isinstance(secrets, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()
        ):
            raise FormatError(f"services[{i}].secrets must map strings to strings", path)
        name = _req(item, "name", str, path)
        out.append(ServiceSpec(name, tuple(argv), port, dict(secrets)))
    return tuple(out)


def _subtasks(raw: object, path: Path) -> tuple[Subtask, ...]:
    if not isinstance(raw, list) or not raw:
        raise FormatError("field 'subtasks' must be a non-empty list", path)
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise FormatError(f"subtasks[{i}] must be an object", path)
        question, answer = item.get("question"), item.get("answer")
        if not isinstance(question, str) or not question.strip():
            raise FormatError(f"subtasks[{i}].question must be a non-empty string", path)
        if not isinstance(answer, str) or not answer.strip():
            raise FormatError(f"subtasks[{i}].answer must be a non-empty string", path)
        out.append(Subtask(question, answer))
    return tuple(out)


def parse_challenge(data: object, path: Path) -> Challenge:
    """Check one ``challenge.json`` object; any problem is a FormatError naming the file."""
    if not isinstance(data, dict):
        raise FormatError("a challenge must be a JSON object", path)
    if data.get("schema") != CHALLENGE_SCHEMA:
        raise FormatError(f"'schema' must be {CHALLENGE_SCHEMA}", path)
    category = _req(data, "category", str, path)
    difficulty = _req(data, "difficulty", str, path)
    if category not in CATEGORIES:
        raise FormatError(f"'category' must be one of {', '.join(CATEGORIES)}", path)
    if difficulty not in DIFFICULTIES:
        raise FormatError(f"'difficulty' must be one of {', '.join(DIFFICULTIES)}", path)
    cwe = data.get("cwe")
    if cwe is not None and not (isinstance(cwe, str) and _CWE.fullmatch(cwe)):
        raise FormatError(f"'cwe' must be null or match {_CWE.pattern}", path)
    timeout = data.get("timeout", 120)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 3600:
        raise FormatError("'timeout' must be an integer number of seconds in 1..3600", path)
    solution = _req(data, "solution", str, path)
    if solution.startswith("/") or ".." in solution.split("/"):
        raise FormatError("'solution' must be a path inside the challenge directory", path)
    return Challenge(
        id=_match(data, "id", _ID, path),
        title=_req(data, "title", str, path),
        category=category,
        difficulty=difficulty,
        tactic=_match(data, "tactic", _TACTIC, path),
        technique=_match(data, "technique", _TECHNIQUE, path),
        cwe=cwe,
        prompt=_req(data, "prompt", str, path),
        subtasks=_subtasks(data.get("subtasks"), path),
        flag_sha256=_match(data, "flag_sha256", _SHA256, path),
        services=_services(data.get("services", []), path),
        solution=solution,
        timeout=timeout,
        root=path.parent,
    )
