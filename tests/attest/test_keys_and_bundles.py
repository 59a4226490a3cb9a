from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.attest import (
    Statement,
    Subject,
    generate_key,
    load_private_key,
    load_public_key,
    pae,
    sign_statement,
    verify_bundle,
    write_key_pair,
)
from detente.errors import (
    BundleFormatError,
    Error,
    InputError,
    KeyError_,
    PayloadTypeError,
    SignatureError,
    UnsupportedError,
    WrongKeyError,
)

ST = Statement((Subject("m", {"sha256": "00" * 32}),), "https://example.com/p/v1", {"x": 1})


def test_pae_matches_dsse_spec_example() -> None:
    # DSSE protocol.md test vector.
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


@pytest.mark.parametrize("kind", ["ec-p256", "ed25519"])
def test_key_files_modes_and_round_trip(tmp_path: Path, kind: str) -> None:
    key = generate_key(kind)
    priv, pub = write_key_pair(key, tmp_path / "k", passphrase=b"pw")
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert load_public_key(pub) == key.public_key()
    assert load_private_key(priv, b"pw").public_key() == key.public_key()
    with pytest.raises(KeyError_, match="passphrase is needed"):
        load_private_key(priv)
    with pytest.raises(KeyError_, match="wrong passphrase"):
        load_private_key(priv, b"nope")
    with pytest.raises(InputError, match="refusing to overwrite"):
        write_key_pair(key, tmp_path / "k")
    with pytest.raises(KeyError_, match="public key"):
        load_private_key(pub)


def test_unsupported_keys_are_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    rsa_pem = (
        rsa.generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(KeyError_, match="unsupported key type"):
        load_public_key(rsa_pem)
    k1 = ec.generate_private_key(ec.SECP256K1()).public_key()
    pem = k1.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyError_, match="curve"):
        load_public_key(pem)
    (tmp_path / "junk.pem").write_text("hello")
    with pytest.raises(KeyError_):
        load_public_key(tmp_path / "junk.pem")


@pytest.mark.parametrize("kind", ["ec-p256", "ed25519"])
def test_sign_verify_and_each_failure_is_distinct(kind: str) -> None:
    key = generate_key(kind)
    bundle = sign_statement(ST, key)
    assert verify_bundle(bundle, key.public_key()) == ST
    assert verify_bundle(json.dumps(bundle), key.public_key()) == ST

    with pytest.raises(WrongKeyError):
        verify_bundle(bundle, generate_key(kind).public_key())

    no_hint = json.loads(json.dumps(bundle))
    del no_hint["verificationMaterial"]["publicKey"]["hint"]
    with pytest.raises(SignatureError) as exc:
        verify_bundle(no_hint, generate_key(kind).public_key())
    assert not isinstance(exc.value, WrongKeyError)

    tampered = json.loads(json.dumps(bundle))
    payload = json.loads(base64.b64decode(tampered["dsseEnvelope"]["payload"]))
    payload["predicate"]["x"] = 2
    tampered["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(SignatureError, match="does not verify"):
        verify_bundle(tampered, key.public_key())

    wrong_type = json.loads(json.dumps(bundle))
    wrong_type["dsseEnvelope"]["payloadType"] = "text/plain"
    with pytest.raises(PayloadTypeError):
        verify_bundle(wrong_type, key.public_key())


def test_payload_that_is_not_a_statement() -> None:
    key = generate_key("ed25519")
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "subject": []}).encode()
    sig = key.sign(pae("application/vnd.in-toto+json", payload))
    bundle = sign_statement(ST, key)
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(payload).decode()
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(sig).decode()
    with pytest.raises(PayloadTypeError, match="Statement v1"):
        verify_bundle(bundle, key.public_key())


@pytest.mark.parametrize(
    ("mutate", "error", "text"),
    [
        (lambda b: b.update(mediaType="application/json"), BundleFormatError, "mediaType"),
        (lambda b: b.pop("verificationMaterial"), BundleFormatError, "verificationMaterial"),
        (
            lambda b: b["verificationMaterial"].update(publicKey=None),
            BundleFormatError,
            "publicKey",
        ),
        (
            lambda b: b.update(verificationMaterial={"certificate": {"rawBytes": "AA=="}}),
            UnsupportedError,
            "certificate",
        ),
        (lambda b: b.pop("dsseEnvelope"), BundleFormatError, "dsseEnvelope"),
        (lambda b: b["dsseEnvelope"].update(payload="***"), BundleFormatError, "base64"),
        (lambda b: b["dsseEnvelope"].update(signatures=[]), BundleFormatError, "no signatures"),
        (lambda b: b["dsseEnvelope"].update(signatures=["x"]), BundleFormatError, "not an object"),
        (lambda b: b["dsseEnvelope"].pop("payloadType"), BundleFormatError, "payloadType"),
    ],
)
def test_malformed_bundles(mutate, error: type[Error], text: str) -> None:
    key = generate_key("ec-p256")
    bundle = sign_statement(ST, key)
    mutate(bundle)
    with pytest.raises(error, match=text):
        verify_bundle(bundle, key.public_key())


def test_not_json_at_all() -> None:
    with pytest.raises(BundleFormatError, match="not valid JSON"):
        verify_bundle(b"\x00garbage", generate_key("ed25519").public_key())


_KEY = generate_key("ed25519")
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_random_json_never_verifies_and_never_crashes(doc: object) -> None:
    with pytest.raises(Error):
        verify_bundle(json.dumps(doc), _KEY.public_key())
