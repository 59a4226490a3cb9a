"""ATT&CK, CWE and OWASP LLM Top 10 ids, validated against shipped, version-stamped data.

Built by ``scripts/build_incident_taxonomy.py``. CWE (list 4.14) and OWASP LLM Top 10 (2025)
are complete; ATT&CK is the subset MITRE ATLAS 5.6.0 references (no offline source of the
full catalogue): an ATT&CK id outside it is checked for form only, and :class:`Term` says so
(``known=False``) instead of pretending.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from detente.errors import InputError

__all__ = [
    "Term",
    "attack_term",
    "cwe_term",
    "owasp_llm_term",
    "validate_attack_ids",
    "validate_cwe_ids",
    "validate_owasp_llm_ids",
    "vocabulary_versions",
]

_ATTACK = re.compile(r"T\d{4}(?:\.\d{3})?|TA\d{4}")
_CWE = re.compile(r"CWE-[1-9]\d{0,5}")
_OWASP = re.compile(r"LLM(?:0[1-9]|10):2025")


@dataclass(frozen=True)
class Term:
    """One id of a shared vocabulary: its name when the shipped data knows it."""

    vocabulary: str
    id: str
    name: str | None
    known: bool


@cache
def _data(name: str) -> dict[str, Any]:
    from importlib import resources  # lazy: most commands never read a vocabulary

    raw = resources.files("detente.taxonomy").joinpath(f"data/{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def vocabulary_versions() -> dict[str, str]:
    """The version of each shipped vocabulary, for a report's provenance."""
    return {
        "attack": _data("attack")["version"],
        "cwe": _data("cwe")["version"],
        "owasp_llm": _data("owasp_llm")["version"],
    }


def attack_term(ident: str) -> Term:
    """An ATT&CK technique (``T1059``, ``T1583.001``) or tactic (``TA0043``) id."""
    if not isinstance(ident, str) or not _ATTACK.fullmatch(ident):
        raise InputError(
            f"malformed MITRE ATT&CK id {ident!r} (expected T1234, T1234.001 or TA0001)"
        )
    data = _data("attack")
    entry = data["tactics" if ident.startswith("TA") else "techniques"].get(ident)
    if entry is None:
        return Term("attack", ident, None, known=False)
    return Term("attack", ident, entry["name"], known=True)


def cwe_term(ident: str) -> Term:
    """A CWE id (``CWE-79``) that exists in CWE list 4.14."""
    if not isinstance(ident, str) or not _CWE.fullmatch(ident):
        raise InputError(f"malformed CWE id {ident!r} (expected CWE-<number>)")
    entry = _data("cwe")["entries"].get(ident)
    if entry is None:
        raise InputError(f"unknown CWE id {ident!r} (not in CWE list {_data('cwe')['version']})")
    return Term("cwe", ident, entry["name"], known=True)


def owasp_llm_term(ident: str) -> Term:
    """An OWASP Top 10 for LLM Applications 2025 id (``LLM01:2025`` … ``LLM10:2025``)."""
    if not isinstance(ident, str) or not _OWASP.fullmatch(ident):
        raise InputError(
            f"unknown OWASP LLM Top 10 2025 id {ident!r} (expected LLM01:2025…LLM10:2025)"
        )
    return Term("owasp_llm", ident, _data("owasp_llm")["entries"][ident], known=True)


def validate_attack_ids(ids: Iterable[str]) -> None:
    """Raise :class:`InputError` naming the first malformed ATT&CK id."""
    for i in ids:
        attack_term(i)


def validate_cwe_ids(ids: Iterable[str]) -> None:
    """Raise :class:`InputError` naming the first id that is not in the shipped CWE list."""
    for i in ids:
        cwe_term(i)


def validate_owasp_llm_ids(ids: Iterable[str]) -> None:
    """Raise :class:`InputError` naming the first id that is not an OWASP LLM 2025 id."""
    for i in ids:
        owasp_llm_term(i)
