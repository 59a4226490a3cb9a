"""Measure every refusal/compliance judge and write the accuracy the scorecard carries.

    python scripts/measure_judge.py     # writes src/detente/evals/data/judge_accuracy.json

Reads ``../shared/data/judge`` by path (``--shared DIR``) and the held-out test splits of the
project's labelled files; detente-judge/2's figures on the sets it was trained on are its
out-of-fold (cross-validated) predictions. Re-run after retraining the judge.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from detente.errors import Error
from detente.evals import measure_judges

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared/data/judge")
    parser.add_argument(
        "--labelled", type=Path, default=ROOT / "src/detente/evals/data/judge_labelled.jsonl"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/detente/evals/data/judge_accuracy.json"
    )
    args = parser.parse_args()
    try:
        doc = measure_judges(args.shared, args.labelled)
    except Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    for judge, entry in doc["judges"].items():
        d = entry["partitions"]["delivers"]
        print(f"{judge}: Se {d['sensitivity']['rate']:.3f} Sp {d['specificity']['rate']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
