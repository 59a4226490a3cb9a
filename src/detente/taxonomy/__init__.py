"""The shared vocabulary: severities, MITRE ATLAS techniques (shipped subset, version-stamped)
and CWE ids.

Example::

    from detente.taxonomy import Severity, severity_counts, counts_above
    counts = severity_counts(report.findings)      # {"info": 0, ..., "critical": 1}
    counts_above(counts, "high")                    # {"critical": 1}

Every ATLAS id the package emits is validated against the shipped data (a test enforces it),
so a report never cites a technique that does not exist in the version it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from detente.errors import InputError
from detente.taxonomy._severity import (
    SEVERITY_NAMES,
    Severity,
    counts_above,
    severities_above,
    severities_at_or_above,
    severity_counts,
)

if TYPE_CHECKING:
    from detente.taxonomy._vocab import (
        Term,
        attack_term,
        cwe_term,
        owasp_llm_term,
        validate_attack_ids,
        validate_cwe_ids,
        validate_owasp_llm_ids,
        vocabulary_versions,
    )

# The vocabularies (ATT&CK, CWE, OWASP) load on first use (PEP 562): severities are all that
# ``detente scan`` needs, and its start-up is the whole cost of scanning a torch zip (issue 16).
_VOCAB = frozenset({"Term", "attack_term", "cwe_term", "owasp_llm_term", "validate_attack_ids",
                    "validate_cwe_ids", "validate_owasp_llm_ids", "vocabulary_versions"})  # fmt: skip

__all__ = [
    "ATLAS_VERSION",
    "SEVERITY_NAMES",
    "Severity",
    "Technique",
    "Term",
    "atlas_data",
    "atlas_technique",
    "attack_term",
    "counts_above",
    "cwe_term",
    "owasp_llm_term",
    "severities_above",
    "severities_at_or_above",
    "severity_counts",
    "validate_atlas_ids",
    "validate_attack_ids",
    "validate_cwe_ids",
    "validate_owasp_llm_ids",
    "vocabulary_versions",
]


def __getattr__(name: str) -> object:
    if name in _VOCAB:
        from detente.taxonomy import _vocab

        return getattr(_vocab, name)
    raise AttributeError(f"module 'detente.taxonomy' has no attribute {name!r}")


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactics: tuple[str, ...]
    parent: str | None


@cache
def atlas_data() -> dict[str, Any]:
    from importlib import resources  # lazy: the scan path never reads ATLAS data

    raw = resources.files("detente.taxonomy").joinpath("data/atlas.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


ATLAS_VERSION = "5.6.0"


def atlas_technique(technique_id: str) -> Technique:
    t = atlas_data()["techniques"].get(technique_id)
    if t is None:
        raise InputError(
            f"unknown MITRE ATLAS {atlas_data()['version']} technique {technique_id!r}"
        )
    tactics = t["tactics"] or (
        atlas_data()["techniques"][t["parent"]]["tactics"] if t["parent"] else []
    )
    return Technique(technique_id, t["name"], tuple(tactics), t["parent"])


def validate_atlas_ids(ids: Any) -> None:
    """Raise :class:`InputError` naming the first id that is not an ATLAS technique."""
    for i in ids:
        atlas_technique(i)
