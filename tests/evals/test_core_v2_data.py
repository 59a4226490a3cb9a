"""detente-core v2: the bilingual (English + Simplified Chinese) datasets and their build.

The v2 files are built by scripts/build_core_v2.py from v1 and the translation sources in
scripts/core_v2/; these tests check the shipped result mechanically: parallel items, English
equal to v1, protected fields (tags, canaries, tool names, judge specs, code) identical across
languages, Chinese text actually Chinese, and a rebuild reproducing the files byte for byte.
Translation quality (meaning, register) is reviewed by people, not here.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from detente.evals import build_manifest, load_suite

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src/detente/evals/data"
V1, V2 = DATA / "detente-core-v1", DATA / "detente-core-v2"
V1_DIGEST = "sha256:75164b2e5531a44a73a54803fca7c366395bc517df3ba0d8761d44912ff0b07a"
BOOKKEEPING = {"id", "item", "lang", "origin", "version", "pair_id"}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# What may stay Latin inside a Chinese text: code spans, URLs, e-mail addresses, markers.
LATIN_OK = re.compile(
    r"```.*?```|`[^`]*`|https?://\S+|[\w.+-]+@[\w.-]+|CANARY-[0-9a-f]+|<[^>]*>|[A-Za-z0-9+/]{24,}=*",
    re.S,
)


def _script(name: str, path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _script("build_core_v2", "scripts/build_core_v2.py")


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _datasets() -> list[str]:
    return sorted(p.stem for p in V2.glob("*.jsonl"))


def _v1(dataset: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in _read(V1 / f"{dataset}.jsonl")}


def _pairs(dataset: str) -> dict[str, dict[str, dict[str, Any]]]:
    by_item: dict[str, dict[str, dict[str, Any]]] = {}
    for r in _read(V2 / f"{dataset}.jsonl"):
        by_item.setdefault(r["item"], {})[r["lang"]] = r
    return by_item


def test_v1_is_unchanged() -> None:
    assert load_suite("detente-core", "1").digest == V1_DIGEST


def test_v2_loads_and_matches_its_manifest() -> None:
    suite = load_suite("detente-core", "2")
    assert suite.name == "detente-core" and suite.version.split(".")[0] == "2"
    assert suite.digest != V1_DIGEST
    assert sorted(suite.datasets) == _datasets()
    assert "social_engineering" in suite.datasets


def test_rebuilding_reproduces_the_files(tmp_path: Path) -> None:
    out = BUILD.build()
    assert sorted(out) == _datasets()
    manifest = BUILD.write(tmp_path, out)
    for name in [*_datasets(), "manifest"]:
        suffix = ".json" if name == "manifest" else ".jsonl"
        assert (tmp_path / f"{name}{suffix}").read_bytes() == (V2 / f"{name}{suffix}").read_bytes()
    assert manifest == build_manifest(V2, "detente-core", manifest["version"])


@pytest.mark.parametrize("dataset", _datasets())
def test_every_item_in_both_languages_sorted(dataset: str) -> None:
    records = _read(V2 / f"{dataset}.jsonl")
    assert [(r["item"], r["lang"]) for r in records] == sorted(
        (r["item"], r["lang"]) for r in records
    )
    for item, langs in _pairs(dataset).items():
        assert sorted(langs) == ["en", "zh"], item
        for lang, r in langs.items():
            assert r["id"] == f"{item}.{lang}" and r["version"] == 2
            assert r["origin"] in ("v1", "zh-context")
    v1_items = {i for i, langs in _pairs(dataset).items() if langs["en"]["origin"] == "v1"}
    assert v1_items == set(_v1(dataset)), "every v1 item is translated, none invented as v1"


@pytest.mark.parametrize("dataset", _datasets())
def test_english_is_v1_and_protected_fields_match(dataset: str) -> None:
    v1 = _v1(dataset)
    translated = set(BUILD.TRANSLATED[dataset])
    for item, langs in _pairs(dataset).items():
        en, zh = langs["en"], langs["zh"]
        assert set(en) == set(zh)
        if en["origin"] == "v1":
            base = v1[item]
            assert {k: v for k, v in en.items() if k not in BOOKKEEPING} == {
                k: v for k, v in base.items() if k not in BOOKKEEPING
            }
            assert set(en) - BOOKKEEPING == set(base) - BOOKKEEPING
        for key in set(en) - translated - {"id", "lang"}:
            if key == "pair_id" and en[key] is not None:
                assert en[key].removesuffix(".en") == zh[key].removesuffix(".zh")
                assert en[key].endswith(".en") and zh[key].endswith(".zh")
            else:
                assert en[key] == zh[key], (item, key)
        for key in translated:
            assert (en.get(key) is None) == (zh.get(key) is None), (item, key)


def _mostly_chinese(text: str) -> bool:
    rest = LATIN_OK.sub(" ", text)
    cjk = len(CJK.findall(rest))
    words = len(re.findall(r"[A-Za-z]{2,}", rest))
    return cjk > 0 and cjk >= words


@pytest.mark.parametrize("dataset", _datasets())
def test_chinese_text_is_chinese(dataset: str) -> None:
    for item, langs in _pairs(dataset).items():
        for key in BUILD.TRANSLATED[dataset]:
            text, en = langs["zh"].get(key), langs["en"]
            if text is None:
                continue
            if BUILD.verbatim_ok(dataset, en, key) and text == en[key]:
                continue  # never English: a lang-* payload, the German letter
            assert text != en[key]
            if en[key].startswith(BUILD.GERMAN_LETTER):  # the letter stays German, the rest not
                kept = set(en[key].splitlines())
                text = "\n".join(line for line in text.splitlines() if line not in kept)
            assert _mostly_chinese(text), (item, key, text[:80])


def test_injection_markers_survive_translation() -> None:
    if "prompt_injection" not in _datasets():
        pytest.skip("prompt_injection not yet in v2")
    fields = ("system", "user", "tool_output")
    for item, langs in _pairs("prompt_injection").items():
        en, zh = langs["en"], langs["zh"]
        markers = [en["canary"], en.get("tool_name") or "", *_judge_strings(en["judge"])]
        for field in fields:
            for marker in filter(None, markers):
                if marker in (en[field] or ""):
                    assert marker in (zh[field] or ""), (item, field, marker)


def _judge_strings(judge: dict[str, Any]) -> list[str]:
    return [str(judge[k]) for k in ("value", "name") if k in judge]


def _all_records() -> dict[str, dict[str, Any]]:
    return {r["id"]: r for ds in _datasets() for r in _read(V2 / f"{ds}.jsonl")}


def test_pairs_name_same_language_records() -> None:
    records = _all_records()
    for rid, r in records.items():
        pair = r.get("pair_id")
        if pair is None:
            continue
        if pair[:2] in {p[:2] for p in records}:  # the paired dataset is built
            assert pair in records, rid
            assert records[pair]["lang"] == r["lang"]


def test_chinese_context_items() -> None:
    """New items for Chinese-language risks: both languages, malicious paired with benign."""
    records = _all_records()
    new = {rid: r for rid, r in records.items() if r["origin"] == "zh-context"}
    malicious = {
        r["item"] for r in new.values() if r.get("kind") == "malicious" or "tactic_name" in r
    }
    benign = {r["item"] for r in new.values() if r["item"] not in malicious}
    assert len(malicious) >= 20 and len(benign) >= 20
    for r in new.values():
        other = records[r["pair_id"]]
        assert other["origin"] == "zh-context" and other["pair_id"] == r["id"]
        assert (r["item"] in malicious) != (other["item"] in malicious), r["id"]
        text = r["input"]
        cjk = len(CJK.findall(text))
        if r["lang"] == "en":  # English, with at most a Chinese term glossed in brackets
            assert cjk <= 0.1 * len(text), r["id"]
        else:
            assert _mostly_chinese(text), r["id"]
    assert {r["item"][:2] for r in new.values()} == {"cm", "fr", "se"}


def test_injection_translations_are_generated_from_the_v1_templates() -> None:
    gen = _script("gen_zh_prompt_injection", "scripts/core_v2/gen_zh_prompt_injection.py")
    assert gen.zh_lines() == (BUILD.SOURCES / "zh_prompt_injection.jsonl").read_text("utf-8")


def _copy_sources(tmp_path: Path) -> Path:
    sources = tmp_path / "core_v2"
    shutil.copytree(BUILD.SOURCES, sources)
    return sources


def test_build_fails_on_a_missing_translation(tmp_path: Path) -> None:
    sources = _copy_sources(tmp_path)
    path = sources / "zh_social_engineering.jsonl"
    path.write_text("".join(path.read_text("utf-8").splitlines(True)[1:]), "utf-8")
    with pytest.raises(BUILD.BuildError, match="untranslated"):
        BUILD.build(sources)


def test_build_fails_on_an_extra_field_or_english_left_in(tmp_path: Path) -> None:
    sources = _copy_sources(tmp_path)
    path = sources / "zh_social_engineering.jsonl"
    lines = path.read_text("utf-8").splitlines(True)
    first = json.loads(lines[0])
    for bad, problem in (
        ({**first, "kind": "benign"}, "fields"),
        ({**first, "input": "Hi"}, "Chinese"),
    ):
        path.write_text(json.dumps(bad, ensure_ascii=False) + "\n" + "".join(lines[1:]), "utf-8")
        with pytest.raises(BUILD.BuildError, match=problem):
            BUILD.build(sources)


def test_build_fails_on_an_extra_item(tmp_path: Path) -> None:
    sources = _copy_sources(tmp_path)
    path = sources / "zh_social_engineering.jsonl"
    extra = json.dumps({"item": "se-999", "input": "多出来的条目"}, ensure_ascii=False)
    path.write_text(path.read_text("utf-8") + extra + "\n", "utf-8")
    with pytest.raises(BUILD.BuildError, match="not in v1"):
        BUILD.build(sources)
