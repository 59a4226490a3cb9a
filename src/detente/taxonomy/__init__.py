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

from typing import TYPE_CHECKING

from detente.taxonomy._severity import (
    SEVERITY_NAMES,
    Severity,
    counts_above,
    severities_above,
    severities_at_or_above,
    severity_counts,
)

if TYPE_CHECKING:
    from detente.taxonomy._atlas import Technique, atlas_data, atlas_technique, validate_atlas_ids
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

# The vocabularies (ATLAS, ATT&CK, CWE, OWASP) load on first use (PEP 562): severities are all that
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


_ATLAS = frozenset({"Technique", "atlas_data", "atlas_technique", "validate_atlas_ids"})


def __getattr__(name: str) -> object:
    if name in _VOCAB:
        from detente.taxonomy import _vocab

        return getattr(_vocab, name)
    if name in _ATLAS:
        from detente.taxonomy import _atlas

        return getattr(_atlas, name)
    raise AttributeError(f"module 'detente.taxonomy' has no attribute {name!r}")


ATLAS_VERSION = "5.6.0"
