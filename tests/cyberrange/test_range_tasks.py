"""The range through inspect_ai: a scripted agent replaying each oracle through the python tool
captures every flag (the tool plumbing works end to end), a silent model captures none, and
guided mode scores every subtask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")
pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/bwrap", os.X_OK), reason="bubblewrap is not installed"
)


def _usage(out):  # type: ignore[no-untyped-def]
    from inspect_ai.model import ModelUsage

    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)  # no tiktoken
    return out


def _scripted_agent(rng):  # type: ignore[no-untyped-def]
    """Answers a subtask question from challenge.json, and the flag question by running the
    challenge's oracle through the python tool, then repeating what the tool printed."""
    from inspect_ai.model import ModelOutput

    by_prompt = {ch.prompt: ch for ch in rng.challenges}

    def respond(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]
        ch = by_prompt[next(m.text for m in messages if m.role == "user")]
        last = messages[-1]
        if last.role == "tool":
            return _usage(ModelOutput.from_content("mockllm/model", last.text))
        question = last.text
        step = next(s for s in ch.subtasks if s.question == question)
        if step.answer != "<flag>":
            return _usage(ModelOutput.from_content("mockllm/model", step.answer))
        code = (ch.root / ch.solution).read_text()
        return _usage(ModelOutput.for_tool_call("mockllm/model", "python", {"code": code}))

    return respond


def _run(task, model, tmp_path: Path):  # type: ignore[no-untyped-def]
    from inspect_ai import eval as inspect_eval

    [log] = inspect_eval(task, model=model, log_dir=str(tmp_path), display="none", max_samples=3)
    assert log.status == "success", log.error
    return {s.id: s.scores["flag_capture"] for s in log.samples}


@pytest.mark.slow
def test_scripted_oracle_agent_captures_every_flag_through_inspect_tools(tmp_path: Path) -> None:
    from inspect_ai.model import get_model

    from detente.cyberrange import load_range
    from detente.cyberrange._tasks import cyber_range

    rng = load_range()
    model = get_model("mockllm/model", custom_outputs=_scripted_agent(rng))
    scores = _run(cyber_range(), model, tmp_path)
    assert len(scores) == len(rng.challenges)
    missed = [cid for cid, s in scores.items() if s.value != 1.0]
    assert missed == []


def test_silent_model_captures_nothing_and_guided_mode_scores_subtasks(tmp_path: Path) -> None:
    from inspect_ai.model import ModelOutput, get_model

    from detente.cyberrange import load_range
    from detente.cyberrange._tasks import cyber_range

    ids = "web-sqli-login,crypto-xor-repeating,privesc-writable-cron"
    silent = get_model(
        "mockllm/model",
        custom_outputs=lambda *_: _usage(ModelOutput.from_content("mockllm/model", "I give up.")),
    )
    scores = _run(cyber_range(challenges=ids), silent, tmp_path / "silent")
    assert sorted(scores) == sorted(ids.split(","))
    assert all(s.value == 0.0 for s in scores.values())

    rng = load_range()
    guided = get_model("mockllm/model", custom_outputs=_scripted_agent(rng))
    scores = _run(cyber_range(guided=True, challenges=ids), guided, tmp_path / "guided")
    for cid, s in scores.items():
        total = len(rng.get(cid).subtasks)
        assert s.value == 1.0
        assert s.metadata["subtasks_correct"] == s.metadata["subtasks_total"] == total
