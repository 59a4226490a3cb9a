"""Build the MITRE ATLAS subset Détente ships: ids, names, tactic links, version.

Usage: python scripts/build_atlas_subset.py ../shared/data/mitre-atlas-5.6.0/ATLAS.yaml
Writes src/detente/taxonomy/data/atlas.json (canonical, sorted) next to the Apache-2.0 notice.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def main(src: str) -> None:
    doc = yaml.safe_load(Path(src).read_text(encoding="utf-8"))
    (matrix,) = doc["matrices"]
    tactics = {
        t["id"]: {"name": t["name"], "attack": (t.get("ATT&CK-reference") or {}).get("id")}
        for t in matrix["tactics"]
    }
    techniques = {}
    for t in matrix["techniques"]:
        techniques[t["id"]] = {
            "name": t["name"],
            "tactics": sorted(t.get("tactics", [])),
            "parent": t.get("subtechnique-of"),
        }
    out = {"source": "MITRE ATLAS", "version": str(doc["version"]), "license": "Apache-2.0",
           "tactics": tactics, "techniques": techniques}  # fmt: skip
    dest = Path(__file__).resolve().parents[1] / "src/detente/taxonomy/data/atlas.json"
    dest.write_text(json.dumps(out, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    print(f"{dest}: {len(tactics)} tactics, {len(techniques)} techniques (ATLAS {doc['version']})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mitre-atlas-5.6.0/ATLAS.yaml")
