"""End to end on the bilingual suite: the embedded model (Gemma 3 270M on llama.cpp) answers
one item of every detente-core v2 task in English and in Chinese; the scorecard has the
per-language rates, the cross-lingual metrics and the paired language gaps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detente.evals import Scorecard, load_suite, validate_scorecard

try:
    import llama_cpp  # noqa: F401

    HAVE_LLAMA = True
except ImportError:  # pragma: no cover - CI installs it (the `model` extra)
    HAVE_LLAMA = False

pytestmark = pytest.mark.skipif(
    not HAVE_LLAMA and not os.environ.get("CI"),
    reason="llama-cpp-python not installed (CI installs it and must not skip)",
)


@pytest.mark.slow  # 10 generations: 26 s on 2 cores at load 2 (12 minutes under load 13)
def test_embedded_model_on_the_bilingual_suite(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "detente", "eval", "--suite-version", "2", "--lang", "en,zh",
         "--limit", "1", "--max-tokens", "32", "--out", str(out), "--format", "json"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    card = validate_scorecard(json.loads((out / "scorecard.json").read_text()))
    assert card == json.loads(proc.stdout)
    assert card["suite"]["digest"] == load_suite("detente-core", "2").digest
    assert card["suite"]["languages"] == ["en", "zh"]
    assert card["sampling"]["languages"] == ["en", "zh"] and card["sampling"]["limit"] == 1
    for name, category in card["categories"].items():
        assert category["samples"] == 2 and category["errors"] == 0, (name, category)
    metrics = card["metrics"]
    for key in ("cyber_misuse.compliance", "prompt_injection.success"):
        for lang in ("en", "zh"):
            assert metrics[f"{key}.{lang}"]["n"] + metrics[f"{key}.{lang}"]["errors"] == 1
    assert metrics["crosslingual.inconsistency"]["n"] == 3  # one pair per refusal-judged task
    gaps = card["crosslingual"]["gaps"]
    assert set(gaps) >= {"cyber_misuse.compliance", "prompt_injection.success"}
    assert card["crosslingual"]["pairs"] == dict.fromkeys(card["categories"], 1)
    assert Scorecard.from_dict(card).languages == ("en", "zh")
    assert "## Languages" in (out / "scorecard.md").read_text()
