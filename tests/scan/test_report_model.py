"""ScanReport / ScanSummary: the typed scan evidence and its on-disk form."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import FormatError
from detente.scan import REPORT_SCHEMA, ScanReport, Severity, scan_paths, to_json

# The form `detente scan --format json` wrote before the schema convention (and what the golden
# scan attestation in tests/attest/golden carries).
OLD = {
    "version": 1,
    "tool": {"name": "detente", "version": "0.1.0"},
    "inputs": ["model.gguf"],
    "summary": {"files_scanned": 1, "bytes_scanned": 1024, "findings": 0,
                "by_severity": {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0},
                "incomplete": False, "fail_on": "high", "exit_code": 0},
    "findings": [],
}  # fmt: skip


def _evil(tmp_path: Path) -> ScanReport:
    (tmp_path / "m.pkl").write_bytes(b"\x80\x02cos\nsystem\n(X\x02\x00\x00\x00idtR.")
    (tmp_path / "t.pkl").write_bytes(b"\x80\x02cmylib\nThing\n(")
    return scan_paths([tmp_path])


def test_round_trip_and_the_old_form(tmp_path: Path) -> None:
    report = _evil(tmp_path)
    data = to_json(report, Severity.CRITICAL)
    assert data["schema"] == REPORT_SCHEMA and data["version"] == 1
    back = ScanReport.from_dict(json.loads(json.dumps(data)))
    assert back.summary == report.with_threshold(Severity.CRITICAL).summary
    assert back.to_dict() == data
    assert back.summary.by_severity["critical"] == 2 and back.incomplete
    old = ScanReport.from_dict(OLD)
    assert old.summary.to_dict() == OLD["summary"] and old.inputs == ("model.gguf",)


def _mutate(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(OLD)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("version",), 2, "not a detente scan report"),
        (("schema",), "detente.scan-report/v9", "unsupported schema"),
        (("summary",), None, "summary is missing"),
        (("summary", "by_severity"), [], "by_severity is missing"),
        (("summary", "by_severity", "high"), -1, "non-negative integer"),
        (("summary", "by_severity", "high"), True, "non-negative integer"),
        (("summary", "by_severity", "severe"), 0, "unknown severities"),
        (("summary", "by_severity", "critical"), 1, "differs from the sum"),
        (("summary", "incomplete"), "no", "true or false"),
        (("summary", "fail_on"), "loud", "fail_on"),
        (("summary", "exit_code"), 1, "does not match the findings"),
        (("findings",), [{"rule_id": "DT-X"}], "finding is malformed"),
    ],
)
def test_bad_reports_are_refused_naming_the_problem(
    path: tuple[str, ...], value: Any, problem: str
) -> None:
    with pytest.raises(FormatError, match=problem):
        ScanReport.from_dict(_mutate(path, value))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["version", "schema", "summary", "findings", "tool",
                                        "inputs"]), json_values))  # fmt: skip
def test_from_dict_never_crashes(data: dict[str, Any]) -> None:
    try:
        ScanReport.from_dict({**OLD, **data})
    except FormatError:
        pass
