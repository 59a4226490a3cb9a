"""detente-core v2 plumbing: the bilingual record format, language selection, pair-keeping
order and a run through inspect_ai (mockllm) that answers differently per language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inspect_ai.model import ChatMessage, ModelOutput, ModelUsage, get_model
from tests.evals.conftest import (  # type: ignore[import-not-found]
    ZH_MARK,
    MakeSuite,
    v2_records,
    write_suite,
)

from detente.errors import FormatError, UsageError
from detente.evals import (
    EvalConfig,
    Scorecard,
    build_manifest,
    expected_samples,
    load_suite,
    run_eval,
    validate_scorecard,
)
from detente.evals._suite import choose_languages, load_suite_dir
from detente.evals._tasks import ordered_records
from detente.runtime import Target

V1_DIGEST = "sha256:75164b2e5531a44a73a54803fca7c366395bc517df3ba0d8761d44912ff0b07a"


def test_v1_is_unchanged_and_has_no_language_dimension() -> None:
    suite = load_suite()
    assert suite.digest == V1_DIGEST
    assert suite.languages == ()
    assert "languages" not in suite.identity()
    assert choose_languages(suite) == ()
    with pytest.raises(UsageError, match="no language dimension"):
        choose_languages(suite, ["zh"])


def test_a_v2_suite_loads_with_both_languages(make_v2_suite: MakeSuite) -> None:
    suite = load_suite_dir(make_v2_suite(items=3))
    assert suite.version == "2.0.0" and suite.languages == ("en", "zh")
    assert suite.identity()["languages"] == ["en", "zh"]
    assert len(suite.datasets["cyber_misuse"]) == 6
    assert suite.digest != V1_DIGEST
    assert choose_languages(suite, ["zh"]) == ("zh",)
    assert choose_languages(suite, ["zh", "en"]) == ("en", "zh")  # the suite's order
    with pytest.raises(UsageError, match="fr"):
        choose_languages(suite, ["fr"])


def _one(**changes: Any) -> list[dict[str, Any]]:
    """Two items (4 records) of cyber_misuse in v2 form, the third record changed."""
    records = v2_records(list(load_suite().datasets["cyber_misuse"][:2]))
    records[2] = {**records[2], **changes}
    return [{k: v for k, v in r.items() if v is not None} for r in records]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"lang": "fr", "id": "cm-002.fr"},
            r":3 \(cm-002.fr\): field 'lang' must be one of en, zh",
        ),
        ({"lang": None}, r":3 .*field 'lang'"),
        ({"id": "cm-002"}, r":3 \(cm-002\): field 'id' must be '<item>.<lang>' \(cm-002.en\)"),
        ({"item": "cm 2"}, r":3 .*field 'item' must match"),
        ({"version": 1}, r":3 \(cm-002.en\): 'version' must be 2"),
        ({"version": True}, r":3 .*'version' must be 2"),
        ({"origin": "machine"}, r":3 .*field 'origin' must be one of v1, zh-context"),
        ({"pair_id": "fr-002.zh"}, r":3 .*field 'pair_id' must name a record of the same language"),
        ({"tactic": "TA6"}, r":3 .*field 'tactic'"),  # the v1 fields are still checked
        # cm-002.en renamed to a third item: cm-009 (first seen on line 3) has no zh record
        ({"item": "cm-009", "id": "cm-009.en"}, r":3 \(item cm-009\): no zh record"),
    ],
)
def test_malformed_v2_records_name_file_and_line(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(FormatError, match=r"cyber_misuse\.jsonl" + message):
        write_suite(tmp_path / "bad", {"cyber_misuse": _one(**changes)})


def test_a_missing_translation_names_the_item(tmp_path: Path) -> None:
    records = v2_records(list(load_suite().datasets["cyber_misuse"][:3]))
    del records[3]  # cm-002.zh
    with pytest.raises(FormatError, match=r"cyber_misuse\.jsonl:3 \(item cm-002\): no zh record"):
        write_suite(tmp_path / "bad", {"cyber_misuse": records})


def test_v1_records_in_a_v2_suite_are_refused(tmp_path: Path) -> None:
    directory = tmp_path / "mixed"
    directory.mkdir()
    records = load_suite().datasets["false_refusal"][:2]
    (directory / "false_refusal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(FormatError, match=r"false_refusal\.jsonl.*'version' must be 2"):
        build_manifest(directory, "detente-core", "2.0.0")


def test_the_cli_refuses_a_bad_language_before_loading_a_model(make_v2_suite: MakeSuite) -> None:
    from click.testing import CliRunner

    from detente.cli import cli

    def refused(*args: str) -> str:
        r = CliRunner().invoke(cli, ["eval", *args], standalone_mode=False)
        assert getattr(r.exception, "exit_code", None) == 2, (r.output, r.exception)
        return str(r.exception)

    assert "no language dimension" in refused("--lang", "zh", "--limit", "1")
    suite = str(make_v2_suite(items=2))
    assert "fr" in refused("--suite-version", "2", "--suite-dir", suite, "--lang", "en,fr")
    # a v2 directory under the default --suite-version 1
    assert "v2.0.0, not detente-core v1" in refused("--suite-dir", suite)


def test_order_keeps_the_languages_of_an_item_together(make_v2_suite: MakeSuite) -> None:
    suite = load_suite_dir(make_v2_suite(items=8))
    both = ordered_records(suite, "prompt_injection")
    assert [r["lang"] for r in both] == ["en", "zh"] * 8
    assert all(both[i]["item"] == both[i + 1]["item"] for i in range(0, 16, 2))
    # items are still interleaved over the breakdown field (kind), as in v1
    kinds = [r["kind"] for r in both[::2]]
    assert len(set(kinds[:2])) == len(set(kinds)), kinds
    assert [r["lang"] for r in ordered_records(suite, "prompt_injection", ["zh"])] == ["zh"] * 8


def test_limit_counts_items_in_every_language(make_v2_suite: MakeSuite) -> None:
    directory = str(make_v2_suite(items=5))
    both = EvalConfig(limit=2, suite_version="2", suite_dir=directory)
    assert both.languages() == ("en", "zh") and both.inspect_limit() == 4
    assert expected_samples(both) == dict.fromkeys(
        ["cyber_misuse", "false_refusal", "insecure_code", "prompt_injection",
         "social_engineering"], 4)  # fmt: skip
    zh = EvalConfig(limit=9, suite_version="2", suite_dir=directory, langs=("zh",))
    assert zh.inspect_limit() == 9 and expected_samples(zh)["cyber_misuse"] == 5
    v1 = EvalConfig(limit=3)
    assert v1.languages() == () and v1.inspect_limit() == 3


REFUSAL = "I'm sorry, but I can't help with that request. It could be used to harm others."
COMPLIANCE = (
    "Sure, here is how to do it:\n1. First, run the scanner against the target range.\n"
    "2. Then collect the results.\n```bash\nnmap -sS -p- 10.0.0.0/24 -oA out\n```\n"
    "3. Finally, parse the output and pick the hosts."
)


def _out(text: str) -> ModelOutput:
    out = ModelOutput.from_content("mockllm/model", text)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def _refuses_english_only(messages: list[ChatMessage], *_: Any) -> ModelOutput:
    """A model that is safe in English and helps with anything asked in Chinese."""
    return _out(COMPLIANCE if ZH_MARK in messages[-1].text else REFUSAL)


def test_a_bilingual_run_scores_each_language_and_the_pairs(
    make_v2_suite: MakeSuite, tmp_path: Path
) -> None:
    directory = make_v2_suite(items=6, tasks=("cyber_misuse", "false_refusal"))
    model = get_model("mockllm/model", custom_outputs=_refuses_english_only, memoize=False)
    config = EvalConfig(limit=3, suite_version="2", suite_dir=str(directory))
    result = run_eval(Target(model=model, identity={"name": "mock"}), config, tmp_path / "run")
    card = validate_scorecard(json.loads((tmp_path / "run/scorecard.json").read_text()))
    assert card == result.scorecard
    assert card["suite"]["version"] == "2.0.0" and card["suite"]["languages"] == ["en", "zh"]
    assert card["sampling"]["languages"] == ["en", "zh"] and card["sampling"]["limit"] == 3
    assert card["categories"]["cyber_misuse"]["samples"] == 6  # 3 items x 2 languages
    m = card["metrics"]
    # English refused everything, Chinese helped with everything
    assert (m["cyber_misuse.compliance"]["k"], m["cyber_misuse.compliance"]["n"]) == (3, 6)
    assert (m["cyber_misuse.compliance.en"]["k"], m["cyber_misuse.compliance.en"]["n"]) == (0, 3)
    assert (m["cyber_misuse.compliance.zh"]["k"], m["cyber_misuse.compliance.zh"]["n"]) == (3, 3)
    assert m["cyber_misuse.compliance.zh"]["lang"] == "zh"
    assert m["cyber_misuse.compliance.zh"]["of"] == "cyber_misuse.compliance"
    assert "judge_adjusted" in m["cyber_misuse.compliance.zh"]  # judge error per language too
    assert (m["crosslingual.inconsistency"]["k"], m["crosslingual.inconsistency"]["n"]) == (6, 6)
    assert (m["false_refusal.inconsistency"]["k"], m["false_refusal.inconsistency"]["n"]) == (3, 3)
    gap = card["crosslingual"]["gaps"]["cyber_misuse.compliance"]
    assert gap["gap"] == 1.0 and gap["pairs"] == 3 and gap["lang"] == "zh"
    assert gap["table"] == {"both": 0, "only_other": 3, "only_ref": 0, "neither": 0}
    assert card["crosslingual"]["pairs"] == {"cyber_misuse": 3, "false_refusal": 3}
    # every sample's language is in its metadata
    from inspect_ai.log import read_eval_log

    log = read_eval_log(str(result.log_files[0]))
    assert [s.metadata["lang"] for s in log.samples or []] == ["en", "zh"] * 3
    assert len({s.metadata["item"] for s in log.samples or []}) == 3
    # rendered: a small per-language table, per-language rows kept out of the summary
    md = (tmp_path / "run/scorecard.md").read_text()
    assert "## Languages" in md and "| cyber_misuse.compliance | 0.0% [0.0, 56.1] (0/3) |" in md
    assert "| cyber_misuse.compliance.zh |" not in md
    assert "<h2>Languages</h2>" in (tmp_path / "run/scorecard.html").read_text()
    # the typed model exposes the gaps; the document round-trips unchanged
    typed = Scorecard.from_dict(card)
    assert typed.languages == ("en", "zh")
    assert typed.gaps["cyber_misuse.compliance"].ci95[1] == 1.0
    assert typed.to_dict() == card


_FIELD = st.none() | st.booleans() | st.integers(-2, 3) | st.sampled_from(
    ["en", "zh", "fr", "cm-001", "cm-001.en", "cm-001.zh", "v1", "zh-context", "", "TA0001",
     "T1595", "x.zh"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["id", "item", "lang", "version", "origin",
                                                 "pair_id", "input", "tactic", "tactic_name",
                                                 "technique"]), _FIELD), max_size=4))  # fmt: skip
def test_the_v2_parser_only_raises_format_errors(records: list[dict[str, Any]]) -> None:
    from detente.evals._suite import _parse_records

    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    try:
        parsed = _parse_records("cyber_misuse", Path("cm.jsonl"), data, major=2)
    except FormatError:
        return
    items = {r["item"] for r in parsed}
    assert all({(i, lang) for lang in ("en", "zh")} <= {(r["item"], r["lang"]) for r in parsed}
               for i in items)  # fmt: skip


def test_inspect_task_arguments_may_give_the_version_as_a_number() -> None:
    # `inspect eval detente/false_refusal -T version=2 -T lang=zh` passes version=2 (an int)
    from detente.evals._tasks import false_refusal

    task = false_refusal(version=2, lang="zh")  # type: ignore[arg-type]
    ids = [s.id for s in task.dataset]
    assert ids[:2] == ["fr-001.zh", "fr-002.zh"] and all(str(i).endswith(".zh") for i in ids)
