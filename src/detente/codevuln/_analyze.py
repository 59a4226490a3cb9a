"""The detector's entry point: run the analyser for a language, attach the catalog's facts.

The analysis is static only: the code is parsed (``ast.parse`` for Python, tree-sitter for C/C++
and JavaScript/TypeScript) and is never executed, evaluated or compiled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detente.codevuln._c import analyze_c
from detente.codevuln._js import analyze_js
from detente.codevuln._python import analyze_python
from detente.codevuln._rules import RULES, Raw
from detente.errors import FormatError, UsageError
from detente.taxonomy import Severity

__all__ = [
    "DETECTOR_ID",
    "Finding",
    "UnknownLanguageError",
    "analyze_code",
    "normalize_language",
]

DETECTOR_ID = "detente-codevuln/2"

_ALIASES: dict[str, str] = {
    "python": "python",
    "py": "python",
    "python3": "python",
    "py3": "python",
    "c": "c",
    "h": "c",
    "cpp": "c",
    "c++": "c",
    "cc": "c",
    "cxx": "c",
    "javascript": "javascript",
    "js": "javascript",
    "node": "javascript",
    "nodejs": "javascript",
    "jsx": "javascript",
    "typescript": "javascript",
    "ts": "javascript",
    "tsx": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
}

# JavaScript dialects parsed with their own tree-sitter grammar
_GRAMMARS = {"typescript": "typescript", "ts": "typescript", "tsx": "tsx"}
_GRAMMARS |= {"cpp": "cpp", "c++": "cpp", "cc": "cpp", "cxx": "cpp"}

_SNIPPET_MAX = 200


class UnknownLanguageError(UsageError, ValueError):
    """The language is not one the detector reads (a ValueError too, for older callers)."""


@dataclass(frozen=True)
class Finding:
    """One finding: the rule and its CWE, how bad, where (1-based line and column), why, and
    the offending line (trimmed, at most 200 characters) as evidence."""

    rule_id: str
    cwe: str
    severity: Severity
    line: int
    column: int
    message: str
    snippet: str

    def to_dict(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "cwe": self.cwe,
            "severity": str(self.severity),
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "snippet": self.snippet,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """The finding ``to_dict`` wrote; a FormatError names the first field that is wrong."""
        fields: dict[str, type] = {"rule_id": str, "cwe": str, "severity": str, "line": int}
        fields |= {"column": int, "message": str, "snippet": str}
        for name, kind in fields.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise FormatError(f"code finding: {name!r} must be a {kind.__name__}")
        try:
            severity = Severity.parse(data["severity"])
        except ValueError as exc:
            raise FormatError(f"code finding: {exc}") from None
        return cls(
            data["rule_id"],
            data["cwe"],
            severity,
            data["line"],
            data["column"],
            data["message"],
            data["snippet"],
        )


def normalize_language(language: str | None) -> str | None:
    """The canonical language for a name or alias ("py", "ts", "c++", ...), else None."""
    if not language:
        return None
    return _ALIASES.get(language.strip().lower())


def analyze_code(code: str, language: str) -> list[Finding]:
    """Findings for ``code`` in ``language``, sorted by line then rule; never runs the code.

    Raises :class:`UnknownLanguageError` only for an unknown language; any text (broken, binary-ish, huge)
    otherwise yields a list, possibly empty.

    >>> [f.cwe for f in analyze_code("import os\\nos.system('rm ' + x)\\n", "python")]
    ['CWE-78']
    """
    lang = normalize_language(language)
    if lang is None:
        raise UnknownLanguageError(
            f"unknown language: {language!r} (expected python, c or javascript)"
        )
    if "\x00" in code:
        code = code.replace("\x00", " ")
    try:
        raw = _raw(code, lang, _GRAMMARS.get(language.strip().lower(), ""))
    except (RecursionError, MemoryError):  # pathological nesting: report nothing, never raise
        raw = []
    lines = code.splitlines()
    seen: set[tuple[str, int]] = set()
    out: list[Finding] = []
    for rule_id, line, column, message in raw:
        if (rule_id, line) in seen:
            continue
        seen.add((rule_id, line))
        rule = RULES[rule_id]
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        snippet = text[:_SNIPPET_MAX]
        out.append(Finding(rule_id, rule.cwe, rule.severity, line, column, message, snippet))
    out.sort(key=lambda f: (f.line, f.rule_id))
    return out


def _raw(code: str, lang: str, grammar: str) -> list[Raw]:
    if lang == "python":
        return analyze_python(code)
    if lang == "c":
        return analyze_c(code, grammar or "c")
    return analyze_js(code, grammar or "javascript")
