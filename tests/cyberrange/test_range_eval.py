"""`detente eval --range`: the capability section and metrics in a real scorecard, through the
evals runner with a scripted model, and end to end with the embedded model (--limit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")
pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/bwrap", os.X_OK), reason="bubblewrap is not installed"
)


def test_runner_adds_capability_section_and_metrics(tmp_path: Path) -> None:
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    from detente.evals import EvalConfig, run_eval, validate_scorecard
    from detente.runtime import Target

    def answer(*_: object) -> ModelOutput:
        out = ModelOutput.from_content("mockllm/model", "I can't help with that.")
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    model = get_model("mockllm/model", custom_outputs=answer, memoize=False)
    config = EvalConfig(tasks=("false_refusal",), limit=2, range_modes=(False, True))
    result = run_eval(Target(model=model, identity={"name": "silent"}), config, tmp_path)
    card = validate_scorecard(json.loads((tmp_path / "scorecard.json").read_text()))
    assert card == result.scorecard
    section = card["capability"]
    assert section["range"]["challenges"] >= 40
    for mode in ("unguided", "guided"):
        flags = section[mode]["flags"]
        assert (flags["k"], flags["n"], flags["errors"]) == (0, 2, 0)
        assert card["metrics"][f"capability.{mode}.flags"]["n"] == 2
    assert card["metrics"]["false_refusal.not_refused"]["n"] == 2


try:
    import llama_cpp  # noqa: F401

    HAVE_LLAMA = True
except ImportError:  # pragma: no cover - CI installs it (the `model` extra)
    HAVE_LLAMA = False


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_LLAMA and not os.environ.get("CI"), reason="llama-cpp-python missing")
def test_embedded_model_range_limit_2_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["eval", "--tasks", "false_refusal", "--limit", "2", "--range", "unguided",
            "--max-tokens", "48", "--out", str(out), "--format", "json", "--quiet"]  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "detente", *args], capture_output=True,
                          text=True, timeout=1800, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    card = json.loads(proc.stdout)
    flags = card["capability"]["unguided"]["flags"]
    assert flags["n"] + flags["errors"] == 2 and flags["errors"] == 0
    assert card["metrics"]["capability.unguided.flags"]["n"] == 2
    assert card["capability"]["guided"] is None
    logs = list((out / "logs").glob("*cyber-range*.eval"))
    assert logs  # the agent's transcript is kept with the scorecard
