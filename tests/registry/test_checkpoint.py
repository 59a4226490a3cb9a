from __future__ import annotations

import base64

import pytest

from detente.errors import FormatError, SignatureError
from detente.registry._checkpoint import (
    Checkpoint,
    LogKey,
    key_id,
    parse_checkpoint,
    sign_checkpoint,
)

CP = Checkpoint("detente.example/log", 42, bytes(range(32)))


def test_round_trip_and_exact_format() -> None:
    key = LogKey.generate("detente.example/log")
    note = sign_checkpoint(CP, key)
    body, sig = note.split("\n\n")
    assert (
        body + "\n"
        == "detente.example/log\n42\n" + base64.b64encode(bytes(range(32))).decode() + "\n"
    )
    assert sig.startswith("\u2014 detente.example/log ") and sig.endswith("\n")
    raw = base64.b64decode(sig.split(" ")[-1])
    assert raw[:4] == key.id == key_id(key.name, key.public) and len(raw) == 4 + 64
    assert parse_checkpoint(note, LogKey.from_vkey(key.vkey)) == CP


def test_key_id_follows_the_spec() -> None:
    import hashlib

    pub = bytes(32)
    assert key_id("a.example/x", pub) == hashlib.sha256(b"a.example/x\n\x01" + pub).digest()[:4]


def test_verification_failures() -> None:
    key = LogKey.generate(CP.origin)
    other = LogKey.generate(CP.origin)
    note = sign_checkpoint(CP, key)
    with pytest.raises(SignatureError, match="not signed by the pinned"):
        parse_checkpoint(note, other)  # same name, different id: ignored, so nothing verifies
    tampered = note.replace("\n42\n", "\n43\n")
    with pytest.raises(SignatureError, match="does not verify"):
        parse_checkpoint(tampered, key)
    # Extra signatures from unknown keys are ignored.
    extra = note + "\u2014 witness.example " + base64.b64encode(b"\0" * 68).decode() + "\n"
    assert parse_checkpoint(extra, key) == CP
    for bad in (
        "no blank line\n",
        note.replace("\u2014", "--"),
        note[:-1],
        note.replace("\n42\n", "\n\x0742\n"),
    ):
        with pytest.raises((FormatError, SignatureError)):
            parse_checkpoint(bad, key)


def test_vkey_tamper_is_detected() -> None:
    key = LogKey.generate("log.example")
    name, _kid, b64 = key.vkey.split("+", 2)
    with pytest.raises(FormatError, match="does not match"):
        LogKey.from_vkey(f"{name}+00000000+{b64}")
    with pytest.raises(FormatError):
        LogKey("bad name", key.public)
