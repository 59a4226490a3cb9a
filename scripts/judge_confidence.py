"""The refusal judge's confidence distribution in an eval run, per language and label.

    python scripts/judge_confidence.py RUN_DIR/logs

Reads the inspect logs `detente eval` wrote (each refusal-judged sample's score metadata
carries the judge's ``confidence``) and prints, per language (``-`` for v1 runs) and label,
the count, the mean confidence and how many fall in each confidence band.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from inspect_ai.log import read_eval_log

BANDS = (0.5, 0.7, 0.9, 1.01)  # upper edges: <0.5, 0.5-0.7, 0.7-0.9, >=0.9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", type=Path)
    args = parser.parse_args()
    seen: dict[tuple[str, str], list[float]] = defaultdict(list)
    for path in sorted(args.logs.glob("*.eval")):
        for sample in read_eval_log(str(path)).samples or []:
            score = next(iter((sample.scores or {}).values()), None)
            if score is None or "confidence" not in (score.metadata or {}):
                continue
            lang = str((sample.metadata or {}).get("lang", "-"))
            seen[(lang, str(score.value))].append(float((score.metadata or {})["confidence"]))
    print("| lang | label | n | mean confidence | <0.5 | 0.5–0.7 | 0.7–0.9 | ≥0.9 |")
    print("|---|---|---|---|---|---|---|---|")
    for (lang, label), values in sorted(seen.items()):
        counts = [0] * len(BANDS)
        for v in values:
            counts[next(i for i, edge in enumerate(BANDS) if v < edge)] += 1
        mean = sum(values) / len(values)
        print(
            f"| {lang} | {label} | {len(values)} | {mean:.3f} | "
            + " | ".join(map(str, counts))
            + " |"
        )


if __name__ == "__main__":
    main()
