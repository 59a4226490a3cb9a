"""sigstore/model-transparency golden bundles (model_signing v0.3.1 to v1.1.0, key-signed)
verified by `detente verify` as model_signing verifies them, with the negatives of
expected.json; read by path from ../shared/data/interop (copied only into tmp for the
negatives). The certificate and Sigstore (keyless) goldens: test_certificate_bundles.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from detente.attest import load_public_key, verify_model
from detente.errors import Error


def _goldens(shared_data: Path) -> tuple[Path, dict[str, Any]]:
    base = shared_data / "interop" / "model-transparency"
    return base / "scripts" / "tests", json.loads((base / "expected.json").read_text())


def _verify(model: Path, sig_dir: Path, key_pem: Path, ignore: list[str]) -> bool:
    try:
        sig = sig_dir / "model.sig"
        key = load_public_key(key_pem)
        return verify_model(model, sig.read_bytes(), key, signature_path=sig, ignore=ignore).ok
    except Error:
        return False


def test_key_goldens_verify_as_model_signing_does(shared_data: Path) -> None:
    tests, exp = _goldens(shared_data)
    key = tests.parent.parent / exp["public_key"]
    keyed = [b for b in exp["bundles"] if b["kind"] == "key"]
    results = {
        b["dir"]: _verify(tests / b["model"], tests / b["dir"], key, b["ignore"]) for b in keyed
    }
    assert results == {b["dir"]: b["reference"] == "accept" for b in keyed} and len(keyed) == 4


def _negative(tests: Path, key: Path, neg: dict[str, Any], work: Path) -> bool:
    src = tests / neg["dir"]
    dst = work / neg["dir"]
    shutil.copytree(src, dst)
    single = (dst / "signme-1").exists() and not (dst / "signme-2").exists()
    model = dst / "signme-1" if single else dst
    ignore = ["ignore-me"]
    change = neg["id"].split("/", 1)[1]
    if change == "without-ignored-file":
        (dst / "ignore-me").unlink()
        ignore = []
    elif change == "no-ignore-option":
        ignore = []
    elif change == "file-modified":
        data = (dst / "signme-1").read_bytes()
        (dst / "signme-1").write_bytes(b"X" + data[1:])
    elif change == "file-removed":
        (dst / "signme-2").unlink()
    elif change == "other-key":
        key = work / "other.pub"
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        pub = ec.generate_private_key(ec.SECP384R1()).public_key()
        key.write_bytes(pub.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    elif change == "payload-altered":
        import base64

        bundle = json.loads((dst / "model.sig").read_text())
        env = bundle["dsseEnvelope"]
        payload = json.loads(base64.b64decode(env["payload"]))
        payload["predicate"]["resources"][0]["digest"] = "0" * 64
        env["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
        (dst / "model.sig").write_text(json.dumps(bundle))
    else:
        raise AssertionError(f"unknown negative {neg['id']}")
    return _verify(model, dst, key, ignore if (dst / "ignore-me").exists() else [])


def test_negatives_match_the_reference(shared_data: Path, tmp_path: Path) -> None:
    tests, exp = _goldens(shared_data)
    key = tests.parent.parent / exp["public_key"]
    got = {
        n["id"]: _negative(tests, key, n, tmp_path / str(i)) for i, n in enumerate(exp["negatives"])
    }
    assert got == {n["id"]: n["reference"] == "accept" for n in exp["negatives"]}


def test_cli_verify_ignore_option(shared_data: Path) -> None:
    tests, exp = _goldens(shared_data)
    key = str(tests.parent.parent / exp["public_key"])
    model = tests / "v1.0.1-elliptic-key"

    def det(*args: str) -> int:
        env = {**os.environ, "XDG_CACHE_HOME": "/nonexistent-not-used"}
        return subprocess.run([sys.executable, "-m", "detente", "verify", str(model), "--key", key,
                               "--signature", str(model / "model.sig"), "--quiet", *args], capture_output=True, env=env, check=False).returncode  # fmt: skip

    assert det() == 1  # "Extra files found": ignore-me was not signed
    assert det("--ignore", "ignore-me") == 0
    assert det("--ignore", str(model / "ignore-me")) == 0
    assert det("--ignore", "/etc/passwd") == 2
