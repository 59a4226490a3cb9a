"""AI bills of materials for a model: CycloneDX 1.6 ML-BOM and SPDX 3.0.1 AI profile.

Example::

    from detente.bom import cyclonedx_bom, spdx_bom, verify_bom
    doc = cyclonedx_bom("path/to/model", evidence="path/to/model.evidence")
    check = verify_bom("path/to/model", "model.cdx.json")   # check.ok, check.problems
    assert check_spdx(spdx_bom("path/to/model")) == []         # SPDX 3.0.1 model + our rules

Both formats state the same facts (:func:`gather_facts`): the OMS root digest and each file's
digest, the tensor digest, model parameters read from the tensor headers, scan findings, and
references to the signature and attestations in the evidence directory. A sweep writes one BOM
per model from its own manifest and findings (:func:`write_sweep_boms`), without rehashing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from detente.bom._cyclonedx import cyclonedx_from_facts
from detente.bom._facts import EvidenceRef, Metric, ModelFacts, gather_facts
from detente.bom._spdx import spdx_from_facts
from detente.bom._spdx_check import check_spdx, spdx_structure_problems
from detente.bom._sweep import (
    BOM_FORMATS,
    facts_from_sweep,
    safe_write_sweep_boms,
    write_sweep_boms,
)
from detente.bom._verify import BomCheck, BomClaims, compare_claims, read_bom_claims, verify_bom

__all__ = [
    "BOM_FORMATS",
    "BomCheck",
    "BomClaims",
    "EvidenceRef",
    "Metric",
    "ModelFacts",
    "check_spdx",
    "compare_claims",
    "cyclonedx_bom",
    "cyclonedx_from_facts",
    "facts_from_sweep",
    "gather_facts",
    "read_bom_claims",
    "safe_write_sweep_boms",
    "spdx_bom",
    "spdx_from_facts",
    "spdx_structure_problems",
    "verify_bom",
    "write_sweep_boms",
]


def cyclonedx_bom(
    model: str | Path, *, evidence: str | Path | None = None, timestamp: datetime | None = None
) -> dict[str, Any]:
    """CycloneDX 1.6 JSON (as a dict) for the model at ``model``."""
    return cyclonedx_from_facts(gather_facts(model, evidence), timestamp=timestamp)


def spdx_bom(
    model: str | Path, *, evidence: str | Path | None = None, timestamp: datetime | None = None
) -> dict[str, Any]:
    """SPDX 3.0.1 JSON-LD (as a dict) with the AI profile for the model at ``model``."""
    return spdx_from_facts(gather_facts(model, evidence), timestamp=timestamp)
