"""The incident report model: round trip, strict validation naming the field, hostile input."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente import incidents
from detente.errors import FormatError
from detente.taxonomy import Severity

DIGEST = "sha256:" + "ab" * 32


def sample() -> incidents.IncidentReport:
    return incidents.IncidentReport(
        title="Jailbreak produced ransomware",
        summary="A role-play prompt made the model write a file encryptor.",
        determination=incidents.Determination.CONFIRMED,
        investigation_status=incidents.InvestigationStatus.OPEN,
        severity=Severity.HIGH,
        created="2026-11-30T08:00:00Z",
        reporter="Lab A security",
        impact="Model produced working encryption malware.",
        tlp=incidents.Tlp.AMBER,
        field_tlp={"summary": incidents.Tlp.RED, "timeline.[0]": incidents.Tlp.AMBER_STRICT},
        timeline=(incidents.TimelineEvent("2026-11-29T23:10:00Z", "first report"),),
        affected_models=(incidents.AffectedModel("gemma-3-270m", DIGEST, "blake3:" + "cd" * 32),),
        mitigations=("refusal fine-tune", "output filter"),
        atlas=("AML.T0054",),
        attack=("T1059", "T1486"),
        cwe=("CWE-94",),
        owasp_llm=("LLM01:2025", "LLM05:2025"),
        indicators=(incidents.Indicator("prompt-digest", DIGEST, "sha256 of the prompt"),),
        evidence=(incidents.EvidenceItem("transcript", DIGEST, "chat log", "text/plain"),),
    )


def test_round_trip_through_json() -> None:
    r = sample()
    data = json.loads(json.dumps(r.to_dict()))
    assert data["schema"] == "detente.incident/v1"
    assert incidents.IncidentReport.from_dict(data) == r
    assert r.model_digests() == {DIGEST, "blake3:" + "cd" * 32}


def _set(d: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    d = copy.deepcopy(d)
    *head, last = path.split("/")
    target: Any = d
    for p in head:
        target = target[int(p)] if p.isdigit() else target[p]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("schema", "detente.incident/v2", "report.schema"),
        ("id", "not-a-uuid", "report.id"),
        ("title", "", "report.title"),
        ("title", 5, "report.title"),
        ("created", "2026-11-30 08:00", "report.created"),
        ("determination", "maybe", "report.determination"),
        ("investigation_status", "pending", "report.investigation_status"),
        ("severity", "catastrophic", "report.severity"),
        ("tlp", "white", "report.tlp"),
        ("field_tlp", {"nonsense": "red"}, "nonsense"),
        ("field_tlp", {"timeline.[5]": "red"}, "timeline.[5]"),
        ("atlas", ["AML.T9999"], "report.atlas"),
        ("attack", ["T12"], "report.attack"),
        ("cwe", ["CWE-0"], "report.cwe"),
        ("owasp_llm", ["LLM11:2025"], "report.owasp_llm"),
        ("affected_models/0/root_digest", "sha256:abc", "affected_models[0].root_digest"),
        ("affected_models/0/root_digest", "md5:" + "00" * 32, "affected_models[0].root_digest"),
        ("timeline/0/time", "yesterday", "timeline[0].time"),
        ("indicators/0/kind", "vibes", "indicators[0].kind"),
        ("evidence/0", {"kind": "log"}, "evidence[0]"),
        ("evidence/0/extra", 1, "evidence[0]"),
        ("mitigations", "one string", "report.mitigations"),
        ("surprise", 1, "surprise"),
    ],
)
def test_malformed_field_is_named(path: str, value: Any, named: str) -> None:
    with pytest.raises(FormatError) as err:
        incidents.IncidentReport.from_dict(_set(sample().to_dict(), path, value))
    assert named in str(err.value)


def test_commitments_validate() -> None:
    c = incidents.Commitment("summary", "[REDACTED:api_key#1]", "api_key", "sha256:" + "0" * 64)
    r = sample().with_texts({"summary": "key [REDACTED:api_key#1]"}, (c,))
    assert incidents.IncidentReport.from_dict(r.to_dict()) == r
    bad = r.to_dict()
    bad["redactions"][0]["placeholder"] = "[REDACTED:email#1]"
    with pytest.raises(FormatError, match="placeholder"):
        incidents.IncidentReport.from_dict(bad)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=12))  # fmt: skip
def test_hostile_json_is_a_format_error(data: Any) -> None:
    with pytest.raises(FormatError):
        incidents.IncidentReport.from_dict(data)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(sample().to_dict())),
    st.none() | st.integers() | st.text(max_size=5) | st.lists(st.integers(), max_size=2),
)
def test_one_bad_field_never_crashes(key: str, value: Any) -> None:
    d = sample().to_dict()
    d[key] = value
    try:
        incidents.IncidentReport.from_dict(d)
    except FormatError:
        pass
