"""SPDX 3.0.1 JSON-LD with the AI profile (spdx-spec v3.0.1, model/AI/Classes/AIPackage).

One ``ai_AIPackage`` for the model, one ``software_File`` per model file (``contains``
relationships), scan findings as ``Annotation`` elements on the package. The OMS root digest and
the tensor digest are ``Hash`` integrity methods on the package, told apart by their ``comment``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from detente.bom._cyclonedx import PROP_ROOT, PROP_TENSORS
from detente.bom._spdx_check import SPDX_CONTEXT, SPDX_HASH_ALGORITHMS
from detente.integrity import canonical_json, parse_digest

if TYPE_CHECKING:
    from detente.bom._facts import ModelFacts

__all__ = ["spdx_from_facts"]

CONTEXT = SPDX_CONTEXT
_CI = "_:creationinfo"


def _hash(digest: str, comment: str | None = None) -> dict[str, Any]:
    algo, raw = parse_digest(digest)
    alg = SPDX_HASH_ALGORITHMS[algo]  # SPDX names blake2b by its size (Core/HashAlgorithm)
    h: dict[str, Any] = {"type": "Hash", "algorithm": alg, "hashValue": raw.hex()}
    if comment:
        h["comment"] = comment
    return h


def _entries(items: dict[str, str]) -> list[dict[str, str]]:
    return [{"type": "DictionaryEntry", "key": k, "value": v} for k, v in sorted(items.items())]


def _package(facts: ModelFacts, ns: str, when: str) -> dict[str, Any]:
    m = facts.manifest
    hashes = [_hash(m.root_digest, PROP_ROOT)]
    if m.tensor_digest:
        hashes.append(_hash(m.tensor_digest, PROP_TENSORS))
    hyper = dict(facts.parameters)
    hyper["detente:serialization"] = canonical_json(m.serialization.to_oms()).decode()
    pkg: dict[str, Any] = {
        "type": "ai_AIPackage",
        "spdxId": f"{ns}#model",
        "creationInfo": _CI,
        "name": facts.name,
        "software_primaryPurpose": "model",
        "software_downloadLocation": "NOASSERTION",
        "releaseTime": when,
        "verifiedUsing": hashes,
        "ai_hyperparameter": _entries(hyper),
        "externalRef": [
            {
                "type": "ExternalRef",
                "externalRefType": "securityOther" if e.kind != "signature" else "securityAdvisory",
                "locator": [e.path],
                "comment": f"detente {e.kind} evidence sha256:{e.sha256}",
            }
            for e in facts.evidence
        ],
    }
    if facts.metrics:
        pkg["ai_metric"] = _entries({m.name: f"{m.value:.6g}" for m in facts.metrics})
    arch = facts.parameters.get("general.architecture") or facts.parameters.get("model_type")
    if arch:
        pkg["ai_typeOfModel"] = [arch]
    return pkg


def spdx_from_facts(facts: ModelFacts, *, timestamp: datetime | None = None) -> dict[str, Any]:
    """The SPDX 3.0.1 JSON-LD document (a JSON-ready dict) for ``facts``."""
    when = (timestamp or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ns = f"urn:detente:bom:{uuid.uuid4()}"
    agent = {
        "type": "SoftwareAgent",
        "spdxId": f"{ns}#detente",
        "creationInfo": _CI,
        "name": "detente",
    }
    pkg = _package(facts, ns, when)
    files = [
        {
            "type": "software_File",
            "spdxId": f"{ns}#file-{i}",
            "creationInfo": _CI,
            "name": r.name,
            "verifiedUsing": [_hash(r.digest_str())],
        }
        for i, r in enumerate(facts.manifest.resources)
    ]
    rel = {
        "type": "Relationship",
        "spdxId": f"{ns}#contains",
        "creationInfo": _CI,
        "from": pkg["spdxId"],
        "relationshipType": "contains",
        "to": [f["spdxId"] for f in files],
    }
    notes = [
        {
            "type": "Annotation",
            "spdxId": f"{ns}#finding-{i}",
            "creationInfo": _CI,
            "annotationType": "review",
            "subject": pkg["spdxId"],
            "statement": f"{f.rule_id} [{f.severity}] {f.message} at {f.location}",
        }
        for i, f in enumerate(facts.findings)
    ]
    elements = [agent, pkg, *files, rel, *notes]
    doc = {
        "type": "SpdxDocument",
        "spdxId": f"{ns}#document",
        "creationInfo": _CI,
        "name": f"AI-BOM for {facts.name}",
        "profileConformance": ["core", "software", "ai"],
        "rootElement": [pkg["spdxId"]],
        "element": [e["spdxId"] for e in elements],
    }
    info = {
        "type": "CreationInfo",
        "@id": _CI,
        "specVersion": "3.0.1",
        "created": when,
        "createdBy": [agent["spdxId"]],
    }
    return {"@context": CONTEXT, "@graph": [info, doc, *elements]}
