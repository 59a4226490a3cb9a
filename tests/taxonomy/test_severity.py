from __future__ import annotations

import pytest

from detente.errors import FormatError
from detente.taxonomy import (
    SEVERITY_NAMES,
    Severity,
    counts_above,
    severities_above,
    severities_at_or_above,
    severity_counts,
)


def test_names_order_and_parsing() -> None:
    assert SEVERITY_NAMES == ("info", "low", "medium", "high", "critical")
    assert [Severity.parse(n) for n in SEVERITY_NAMES] == sorted(Severity)
    assert Severity.parse("HiGh") is Severity.HIGH and str(Severity.HIGH) == "high"
    with pytest.raises(ValueError, match="expected one of: info, low, medium, high, critical"):
        Severity.parse("severe")


@pytest.mark.parametrize(
    ("name", "at_or_above", "above"),
    [
        ("info", SEVERITY_NAMES, SEVERITY_NAMES[1:]),
        ("low", SEVERITY_NAMES[1:], SEVERITY_NAMES[2:]),
        ("medium", SEVERITY_NAMES[2:], SEVERITY_NAMES[3:]),
        ("high", ("high", "critical"), ("critical",)),
        ("critical", ("critical",), ()),
    ],
)
def test_thresholds(name: str, at_or_above: tuple[str, ...], above: tuple[str, ...]) -> None:
    assert tuple(map(str, severities_at_or_above(name))) == at_or_above
    assert tuple(map(str, severities_above(Severity.parse(name)))) == above


def test_counting_and_counts_above() -> None:
    counts = severity_counts([Severity.HIGH, Severity.HIGH, Severity.INFO])
    assert counts == {"info": 1, "low": 0, "medium": 0, "high": 2, "critical": 0}
    assert list(counts) == list(SEVERITY_NAMES)
    assert counts_above(counts, "medium") == {"high": 2}
    assert counts_above(counts, "high") == {}
    for bad in (-1, True, "2", 1.0):
        with pytest.raises(FormatError, match="critical count"):
            counts_above({"critical": bad}, "low")
