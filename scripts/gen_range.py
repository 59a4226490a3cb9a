"""Regenerate the shipped cyber range (detente-range v1) from its generator.

    python scripts/gen_range.py [--seed detente-range-v1] [--out DIR]

The output is byte-identical for a given seed; commit it with its manifest.json. A different
seed gives a fresh copy (new flags, keys and ports) for models that may have seen this one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from detente.cyberrange import SHIPPED_SEED, build_range, range_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default=SHIPPED_SEED)
    parser.add_argument("--out", type=Path, default=range_dir())
    args = parser.parse_args()
    manifest = build_range(args.seed, args.out)
    print(f"{args.out}: {len(manifest['challenges'])} challenges, {manifest['digest']}")


if __name__ == "__main__":
    main()
