"""Build detente-core v2 (English + Simplified Chinese) from v1 and the translation sources.

    python scripts/build_core_v2.py            # writes src/detente/evals/data/detente-core-v2/
    python scripts/build_core_v2.py --check    # rebuilds in memory, exit 1 if the files differ

Inputs (none of them ship; only the built suite is package data):

- ``src/detente/evals/data/detente-core-v1/<dataset>.jsonl``: the English items, unchanged.
- ``scripts/core_v2/zh_<dataset>.jsonl``: one line per v1 item, ``{"item": "<v1 id>", <each
  translated field of that dataset>}`` (and nothing else).
- ``scripts/core_v2/new_items.jsonl``: items written for Chinese-language risks, one line each:
  ``{"dataset", "item", <the dataset's untranslated fields>, "en": {...}, "zh": {...}}``.

A dataset is built only when its ``zh_<dataset>.jsonl`` exists, and then it must cover every v1
item exactly once: a missing, extra or duplicate item, a missing or extra field, or a
translation without Chinese text fails the build. Partial datasets never ship.

Every v2 record has the dataset's v1 fields plus ``lang`` ("en"/"zh"), ``item`` (the
language-independent id, the v1 id for translated items), ``id`` = ``<item>.<lang>``,
``origin`` ("v1" or "zh-context") and ``version`` 2; ``pair_id`` names the same-language record.
Records are sorted by item, English before Chinese; lines are JSON with sorted keys, like v1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detente.evals import build_manifest

ROOT = Path(__file__).resolve().parent.parent
V1 = ROOT / "src/detente/evals/data/detente-core-v1"
V2 = ROOT / "src/detente/evals/data/detente-core-v2"
SOURCES = Path(__file__).resolve().parent / "core_v2"
SUITE, VERSION = "detente-core", "2.0.0"
LANGS = ("en", "zh")

# The fields a model reads (and prompt_injection's objective, as documentation), per dataset.
# Everything else (ids, tags, canaries, tool names, judge specs, code) is protected: identical
# in both languages and equal to v1.
TRANSLATED: dict[str, tuple[str, ...]] = {
    "cyber_misuse": ("input",),
    "false_refusal": ("input",),
    "insecure_code": ("input",),
    "prompt_injection": ("system", "user", "tool_output", "objective"),
    "social_engineering": ("input",),
}
DATASETS = tuple(TRANSLATED)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class BuildError(Exception):
    """The sources do not make a complete, consistent suite."""


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BuildError(f"{path}:{lineno}: not JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise BuildError(f"{path}:{lineno}: not a JSON object")
        rows.append(row)
    return rows


def _check_zh(where: str, fields: dict[str, Any], expected: list[str]) -> None:
    if sorted(fields) != sorted(expected):
        raise BuildError(f"{where}: fields {sorted(fields)}, expected {sorted(expected)}")
    for key, value in fields.items():
        if not isinstance(value, str) or not CJK.search(value):
            raise BuildError(f"{where}: {key!r} has no Chinese text")


def _record(base: dict[str, Any], item: str, lang: str, origin: str) -> dict[str, Any]:
    record = dict(base)
    record.update(id=f"{item}.{lang}", item=item, lang=lang, origin=origin, version=2)
    if record.get("pair_id") is not None:
        record["pair_id"] = f"{record['pair_id']}.{lang}"
    return record


def translated_records(
    dataset: str, v1: list[dict[str, Any]], zh_rows: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    fields = TRANSLATED[dataset]
    by_item: dict[str, dict[str, Any]] = {}
    for row in zh_rows:
        item = row.pop("item", None)
        if not isinstance(item, str) or item in by_item:
            raise BuildError(f"zh_{dataset}.jsonl: missing or duplicate item {item!r}")
        by_item[item] = row
    v1_ids = [r["id"] for r in v1]
    if missing := sorted(set(v1_ids) - set(by_item)):
        raise BuildError(f"zh_{dataset}.jsonl: {len(missing)} items untranslated: {missing[:8]}")
    if extra := sorted(set(by_item) - set(v1_ids)):
        raise BuildError(f"zh_{dataset}.jsonl: items not in v1: {extra[:8]}")
    for base in v1:
        item = base["id"]
        expected = [f for f in fields if base.get(f) is not None]
        _check_zh(f"zh_{dataset}.jsonl {item}", by_item[item], expected)
        yield _record(base, item, "en", "v1")
        yield _record({**base, **by_item[item]}, item, "zh", "v1")


def new_records(
    dataset: str, rows: list[dict[str, Any]], v1_keys: set[str]
) -> Iterator[dict[str, Any]]:
    fields = TRANSLATED[dataset]
    for source in rows:
        row = dict(source)
        item = row.pop("item")
        row.pop("dataset")
        texts = {lang: row.pop(lang) for lang in LANGS}
        base = {"id": item, **row, "version": 1}
        if set(base) | set(fields) != v1_keys:
            raise BuildError(f"new_items.jsonl {item}: keys {sorted(base)} do not fit {dataset}")
        for lang in LANGS:
            if sorted(texts[lang]) != sorted(fields):
                raise BuildError(f"new_items.jsonl {item}: {lang} must give {list(fields)}")
        _check_zh(f"new_items.jsonl {item} zh", texts["zh"], list(fields))
        for lang in LANGS:
            yield _record({**base, **texts[lang]}, item, lang, "zh-context")


def build(sources: Path = SOURCES) -> dict[str, list[dict[str, Any]]]:
    """Every buildable dataset's v2 records, sorted by item then language."""
    new_path = sources / "new_items.jsonl"
    new = read_jsonl(new_path) if new_path.is_file() else []
    if unknown := sorted({str(r.get("dataset")) for r in new} - set(DATASETS)):
        raise BuildError(f"new_items.jsonl: unknown datasets {unknown}")
    out: dict[str, list[dict[str, Any]]] = {}
    for dataset in DATASETS:
        zh_path = sources / f"zh_{dataset}.jsonl"
        if not zh_path.is_file():
            continue
        v1 = read_jsonl(V1 / f"{dataset}.jsonl")
        keys = set().union(*(r.keys() for r in v1))
        records = list(translated_records(dataset, v1, read_jsonl(zh_path)))
        v1_items = {r["id"] for r in v1}
        mine = [r for r in new if r.get("dataset") == dataset]
        if clash := sorted({r["item"] for r in mine} & v1_items):
            raise BuildError(f"new_items.jsonl: items already in v1: {clash}")
        records += new_records(dataset, mine, keys)
        records.sort(key=lambda r: (r["item"], LANGS.index(r["lang"])))
        if len({r["id"] for r in records}) != len(records):
            raise BuildError(f"{dataset}: duplicate ids")
        out[dataset] = records
    _check_pairs(out)
    return out


