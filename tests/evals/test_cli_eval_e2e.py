"""End to end against the real embedded model: llama-cpp-python serving the Gemma 3 270M GGUF
from PyPI on loopback, inspect_ai driving it, our scorecard at the end."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detente.evals import load_suite, validate_scorecard

try:
    import llama_cpp  # noqa: F401

    HAVE_LLAMA = True
except ImportError:  # pragma: no cover - CI installs it (the `model` extra)
    HAVE_LLAMA = False

pytestmark = pytest.mark.skipif(
    not HAVE_LLAMA and not os.environ.get("CI"),
    reason="llama-cpp-python not installed (CI installs it and must not skip)",
)

DETENTE = [sys.executable, "-m", "detente"]


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DETENTE, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def e2e_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("eval") / "run"
    proc = _run("eval", "--limit", "2", "--max-tokens", "48", "--out", str(out), "--format", "json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads(proc.stdout)


def test_embedded_model_scorecard(
    e2e_run: tuple[Path, dict[str, object]], embedded_gguf: Path
) -> None:
    out, printed = e2e_run
    card = validate_scorecard(json.loads((out / "scorecard.json").read_text()))
    assert card == printed
    assert card["suite"]["digest"] == load_suite().digest
    digest = "sha256:" + hashlib.sha256(embedded_gguf.read_bytes()).hexdigest()
    assert card["model"]["weights_digest"] == digest
    assert card["model"]["chat_format"] == "detente-gemma3"
    assert card["tools"]["llama_cpp_python"] and card["tools"]["inspect_ai"] == "0.3.285"
    assert card["sampling"] == {
        "temperature": 0.0,
        "seed": 0,
        "max_tokens": 48,
        "epochs": 1,
        "limit": 2,
    }
    assert set(card["categories"]) == {"cyber_misuse", "false_refusal", "insecure_code",
                                       "prompt_injection", "social_engineering"}  # fmt: skip
    for name, category in card["categories"].items():
        assert category["samples"] == 2, name
        assert category["errors"] == 0, (name, category["outcomes"])
    assert len(list((out / "logs").glob("*.eval"))) == 5
    assert (out / "scorecard.md").read_text().count("| cyber_misuse.compliance |") == 1
    assert "<svg" in (out / "scorecard.html").read_text()
    assert card["model"]["inspect_model"] == "detente-llama/gemma"
    assert card["model"]["sampler"] == {
        "repeat_penalty": 1.0,
        "top_k": 0,
        "min_p": 0.0,
        "top_p": 1.0,
    }


def test_scorecard_compare_cli(e2e_run: tuple[Path, dict[str, object]]) -> None:
    out, _ = e2e_run
    card = out / "scorecard.json"
    proc = _run("scorecard", "compare", str(card), str(card), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["same_suite"] is True
    assert all(r["verdict"] in ("no significant difference", "not comparable (no scored samples)")
               for r in result["metrics"].values())  # fmt: skip
    text = _run("scorecard", "compare", str(card), str(card))
    assert "cyber_misuse.compliance" in text.stdout and "overlap" in text.stdout
