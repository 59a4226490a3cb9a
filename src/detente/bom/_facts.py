"""Gather the facts a BOM states about a model: digests, header parameters, findings, evidence.

Gathering is the only impure step; the CycloneDX and SPDX renderers are pure functions of
:class:`ModelFacts`, so the same facts render identically in both formats.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from detente import __version__
from detente.artifacts import read_tensor_table, walk_model
from detente.attest import parse_bundle
from detente.errors import Error, InputError
from detente.evals import validate_scorecard
from detente.integrity import build_manifest
from detente.release import EVIDENCE_FILES, EvidenceDir
from detente.scan import scan_paths

if TYPE_CHECKING:
    from detente.integrity import Manifest
    from detente.scan import Finding

__all__ = ["EvidenceRef", "Metric", "ModelFacts", "gather_facts", "header_parameters"]

# Keys copied from a GGUF header into the model card (general.* plus the architecture's own).
_GGUF_KEYS = ("general.architecture", "general.name", "general.file_type", "general.license")
_GGUF_ARCH_SUFFIXES = ("context_length", "embedding_length", "block_count", "head_count")


@dataclass(frozen=True)
class EvidenceRef:
    """A file of the evidence directory that the BOM points to (signature, attestations)."""

    kind: str
    path: str
    sha256: str


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class ModelFacts:
    name: str
    manifest: Manifest
    parameters: dict[str, str]
    findings: tuple[Finding, ...]
    evidence: tuple[EvidenceRef, ...]
    metrics: tuple[Metric, ...]
    tool_version: str = __version__


def header_parameters(model: Path) -> dict[str, str]:
    """Model parameters read from tensor headers and config.json (never executing anything)."""
    params: dict[str, str] = {}
    count = 0
    dtypes: set[str] = set()
    formats: set[str] = set()
    files = walk_model(model).files
    for f in files:
        table = read_tensor_table(f.path)
        if table is None:
            continue
        formats.add(table.format)
        for t in table.tensors:
            dtypes.add(t.dtype)
            count += math.prod(t.shape)
        meta = table.metadata if table.format == "gguf" else {}
        arch = str(meta.get("general.architecture", ""))
        keys = _GGUF_KEYS + tuple(f"{arch}.{s}" for s in _GGUF_ARCH_SUFFIXES)
        params.update({k: str(meta[k]) for k in keys if k in meta})
    if formats:
        params.update(
            {"parameterCount": str(count), "dtypes": ",".join(sorted(dtypes))}
            | {"formats": ",".join(sorted(formats))}
        )
    config = next((f.path for f in files if f.name == "config.json"), None)
    if config is not None:
        try:
            doc = json.loads(config.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"config.json is not JSON: {exc}", config) from None
        if isinstance(doc, dict):
            archs = doc.get("architectures")
            if isinstance(archs, list) and archs:
                params["architectures"] = ",".join(str(a) for a in archs)
            if isinstance(doc.get("model_type"), str):
                params["model_type"] = doc["model_type"]
    return params


def _sha256_file(p: Path) -> str:

    return hashlib.sha256(p.read_bytes()).hexdigest()


def _metrics(evidence: EvidenceDir) -> tuple[Metric, ...]:
    """Rates from the scorecard attestation's predicate (structure only: `verify` checks trust)."""
    bundle = evidence.bundle("scorecard")
    if bundle is None:
        return ()
    try:
        statement = json.loads(parse_bundle(bundle).payload)
    except (Error, ValueError) as exc:
        raise InputError(
            f"scorecard attestation unreadable: {exc}", evidence.file("scorecard")
        ) from None
    card = validate_scorecard(statement.get("predicate"), str(evidence.file("scorecard")))
    out = []
    for name, m in sorted(card["metrics"].items()):
        k, n = m["k"], m["n"]
        out.append(Metric(name, k / n if n else 0.0, float(m["ci95"][0]), float(m["ci95"][1])))
    return tuple(out)


def gather_facts(model: str | Path, evidence: str | Path | None = None) -> ModelFacts:
    """Hash, read headers, scan and collect evidence references for ``model``."""
    path = Path(model)
    manifest = build_manifest(path)
    findings = tuple(scan_paths([path]).findings)
    refs: list[EvidenceRef] = []
    metrics: tuple[Metric, ...] = ()
    if evidence is not None:
        ev = EvidenceDir(Path(evidence))
        for kind in sorted(EVIDENCE_FILES):
            p = ev.file(kind)
            if p.is_file():
                refs.append(EvidenceRef(kind, str(p), _sha256_file(p)))
        metrics = _metrics(ev)
    return ModelFacts(
        name=manifest.model_name,
        manifest=manifest,
        parameters=header_parameters(path),
        findings=findings,
        evidence=tuple(refs),
        metrics=metrics,
    )
