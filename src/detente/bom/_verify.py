"""Round trip: check a BOM's digests (CycloneDX or SPDX, as written by detente) against a model.

The BOM records the OMS serialization it was hashed under, so the model is re-hashed the same way
and compared resource by resource; a mismatch names the file. A BOM we cannot read is an input
error (exit 2), never "no differences".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.bom._cyclonedx import HASH_ALGS, MODEL_REF, PROP_ROOT, PROP_TENSORS
from detente.bom._spdx_check import SPDX_HASH_ALGORITHMS, spdx_structure_problems
from detente.errors import FormatError, InputError
from detente.integrity import DEFAULT_SHARD_SIZE, Serialization, build_manifest

__all__ = ["BomCheck", "BomClaims", "compare_claims", "read_bom_claims", "verify_bom"]

_ALGS = {v: k for k, v in HASH_ALGS.items()}
_SPDX_ALGS = {v: k for k, v in SPDX_HASH_ALGORITHMS.items()}
MAX_BOM_BYTES = 64 << 20


@dataclass(frozen=True)
class BomClaims:
    """What a BOM says about a model's bytes."""

    serialization: Serialization
    root_digest: str
    tensor_digest: str | None
    files: dict[str, str]  # resource name -> "algo:hex"


@dataclass(frozen=True)
class BomCheck:
    ok: bool
    problems: tuple[str, ...]
    root_digest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "detente.bom-check/v1",
            "ok": self.ok,
            "problems": list(self.problems),
            "root_digest": self.root_digest,
        }


def _digest(h: Any, where: str) -> str:
    if not (isinstance(h, dict) and h.get("alg") in _ALGS and isinstance(h.get("content"), str)):
        raise FormatError(f"unsupported hash entry {h!r}", where)
    return f"{_ALGS[h['alg']]}:{h['content'].lower()}"


def _cyclonedx_claims(doc: dict[str, Any], where: str) -> BomClaims:
    comp = doc.get("metadata", {}).get("component")
    if not isinstance(comp, dict) or comp.get("bom-ref") != MODEL_REF:
        raise FormatError("no detente machine-learning-model component in metadata", where)
    props = {
        p.get("name"): p.get("value") for p in comp.get("properties", []) if isinstance(p, dict)
    }
    files = {
        str(c.get("name")): _digest((c.get("hashes") or [None])[0], where)
        for c in comp.get("components", [])
        if isinstance(c, dict) and c.get("type") == "file"
    }
    return _claims(
        props.get(PROP_ROOT),
        props.get(PROP_TENSORS),
        props.get("detente:serialization"),
        files,
        where,
    )


def _spdx_claims(doc: dict[str, Any], where: str) -> BomClaims:
    # An ambiguous BOM (two packages, two hashes for one file, an id used twice) could be read
    # two ways; we refuse it rather than pick one (the SPDX bindings would pick the first).
    problems = spdx_structure_problems(doc)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise FormatError("not an SPDX 3.0.1 AI-BOM as detente writes it: "
                          + "; ".join(problems[:3]) + more, where)  # fmt: skip
    graph = doc["@graph"]
    pkg = next((e for e in graph if isinstance(e, dict) and e.get("type") == "ai_AIPackage"), None)
    if pkg is None:
        raise FormatError("no ai_AIPackage element", where)
    notes = {h.get("comment"): h for h in pkg.get("verifiedUsing", []) if isinstance(h, dict)}
    root = notes.get(PROP_ROOT)
    tens = notes.get(PROP_TENSORS)

    files = {}
    for e in graph:
        if isinstance(e, dict) and e.get("type") == "software_File":
            files[str(e.get("name"))] = _spdx_digest((e.get("verifiedUsing") or [{}])[0])
    ser = next(
        (
            p.get("value")
            for p in pkg.get("ai_hyperparameter", [])
            if p.get("key") == "detente:serialization"
        ),
        None,
    )
    return _claims(
        None if root is None else _spdx_digest(root),
        None if tens is None else _spdx_digest(tens),
        ser,
        files,
        where,
    )


def _spdx_digest(h: dict[str, Any]) -> str:
    alg = str(h.get("algorithm"))
    return f"{_SPDX_ALGS.get(alg, alg)}:{h.get('hashValue')}"


def _claims(root: Any, tensors: Any, ser: Any, files: dict[str, str], where: str) -> BomClaims:
    if not isinstance(root, str) or not isinstance(ser, str):
        raise FormatError("BOM lacks the OMS root digest or serialization", where)
    try:
        serialization = Serialization.from_oms(json.loads(ser))
    except ValueError as exc:
        raise FormatError(f"serialization is not JSON: {exc}", where) from None
    return BomClaims(serialization, root, tensors if isinstance(tensors, str) else None, files)


def read_bom_claims(path: str | Path) -> BomClaims:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BOM_BYTES:
            raise InputError(f"larger than {MAX_BOM_BYTES >> 20} MiB", p)
        doc = json.loads(p.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", p) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"not JSON: {exc}", p) from None
    if not isinstance(doc, dict):
        raise FormatError("a BOM must be a JSON object", p)
    if doc.get("bomFormat") == "CycloneDX":
        return _cyclonedx_claims(doc, str(p))
    if "@graph" in doc:
        return _spdx_claims(doc, str(p))
    raise FormatError("neither CycloneDX nor SPDX 3 JSON-LD", p)


def compare_claims(
    claims: BomClaims, actual: dict[str, str], root: str, tensors: str | None
) -> tuple[str, ...]:
    """Problems (empty when the model matches); a pure function, tested table-driven."""
    problems = []
    for name in sorted(set(claims.files) | set(actual)):
        want, got = claims.files.get(name), actual.get(name)
        if want is None:
            problems.append(f"{name}: in the model but not in the BOM")
        elif got is None:
            problems.append(f"{name}: in the BOM but missing from the model")
        elif want != got:
            problems.append(f"{name}: digest {got} does not match the BOM's {want}")
    if claims.root_digest != root:
        problems.append(f"root digest {root} does not match the BOM's {claims.root_digest}")
    if claims.tensor_digest is not None and claims.tensor_digest != tensors:
        problems.append(f"tensor digest {tensors} does not match the BOM's {claims.tensor_digest}")
    return tuple(problems)


def verify_bom(model: str | Path, bom: str | Path) -> BomCheck:
    """Re-hash ``model`` as the BOM says it was hashed and compare every digest."""
    claims = read_bom_claims(bom)
    ser = claims.serialization
    m = build_manifest(
        model,
        algorithm=ser.hash_type,
        method=ser.method,
        shard_size=ser.shard_size or DEFAULT_SHARD_SIZE,
        tensors=claims.tensor_digest is not None,
    )
    actual = {r.name: r.digest_str() for r in m.resources}
    problems = compare_claims(claims, actual, m.root_digest, m.tensor_digest)
    return BomCheck(not problems, problems, m.root_digest)
