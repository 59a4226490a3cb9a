"""The monitor policy as data (TOML, ``schema = "detente.monitor-policy/v1"``).

A policy names sinks (tool-name globs per kind), critical argument names, trusted tools and an
ordered list of rules. Each rule has an id, a built-in ``check`` (the catalogue is
:data:`CHECKS`), an action (allow / block / ask), a severity, MITRE ATLAS ids (validated
against :mod:`detente.taxonomy`) and ATT&CK ids (checked for form: ``T1234`` or ``T1234.001``).
User policies are merged over the shipped default: a rule with the same id replaces ours.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from detente.errors import FormatError, InputError
from detente.taxonomy import validate_atlas_ids

__all__ = ["CHECKS", "Action", "Policy", "Rule", "default_policy", "load_policy", "parse_policy"]

SCHEMA = "detente.monitor-policy/v1"
CHECKS = (
    "injected-call",
    "data-directed-call",
    "unrequested-action",
    "injection-halt",
    "sink-after-injection",
    "untrusted-critical-arg",
    "malformed-call",
    "shell",
    "secret-outbound",
    "pii-outbound",
    "path-outside-task",
    "code-vuln",
    "tool-deny",
    "arg-pattern",
)
_READ_VERBS = frozenset(
    ["get", "read", "list", "search", "find", "query", "lookup", "view", "show", "count"]
)
SHELL_CATEGORIES = (
    "download-exec",
    "reverse-shell",
    "persistence",
    "destructive",
    "credential-access",
)
SEVERITIES = ("info", "low", "medium", "high", "critical")
_ATTACK_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")


class Action(StrEnum):
    ALLOW = "allow"
    ASK = "ask"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return {"allow": 0, "ask": 1, "block": 2}[self.value]


@dataclass(frozen=True)
class Rule:
    id: str
    check: str
    action: Action
    severity: str
    description: str = ""
    atlas: tuple[str, ...] = ()
    attack: tuple[str, ...] = ()
    enabled: bool = True
    category: str = ""  # shell category
    tools: tuple[str, ...] = ()  # tool-deny / arg-pattern: tool-name globs
    args: tuple[str, ...] = ()  # arg-pattern: argument-name globs
    pattern: str = ""  # arg-pattern: a regular expression searched in the argument values

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "action": self.action.value,
            "severity": self.severity,
            "description": self.description,
            "atlas": list(self.atlas),
            "attack": list(self.attack),
        }


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    sinks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    critical_args: tuple[str, ...] = ()
    trusted_tools: tuple[str, ...] = ()
    task_dir: str = ""
    # Memo of sink_kind per tool name (the globs never change: the policy is frozen).
    _kinds: dict[str, str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def sink_kind(self, tool: str) -> str | None:
        if tool in self._kinds:
            return self._kinds[tool]
        low = tool.lower()
        # A wildcard glob does not make a reader a sink: "*message*" is meant for
        # send_direct_message, not read_channel_messages (an exact name still does: get_webpage).
        reader = low.split("_", 1)[0] in _READ_VERBS
        kind = next(
            (
                k
                for k, globs in self.sinks.items()
                if any(fnmatch.fnmatchcase(low, g) for g in globs if not (reader and "*" in g))
            ),
            None,
        )
        if len(self._kinds) < 4096:
            self._kinds[tool] = kind
        return kind

    def is_critical(self, arg_path: str) -> bool:
        leaf = arg_path.rsplit(".", 1)[-1].lower()
        return any(fnmatch.fnmatchcase(leaf, g) for g in self.critical_args)

    def is_trusted(self, tool: str) -> bool:
        return any(fnmatch.fnmatchcase(tool.lower(), g) for g in self.trusted_tools)

    def enabled_rules(self, check: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled and r.check == check)

    def merged(self, other: Policy) -> Policy:
        """``other`` over this policy: its rules replace ours by id, its settings win if set."""
        ids = {r.id for r in other.rules}
        return replace(
            self,
            name=other.name,
            rules=tuple(r for r in self.rules if r.id not in ids) + other.rules,
            sinks={**self.sinks, **other.sinks},
            critical_args=tuple(dict.fromkeys(self.critical_args + other.critical_args)),
            trusted_tools=tuple(dict.fromkeys(self.trusted_tools + other.trusted_tools)),
            task_dir=other.task_dir or self.task_dir,
        )


def _strs(v: object, where: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise FormatError(f"{where}: expected a list of strings")
    return tuple(v)


def _rule(raw: object, where: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise FormatError(f"{where}: not a table")
    rid, check = raw.get("id"), raw.get("check")
    if not isinstance(rid, str) or not rid:
        raise FormatError(f"{where}: rule without an id")
    if check not in CHECKS:
        raise FormatError(f"{where} ({rid}): unknown check {check!r}; known: {', '.join(CHECKS)}")
    try:
        action = Action(raw.get("action", "block"))
    except ValueError:
        raise FormatError(f"{where} ({rid}): action must be allow, ask or block") from None
    severity = raw.get("severity", "high")
    if severity not in SEVERITIES:
        raise FormatError(f"{where} ({rid}): severity must be one of {', '.join(SEVERITIES)}")
    atlas = _strs(raw.get("atlas"), f"{where}.atlas")
    try:
        validate_atlas_ids(atlas)
    except InputError as exc:
        raise FormatError(f"{where} ({rid}): {exc}") from None
    attack = _strs(raw.get("attack"), f"{where}.attack")
    bad = [a for a in attack if not _ATTACK_ID.match(a)]
    if bad:
        raise FormatError(f"{where} ({rid}): not an ATT&CK technique id: {bad[0]!r}")
    category = str(raw.get("category", ""))
    if check == "shell" and category not in SHELL_CATEGORIES:
        raise FormatError(f"{where} ({rid}): shell category must be one of {SHELL_CATEGORIES}")
    pattern = str(raw.get("pattern", ""))
    if check == "arg-pattern":
        try:
            re.compile(pattern)
        except re.error as exc:
            raise FormatError(f"{where} ({rid}): bad pattern: {exc}") from None
    return Rule(
        rid,
        str(check),
        action,
        str(severity),
        str(raw.get("description", "")),
        atlas,
        attack,
        bool(raw.get("enabled", True)),
        category,
        _strs(raw.get("tools"), f"{where}.tools"),
        _strs(raw.get("args"), f"{where}.args"),
        pattern,
    )


def parse_policy(data: Mapping[str, object], where: str = "policy") -> Policy:
    if data.get("schema", SCHEMA) != SCHEMA:
        raise FormatError(f"{where}: schema must be {SCHEMA!r}")
    rules_raw = data.get("rules", [])
    if not isinstance(rules_raw, list):
        raise FormatError(f"{where}: rules must be an array of tables ([[rules]])")
    rules = tuple(_rule(r, f"{where}.rules[{i}]") for i, r in enumerate(rules_raw))
    dup = {r.id for r in rules if sum(x.id == r.id for x in rules) > 1}
    if dup:
        raise FormatError(f"{where}: duplicate rule id {sorted(dup)[0]}")
    sinks: dict[str, tuple[str, ...]] = {}
    sinks_raw = data.get("sinks", [])
    if not isinstance(sinks_raw, list):
        raise FormatError(f"{where}: sinks must be an array of tables ([[sinks]])")
    for i, s in enumerate(sinks_raw):
        if not isinstance(s, Mapping) or not isinstance(s.get("kind"), str):
            raise FormatError(f"{where}.sinks[{i}]: needs a kind")
        sinks[s["kind"]] = sinks.get(s["kind"], ()) + _strs(s.get("tools"), f"{where}.sinks[{i}]")
    crit = data.get("critical_args", {})
    names = crit.get("names") if isinstance(crit, Mapping) else None
    task_dir = data.get("task_dir", "")
    return Policy(
        str(data.get("name", "unnamed")),
        rules,
        sinks,
        _strs(names, f"{where}.critical_args.names"),
        _strs(data.get("trusted_tools"), f"{where}.trusted_tools"),
        task_dir if isinstance(task_dir, str) else "",
    )


@cache
def default_policy() -> Policy:
    raw = resources.files("detente.monitor").joinpath("data/default-policy.toml").read_text("utf-8")
    return parse_policy(tomllib.loads(raw), "default-policy.toml")


def load_policy(path: str | Path | None) -> Policy:
    """The default policy, with the user's TOML file merged over it when given."""
    if path is None:
        return default_policy()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read policy: {exc.strerror}", p) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"not valid TOML: {exc}", p) from None
    return default_policy().merged(parse_policy(data, str(p)))
