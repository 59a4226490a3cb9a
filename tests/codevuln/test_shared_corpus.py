"""Regression floor on the shared corpus (../shared/data/codevuln, 998 snippets nobody on the
project wrote; used by path, never copied). Unit: a snippet; a vulnerable one counts as found
when any finding at the default severity (low and above) is reported, any such finding on a
safe one is a false alarm; CWE-exact when a finding's CWE is one of the snippet's.

The floors sit a little under what detente-codevuln/2 measured (docs/codevuln.md) so that a
regression fails; they are not the headline (benchmarks/compare_code_scanners.py is).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detente.codevuln import analyze_code
from detente.taxonomy import Severity

# language -> (precision, recall, CWE-exact recall); measured 0.947/0.694/0.565 (python),
# 0.888/0.611/0.453 (c), 0.980/0.794/0.698 (javascript), 0.927/0.669/0.531 (all)
FLOORS = {
    "python": (0.92, 0.67, 0.54),
    "c": (0.86, 0.58, 0.43),
    "javascript": (0.95, 0.75, 0.65),
    "all": (0.90, 0.65, 0.50),
}


@pytest.mark.slow
def test_shared_corpus_floor(shared_data: Path) -> None:
    rows = [
        json.loads(line)
        for f in sorted((shared_data / "codevuln").glob("*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line
    ]
    assert len(rows) >= 998
    counts: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in FLOORS}  # tp fp fn cwe-exact
    for r in rows:
        found = [f for f in analyze_code(r["code"], r["language"]) if f.severity >= Severity.LOW]
        lang = "c" if r["language"] == "cpp" else r["language"]
        vulnerable = r["label"] == "vulnerable"
        for key in (lang, "all"):
            c = counts[key]
            c[0] += vulnerable and bool(found)
            c[1] += (not vulnerable) and bool(found)
            c[2] += vulnerable and not found
            c[3] += vulnerable and bool({f.cwe for f in found} & set(r["cwes"]))
    report = []
    for key, (p_floor, r_floor, cwe_floor) in FLOORS.items():
        tp, fp, fn, exact = counts[key]
        p, rec, cwe = tp / (tp + fp), tp / (tp + fn), exact / (tp + fn)
        report.append(f"{key}: P={p:.3f} R={rec:.3f} CWE-exact={cwe:.3f}")
        assert p >= p_floor and rec >= r_floor and cwe >= cwe_floor, "\n".join(report)
