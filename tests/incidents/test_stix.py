"""STIX 2.1 export/import: validated by stix2-validator given our extension schemas."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from detente import incidents
from detente.errors import FormatError, UsageError
from detente.incidents._taxii_query import parse_timestamp
from detente.taxonomy import Severity

stix2validator = pytest.importorskip("stix2validator")

DIGEST = "sha256:" + "ab" * 32
CORE = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
DETENTE = "extension-definition--91aec66a-5859-5fc5-845d-21a1901d1102"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def sample(**kw: Any) -> incidents.IncidentReport:
    base: dict[str, Any] = dict(
        title="Jailbreak produced ransomware",
        summary="A role-play prompt made the model write a file encryptor.",
        determination=incidents.Determination.CONFIRMED,
        investigation_status=incidents.InvestigationStatus.OPEN,
        severity=Severity.HIGH,
        created="2026-11-30T08:00:00Z",
        reporter="Lab A security",
        impact="Model produced working encryption malware.",
        tlp=incidents.Tlp.AMBER,
        field_tlp={"summary": incidents.Tlp.AMBER_STRICT, "timeline.[0]": incidents.Tlp.GREEN},
        timeline=(incidents.TimelineEvent("2026-11-29T23:10:00Z", "first report"),),
        affected_models=(incidents.AffectedModel("gemma-3-270m", DIGEST, "blake3:" + "cd" * 32),),
        mitigations=("refusal fine-tune", "output filter"),
        atlas=("AML.T0054",),
        attack=("T1059", "T1486"),
        cwe=("CWE-94",),
        owasp_llm=("LLM01:2025", "LLM05:2025"),
        indicators=(
            incidents.Indicator("prompt-digest", DIGEST, "sha256 of the prompt"),
            incidents.Indicator("domain-name", "evil.example", ""),
            incidents.Indicator("ipv4-addr", "[REDACTED:ip_address#1]", "the C2 (redacted)"),
        ),
        evidence=(incidents.EvidenceItem("transcript", DIGEST, "chat log", "text/plain"),),
    )
    base.update(kw)
    return incidents.IncidentReport(**base)


def by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == kind]


def test_export_is_valid_stix_and_round_trips() -> None:
    r = sample()
    bundle = incidents.to_stix(r)
    # The validator itself, given our schemas, finds nothing wrong.
    assert incidents.stix_problems(bundle) == []
    (inc,) = by_type(bundle, "incident")
    assert inc["id"] == f"incident--{r.id}" and inc["name"] == r.title
    assert inc["extensions"][CORE]["determination"] == "confirmed"
    names = {tuple(e["external_id"] for e in o["external_references"])
             for o in by_type(bundle, "attack-pattern")}  # fmt: skip
    assert names == {("AML.T0054",), ("T1059",), ("T1486",)}
    (vuln,) = by_type(bundle, "vulnerability")
    assert vuln["external_references"][0] == {
        "source_name": "cwe",
        "external_id": "CWE-94",
        "url": "https://cwe.mitre.org/data/definitions/94.html",
    }
    patterns = [o["pattern"] for o in by_type(bundle, "indicator")]
    assert patterns[:2] == [
        "[artifact:hashes.'SHA-256' = '" + "ab" * 32 + "']",
        "[domain-name:value = 'evil.example']",
    ]
    assert len(by_type(bundle, "relationship")) == 3 + 1 + 3
    marks = {o["id"] for o in by_type(bundle, "marking-definition")}
    assert marks == {incidents_tlp(x) for x in ("amber", "amber+strict", "green")}
    assert sorted(g["selectors"][0] for g in inc["granular_markings"]) == [
        "description",
        f"extensions.{DETENTE}.timeline.[0]",
    ]
    assert incidents.from_stix(json.dumps(bundle)) == r


def incidents_tlp(level: str) -> str:
    from detente.incidents._stix_markings import TLP_IDS

    return TLP_IDS[level][0]


def test_tlp_red_needs_recipients_and_carries_them() -> None:
    r = sample(tlp=incidents.Tlp.RED, field_tlp={})
    with pytest.raises(UsageError, match="recipients"):
        incidents.to_stix(r)
    bundle = incidents.to_stix(r, recipients=["Lab B", "AISI"])
    for o in bundle["objects"]:
        if o["type"] not in ("marking-definition", "extension-definition") and o["id"] != (
            "identity--" + str(uuid.uuid5(uuid.UUID(DETENTE[22:]), "detente"))
        ):
            assert RED in o["object_marking_refs"]
            ext = o["extensions"]["extension-definition--4f19f0c7-ca92-5dd7-a0a6-7074cbd885ee"]
            assert ext["recipients"] == ["Lab B", "AISI"]
    assert incidents.from_stix(bundle) == r


# -- the validator and stix2 accept what they cannot check; ours refuses ------------------


def _bad_extension_bundle() -> dict[str, Any]:
    bundle = incidents.to_stix(sample())
    inc = by_type(bundle, "incident")[0]
    inc["extensions"]["extension-definition--00000000-0000-4000-8000-000000000000"] = {
        "extension_type": "property-extension",
        "anything": {"at": "all"},
    }
    return bundle


def test_stix2_validator_alone_accepts_unknown_and_wrong_extensions_ours_refuses() -> None:
    from stix2validator import ValidationOptions, validate_instance

    unknown = _bad_extension_bundle()
    assert validate_instance(unknown, ValidationOptions(version="2.1")).is_valid
    assert any("has no schema" in p for p in incidents.stix_problems(unknown))

    wrong = incidents.to_stix(sample())
    by_type(wrong, "incident")[0]["extensions"][CORE]["determination"] = "probably"
    # Without our schemas the validator does not look inside the Incident Core extension.
    assert validate_instance(wrong, ValidationOptions(version="2.1")).is_valid
    assert any("'probably' is not one of" in p for p in incidents.stix_problems(wrong))
    with pytest.raises(FormatError, match="probably"):
        incidents.from_stix(wrong)


def test_stix2_library_never_validates_extension_contents() -> None:
    stix2 = pytest.importorskip("stix2")
    wrong = incidents.to_stix(sample())
    inc = by_type(wrong, "incident")[0]
    inc["extensions"][CORE]["determination"] = "probably"
    inc["extensions"][DETENTE]["severity"] = 17
    parsed = stix2.parse(inc, allow_custom=False)
    assert parsed["extensions"][CORE]["determination"] == "probably"
    assert incidents.stix_problems(wrong)


# -- malformed input is a FormatError naming the problem ----------------------------------


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.update(type="report"), "bundle"),
        (lambda b: b["objects"].append(copy.deepcopy(by_type(b, "incident")[0])), "incident"),
        (lambda b: b.update(objects=[o for o in b["objects"] if o["type"] != "vulnerability"]),
         "vulnerability"),
        (lambda b: by_type(b, "incident")[0].pop("object_marking_refs"), "TLP"),
        (lambda b: by_type(b, "incident")[0]["extensions"].pop(CORE), "Incident Core"),
        (lambda b: by_type(b, "incident")[0].update(created="yesterday"), "created"),
        (lambda b: by_type(b, "incident")[0]["extensions"][DETENTE].update(severity="dire"),
         "severity"),
    ],
)  # fmt: skip
def test_malformed_stix_is_a_format_error(mutate: Any, message: str) -> None:
    bundle = incidents.to_stix(sample())
    mutate(bundle)
    with pytest.raises(FormatError, match=message):
        incidents.from_stix(bundle)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c,
                                                                        max_size=3),
                    max_leaves=12))  # fmt: skip
def test_hostile_json_is_a_format_error_never_a_crash(doc: Any) -> None:
    with pytest.raises(FormatError):
        incidents.from_stix(json.dumps(doc))
    with pytest.raises(FormatError):
        incidents.from_stix({"type": "bundle", "id": "bundle--x", "objects": [doc]})


# -- round trip over generated reports ---------------------------------------------------

_ts = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}Z".format,
    st.integers(2000, 2030), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23),
    st.integers(0, 59), st.integers(0, 59), st.sampled_from(["", ".5", ".123", ".123456"]),
)  # fmt: skip
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_digest = st.builds(lambda a, h: f"{a}:{h}", st.sampled_from(["sha256", "blake3"]),
                    st.binary(min_size=32, max_size=32).map(bytes.hex))  # fmt: skip
_tlp = st.sampled_from(list(incidents.Tlp))


@st.composite
def reports(draw: st.DrawFn) -> incidents.IncidentReport:
    timeline = tuple(draw(st.lists(st.builds(incidents.TimelineEvent, _ts, _text), max_size=3)))
    mitigations = tuple(draw(st.lists(_text, max_size=3)))
    indicators = tuple(
        draw(
            st.lists(
                st.builds(
                    incidents.Indicator,
                    st.sampled_from(["domain-name", "url", "ipv4-addr", "email-addr"]),
                    _text.filter(str.strip),
                    _text,
                )
                | st.builds(incidents.Indicator, st.just("file-digest"), _digest, _text),
                max_size=3,
            )
        )
    )
    selectors = ["title", "summary", "impact", "reporter", "severity", "determination"]
    selectors += [f"timeline.[{i}]" for i in range(len(timeline))]
    selectors += [f"indicators.[{i}]" for i in range(len(indicators))]
    selectors += [f"mitigations.[{i}]" for i in range(len(mitigations))]
    field_tlp = draw(st.dictionaries(st.sampled_from(selectors), _tlp, max_size=4))
    created, modified = sorted(draw(st.lists(_ts, min_size=2, max_size=2)), key=parse_timestamp)
    modified = draw(st.none() | st.just(modified))  # STIX: modified >= created
    return incidents.IncidentReport(
        title=draw(_text.filter(str.strip)),
        summary=draw(_text),
        determination=draw(st.sampled_from(list(incidents.Determination))),
        investigation_status=draw(st.sampled_from(list(incidents.InvestigationStatus))),
        severity=draw(st.sampled_from(list(Severity))),
        id=str(draw(st.uuids(version=4))),
        created=created,
        modified=modified,
        reporter=draw(_text),
        impact=draw(_text),
        tlp=draw(_tlp),
        field_tlp=field_tlp,
        timeline=timeline,
        affected_models=tuple(
            draw(
                st.lists(
                    st.builds(incidents.AffectedModel, _text, _digest, st.none() | _digest),
                    max_size=2,
                )
            )
        ),
        mitigations=mitigations,
        atlas=tuple(
            draw(st.lists(st.sampled_from(["AML.T0054", "AML.T0051"]), max_size=2, unique=True))
        ),
        attack=tuple(draw(st.lists(st.sampled_from(["T1059", "T1486"]), max_size=2, unique=True))),
        cwe=tuple(draw(st.lists(st.sampled_from(["CWE-94", "CWE-79"]), max_size=2, unique=True))),
        owasp_llm=tuple(draw(st.lists(st.sampled_from(["LLM01:2025", "LLM05:2025"]), max_size=2))),
        indicators=indicators,
        redactions=tuple(
            draw(
                st.lists(
                    st.builds(
                        lambda n, h: incidents.Commitment(
                            "summary", f"[REDACTED:api_key#{n}]", "api_key", f"sha256:{h}"
                        ),
                        st.integers(1, 99),
                        st.binary(min_size=32, max_size=32).map(bytes.hex),
                    ),
                    max_size=2,
                )
            )
        ),
        evidence=tuple(
            draw(
                st.lists(
                    st.builds(
                        incidents.EvidenceItem,
                        _text.filter(str.strip),
                        _digest,
                        _text,
                        st.none() | _text,
                    ),
                    max_size=2,
                )
            )
        ),
    )


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example validates twice (~1 s)
)
@given(reports())
def test_round_trip_over_generated_reports(r: incidents.IncidentReport) -> None:
    bundle = incidents.to_stix(r, recipients=["Lab B"], validate=False)  # from_stix validates
    assert incidents.from_stix(json.loads(json.dumps(bundle))) == r
