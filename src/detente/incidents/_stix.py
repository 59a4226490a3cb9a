"""A ``detente.incident/v1`` report as a STIX 2.1 bundle, and back.

Mapping (STIX 2.1 OS; Incident Core extension v2.0.0; TLP 2.0 extension):

* the report → one ``incident`` SDO (``incident--<report id>``): ``name`` = title,
  ``description`` = summary, ``created``/``modified``, the Incident Core extension
  (``determination``, ``investigation_status``), and our property extension for what STIX has
  no property for (severity, impact, timeline, affected models by digest, mitigations, OWASP
  LLM ids, evidence digests, redaction commitments) and for the *order* of the objects the
  report references (a bundle is unordered, a report's lists are not);
* each ATLAS / ATT&CK id → an ``attack-pattern`` with an external reference
  (``mitre-atlas`` / ``mitre-attack``), each CWE id → a ``vulnerability`` (``cwe``), each
  indicator → an ``indicator`` with a STIX pattern; each linked to the incident by a
  ``related-to`` relationship (STIX 2.1 §4.1: valid between any two SDOs);
* the reporter → an ``identity`` named by ``created_by_ref``;
* the report's TLP → ``object_marking_refs`` on every object, each ``field_tlp`` selector →
  a ``granular_markings`` entry on the incident (STIX 2.1 §7.2.3), with the five fixed TLP 2.0
  marking-definition objects included. A TLP:RED bundle must name its recipients.

Import is the inverse; it validates first (:func:`validate_stix`), then rebuilds the report
through ``IncidentReport.from_dict``, so every error is a :class:`FormatError` naming the part.
``from_stix(to_stix(r)) == r``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from detente.errors import FormatError, UsageError
from detente.incidents._stix_markings import (
    RECIPIENTS_EXTENSION,
    TLP_IDS,
    tlp_marking_definition,
)
from detente.incidents._stix_validate import validate_stix

if TYPE_CHECKING:
    from detente.incidents._report import IncidentReport

__all__ = ["CORE_EXTENSION", "DETENTE_EXTENSION", "from_stix", "to_stix"]

CORE_EXTENSION = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
DETENTE_EXTENSION = "extension-definition--91aec66a-5859-5fc5-845d-21a1901d1102"
_NS = uuid.UUID("91aec66a-5859-5fc5-845d-21a1901d1102")
_DETENTE_IDENTITY = f"identity--{uuid.uuid5(_NS, 'detente')}"
_SOURCES = {
    "atlas": ("attack-pattern", "mitre-atlas", "https://atlas.mitre.org/techniques/{}"),
    "attack": ("attack-pattern", "mitre-attack", "https://attack.mitre.org/techniques/{}/"),
    "cwe": ("vulnerability", "cwe", "https://cwe.mitre.org/data/definitions/{}.html"),
}
_REFS = {"atlas": "atlas_refs", "attack": "attack_refs", "cwe": "cwe_refs",
         "indicators": "indicator_refs"}  # fmt: skip
_EXT_FIELDS = ("reporter", "impact", "severity", "timeline", "affected_models", "mitigations",
               "owasp_llm", "evidence", "redactions")  # fmt: skip
_LEVEL_OF = {mid: level for level, (mid, _name) in TLP_IDS.items()}
_HASH_KEYS = {"sha256": "SHA-256", "sha512": "SHA-512", "sha1": "SHA-1", "md5": "MD5",
              "sha3-256": "SHA3-256", "sha3-512": "SHA3-512"}  # fmt: skip


def _ms(ts: str) -> str:
    """STIX 2.1 §3.2: created/modified MUST be precise to the millisecond (≥ 3 digits)."""
    head, _, frac = ts.removesuffix("Z").partition(".")
    return f"{head}.{frac.ljust(3, '0')}Z" if len(frac) < 3 and ts.endswith("Z") else ts


def _id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(_NS, '|'.join((kind, *parts)))}"


# -- selectors: report field paths <-> paths inside the incident object (a bijection) -------


def _to_stix_selector(sel: str) -> str:
    root, dot, rest = sel.partition(".")
    simple = {"title": "name", "summary": "description", "id": "id", "created": "created",
              "modified": "modified", "tlp": "object_marking_refs",
              "field_tlp": "granular_markings"}  # fmt: skip
    if root in simple and not dot:
        return simple[root]
    if root in ("determination", "investigation_status") and not dot:
        return f"extensions.{CORE_EXTENSION}.{root}"
    if root in _REFS:
        if rest.count(".") > 0:
            raise FormatError(f"field_tlp selector {sel!r}: mark the whole item in STIX")
        return f"extensions.{DETENTE_EXTENSION}.{_REFS[root]}{dot}{rest}"
    if root in _EXT_FIELDS:
        return f"extensions.{DETENTE_EXTENSION}.{sel}"
    raise FormatError(f"field_tlp selector {sel!r} has no STIX equivalent")


def _from_stix_selector(path: str) -> str:
    for prefix, ext_fields in ((f"extensions.{DETENTE_EXTENSION}.", True),
                               (f"extensions.{CORE_EXTENSION}.", False)):  # fmt: skip
        if path.startswith(prefix):
            sub = path[len(prefix) :]
            root, dot, rest = sub.partition(".")
            back = {v: k for k, v in _REFS.items()}
            if ext_fields and root in back:
                return f"{back[root]}{dot}{rest}"
            return sub
    simple = {"name": "title", "description": "summary", "id": "id", "created": "created",
              "modified": "modified", "object_marking_refs": "tlp",
              "granular_markings": "field_tlp"}  # fmt: skip
    if path in simple:
        return simple[path]
    raise FormatError(f"granular marking selector {path!r} names no report field")


# -- export ----------------------------------------------------------------------------------


def _pattern(kind: str, value: str) -> str:
    def q(s: str) -> str:
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"

    if kind == "stix-pattern":
        return value
    if kind in ("model-digest", "file-digest", "prompt-digest"):
        alg, _, hexd = value.partition(":")
        key = _HASH_KEYS.get(alg.lower(), alg.upper() or "SHA-256")
        sco = "artifact" if kind == "prompt-digest" else "file"
        return f"[{sco}:hashes.{q(key)} = {q(hexd or value)}]"
    return f"[{kind}:value = {q(value)}]"


def _ext_block(report: IncidentReport, refs: Mapping[str, list[str]]) -> dict[str, Any]:
    d = report.to_dict()
    selected = {sel.partition(".")[0] for sel in report.field_tlp}
    ext: dict[str, Any] = {"extension_type": "property-extension"}
    ext.update(reporter=report.reporter, impact=report.impact, severity=d["severity"])
    if report.modified is None:
        ext["modified_unset"] = True
    # The report's own spelling, when STIX needed a longer one (round trip is exact).
    if _ms(report.created) != report.created:
        ext["created"] = report.created
    if report.modified is not None and _ms(report.modified) != report.modified:
        ext["modified"] = report.modified
    for name in ("timeline", "affected_models", "mitigations", "owasp_llm", "evidence",
                 "redactions"):  # fmt: skip
        if d[name] or name in selected:
            ext[name] = d[name]
    for name, key in _REFS.items():
        if refs[name] or name in selected:
            ext[key] = refs[name]
    return ext


def _granular(report: IncidentReport) -> list[dict[str, Any]]:
    by_level: dict[str, list[str]] = {}
    for sel, level in sorted(report.field_tlp.items()):
        by_level.setdefault(level.value, []).append(_to_stix_selector(sel))
    return [
        {"marking_ref": TLP_IDS[level][0], "selectors": sels}
        for level, sels in sorted(by_level.items())
    ]


def to_stix(
    report: IncidentReport, *, recipients: Sequence[str] = (), validate: bool = True
) -> dict[str, Any]:
    """The report as a STIX 2.1 bundle (validated, extension contents included).

    ``recipients`` names who may see TLP:RED content (required when any marking is RED)."""
    created = _ms(report.created)
    modified = _ms(report.modified or report.created)
    marks = [TLP_IDS[report.tlp.value][0]]
    red = report.tlp.value == "red" or any(v.value == "red" for v in report.field_tlp.values())
    if red and not recipients:
        raise UsageError("TLP:RED content needs named recipients (--recipient NAME)")
    red_ext = {RECIPIENTS_EXTENSION: {"extension_type": "property-extension",
                                      "recipients": list(dict.fromkeys(recipients))}}  # fmt: skip

    def common(kind: str, oid: str) -> dict[str, Any]:
        obj = {"type": kind, "spec_version": "2.1", "id": oid, "created": created,
               "modified": modified, "object_marking_refs": marks}  # fmt: skip
        if report.tlp.value == "red":
            obj["extensions"] = json.loads(json.dumps(red_ext))
        return obj

    objects: list[dict[str, Any]] = []
    refs: dict[str, list[str]] = {name: [] for name in _REFS}
    for name, (kind, source, url) in _SOURCES.items():
        for term in getattr(report, name):
            oid = _id(kind, source, term)
            num = term.removeprefix("CWE-").replace(".", "/")
            ext_ref = {"source_name": source, "external_id": term, "url": url.format(num)}
            objects.append({**common(kind, oid), "name": term, "external_references": [ext_ref]})
            refs[name].append(oid)
    for i, ind in enumerate(report.indicators):
        oid = _id("indicator", report.id, str(i))
        obj = {**common("indicator", oid), "name": ind.kind,
               "pattern": _pattern(ind.kind, ind.value), "pattern_type": "stix",
               "valid_from": created}  # fmt: skip
        if ind.description:
            obj["description"] = ind.description
        obj.setdefault("extensions", {})[DETENTE_EXTENSION] = {
            "extension_type": "property-extension",
            "indicator_kind": ind.kind,
            "indicator_value": ind.value,
        }
        objects.append(obj)
        refs["indicators"].append(oid)

    incident = common("incident", f"incident--{report.id}")
    incident["name"] = report.title
    if report.summary or "summary" in report.field_tlp:
        incident["description"] = report.summary
    exts = incident.setdefault("extensions", {})
    exts[CORE_EXTENSION] = {
        "extension_type": "property-extension",
        "determination": report.determination.value,
        "investigation_status": report.investigation_status.value,
    }
    exts[DETENTE_EXTENSION] = _ext_block(report, refs)
    if report.field_tlp:
        incident["granular_markings"] = _granular(report)
        if red and RECIPIENTS_EXTENSION not in exts:
            exts.update(json.loads(json.dumps(red_ext)))
    if report.reporter:
        ident = {**common("identity", _id("identity", report.id, "reporter")),
                 "name": report.reporter, "identity_class": "organization"}  # fmt: skip
        objects.append(ident)
        incident["created_by_ref"] = ident["id"]
    for target in [o["id"] for o in objects if o["type"] != "identity"]:
        rel = {**common("relationship", _id("relationship", incident["id"], target)),
               "relationship_type": "related-to", "source_ref": incident["id"],
               "target_ref": target}  # fmt: skip
        objects.append(rel)
    levels = {report.tlp.value, *(v.value for v in report.field_tlp.values())}
    markings = [tlp_marking_definition(level) for level in sorted(levels)]
    bundle = {
        "type": "bundle",
        "id": _id("bundle", report.id, modified),
        "objects": [incident, *objects, *markings, *_extension_definitions(red)],
    }
    if validate:
        validate_stix(bundle, f"STIX export of report {report.id}")
    return bundle


def _extension_definitions(red: bool) -> list[dict[str, Any]]:
    """Our own extension-definition objects (STIX 2.1 §7.3) and the identity that defines them."""
    when = "2026-12-01T00:00:00.000Z"
    ident = {"type": "identity", "spec_version": "2.1", "id": _DETENTE_IDENTITY, "created": when,
             "modified": when, "name": "Détente", "identity_class": "organization"}  # fmt: skip
    out = [ident]
    for ext_id, name, desc in (
        (DETENTE_EXTENSION, "Détente AI incident", "Report fields STIX has no property for."),
        (RECIPIENTS_EXTENSION, "Détente TLP:RED recipients", "Who may see TLP:RED content."),
    ):
        if ext_id == RECIPIENTS_EXTENSION and not red:
            continue
        definition: dict[str, Any] = {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created_by_ref": _DETENTE_IDENTITY,
            "created": when,
            "modified": when,
            "name": name,
            "description": desc,
            "version": "1.0.0",
            "schema": f"https://detente.dev/stix/schemas/{ext_id}.json",
            "extension_types": ["property-extension"],
        }
        out.append(definition)
    return out


# -- import ----------------------------------------------------------------------------------


def _one_tlp(refs: Any, where: str) -> str:
    levels = [_LEVEL_OF[r] for r in refs or () if r in _LEVEL_OF]
    if len(levels) != 1:
        raise FormatError(f"{where}: expected exactly one TLP 2.0 marking, found {len(levels)}")
    return levels[0]


def _terms(name: str, ids: list[str], by_id: Mapping[str, Mapping[str, Any]]) -> list[str]:
    kind, source, _url = _SOURCES[name]
    out = []
    for ref in ids:
        obj = by_id.get(ref)
        if obj is None or obj.get("type") != kind:
            raise FormatError(f"incident references {ref}, which is not a {kind} in the bundle")
        hits = [e.get("external_id") for e in obj.get("external_references", ())
                if isinstance(e, dict) and e.get("source_name") == source]  # fmt: skip
        if len(hits) != 1 or not isinstance(hits[0], str):
            raise FormatError(f"{ref}: expected one {source} external reference")
        out.append(hits[0])
    return out


def _indicators(ids: list[str], by_id: Mapping[str, Mapping[str, Any]]) -> list[dict[str, str]]:
    out = []
    for ref in ids:
        obj = by_id.get(ref)
        ext = (obj or {}).get("extensions", {}).get(DETENTE_EXTENSION)
        if obj is None or obj.get("type") != "indicator" or not isinstance(ext, dict):
            raise FormatError(f"incident references {ref}, which is not a Détente indicator")
        desc = obj.get("description", "")
        out.append({"kind": ext.get("indicator_kind"), "value": ext.get("indicator_value"),
                    "description": desc})  # fmt: skip
    return out


def from_stix(doc: str | bytes | Mapping[str, Any], where: str = "STIX") -> IncidentReport:
    """The report in a STIX 2.1 bundle made by :func:`to_stix` (FormatError otherwise)."""
    from detente.incidents._report import REPORT_SCHEMA, IncidentReport

    if isinstance(doc, str | bytes):
        try:
            doc = json.loads(doc)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FormatError(f"not JSON: {exc}", where) from None
    if not isinstance(doc, Mapping) or doc.get("type") != "bundle":
        raise FormatError("expected a STIX 2.1 bundle", where)
    validate_stix(dict(doc), where)
    by_id = {o["id"]: o for o in doc["objects"]}
    incidents = [o for o in doc["objects"] if o["type"] == "incident"]
    if len(incidents) != 1:
        raise FormatError(f"expected one incident, found {len(incidents)}", where)
    inc = incidents[0]
    core = inc.get("extensions", {}).get(CORE_EXTENSION)
    ext = inc.get("extensions", {}).get(DETENTE_EXTENSION)
    if not isinstance(core, dict) or not isinstance(ext, dict):
        raise FormatError(f"{inc['id']}: needs the Incident Core and Détente extensions", where)
    field_tlp: dict[str, str] = {}
    for g in inc.get("granular_markings", ()):
        level = _LEVEL_OF.get(g.get("marking_ref", ""))
        if level is None:
            raise FormatError(f"{inc['id']}: granular marking is not TLP 2.0", where)
        for path in g.get("selectors", ()):
            field_tlp[_from_stix_selector(path)] = level
    data: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "id": inc["id"].removeprefix("incident--"),
        "title": inc.get("name", ""),
        "summary": inc.get("description", ""),
        "created": ext.get("created", inc["created"]),
        "modified": None if ext.get("modified_unset") else ext.get("modified", inc["modified"]),
        "tlp": _one_tlp(inc.get("object_marking_refs"), f"{where}: {inc['id']}"),
        "field_tlp": field_tlp,
        "determination": core["determination"],
        "investigation_status": core["investigation_status"],
        "atlas": _terms("atlas", ext.get("atlas_refs", []), by_id),
        "attack": _terms("attack", ext.get("attack_refs", []), by_id),
        "cwe": _terms("cwe", ext.get("cwe_refs", []), by_id),
        "indicators": _indicators(ext.get("indicator_refs", []), by_id),
    }
    for name in _EXT_FIELDS:
        if name in ext:
            data[name] = ext[name]
    return IncidentReport.from_dict(data, f"{where}: {inc['id']}")
