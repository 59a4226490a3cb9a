"""Checking an SPDX 3.0.1 AI-BOM: the SPDX model bindings, then our own structure rules.

SPDX publishes no JSON schema in any installable package, and there is no network at run time,
so the model itself is the reference: ``spdx-python-model`` (SPDX's bindings generated from the
SPDX 3.0.1 SHACL model) decodes every element, refuses unknown classes and properties, checks
every value's type, enumerations (``HashAlgorithm``, ``SoftwarePurpose``…) and date format, and
on re-encoding checks required properties and cardinalities. It accepts, though (found by
trying): a missing or foreign ``@context``, two elements with one ``spdxId`` (the first one
wins, silently), a document without an ``SpdxDocument``, references to elements that are not in
the document (it only reports them from ``link()``), and any string as a ``hashValue``. A BOM
whose hashes we check must not be ambiguous, so :func:`spdx_structure_problems` adds rules for
those, for what detente writes: the 3.0.1 context; unique ids; one ``CreationInfo`` (spec
3.0.1) and one ``SpdxDocument`` whose ``rootElement`` is the one ``ai_AIPackage`` and whose
``element`` list names every other element; every hash lowercase hex of its algorithm's length;
the package's OMS root digest exactly once; every file hashed exactly once, names unique, and
all of them in the package's ``contains`` relationship.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from detente.env import require

__all__ = [
    "SPDX_CONTEXT",
    "SPDX_HASH_ALGORITHMS",
    "check_spdx",
    "spdx_structure_problems",
]

SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
# SPDX 3.0.1 Core/HashAlgorithm names for our digest algorithms, and their digest sizes in bytes.
# SPDX 3.0.1 Core/HashAlgorithm names for our digest algorithms (hashlib's blake2b is 512-bit).
SPDX_HASH_ALGORITHMS = {"sha256": "sha256", "blake2b": "blake2b512", "blake3": "blake3"}
_HEX_LEN = {"sha256": 64, "blake2b512": 128, "blake3": 64}
_ROOT_COMMENT = "detente:oms-root-digest"


def _id(e: dict[str, Any]) -> str | None:
    v = e.get("spdxId", e.get("@id"))
    return v if isinstance(v, str) else None if v is None else repr(v)


def _hash_problems(where: str, hashes: Any) -> list[str]:
    if not isinstance(hashes, list) or not hashes:
        return [f"{where}: no verifiedUsing hashes"]
    out = []
    for h in hashes:
        if not isinstance(h, dict) or h.get("type") != "Hash":
            out.append(f"{where}: verifiedUsing entry is not a Hash")
            continue
        alg, value = h.get("algorithm"), h.get("hashValue")
        n = _HEX_LEN.get(alg) if isinstance(alg, str) else None
        if n is None:
            out.append(f"{where}: hash algorithm {alg!r} is not one detente writes")
        elif not (
            isinstance(value, str)
            and len(value) == n
            and all(c in "0123456789abcdef" for c in value)
        ):
            out.append(f"{where}: {alg} hashValue is not {n} lowercase hex digits")
    return out


def _graph(doc: Any) -> tuple[list[dict[str, Any]], list[str]]:
    if not isinstance(doc, dict):
        return [], ["the document is not a JSON object"]
    problems = []
    if doc.get("@context") != SPDX_CONTEXT:
        problems.append(f"@context is {doc.get('@context')!r}, not the SPDX 3.0.1 context")
    graph = doc.get("@graph")
    if not isinstance(graph, list) or not all(isinstance(e, dict) for e in graph):
        return [], [*problems, "@graph is not a list of objects"]
    return graph, problems


def _document_problems(graph: list[dict[str, Any]], by_type: dict[str, list[Any]]) -> list[str]:
    problems = []
    infos = by_type.get("CreationInfo", [])
    if len(infos) != 1 or infos[0].get("specVersion") != "3.0.1":
        problems.append("expected exactly one CreationInfo with specVersion 3.0.1")
    docs, pkgs = by_type.get("SpdxDocument", []), by_type.get("ai_AIPackage", [])
    if len(docs) != 1 or len(pkgs) != 1:
        return [*problems, "expected exactly one SpdxDocument and one ai_AIPackage"]
    doc, pkg = docs[0], pkgs[0]
    if doc.get("rootElement") != [_id(pkg)]:
        problems.append("the SpdxDocument's rootElement is not the ai_AIPackage")
    listed = doc.get("element")
    others = {_id(e) for e in graph if e.get("type") not in ("SpdxDocument", "CreationInfo")}
    if (
        not isinstance(listed, list)
        or set(map(str, listed)) != others
        or len(listed) != len(others)
    ):
        problems.append("the SpdxDocument's element list does not name exactly the other elements")
    return problems


def _package_problems(graph: list[dict[str, Any]], by_type: dict[str, list[Any]]) -> list[str]:
    pkgs = by_type.get("ai_AIPackage", [])
    if len(pkgs) != 1:
        return []
    pkg = pkgs[0]
    problems = _hash_problems("ai_AIPackage", pkg.get("verifiedUsing"))
    hashes = pkg.get("verifiedUsing") if isinstance(pkg.get("verifiedUsing"), list) else []
    roots = [h for h in hashes if isinstance(h, dict) and h.get("comment") == _ROOT_COMMENT]
    if len(roots) != 1:
        problems.append("the ai_AIPackage must state the OMS root digest exactly once")
    files = by_type.get("software_File", [])
    names = Counter(str(f.get("name")) for f in files)
    problems += [
        f"file {n!r} appears {k} times" for n, k in sorted(names.items(), key=str) if k > 1
    ]
    for f in files:
        hs = f.get("verifiedUsing")
        problems += _hash_problems(f"software_File {f.get('name')!r}", hs)
        if isinstance(hs, list) and len(hs) != 1:
            problems.append(f"software_File {f.get('name')!r}: expected exactly one hash")
    contained = [
        t
        for r in by_type.get("Relationship", [])
        if r.get("from") == _id(pkg) and r.get("relationshipType") == "contains"
        for t in (r.get("to") if isinstance(r.get("to"), list) else [])
    ]
    if sorted(map(str, contained)) != sorted(str(_id(f)) for f in files):
        problems.append("the package's contains relationships do not name exactly its files")
    return problems


def spdx_structure_problems(doc: Any) -> list[str]:
    """The rules the SPDX bindings do not check (see the module docstring); empty when none is
    broken. Pure: no I/O, no optional dependency."""
    graph, problems = _graph(doc)
    if not graph:
        return problems or ["@graph is empty"]
    ids = Counter(_id(e) for e in graph)
    problems += [f"id {i!r} is used by {k} elements" for i, k in ids.items() if k > 1]
    if None in ids:
        problems.append("an element has no spdxId")
    by_type: dict[str, list[Any]] = {}
    for e in graph:
        by_type.setdefault(str(e.get("type")), []).append(e)
    return problems + _document_problems(graph, by_type) + _package_problems(graph, by_type)


def check_spdx(doc: Any) -> list[str]:
    """Every problem with an SPDX 3.0.1 AI-BOM: decoded, linked and re-encoded by the SPDX
    model bindings (the ``bom`` extra), then :func:`spdx_structure_problems`. Empty when valid."""
    require("spdx_python_model", "bom")
    from spdx_python_model import v3_0_1 as model

    problems = spdx_structure_problems(doc)
    objset = model.SHACLObjectSet()
    try:
        model.JSONLDDeserializer().deserialize_data(json.loads(json.dumps(doc)), objset)
        missing = objset.link()
        model.JSONLDSerializer().write(objset, io.BytesIO())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [*problems, f"SPDX 3.0.1 model: {type(exc).__name__}: {exc}"]
    problems += [f"reference to {m!r}, which is not in the document" for m in sorted(missing)]
    return problems
