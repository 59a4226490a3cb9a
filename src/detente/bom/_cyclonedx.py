"""CycloneDX 1.6 JSON for a model (ECMA-424 / CycloneDX 1.6 §machine-learning-model, modelCard).

The model is ``metadata.component`` of type ``machine-learning-model``; its ``hashes`` carry the
OMS root digest, its ``components`` carry one ``file`` per model file with that file's digest,
and its ``properties`` carry the tensor digest (a name-keyed digest over every tensor, the value
``detente verify`` compares across re-packaging). Scan findings become ``vulnerabilities``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from detente.integrity import canonical_json, parse_digest

if TYPE_CHECKING:
    from detente.bom._facts import ModelFacts

__all__ = ["HASH_ALGS", "MODEL_REF", "PROP_ROOT", "PROP_TENSORS", "cyclonedx_from_facts"]

# CycloneDX hash-alg enum names for our digest algorithms (CycloneDX 1.6 §hash-alg).
HASH_ALGS = {
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
    "blake2b": "BLAKE2b-512",  # hashlib's blake2b: 64-byte digests
    "blake3": "BLAKE3",
}
MODEL_REF = "model"
PROP_ROOT = "detente:oms-root-digest"
PROP_TENSORS = "detente:tensor-digest"
_SEVERITY = {
    "info": "info",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}
# CycloneDX externalReference types for our evidence files (1.6 adds "digital-signature").
_REF_TYPE = {"signature": "digital-signature"}


def _hash(digest: str) -> dict[str, str]:
    algo, raw = parse_digest(digest)
    return {"alg": HASH_ALGS[algo], "content": raw.hex()}


def _model_card(facts: ModelFacts) -> dict[str, Any]:
    p = facts.parameters
    params: dict[str, Any] = {}
    arch = p.get("general.architecture") or p.get("model_type")
    if arch:
        params["architectureFamily"] = arch
    if p.get("architectures"):
        params["modelArchitecture"] = p["architectures"]
    card: dict[str, Any] = {
        "bom-ref": "model-card",
        "modelParameters": params,
        "properties": [{"name": f"detente:{k}", "value": v} for k, v in sorted(p.items())],
    }
    if facts.metrics:
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [
                {
                    "type": m.name,
                    "value": f"{m.value:.6g}",
                    "slice": "detente scorecard",
                    "confidenceInterval": {
                        "lowerBound": f"{m.low:.6g}",
                        "upperBound": f"{m.high:.6g}",
                    },
                }
                for m in facts.metrics
            ]
        }
    return card


def _component(facts: ModelFacts) -> dict[str, Any]:
    m = facts.manifest
    files = []
    for r in m.resources:
        files.append(
            {
                "type": "file",
                "bom-ref": f"file:{r.name}",
                "name": r.name,
                "hashes": [_hash(r.digest_str())],
            }
        )
    props = [{"name": PROP_ROOT, "value": m.root_digest}]
    if m.tensor_digest:
        props.append({"name": PROP_TENSORS, "value": m.tensor_digest})
    props.append(
        {
            "name": "detente:serialization",
            "value": canonical_json(m.serialization.to_oms()).decode(),
        }
    )
    return {
        "type": "machine-learning-model",
        "bom-ref": MODEL_REF,
        "name": facts.name,
        "hashes": [_hash(m.root_digest)],
        "properties": props,
        "modelCard": _model_card(facts),
        "components": files,
        "externalReferences": [
            {
                "type": _REF_TYPE.get(e.kind, "attestation"),
                "url": e.path,
                "comment": f"detente {e.kind} evidence",
                "hashes": [{"alg": "SHA-256", "content": e.sha256}],
            }
            for e in facts.evidence
        ],
    }


def _vulnerabilities(facts: ModelFacts) -> list[dict[str, Any]]:
    out = []
    for i, f in enumerate(facts.findings):
        cwes = [int(c.split("-", 1)[1]) for c in f.cwe if c.upper().startswith("CWE-")]
        v: dict[str, Any] = {
            "bom-ref": f"finding-{i}",
            "id": f.rule_id,
            "source": {"name": "detente scan"},
            "ratings": [{"severity": _SEVERITY[str(f.severity)], "method": "other"}],
            "description": f.message,
            "detail": f"{f.location}: {f.evidence}" if f.evidence else str(f.location),
            "affects": [{"ref": MODEL_REF}],
        }
        if cwes:
            v["cwes"] = cwes
        out.append(v)
    return out


def cyclonedx_from_facts(facts: ModelFacts, *, timestamp: datetime | None = None) -> dict[str, Any]:
    """The CycloneDX 1.6 document (a JSON-ready dict) for ``facts``."""
    when = (timestamp or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": when,
            "tools": {
                "components": [
                    {"type": "application", "name": "detente", "version": facts.tool_version}
                ]
            },
            "component": _component(facts),
        },
        "vulnerabilities": _vulnerabilities(facts),
    }