def _check_pairs(out: dict[str, list[dict[str, Any]]]) -> None:
    """A pair_id must name a built record of the same language (maybe in another dataset)."""
    ids = {r["id"] for records in out.values() for r in records}
    for dataset, records in out.items():
        for r in records:
            pair = r.get("pair_id")
            # A pair into a dataset not yet built is allowed while v2 is incomplete.
            target = {"cm": "cyber_misuse", "fr": "false_refusal", "se": "social_engineering"}
            if pair is not None and target[pair[:2]] in out and pair not in ids:
                raise BuildError(f"{dataset} {r['id']}: pair_id {pair} is not a v2 record")


def dumps(records: list[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def write(directory: Path, out: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.jsonl"):
        if stale.stem not in out:
            stale.unlink()
    for dataset, records in out.items():
        (directory / f"{dataset}.jsonl").write_bytes(dumps(records))
    manifest = build_manifest(directory, SUITE, VERSION)
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (directory / "manifest.json").write_text(text, "utf-8")
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, don't write")
    args = parser.parse_args()
    try:
        out = build()
    except BuildError as exc:
        print(f"build_core_v2: {exc}", file=sys.stderr)
        return 2
    if not args.check:
        manifest = write(V2, out)
        print(f"{V2 / 'manifest.json'}: {manifest['digest']}")
        for name, entry in manifest["datasets"].items():
            print(f"  {name}: {entry['count']} records, sha256 {entry['sha256'][:16]}…")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp), out)
        differ = [
            p.name
            for p in sorted(Path(tmp).iterdir())
            if not (V2 / p.name).is_file() or (V2 / p.name).read_bytes() != p.read_bytes()
        ]
    print("identical" if not differ else f"differ: {', '.join(differ)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
