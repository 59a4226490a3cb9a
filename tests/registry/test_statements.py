"""Revocation and advisory severities: one scale (detente.taxonomy), checked the same way by
the statement builders and offered the same way by the CLI."""

from __future__ import annotations

import pytest

from detente.errors import UsageError
from detente.registry import advisory, revocation
from detente.taxonomy import SEVERITY_NAMES

D = "sha256:" + "ab" * 32


def test_statements_take_the_shared_scale_without_info() -> None:
    for sev in SEVERITY_NAMES[1:]:
        assert revocation("acme/m", D, "backdoor", sev).predicate["severity"] == sev
        assert advisory("acme/m", [D], "2", "fix", sev).predicate["severity"] == sev
    for bad in ("info", "HIGH", "severe", ""):
        with pytest.raises(UsageError, match="severity must be one of"):
            revocation("acme/m", D, "backdoor", bad)
        with pytest.raises(UsageError, match="severity must be one of"):
            advisory("acme/m", [D], None, "fix", bad)


def test_cli_offers_exactly_what_the_statements_accept() -> None:
    from detente.cli.registry import advise, revoke
    from detente.registry._statements import SEVERITIES

    for cmd in (revoke, advise):
        opt = next(p for p in cmd.params if p.name == "severity")
        assert list(opt.type.choices) == list(SEVERITIES)  # type: ignore[attr-defined]
