"""Signing, HPKE disclosure (with the RFC 9180 vector), SD-JWT against the OpenWallet library."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente import attest, incidents
from detente.errors import FormatError, InputError, UsageError, VerificationError

sys.path.insert(0, str(Path(__file__).parent))
from incident_samples import KEY

pyhpke = pytest.importorskip("pyhpke")
_KEY = attest.generate_key("ec-p256")


@pytest.fixture
def signed(report: incidents.IncidentReport):  # type: ignore[no-untyped-def]
    key = attest.generate_key("ec-p256")
    bundle, redacted, openings = incidents.sign_report(report, key, org_domains=["lab-a.com"])
    return key, bundle, redacted, openings


def test_sign_carries_only_redacted_text(signed) -> None:  # type: ignore[no-untyped-def]
    key, bundle, redacted, openings = signed
    text = json.dumps(bundle)
    payload = base64.b64decode(bundle["dsseEnvelope"]["payload"]).decode()
    for secret in (KEY, "10.20.30.40", "gpu-7.corp.lab-a.com", "Alice Chen", "s3://lab-a-logs/x"):
        assert secret not in text and secret not in payload
    assert "[REDACTED:api_key#1]" in redacted.summary
    assert "[REDACTED:ip_address#1]" in redacted.timeline[0].description  # same value, same number
    verified = incidents.verify_report(bundle, key.public_key())
    assert verified == redacted
    statement = json.loads(payload)
    assert statement["predicateType"] == "https://detente.dev/incident/v1"
    assert {"sha256": "ab" * 32} in [s["digest"] for s in statement["subject"]]
    assert {o.placeholder for o in openings} == {c.placeholder for c in redacted.redactions}


def test_verify_rejects_other_key_and_other_predicate(signed) -> None:  # type: ignore[no-untyped-def]
    key, bundle, _, _ = signed
    with pytest.raises(VerificationError):
        incidents.verify_report(bundle, attest.generate_key("ec-p256").public_key())
    other = attest.sign_statement(
        attest.Statement((attest.Subject("x", {"sha256": "00" * 32}),), "https://example/x", {}),
        key,
    )
    with pytest.raises(InputError, match="predicateType"):
        incidents.verify_report(other, key.public_key())


def test_salts_file_is_0600_and_round_trips(signed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, redacted, openings = signed
    p = incidents.write_salts(tmp_path / "r.salts.json", redacted.id, openings)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    rid, back = incidents.read_salts(p)
    assert rid == redacted.id and [o.to_dict() for o in back] == [o.to_dict() for o in openings]
    with pytest.raises(InputError, match="overwrite"):
        incidents.write_salts(p, redacted.id, openings)
    data = json.loads(p.read_text())
    data["openings"][0]["value"] = "forged"
    p.unlink()
    p.write_text(json.dumps(data))
    with pytest.raises(FormatError, match="commitment"):
        incidents.read_salts(p)


def test_rfc9180_vector_a1_base_mode() -> None:
    """RFC 9180 Appendix A.1 (X25519, HKDF-SHA256, AES-128-GCM), base mode, sequence 0."""
    suite = pyhpke.CipherSuite.new(
        pyhpke.KEMId.DHKEM_X25519_HKDF_SHA256, pyhpke.KDFId.HKDF_SHA256, pyhpke.AEADId.AES128_GCM
    )
    skr = suite.kem.deserialize_private_key(
        bytes.fromhex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8")
    )
    enc = bytes.fromhex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
    info = bytes.fromhex("4f6465206f6e2061204772656369616e2055726e")
    ctx = suite.create_recipient_context(enc, skr, info=info)
    ct = bytes.fromhex(
        "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
    )
    assert ctx.open(ct, aad=bytes.fromhex("436f756e742d30")) == bytes.fromhex(
        "4265617574792069732074727574682c20747275746820626561757479"
    )


def _recipient(tmp_path: Path):  # type: ignore[no-untyped-def]
    priv, pub = incidents.generate_recipient_key(tmp_path, "lab-b")
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    return incidents.load_recipient_private_key(priv), incidents.load_recipient_public_key(pub)


def test_disclose_and_open(signed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key, bundle, redacted, openings = signed
    priv, pub = _recipient(tmp_path)
    chosen = incidents.select_openings(openings, ["api_key#1", "ip_address"])
    package = incidents.disclose(redacted, chosen, pub)
    assert KEY not in json.dumps(package)
    report = incidents.verify_report(bundle, key.public_key())
    opened = incidents.open_disclosure(json.loads(json.dumps(package)), priv, report)
    assert {(o.placeholder, o.value) for o in opened} == {
        ("[REDACTED:api_key#1]", KEY),
        ("[REDACTED:ip_address#1]", "10.20.30.40"),
    }
    other_priv, _ = _recipient(tmp_path / "c")
    with pytest.raises(VerificationError):
        incidents.open_disclosure(package, other_priv, report)


def _reencrypt(redacted, openings_dicts, pub):  # type: ignore[no-untyped-def]
    """What a forger who can encrypt to the recipient (everyone can) would send."""
    forged = [incidents.Opening.from_dict(d) for d in openings_dicts]
    from detente.incidents import _disclose  # test-only: bypass disclose()'s own sender check

    suite = _disclose._suite()
    header = _disclose._header(redacted, incidents.recipient_key_id(pub))
    from cryptography.hazmat.primitives import serialization

    from detente.integrity import canonical_json

    pkr = suite.kem.deserialize_public_key(
        pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    enc, sender = suite.create_sender_context(pkr, info=_disclose.INFO)
    ct = sender.seal(
        canonical_json({"openings": [o.to_dict() for o in forged]}), aad=canonical_json(header)
    )
    return {
        **header,
        "enc": base64.b64encode(enc).decode(),
        "ciphertext": base64.b64encode(ct).decode(),
    }


@pytest.mark.parametrize("attack", ["forged", "swapped", "unknown", "duplicate"])
def test_open_rejects_forged_or_swapped(signed, tmp_path: Path, attack: str) -> None:  # type: ignore[no-untyped-def]
    _, _, redacted, openings = signed
    priv, pub = _recipient(tmp_path)
    a, b = (o.to_dict() for o in openings[:2])
    if attack == "forged":
        a["value"] = "sk-not-the-real-one"
        a.pop("commitment")
        items = [a]
    elif attack == "swapped":
        a["value"], b["value"] = b["value"], a["value"]
        a.pop("commitment"), b.pop("commitment")
        items = [a, b]
    elif attack == "unknown":
        a["placeholder"] = "[REDACTED:api_key#99]"
        items = [a]
    else:
        items = [a, a]
    with pytest.raises(VerificationError):
        incidents.open_disclosure(_reencrypt(redacted, items, pub), priv, redacted)


def test_disclose_refuses_values_the_report_does_not_commit_to(signed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, redacted, openings = signed
    _, pub = _recipient(tmp_path)
    fake = incidents.Opening(openings[0].placeholder, openings[0].type, "other", openings[0].salt)
    with pytest.raises(UsageError):
        incidents.disclose(redacted, [fake], pub)
    with pytest.raises(UsageError):
        incidents.select_openings(openings, ["email#9"])


def test_package_for_another_report_is_refused(signed, tmp_path: Path, report) -> None:  # type: ignore[no-untyped-def]
    key, _, redacted, openings = signed
    priv, pub = _recipient(tmp_path)
    package = incidents.disclose(redacted, openings[:1], pub)
    _, other, _ = incidents.sign_report(report, key)
    with pytest.raises(VerificationError, match="report"):
        incidents.open_disclosure(package, priv, other)


@pytest.mark.parametrize("kind", ["ec-p256", "ed25519"])
def test_sd_jwt_interop_with_openwallet_library(signed, kind: str) -> None:  # type: ignore[no-untyped-def]
    sd_jwt_verifier = pytest.importorskip("sd_jwt.verifier")
    from jwcrypto.jwk import JWK

    _, _, redacted, openings = signed
    key = attest.generate_key(kind)
    token = incidents.issue_sd_jwt(redacted, openings, key)
    presentation = incidents.present_sd_jwt(token, ["api_key#1"])
    jwk = JWK.from_pem(key.public_key().pem())
    theirs = sd_jwt_verifier.SDJWTVerifier(
        presentation, lambda iss, header: jwk
    ).get_verified_payload()
    assert theirs["redacted"] == {"[REDACTED:api_key#1]": KEY}
    assert theirs["incident"]["summary"] == redacted.summary
    report, opened = incidents.verify_sd_jwt(presentation, key.public_key())
    assert report == redacted and [(o.placeholder, o.value) for o in opened] == [
        ("[REDACTED:api_key#1]", KEY)
    ]


def test_forged_disclosure_library_ignores_we_reject(signed) -> None:  # type: ignore[no-untyped-def]
    sd_jwt_verifier = pytest.importorskip("sd_jwt.verifier")
    from jwcrypto.jwk import JWK

    _, _, redacted, openings = signed
    key = attest.generate_key("ec-p256")
    presentation = incidents.present_sd_jwt(
        incidents.issue_sd_jwt(redacted, openings, key), ["api_key#1"]
    )
    salt = base64.urlsafe_b64encode(openings[0].salt).rstrip(b"=").decode()
    forged = (
        base64.urlsafe_b64encode(json.dumps([salt, "[REDACTED:api_key#1]", "sk-fake"]).encode())
        .rstrip(b"=")
        .decode()
    )
    tampered = presentation + forged + "~"
    jwk = JWK.from_pem(key.public_key().pem())
    # The reference library verifies the forged presentation and silently drops the disclosure.
    theirs = sd_jwt_verifier.SDJWTVerifier(tampered, lambda iss, header: jwk).get_verified_payload()
    assert theirs["redacted"] == {"[REDACTED:api_key#1]": KEY}
    with pytest.raises(VerificationError, match="forged"):
        incidents.verify_sd_jwt(tampered, key.public_key())
    with pytest.raises(VerificationError, match="repeated"):
        incidents.verify_sd_jwt(presentation + presentation.split("~")[1] + "~", key.public_key())
    digest = hashlib.sha256(b"x").digest()
    assert digest  # a presentation signed by another key is refused outright
    with pytest.raises(VerificationError):
        incidents.verify_sd_jwt(presentation, attest.generate_key("ec-p256").public_key())


def test_sd_jwt_hostile_input_is_an_error() -> None:
    key = attest.generate_key("ec-p256").public_key()
    for bad in ["", "a~", "a.b.c~", "eyJ.eyJ.x~x~", "~~~", "a.b.c~d"]:
        with pytest.raises((FormatError, VerificationError, InputError)):
            incidents.verify_sd_jwt(bad, key)


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=12), c, max_size=7),
    max_leaves=14,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=_JSONISH)
def test_hostile_package_is_an_error_not_a_crash(signed, tmp_path_factory, junk) -> None:  # type: ignore[no-untyped-def]
    _, _, redacted, _ = signed
    priv, _pub = _recipient(tmp_path_factory.mktemp("k"))
    with pytest.raises((FormatError, VerificationError)):
        incidents.open_disclosure(junk, priv, redacted)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("eyJ.~-_abcXYZ019=")), max_size=60) | st.text(max_size=40)
)
def test_hostile_sd_jwt_is_an_error_not_a_crash(text: str) -> None:
    key = _KEY.public_key()
    with pytest.raises((FormatError, VerificationError, InputError)):
        incidents.verify_sd_jwt(text, key)


@settings(max_examples=100, deadline=None)
@given(_JSONISH)
def test_hostile_opening_is_a_format_error(junk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FormatError):
        incidents.Opening.from_dict(junk)
