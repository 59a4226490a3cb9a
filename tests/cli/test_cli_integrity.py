from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DETENTE = [sys.executable, "-m", "detente"]


def run(*args: str, check: int | None = None) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*DETENTE, *args], capture_output=True, text=True, check=False)
    if check is not None:
        assert out.returncode == check, out.stdout + out.stderr
    return out


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    code = (
        "import sys; from detente.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('numpy', 'cryptography', 'rich', 'blake3', 'torch') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    for cmd in ("keygen", "sign", "verify", "diff", "manifest", "demo"):
        assert cmd in out.stdout


def test_keygen_sign_verify_tamper_round_trip(st_model: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    info = json.loads(run("keygen", "--out", str(keys), "--format", "json", check=0).stdout)
    assert stat.S_IMODE(Path(info["private_key"]).stat().st_mode) == 0o600
    signed = json.loads(
        run("sign", str(st_model), "--key", info["private_key"], "--format", "json", check=0).stdout
    )
    sig = Path(signed["signature"])
    assert sig == st_model.parent / "toy-model.sig" and signed["tensors"] == 14
    ok = run("verify", str(st_model), "--key", info["public_key"], check=0)
    assert ok.stdout.startswith("OK:")

    shard = st_model / "model-00001-of-00002.safetensors"
    data = bytearray(shard.read_bytes())
    data[-2] ^= 0x10
    shard.write_bytes(bytes(data))
    bad = run("verify", str(st_model), "--key", info["public_key"], check=1)
    assert "FAILED" in bad.stdout and shard.name in bad.stdout and "sha256:" in bad.stdout
    assert "[F32 [32, 16]]" in bad.stdout or "[F16" in bad.stdout or "[F32" in bad.stdout
    js = json.loads(
        run(
            "verify", str(st_model), "--key", info["public_key"], "--format", "json", check=1
        ).stdout
    )
    assert js["ok"] is False and js["tensor_changes"]
    name = js["tensor_changes"][0]["name"]
    assert name in bad.stdout


def test_input_errors_exit_2_with_a_clear_message(st_model: Path, tmp_path: Path) -> None:
    keys = tmp_path / "k"
    run("keygen", "--out", str(keys), check=0)
    missing = run("verify", str(st_model), "--key", str(keys / "detente.pub"), check=2)
    assert "cannot read signature" in missing.stderr and "Traceback" not in missing.stderr
    sig = tmp_path / "bad.sig"
    sig.write_text("{nonsense")
    out = run(
        "verify",
        str(st_model),
        "--signature",
        str(sig),
        "--key",
        str(keys / "detente.pub"),
        check=2,
    )
    assert "not valid JSON" in out.stderr
    out = run("sign", str(tmp_path / "nope"), "--key", str(keys / "detente.key"), check=2)
    assert "no such file" in out.stderr
    out = run("sign", str(st_model), "--key", str(keys / "detente.pub"), check=2)
    assert "public key" in out.stderr


def test_wrong_key_exits_1(st_model: Path, tmp_path: Path) -> None:
    run("keygen", "--out", str(tmp_path / "a"), check=0)
    run("keygen", "--out", str(tmp_path / "b"), check=0)
    run("sign", str(st_model), "--key", str(tmp_path / "a" / "detente.key"), check=0)
    out = run("verify", str(st_model), "--key", str(tmp_path / "b" / "detente.pub"), check=1)
    assert "different key" in out.stderr


def test_diff_exit_codes(make_model) -> None:  # type: ignore[no-untyped-def]
    a, b, c = make_model("a"), make_model("b", shards=3), make_model("c", seed=5)
    same = run("diff", str(a), str(b), check=0)
    assert "same weights, different packaging" in same.stdout
    differ = run("diff", str(c), str(a), "--format", "json", check=1)
    assert json.loads(differ.stdout)["identical_weights"] is False


@pytest.mark.parametrize("cmd", ["sign", "verify", "diff", "keygen", "manifest", "demo"])
def test_every_command_has_help_with_content(cmd: str) -> None:
    out = run(cmd, "--help", check=0)
    assert len(out.stdout) > 300
