"""Retrain the detente-judge/2 classifier, bit for bit, from the data it names.

    python scripts/train_judge.py                 # write src/detente/evals/data/judge2/
    python scripts/train_judge.py --check         # retrain in memory, compare with the shipped digest

Reads XSTest and HarmBench by path (``../shared/data/judge`` beside the checkout, or
``--shared DIR``; never copied into the repository) and the dev split of
``src/detente/evals/data/judge_labelled.jsonl`` (the test split is never trained on). After a
deliberate retrain, put the printed digest into ``MODEL_DIGEST`` in ``evals/_judge2.py`` in the
same commit. Needs scikit-learn: ``pip install 'detente[judge-train]'``. Exit 0 ok, 1 the
retrained artifact differs from the shipped one (``--check``), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from detente.errors import Error
from detente.evals import JUDGE_MODEL_DIGEST, judge_training_examples, train_judge

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared/data/judge")
    parser.add_argument(
        "--labelled", type=Path, default=ROOT / "src/detente/evals/data/judge_labelled.jsonl"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "src/detente/evals/data/judge2")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    try:
        examples, provenance = judge_training_examples(args.shared, args.labelled)
        result = train_judge(examples, provenance)
    except Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        same = result.digest == JUDGE_MODEL_DIGEST
        print(
            f"retrained {result.digest}; shipped {JUDGE_MODEL_DIGEST}: {'same' if same else 'DIFFERENT'}"
        )
        return 0 if same else 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "model.json").write_bytes(result.meta_bytes)
    (args.out / "weights.npy").write_bytes(result.weights_bytes)
    print(f"{args.out}: {result.digest} ({len(examples)} training rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
