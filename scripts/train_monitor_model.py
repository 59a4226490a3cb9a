"""Retrain the agent monitor's address model, bit for bit, from the data it names.

    python scripts/train_monitor_model.py            # write src/detente/monitor/data/address_model/
    python scripts/train_monitor_model.py --check    # retrain in memory, compare with the shipped digest
    python scripts/train_monitor_model.py --exclude heldout4 --out /tmp/am-no-h4
                                                     # leave a set out (to measure on it)

Trains on the monitor's text sets (``benchmarks/monitor_data/*_texts.toml``: their injection
texts with ``{goal}`` filled from ``scripts/monitor_model/goals.txt`` and, once per text, from
``goals_foreign.txt`` (the same kind of goal written in other languages), never with AgentDojo's
goals; their benign texts), and on AgentDojo 0.1.35's environment data as negatives (its
e-mails, files, reviews and messages as shipped, no injections). After a deliberate retrain,
put the printed digest into ``ADDRESS_MODEL_DIGEST`` in ``monitor/_learned.py`` in the same
commit. Needs scikit-learn and agentdojo: ``pip install 'detente[judge-train,monitor-bench]'``.
Exit 0 ok, 1 the retrained artifact differs from the shipped one (``--check``), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from detente.errors import Error
from detente.monitor import (
    ADDRESS_MODEL_DIGEST,
    address_training_rows,
    read_address_goals,
    train_address_model,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks/monitor_data"
SETS = (
    "dev",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "train6a",
    "train6b",
    "train6c",
    "train7a",
    "train7b",
    "train7c",
    "train8a",
    "train8b",
    "train8c",
    "train8d",
)
AGENTDOJO_VERSION = "v1.2.2"


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        if len(value.strip()) >= 20:
            out.append(value)
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _strings(value[k], out)
    elif isinstance(value, list | tuple):
        for v in value:
            _strings(v, out)


def environment_texts() -> list[str]:
    """Every text of 20+ characters in AgentDojo's four suites' default environments."""
    from agentdojo.task_suite.load_suites import get_suites

    out: list[str] = []
    for _, suite in sorted(get_suites(AGENTDOJO_VERSION).items()):
        env = suite.load_and_inject_default_environment(suite.get_injection_vector_defaults())
        _strings(env.model_dump(mode="json"), out)
    return sorted(set(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets", nargs="*", default=list(SETS), help="text set names (%(default)s)"
    )
    parser.add_argument("--exclude", action="append", default=[], help="leave this set out")
    parser.add_argument(
        "--goals",
        type=Path,
        default=ROOT / "scripts/monitor_model/goals.txt",
        help="English attacker goals, one per line (%(default)s)",
    )
    parser.add_argument(
        "--foreign-goals",
        type=Path,
        default=ROOT / "scripts/monitor_model/goals_foreign.txt",
        help="attacker goals written in other languages (%(default)s)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "src/detente/monitor/data/address_model")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    sets = {s: DATA / f"{s}_texts.toml" for s in args.sets if s not in args.exclude}
    try:
        rows, provenance = address_training_rows(
            sets,
            read_address_goals(args.goals),
            environment_texts(),
            read_address_goals(args.foreign_goals),
        )
        result = train_address_model(rows, provenance)
    except Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.oof, indent=1), file=sys.stderr)
    if args.check:
        same = result.digest == ADDRESS_MODEL_DIGEST
        print(
            f"retrained {result.digest}; shipped {ADDRESS_MODEL_DIGEST}: "
            f"{'same' if same else 'DIFFERENT'}"
        )
        return 0 if same else 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "model.json").write_bytes(result.meta_bytes)
    (args.out / "weights.npy").write_bytes(result.weights_bytes)
    (args.out / "vocabulary.npy").write_bytes(result.vocabulary_bytes)
    print(f"{args.out}: {result.digest} ({len(rows)} training rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
