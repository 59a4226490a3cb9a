"""Fixtures for the evals tests: small bilingual (v2-format) suites generated at test time.

The suites are built from the shipped v1 records (English) and a marked "Chinese" copy of each
(``ZH_MARK`` + the English text), written in the v2 record format and given a real manifest by
``build_manifest``. They test the plumbing, not the translations: the shipped v2 data has its
own tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from detente.evals import TASK_NAMES, build_manifest, load_suite

ZH_MARK = "请用中文回答："
_TEXT_FIELDS = ("input", "user")

MakeSuite = Callable[..., Path]


def v2_records(v1: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for record in v1:
        item = record["id"]
        for lang in ("en", "zh"):
            r = {**record, "item": item, "lang": lang, "id": f"{item}.{lang}", "version": 2,
                 "origin": "v1"}  # fmt: skip
            if record.get("pair_id"):
                r["pair_id"] = f"{record['pair_id']}.{lang}"
            if lang == "zh":
                for f in _TEXT_FIELDS:
                    if isinstance(r.get(f), str):
                        r[f] = ZH_MARK + r[f]
            out.append(r)
    return out


def write_suite(directory: Path, datasets: dict[str, list[dict[str, Any]]],
                version: str = "2.0.0") -> Path:  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    for name, records in datasets.items():
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        (directory / f"{name}.jsonl").write_text(text, "utf-8")
    manifest = build_manifest(directory, "detente-core", version)
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    return directory


@pytest.fixture
def make_v2_suite(tmp_path: Path) -> MakeSuite:
    """``make_v2_suite(items=6, tasks=TASK_NAMES)``: a v2 suite directory with the first
    ``items`` v1 records of each dataset, each in en and zh."""

    def make(items: int = 6, tasks: tuple[str, ...] = TASK_NAMES, name: str = "v2") -> Path:
        v1 = load_suite().datasets
        return write_suite(tmp_path / name, {t: v2_records(list(v1[t][:items])) for t in tasks})

    return make
