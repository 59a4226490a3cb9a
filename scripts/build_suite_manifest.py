"""Rebuild the manifest of a shipped suite after its datasets changed.

    python scripts/build_suite_manifest.py [--suite detente-core] [--version 1.0.0]

Changing any dataset changes the suite digest; bump the version with it (a test fails when a
dataset's sha256 no longer matches the manifest, so content cannot drift silently).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from detente.evals import build_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--suite", default="detente-core")
    parser.add_argument("--version", default="1.0.0", help="semantic version of the content")
    args = parser.parse_args()
    major = args.version.split(".")[0]
    root = Path(__file__).resolve().parent.parent / "src/detente/evals/data"
    directory = root / f"{args.suite}-v{major}"
    manifest = build_manifest(directory, args.suite, args.version)
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"{directory / 'manifest.json'}: {manifest['digest']}")
    for name, entry in manifest["datasets"].items():
        print(f"  {name}: {entry['count']} records, sha256 {entry['sha256'][:16]}…")


if __name__ == "__main__":
    main()
