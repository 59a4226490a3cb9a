"""Consumer policies: what a valid one means, and every malformed one refused with a reason."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import FormatError, InputError
from detente.release import ConsumerPolicy, load_consumer_policy

GOOD = """
schema = "detente.consumer-policy/v1"
name = "acme"
[[publishers]]
key = "keys/pub.pem"
[[publishers]]
namespace = "lab"
[require]
attestations = ["signature", "scan", "gate"]
standard = "detente-baseline-v1"
[registry]
url = "https://registry.example"
allowed_status = ["current", "outdated"]
[rescan]
enabled = false
"""


def test_valid_policy(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(GOOD)
    policy = load_consumer_policy(tmp_path / "p.toml")
    assert policy.key_files == ((tmp_path / "keys" / "pub.pem").resolve(),)
    assert policy.namespaces == ("lab",)
    assert policy.required == ("signature", "scan", "gate")
    assert (
        policy.standard == "detente-baseline-v1"
        and policy.registry_url == "https://registry.example"
    )
    assert policy.allowed_status == ("current", "outdated") and not policy.rescan
    assert policy.scan_max_severity == "low" and policy.require_logged
    assert policy.digest.startswith("sha256:")
    (tmp_path / "q.toml").write_text(GOOD.replace('"outdated"', '"flagged"'))
    assert load_consumer_policy(tmp_path / "q.toml").digest != policy.digest


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(schema="x"), "schema"),
        (lambda d: d.pop("publishers"), "trust at least one publisher"),
        (lambda d: d.update(publishers=[{"key": "a", "namespace": "b"}]), "exactly one of"),
        (lambda d: d["require"].update(attestations=["signature", "vibes"]), "unknown evidence"),
        (lambda d: d["require"].update(attestations=["scan", "gate"]), "must include 'signature'"),
        (lambda d: d["require"].pop("standard"), "name the release standard"),
        (
            lambda d: d["registry"].update(allowed_status=["current", "revoked"]),
            "must not allow 'revoked'",
        ),
        (lambda d: d["registry"].update(allowed_status=["fine"]), "unknown status"),
        (lambda d: d["require"].update(scan_max_severity="meh"), "scan_max_severity"),
        (lambda d: d.update(registry=[1]), r"\[registry\] must be a table"),
    ],
)
def test_malformed_policies_are_refused(edit: Any, message: str) -> None:
    data = tomllib.loads(GOOD)
    edit(data)
    with pytest.raises(FormatError, match=message):
        ConsumerPolicy.from_dict(data, Path("."))


def test_unreadable_and_non_toml_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the policy"):
        load_consumer_policy(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("name = [")
    with pytest.raises(FormatError, match=r"bad\.toml: not TOML"):
        load_consumer_policy(tmp_path / "bad.toml")


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["schema", "name", "publishers", "require", "registry", "rescan"]), _VALUES
    )
)
def test_policy_parser_only_raises_format_errors(data: dict[str, Any]) -> None:
    data.setdefault("schema", "detente.consumer-policy/v1")
    try:
        ConsumerPolicy.from_dict(data, Path("."))
    except FormatError:
        pass
