"""Optional extras: a missing one is a usage error (exit 2) naming the extra, never a bug (3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from detente.env import OPTIONAL_MODULES, config_dir, data_dir, missing_dependency, require
from detente.errors import MissingDependency


def test_require_names_the_extra() -> None:
    with pytest.raises(MissingDependency) as info:
        require("detente_no_such_module_xyz", "evals", "the evaluation suite")
    assert info.value.exit_code == 2
    assert "pip install 'detente[evals]'" in str(info.value)
    assert "the evaluation suite" in str(info.value)


def test_only_known_optional_modules_are_mapped() -> None:
    assert missing_dependency(ModuleNotFoundError(name="inspect_ai.model")) is not None
    assert OPTIONAL_MODULES["inspect_ai"] == "evals"
    # an import failure of anything else stays a bug (exit 3)
    assert missing_dependency(ModuleNotFoundError(name="detente.nonexistent")) is None


def test_the_cli_maps_a_missing_extra_to_exit_2(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(
        "import click\n"
        "from detente.cli._common import run_guarded\n"
        "@click.group()\ndef g():\n    pass\n"
        "@g.command()\ndef go():\n    raise ModuleNotFoundError(\"No module named 'fastapi'\", name='fastapi')\n"
        "@g.command()\ndef bug():\n    raise ModuleNotFoundError(\"No module named 'nope'\", name='nope')\n"
        "run_guarded(g)\n",
        "utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(script), "go"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2 and "pip install 'detente[registry]'" in out.stderr
    out = subprocess.run(
        [sys.executable, str(script), "bug"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 3 and "internal error" in out.stderr


def test_user_directories_follow_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    assert config_dir() == tmp_path / "c" / "detente"
    assert data_dir() == tmp_path / "d" / "detente"
