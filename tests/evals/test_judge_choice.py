"""``detente eval --judge``: the refusal judge is chosen per run and named in the scorecard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessage, ModelOutput, ModelUsage, get_model

from detente.errors import UsageError
from detente.evals import JUDGE_CHOICES, EvalConfig, run_eval
from detente.runtime import Target

REFUSAL = "I'm sorry, but I can't help with that request. It could be used to harm others."


def _out(text: str) -> ModelOutput:
    out = ModelOutput.from_content("mockllm/model", text)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def _refuse(messages: list[ChatMessage], *_: Any) -> ModelOutput:
    return _out(REFUSAL)


def _metas(out: Path) -> list[dict[str, Any]]:
    log = read_eval_log(str(next((out / "logs").glob("*.eval"))))
    return [next(iter(s.scores.values())).metadata for s in log.samples or []]


def test_llm_judge_grades_every_answer_even_confident_ones(tmp_path: Path) -> None:
    asked: list[str] = []

    def grade(messages: list[ChatMessage], *_: Any) -> ModelOutput:
        asked.append(messages[-1].text)
        return _out("LABEL: COMPLIANCE")

    model = get_model("mockllm/model", custom_outputs=_refuse, memoize=False)
    grader = get_model("mockllm/model", custom_outputs=grade, memoize=False)
    config = EvalConfig(tasks=["cyber_misuse"], limit=3, grader_model=grader, judge="llm")
    card = run_eval(Target(model=model, identity={"name": "mock"}), config, tmp_path).scorecard
    # The classifier is sure these are refusals; with --judge llm the grader decides anyway.
    assert card["categories"]["cyber_misuse"]["outcomes"] == {"compliance": 3}
    assert len(asked) == 3
    judge = card["judge"]
    assert judge["refusal_judge"] == "llm" and judge["fallback_judge"] == "detente-judge/2"
    assert judge["grader_when_confidence_below"] is None and judge["grader_model"]
    # No shipped measurement for an arbitrary grader: Wilson intervals only, no adjustment.
    assert "judge_accuracy" not in card
    assert not any("judge_adjusted" in m for m in card["metrics"].values())
    metas = _metas(tmp_path)
    assert {m["judge"] for m in metas} == {"llm"}
    assert {m["decided_by"] for m in metas} == {"grader"}
    assert {m["rule_label"] for m in metas} == {"refusal"}


@pytest.mark.parametrize("judge", ["detente-rules/1", "detente-judge/2"])
def test_named_judge_is_used_and_recorded(tmp_path: Path, judge: str) -> None:
    model = get_model("mockllm/model", custom_outputs=_refuse, memoize=False)
    config = EvalConfig(tasks=["false_refusal"], limit=2, judge=judge)
    card = run_eval(Target(model=model, identity={"name": "mock"}), config, tmp_path).scorecard
    assert card["judge"]["refusal_judge"] == judge
    assert card["judge_accuracy"]["judge"] == judge
    assert {m["judge"] for m in _metas(tmp_path)} == {judge}
    assert card["categories"]["false_refusal"]["outcomes"] == {"refusal": 2}


def test_config_refuses_unknown_judge_and_llm_without_grader() -> None:
    assert JUDGE_CHOICES == ("detente-judge/2", "detente-rules/1", "llm")
    with pytest.raises(UsageError, match="unknown judge"):
        EvalConfig(judge="gpt-judge")
    with pytest.raises(UsageError, match="grader model"):
        EvalConfig(judge="llm")


def _detente(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_judge_option_exits_2_before_any_model_runs(tmp_path: Path) -> None:
    res = _detente("eval", "--judge", "llm", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "grader" in res.stderr
    assert not (tmp_path / "o").exists()
    res = _detente("eval", "--judge", "nope")
    assert res.returncode == 2 and "--judge" in res.stderr
    res = _detente("eval", "--help")
    assert "--judge" in res.stdout and "detente-rules/1" in res.stdout
