"""Interop both ways with the reference implementation, model_signing 1.1.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from detente.attest import generate_key, load_public_key, sign_model, verify_model, write_key_pair
from detente.integrity import build_manifest

ms_signing = pytest.importorskip("model_signing.signing")
ms_hashing = pytest.importorskip("model_signing.hashing")
ms_verifying = pytest.importorskip("model_signing.verifying")
MS_CLI = [sys.executable, "-m", "model_signing"]


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return write_key_pair(generate_key("ec-p256"), tmp_path / "keys")


def _ms_verify_api(model: Path, sig: Path, pub: Path) -> None:
    ms_verifying.Config().use_elliptic_key_verifier(public_key=pub).verify(model, sig)


def _ms_sign_api(model: Path, sig: Path, priv: Path, hashing_config: object) -> None:
    cfg = ms_signing.Config().use_elliptic_key_signer(private_key=priv)
    cfg.set_hashing_config(hashing_config)
    cfg.sign(model, sig)


@pytest.mark.parametrize(
    ("algorithm", "method"), [("sha256", "files"), ("blake3", "files"), ("sha256", "shards")]
)
def test_model_signing_verifies_our_bundles(
    st_model: Path, keys: tuple[Path, Path], tmp_path: Path, algorithm: str, method: str
) -> None:
    from detente.attest import load_private_key

    priv, pub = keys
    bundle, manifest = sign_model(
        st_model, load_private_key(priv), algorithm=algorithm, method=method, shard_size=1000
    )
    assert manifest.tensors  # the tensor extension is in the bundle...
    sig = tmp_path / "ours.sig"
    sig.write_text(json.dumps(bundle))
    _ms_verify_api(st_model, sig, pub)  # ...and OMS still accepts it
    if method == "files" and algorithm == "sha256":
        out = subprocess.run(
            [
                *MS_CLI,
                "verify",
                "key",
                str(st_model),
                "--signature",
                str(sig),
                "--public_key",
                str(pub),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "Verification succeeded" in out.stdout + out.stderr


def test_model_signing_rejects_our_bundle_after_tampering(
    st_model: Path, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    from detente.attest import load_private_key

    priv, pub = keys
    bundle, _ = sign_model(st_model, load_private_key(priv))
    sig = tmp_path / "ours.sig"
    sig.write_text(json.dumps(bundle))
    (st_model / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="Signature mismatch"):
        _ms_verify_api(st_model, sig, pub)


def _hashing(kind: str) -> object:
    if kind == "files-sha256":
        return ms_hashing.Config().use_file_serialization(hashing_algorithm="sha256")
    if kind == "files-blake3":
        return ms_hashing.Config().use_file_serialization(hashing_algorithm="blake3")
    if kind == "files-blake2":
        return ms_hashing.Config().use_file_serialization(hashing_algorithm="blake2")
    if kind == "shards-sha256":
        return ms_hashing.Config().use_shard_serialization(
            hashing_algorithm="sha256", shard_size=777
        )
    return ms_hashing.Config().use_shard_serialization(hashing_algorithm="blake2", shard_size=500)


@pytest.mark.parametrize(
    "kind", ["files-sha256", "files-blake3", "files-blake2", "shards-sha256", "shards-blake2"]
)
def test_we_verify_model_signing_bundles(
    st_model: Path, keys: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    priv, pub = keys
    sig = tmp_path / "theirs.sig"
    (st_model / "empty.txt").write_bytes(b"")  # empty files have no shards in OMS
    _ms_sign_api(st_model, sig, priv, _hashing(kind))
    key = load_public_key(pub)
    good = verify_model(st_model, sig.read_bytes(), key, signature_path=sig)
    assert good.ok, good.result.to_dict()
    # Same root digest as the reference computes for the same serialization.
    assert good.manifest.root_digest.startswith("sha256:")

    shard = st_model / "model-00002-of-00002.safetensors"
    data = bytearray(shard.read_bytes())
    data[-3] ^= 0xFF
    shard.write_bytes(bytes(data))
    (st_model / "config.json").rename(st_model / "config.renamed.json")
    (st_model / "new.bin").write_bytes(b"surprise")
    bad = verify_model(st_model, sig.read_bytes(), key, signature_path=sig)
    r = bad.result
    assert not bad.ok
    assert [c.name for c in r.changed_files] == ["model-00002-of-00002.safetensors"]
    assert r.renamed_files == (("config.json", "config.renamed.json"),)
    assert r.added_files == ("new.bin",)
    assert not r.tensor_coverage  # plain OMS: files only, and we say so
    assert any("no tensor digests" in n for n in r.notes)


def test_we_verify_model_signing_cli_bundle_via_our_cli(
    st_model: Path, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    priv, pub = keys
    sig = tmp_path / "cli.sig"
    subprocess.run(
        [
            *MS_CLI,
            "sign",
            "key",
            str(st_model),
            "--private_key",
            str(priv),
            "--signature",
            str(sig),
        ],
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [sys.executable, "-m", "detente", "verify", str(st_model), "--signature", str(sig),
         "--key", str(pub), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ok"] is True


def test_root_digest_equals_model_signing_for_awkward_names(tmp_path: Path) -> None:
    root = tmp_path / "m"
    for name in ["a.b", "a/x", "a-b", "A", "a/b/c", "ä", "z", "a0"]:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(name)
    ours = build_manifest(root, tensors=False)
    theirs = ms_hashing.Config().use_file_serialization(hashing_algorithm="sha256").hash(root)
    assert [r.name for r in ours.resources] == [d.identifier for d in theirs.resource_descriptors()]
    from model_signing._signing.signing import Payload

    subject = Payload(theirs).statement.pb.subject[0].digest["sha256"]
    assert ours.root_digest == f"sha256:{subject}"
