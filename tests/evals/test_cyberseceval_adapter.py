"""The CyberSecEval adapter: a clear error without inspect_evals; the task list when present.
Running the tasks needs the internet (their datasets come from the hub), so CI never does."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from detente.errors import InputError
from detente.evals._cyberseceval import available_tasks

HAVE = importlib.util.find_spec("inspect_evals") is not None


@pytest.mark.skipif(HAVE, reason="inspect_evals is installed")
def test_missing_package_is_an_input_error_naming_the_fix() -> None:
    with pytest.raises(InputError, match="pip install inspect-evals"):
        available_tasks()
    proc = subprocess.run([sys.executable, "-m", "detente", "eval", "--cyberseceval", "--limit", "1"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 2 and "inspect-evals" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not HAVE, reason="inspect_evals not installed (optional, online only)")
def test_tasks_are_discovered_from_inspect_evals() -> None:  # pragma: no cover - not in CI
    names = available_tasks()
    assert names and all("cyse" in n for n in names)
