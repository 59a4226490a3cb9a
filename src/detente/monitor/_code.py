"""Generated code in a call (a file the agent writes, a script it runs) through detente.codevuln.

``detente.codevuln`` is imported lazily through its public API (``analyze_code``,
``guess_language``); until that package exists in this installation, :data:`CODEVULN_AVAILABLE`
is False and the check reports nothing (the monitor's report says so).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from types import ModuleType

from detente.errors import MissingDependency
from detente.monitor._trace import JSON

__all__ = ["code_findings", "codevuln_available"]

_EXT = {
    ".py": "python",
    ".c": "c",
    ".h": "c",
    ".cpp": "c",
    ".js": "javascript",
    ".ts": "javascript",
    ".mjs": "javascript",
}
_SEVERE_MIN_LEN = 20


@cache
def _codevuln() -> ModuleType | None:
    try:
        return importlib.import_module("detente.codevuln")
    except ImportError:
        return None


def codevuln_available() -> bool:
    return _codevuln() is not None


def _language(args: Mapping[str, JSON], code: str, cv: ModuleType) -> str | None:
    for key in ("language", "lang"):
        v = args.get(key)
        if isinstance(v, str) and v:
            return v
    for v in args.values():
        if isinstance(v, str):
            for ext, lang in _EXT.items():
                if v.lower().endswith(ext) and len(v) < 400:
                    return lang
    guessed = cv.guess_language(code)
    return guessed if isinstance(guessed, str) else None


def code_findings(code: str, args: Mapping[str, JSON]) -> list[str]:
    """One line per weakness in ``code`` ("CWE-78 line 3: ..."); empty when unchecked."""
    cv = _codevuln()
    if cv is None or len(code) < _SEVERE_MIN_LEN or ("\n" not in code and len(code) < 80):
        return []
    lang = _language(args, code, cv)
    if lang is None:
        return []
    try:
        findings = cv.analyze_code(code[:200_000], lang)
    except (ValueError, MissingDependency):
        # a language codevuln does not know (UnknownLanguageError), or its grammars are not
        # installed: unchecked, as when codevuln itself is missing
        return []
    return [
        f"{f.cwe} line {f.line}: {f.message}"
        for f in findings
        if str(f.severity) in ("high", "critical")
    ]
