"""The policy language: parsing, validation against the taxonomy, merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.errors import FormatError, InputError
from detente.monitor import CHECKS, default_policy, load_policy, parse_policy
from detente.taxonomy import validate_atlas_ids


def test_default_policy_is_valid_and_complete() -> None:
    pol = default_policy()
    assert len({r.id for r in pol.rules}) == len(pol.rules)
    for r in pol.rules:
        validate_atlas_ids(r.atlas)
        assert r.check in CHECKS and r.description
    assert pol.sink_kind("send_money") == "pay" and pol.sink_kind("get_balance") is None
    assert (
        pol.is_critical("recipients")
        and pol.is_critical("attachments.file_id")
        and not pol.is_critical("body")
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"check": "shell"}, "without an id"),
        ({"id": "A", "check": "nope"}, "unknown check"),
        ({"id": "A", "check": "shell", "category": "x"}, "shell category"),
        ({"id": "A", "check": "tool-deny", "action": "maybe"}, "allow, ask or block"),
        ({"id": "A", "check": "tool-deny", "severity": "huge"}, "severity"),
        ({"id": "A", "check": "tool-deny", "atlas": ["AML.T9999"]}, "AML.T9999"),
        ({"id": "A", "check": "tool-deny", "attack": ["T12"]}, "ATT&CK"),
        ({"id": "A", "check": "arg-pattern", "pattern": "("}, "bad pattern"),
    ],
)
def test_bad_rules(rule: dict, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_policy({"rules": [rule]})


def test_schema_and_duplicates() -> None:
    with pytest.raises(FormatError, match="schema"):
        parse_policy({"schema": "other/v1"})
    with pytest.raises(FormatError, match="duplicate"):
        parse_policy({"rules": [{"id": "A", "check": "tool-deny"}] * 2})


def test_load_merges_over_default(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(
        'name = "mine"\ntrusted_tools = ["read_docs"]\n'
        '[[rules]]\nid = "DM-SHELL-004"\ncheck = "shell"\ncategory = "destructive"\naction = "ask"\n'
    )
    pol = load_policy(f)
    assert pol.name == "mine" and pol.is_trusted("read_docs")
    assert [r.action.value for r in pol.rules if r.id == "DM-SHELL-004"] == ["ask"]
    assert len(pol.rules) == len(default_policy().rules)
    with pytest.raises(InputError):
        load_policy(tmp_path / "missing.toml")
    f.write_text("not = [toml")
    with pytest.raises(FormatError):
        load_policy(f)
