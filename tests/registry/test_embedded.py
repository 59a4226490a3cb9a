"""The embedded default registry (no --registry): SQLite in the user data dir, in-process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def test_cli_without_a_registry_url_uses_the_embedded_log(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }

    def det(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "detente", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    assert det("keygen", "--out", str(tmp_path / "k")).returncode == 0
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "toy"}')
    key = str(tmp_path / "k" / "detente.key")
    assert det("check", str(model)).returncode == 4  # unknown
    assert det("registry", "claim", "acme/emb", "--key", key).returncode == 0
    out = det("publish", str(model), "--namespace", "acme/emb", "--version", "1.0", "--key", key)
    assert out.returncode == 0, out.stderr
    out = det("check", str(model), "--format", "json")
    assert out.returncode == 0 and '"status": "current"' in out.stdout
    assert (tmp_path / "data" / "detente" / "registry.sqlite3").exists()
    log_key = tmp_path / "config" / "detente" / "registry-log.key"
    assert stat.S_IMODE(log_key.stat().st_mode) == 0o600
