"""Certificate and keyless bundles (issue 13 item 7): the sigstore/model-transparency goldens
made by model_signing `sign certificate` (5) and `sign sigstore` (4), read by path from
../shared/data/interop, verified offline as model_signing verifies them -- the certificate
chain against the goldens' CA file, the Sigstore bundles against the production trusted root
that the `sigstore` package ships (Fulcio chain, SCT, Rekor inclusion proof, checkpoint and
SET, no network) -- and the ways they must fail.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib.resources
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from detente.attest import (
    CertificatePolicy,
    SigningKey,
    Statement,
    Subject,
    load_trust_root,
    sign_statement,
    verify_bundle,
    verify_model,
)
from detente.errors import (
    BundleFormatError,
    Error,
    FormatError,
    SignatureError,
    UnsupportedError,
    UsageError,
    WrongKeyError,
)

IBM = ("stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2")
CERT = ["v0.2.0", "v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"]
KEYLESS = ["v0.3.1", "v1.0.0", "v1.0.1", "v1.1.0"]


def _tests(shared_data: Path) -> Path:
    return shared_data / "interop" / "model-transparency" / "scripts" / "tests"


def _sigstore_root(instance: str = "sigstore") -> Path:
    # The trusted root the sigstore package ships for offline use (production or staging).
    store = importlib.resources.files("sigstore") / "_store"
    return Path(str(store / f"https%3A%2F%2Ftuf-repo-cdn.{instance}.dev" / "trusted_root.json"))


def _ignore(d: Path) -> list[str]:
    return ["ignore-me"] if (d / "ignore-me").exists() else []


def _check(d: Path, policy: CertificatePolicy) -> bool:
    sig = d / "model.sig"
    return verify_model(d, sig.read_bytes(), policy, signature_path=sig, ignore=_ignore(d)).ok


def test_the_five_certificate_goldens_verify(shared_data: Path) -> None:
    t = _tests(shared_data)
    exp = json.loads((t.parent.parent / "expected.json").read_text())
    certs = [b["dir"] for b in exp["bundles"] if b["kind"] == "certificate"]
    assert certs == [f"{v}-certificate" for v in CERT]
    root = load_trust_root(t / "keys" / "certificate" / "ca-cert.pem")
    policy = CertificatePolicy(root, "CN=intermediate-ca", "CN=intermediate-ca")
    assert {v: _check(t / f"{v}-certificate", policy) for v in CERT} == dict.fromkeys(CERT, True)


def test_the_four_keyless_goldens_verify_offline(shared_data: Path) -> None:
    t = _tests(shared_data)
    policy = CertificatePolicy(load_trust_root(_sigstore_root()), *IBM)
    got = {v: _check(t / f"{v}-sigstore", policy) for v in KEYLESS}
    assert got == dict.fromkeys(KEYLESS, True)
    sig = t / "v1.1.0-sigstore" / "model.sig"
    res = verify_model(
        sig.parent, sig.read_bytes(), policy, signature_path=sig, ignore=["ignore-me"]
    )
    assert res.certificate is not None and res.certificate.kind == "sigstore"
    assert res.to_dict()["signer_certificate"]["issuer"] == IBM[1]


@pytest.mark.parametrize(
    ("identity", "issuer", "error", "text"),
    [
        ("someone@example.com", IBM[1], WrongKeyError, "SANs do not match"),
        (IBM[0], "https://accounts.google.com", WrongKeyError, "OIDCIssuer does not match"),
        (IBM[0], None, UsageError, "--identity and --issuer"),
        (None, IBM[1], UsageError, "--identity and --issuer"),
    ],
)
def test_keyless_identity_policy(
    shared_data: Path, identity: str | None, issuer: str | None, error: type[Error], text: str
) -> None:
    sig = _tests(shared_data) / "v1.0.0-sigstore" / "model.sig"
    policy = CertificatePolicy(load_trust_root(_sigstore_root()), identity, issuer)
    with pytest.raises(error, match=text):
        verify_bundle(sig.read_bytes(), policy)


def test_keyless_against_another_sigstore_instance_fails(shared_data: Path) -> None:
    sig = _tests(shared_data) / "v1.0.0-sigstore" / "model.sig"
    staging = CertificatePolicy(load_trust_root(_sigstore_root("sigstage")), *IBM)
    with pytest.raises(SignatureError, match="does not verify offline"):
        verify_bundle(sig.read_bytes(), staging)


def test_keyless_tampered_log_entry_fails(shared_data: Path) -> None:
    sig = _tests(shared_data) / "v1.1.0-sigstore" / "model.sig"
    bundle = json.loads(sig.read_text())
    proof = bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    proof["hashes"][0] = base64.b64encode(b"\x00" * 32).decode()
    bundle["verificationMaterial"]["tlogEntries"][0].pop("inclusionPromise", None)
    with pytest.raises(SignatureError):
        verify_bundle(bundle, CertificatePolicy(load_trust_root(_sigstore_root()), *IBM))


def _ca(tmp: Path, name: str = "test-root") -> tuple[Path, ec.EllipticCurvePrivateKey, x509.Name]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = tmp / f"{name}.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pem, key, subject


def _leaf_bundle(
    ca_key: ec.EllipticCurvePrivateKey, ca_name: x509.Name, statement: Statement, *,
    email: str = "bot@lab.example", signing: bool = True,
) -> dict[str, Any]:  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    ku = x509.KeyUsage(signing, False, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "release-bot")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(ku, critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    bundle = sign_statement(statement, SigningKey(key))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    bundle["verificationMaterial"] = {
        "x509CertificateChain": {"certificates": [{"rawBytes": der}]},
        "tlogEntries": [],
    }
    return bundle


ST = Statement((Subject("m", {"sha256": "ab" * 32}),), "https://example.com/p", {"x": 1})


def test_own_ca_chain_identity_and_usage(tmp_path: Path) -> None:
    pem, ca_key, ca_name = _ca(tmp_path)
    bundle = _leaf_bundle(ca_key, ca_name, ST)
    root = load_trust_root(pem)
    assert verify_bundle(bundle, CertificatePolicy(root, "bot@lab.example", "CN=test-root")) == ST
    assert verify_bundle(bundle, CertificatePolicy(root, "CN=release-bot")) == ST
    with pytest.raises(WrongKeyError, match="identity is not"):
        verify_bundle(bundle, CertificatePolicy(root, "eve@lab.example"))
    with pytest.raises(WrongKeyError, match="issuer is not"):
        verify_bundle(bundle, CertificatePolicy(root, None, "CN=other-ca"))
    other, _k, _n = _ca(tmp_path, "other-root")
    with pytest.raises(SignatureError, match="does not chain to the trust root"):
        verify_bundle(bundle, CertificatePolicy(load_trust_root(other)))
    no_sign = _leaf_bundle(ca_key, ca_name, ST, signing=False)
    with pytest.raises(SignatureError, match="may not sign"):
        verify_bundle(no_sign, CertificatePolicy(root))
    altered = json.loads(json.dumps(bundle))
    altered["dsseEnvelope"]["payload"] = base64.b64encode(b'{"_type":"x"}').decode()
    with pytest.raises(SignatureError, match="does not verify"):
        verify_bundle(altered, CertificatePolicy(root))
    with pytest.raises(UnsupportedError, match="--trust-root"):
        verify_bundle(bundle, SigningKey(ec.generate_private_key(ec.SECP256R1())).public_key())


@pytest.mark.parametrize(
    "raw",
    [
        {"x509CertificateChain": {"certificates": []}},
        {"x509CertificateChain": {"certificates": [{"rawBytes": "AAAA"}]}},
        {"x509CertificateChain": {"certificates": [{"rawBytes": "***"}]}},
        {"x509CertificateChain": "x"},
        {"certificate": []},
    ],
)
def test_malformed_certificate_material(tmp_path: Path, raw: dict[str, Any]) -> None:
    pem, ca_key, ca_name = _ca(tmp_path)
    bundle = _leaf_bundle(ca_key, ca_name, ST)
    bundle["verificationMaterial"] = raw
    with pytest.raises(BundleFormatError):
        verify_bundle(bundle, CertificatePolicy(load_trust_root(pem)))


def test_trust_root_files(tmp_path: Path) -> None:
    for content, text in ((b"hello", "neither PEM"), (b"{not json", "not valid JSON"),
                          (b'{"mediaType": "x"}', "Sigstore trusted root")):  # fmt: skip
        bad = tmp_path / "root"
        bad.write_bytes(content)
        with pytest.raises(FormatError, match=text):
            load_trust_root(bad)
    assert load_trust_root(_sigstore_root()).kind == "sigstore"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "detente", "verify", *args],
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_cli_exit_codes(shared_data: Path, tmp_path: Path) -> None:
    t = _tests(shared_data)
    ca = str(t / "keys" / "certificate" / "ca-cert.pem")
    model = tmp_path / "m"
    shutil.copytree(t / "v1.1.0-certificate", model)
    sig = str(model / "model.sig")
    base = [str(model), "--signature", sig, "--ignore", "ignore-me", "--trust-root"]
    ok = _cli(*base, ca, "--identity", "CN=intermediate-ca", "--issuer", "CN=intermediate-ca")
    assert ok.returncode == 0 and "signed by x509:CN=intermediate-ca" in ok.stdout, ok.stderr
    wrong_ca, _k, _n = _ca(tmp_path)
    out = _cli(*base, str(wrong_ca))
    assert out.returncode == 1 and "does not chain to the trust root" in out.stderr
    out = _cli(*base, ca, "--identity", "CN=mallory")
    assert out.returncode == 1 and "identity is not 'CN=mallory'" in out.stderr
    out = _cli(*base, ca, "--issuer", "CN=root-ca")
    assert out.returncode == 1 and "issuer is not 'CN=root-ca'" in out.stderr
    d = t / "v1.0.0-sigstore"
    keyless = _cli(str(d), "--signature", str(d / "model.sig"), "--trust-root",
                   str(_sigstore_root()), "--identity", IBM[0], "--issuer", IBM[1])  # fmt: skip
    assert keyless.returncode == 0, keyless.stderr
    (model / "signme-1").write_bytes(b"X" + (model / "signme-1").read_bytes()[1:])
    out = _cli(*base, ca)
    assert out.returncode == 1 and "signme-1" in out.stdout
    (model / "model.sig").write_text(
        '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}'
    )
    out = _cli(*base, ca)
    assert out.returncode == 2 and "verificationMaterial" in out.stderr


def _policy_toml(tmp: Path, publisher: str) -> Path:
    p = tmp / "consumer.toml"
    p.write_text(
        'schema = "detente.consumer-policy/v1"\nname = "keyless"\n'
        f"[[publishers]]\n{publisher}\n"
        '[require]\nattestations = ["signature"]\n'
        "[registry]\ncheck = false\nrequire_logged = false\n[rescan]\nenabled = false\n"
    )
    return p


def test_consumer_policy_with_a_keyless_publisher(shared_data: Path, tmp_path: Path) -> None:
    from detente.release import ConsumerPolicy, load_consumer_policy, verify_release

    golden = _tests(shared_data) / "v1.1.0-sigstore"
    model = tmp_path / "model"
    shutil.copytree(golden, model, ignore=shutil.ignore_patterns("model.sig"))
    evidence = tmp_path / "model.release"
    evidence.mkdir()
    shutil.copy(golden / "model.sig", evidence / "signature.sig")
    root = _sigstore_root()
    verdicts = {}
    for who in (IBM[0], "eve@example.com"):
        path = _policy_toml(
            tmp_path, f'trust_root = "{root}"\nidentity = "{who}"\nissuer = "{IBM[1]}"'
        )
        policy = load_consumer_policy(path)
        assert ConsumerPolicy.from_dict(policy.to_dict(), tmp_path) == policy
        verdicts[who] = verify_release(model, policy, evidence)
    assert verdicts[IBM[0]].ok, verdicts[IBM[0]].text()
    assert not verdicts["eve@example.com"].ok
    with pytest.raises(FormatError, match="needs the signer's 'identity'"):
        load_consumer_policy(_policy_toml(tmp_path, f'trust_root = "{root}"'))
    with pytest.raises(FormatError, match="exactly one of"):
        load_consumer_policy(_policy_toml(tmp_path, f'trust_root = "{root}"\nkey = "k.pub"'))
