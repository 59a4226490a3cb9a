"""The incident report ``detente.incident/v1``: what happened, to which model, in shared terms.

Vocabularies:

* ``determination`` and ``investigation_status`` are the closed vocabularies of the STIX 2.1
  Incident Core extension (extension-definition--ef765651-680c-498d-9894-99799f2fa126,
  oasis-open/cti-stix-common-objects ``incident-ef7``; ``incident-investigation-ov``).
* TLP 2.0 (FIRST, 2022): one marking for the report, optionally one per field
  (``field_tlp`` maps a STIX-style selector such as ``"summary"`` or ``"timeline.[2]"`` to a
  level; the STIX export turns them into ``granular_markings``).
* Techniques: MITRE ATLAS 5.6.0 and ATT&CK ids, CWE ids, OWASP LLM Top 10 2025 ids, all checked
  by :mod:`detente.taxonomy` against shipped data.

A report that has been redacted carries its placeholders in the text and one
:class:`Commitment` per placeholder; it never carries a salt or an original value.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from detente import taxonomy
from detente.errors import FormatError, InputError
from detente.incidents import _fields as f
from detente.integrity import parse_digest
from detente.taxonomy import Severity

__all__ = [
    "REPORT_SCHEMA",
    "AffectedModel",
    "Commitment",
    "Determination",
    "EvidenceItem",
    "IncidentReport",
    "Indicator",
    "InvestigationStatus",
    "TimelineEvent",
    "Tlp",
]

REPORT_SCHEMA = "detente.incident/v1"
_MIN_DIGEST_BYTES = 32
_COMMITMENT = re.compile(r"sha256:[0-9a-f]{64}")
_PLACEHOLDER = re.compile(r"\[REDACTED:([a-z_]+)#([1-9][0-9]*)\]")
_SELECTOR = re.compile(r"([a-z_]+)(?:\.\[(0|[1-9][0-9]*)\])?")


class Determination(enum.Enum):
    """STIX Incident Core ``determination`` (closed vocabulary)."""

    BLOCKED = "blocked"
    CONFIRMED = "confirmed"
    FAILED_ATTEMPT = "failed-attempt"
    FALSE_POSITIVE = "false-positive"
    SUSPECTED = "suspected"


class InvestigationStatus(enum.Enum):
    """STIX Incident Core ``incident-investigation-ov``."""

    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class Tlp(enum.Enum):
    """Traffic Light Protocol 2.0 levels (FIRST TLP 2.0)."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


class IndicatorKind(enum.Enum):
    MODEL_DIGEST = "model-digest"
    FILE_DIGEST = "file-digest"
    PROMPT_DIGEST = "prompt-digest"
    DOMAIN = "domain-name"
    URL = "url"
    IPV4 = "ipv4-addr"
    IPV6 = "ipv6-addr"
    EMAIL = "email-addr"
    STIX_PATTERN = "stix-pattern"


def _digest(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where}: expected a digest string algorithm:hex")
    try:
        _alg, raw = parse_digest(value)
    except InputError as exc:
        raise FormatError(f"{where}: {exc.problem}") from None
    if len(raw) < _MIN_DIGEST_BYTES or value != value.lower():
        raise FormatError(f"{where}: {value!r} is not a full lower-case algorithm:hex digest")
    return value


@dataclass(frozen=True)
class TimelineEvent:
    time: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "description": self.description}

    @classmethod
    def parse(cls, data: Any, where: str) -> TimelineEvent:
        d = f.obj(data, where, {"time", "description"}, {"time", "description"})
        return cls(f.timestamp(d["time"], f"{where}.time"), f.text(d, "description", where))


@dataclass(frozen=True)
class AffectedModel:
    """A model named by its OMS root digest and (optionally) its sharding-independent tensor digest."""

    name: str
    root_digest: str
    tensor_digest: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "root_digest": self.root_digest,
            "tensor_digest": self.tensor_digest,
        }

    @classmethod
    def parse(cls, data: Any, where: str) -> AffectedModel:
        d = f.obj(data, where, {"name", "root_digest", "tensor_digest"}, {"root_digest"})
        tensor = d.get("tensor_digest")
        return cls(
            f.text(d, "name", where),
            _digest(d["root_digest"], f"{where}.root_digest"),
            None if tensor is None else _digest(tensor, f"{where}.tensor_digest"),
        )


@dataclass(frozen=True)
class Indicator:
    kind: str
    value: str
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "description": self.description}

    @classmethod
    def parse(cls, data: Any, where: str) -> Indicator:
        d = f.obj(data, where, {"kind", "value", "description"}, {"kind", "value"})
        kind = f.choice(d["kind"], f"{where}.kind", IndicatorKind).value
        return cls(kind, f.text(d, "value", where, empty=False), f.text(d, "description", where))


@dataclass(frozen=True)
class EvidenceItem:
    """A piece of evidence named by digest (the bytes stay with the reporter)."""

    kind: str
    digest: str
    description: str = ""
    media_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "digest": self.digest,
            "description": self.description,
            "media_type": self.media_type,
        }

    @classmethod
    def parse(cls, data: Any, where: str) -> EvidenceItem:
        d = f.obj(data, where, {"kind", "digest", "description", "media_type"}, {"kind", "digest"})
        return cls(
            f.text(d, "kind", where, empty=False),
            _digest(d["digest"], f"{where}.digest"),
            f.text(d, "description", where),
            f.opt_text(d, "media_type", where),
        )


@dataclass(frozen=True)
class Commitment:
    """A redacted value's public side: where it was, its type, SHA-256(salt‖type‖value)."""

    field: str
    placeholder: str
    type: str
    commitment: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "placeholder": self.placeholder,
            "type": self.type,
            "commitment": self.commitment,
        }

    @classmethod
    def parse(cls, data: Any, where: str) -> Commitment:
        keys = {"field", "placeholder", "type", "commitment"}
        d = f.obj(data, where, keys, keys)
        placeholder = f.text(d, "placeholder", where)
        m = _PLACEHOLDER.fullmatch(placeholder)
        if m is None or m.group(1) != d["type"]:
            raise FormatError(f"{where}.placeholder: {placeholder!r} is not [REDACTED:<type>#<n>]")
        commitment = f.text(d, "commitment", where)
        if not _COMMITMENT.fullmatch(commitment):
            raise FormatError(f"{where}.commitment: expected sha256:<64 hex>")
        return cls(f.text(d, "field", where, empty=False), placeholder, m.group(1), commitment)


_LISTS = ("timeline", "affected_models", "indicators", "evidence", "redactions")
_TERMS = {
    "atlas": taxonomy.validate_atlas_ids,
    "attack": taxonomy.validate_attack_ids,
    "cwe": taxonomy.validate_cwe_ids,
    "owasp_llm": taxonomy.validate_owasp_llm_ids,
}
_SCALARS = {"id", "title", "summary", "created", "modified", "reporter", "impact", "tlp",
            "field_tlp", "determination", "investigation_status", "severity", "mitigations"}  # fmt: skip
_ALL = {"schema"} | _SCALARS | set(_LISTS) | set(_TERMS)


@dataclass(frozen=True)
class IncidentReport:
    """One incident, as shared between organisations (``detente.incident/v1``)."""

    title: str
    summary: str
    determination: Determination
    investigation_status: InvestigationStatus
    severity: Severity
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: str = field(default_factory=f.now)
    modified: str | None = None
    reporter: str = ""
    impact: str = ""
    tlp: Tlp = Tlp.AMBER
    field_tlp: Mapping[str, Tlp] = field(default_factory=dict)
    timeline: tuple[TimelineEvent, ...] = ()
    affected_models: tuple[AffectedModel, ...] = ()
    mitigations: tuple[str, ...] = ()
    atlas: tuple[str, ...] = ()
    attack: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    owasp_llm: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    redactions: tuple[Commitment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "created": self.created,
            "modified": self.modified,
            "reporter": self.reporter,
            "impact": self.impact,
            "tlp": self.tlp.value,
            "field_tlp": {k: v.value for k, v in sorted(self.field_tlp.items())},
            "determination": self.determination.value,
            "investigation_status": self.investigation_status.value,
            "severity": str(self.severity),
            "mitigations": list(self.mitigations),
        }
        for name in _TERMS:
            out[name] = list(getattr(self, name))
        for name in _LISTS:
            out[name] = [item.to_dict() for item in getattr(self, name)]
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "report") -> IncidentReport:
        """Parse and validate; :class:`FormatError` names the first bad field."""
        d = f.obj(data, where, _ALL, {"schema", "id", "title", "summary", "created",
                                       "determination", "investigation_status", "severity"})  # fmt: skip
        if d["schema"] != REPORT_SCHEMA:
            raise FormatError(f"{where}.schema: expected {REPORT_SCHEMA!r}, got {d['schema']!r}")
        try:
            ident = str(uuid.UUID(str(d["id"])))
        except ValueError:
            raise FormatError(f"{where}.id: {d['id']!r} is not a UUID") from None
        if ident != d["id"]:
            raise FormatError(f"{where}.id: {d['id']!r} is not a lower-case hyphenated UUID")
        try:
            severity = Severity.parse(d["severity"]) if isinstance(d["severity"], str) else None
        except ValueError:
            severity = None
        if severity is None:
            raise FormatError(f"{where}.severity: {d['severity']!r} is not a severity")
        terms = {name: f.items(d, name, where, f.string_item) for name in _TERMS}
        for name, check in _TERMS.items():
            try:
                check(terms[name])
            except InputError as exc:
                raise FormatError(f"{where}.{name}: {exc.problem}") from None
        field_tlp = d.get("field_tlp", {})
        if not isinstance(field_tlp, dict):
            raise FormatError(f"{where}.field_tlp: expected a JSON object")
        report = cls(
            id=ident,
            title=f.text(d, "title", where, empty=False),
            summary=f.text(d, "summary", where),
            created=f.timestamp(d["created"], f"{where}.created"),
            modified=None
            if d.get("modified") is None
            else f.timestamp(d["modified"], f"{where}.modified"),
            reporter=f.text(d, "reporter", where),
            impact=f.text(d, "impact", where),
            tlp=f.choice(d.get("tlp", "amber"), f"{where}.tlp", Tlp),
            field_tlp={
                str(k): f.choice(v, f"{where}.field_tlp[{k!r}]", Tlp) for k, v in field_tlp.items()
            },
            determination=f.choice(d["determination"], f"{where}.determination", Determination),
            investigation_status=f.choice(
                d["investigation_status"], f"{where}.investigation_status", InvestigationStatus
            ),
            severity=severity,
            mitigations=f.items(d, "mitigations", where, f.string_item),
            atlas=terms["atlas"],
            attack=terms["attack"],
            cwe=terms["cwe"],
            owasp_llm=terms["owasp_llm"],
            timeline=f.items(d, "timeline", where, TimelineEvent.parse),
            affected_models=f.items(d, "affected_models", where, AffectedModel.parse),
            indicators=f.items(d, "indicators", where, Indicator.parse),
            evidence=f.items(d, "evidence", where, EvidenceItem.parse),
            redactions=f.items(d, "redactions", where, Commitment.parse),
        )
        report.check_selectors(where)
        return report

    def check_selectors(self, where: str = "report") -> None:
        """Every ``field_tlp`` selector and commitment ``field`` must name a field of this report."""
        sized = {name: len(getattr(self, name)) for name in (*_LISTS, *_TERMS, "mitigations")}
        for sel in [*self.field_tlp, *(c.field for c in self.redactions)]:
            root, _, rest = sel.partition(".")
            m = _SELECTOR.fullmatch(f"{root}.{rest.split('.')[0]}" if rest else root)
            ok = m is not None and m.group(1) in (_ALL - {"schema"})
            if ok and m is not None and m.group(2) is not None:
                ok = m.group(1) in sized and int(m.group(2)) < sized[m.group(1)]
            if not ok:
                raise FormatError(f"{where}: selector {sel!r} names no field of this report")

    def text_fields(self) -> Iterator[tuple[str, str]]:
        """(selector, text) for every free-text field a redaction must cover."""
        for name in ("title", "summary", "impact", "reporter"):
            yield name, getattr(self, name)
        for i, ev in enumerate(self.timeline):
            yield f"timeline.[{i}].description", ev.description
        for i, m in enumerate(self.mitigations):
            yield f"mitigations.[{i}]", m
        for i, am in enumerate(self.affected_models):
            yield f"affected_models.[{i}].name", am.name
        for i, ind in enumerate(self.indicators):
            yield f"indicators.[{i}].value", ind.value
            yield f"indicators.[{i}].description", ind.description
        for i, e in enumerate(self.evidence):
            yield f"evidence.[{i}].description", e.description

    def with_texts(
        self, texts: Mapping[str, str], redactions: tuple[Commitment, ...]
    ) -> IncidentReport:
        """A copy with the given free-text fields replaced (by selector) and commitments set."""

        def pick(sel: str, old: str) -> str:
            return texts.get(sel, old)

        def at(name: str, i: int, attr: str, obj: Any) -> Any:
            return replace(obj, **{attr: pick(f"{name}.[{i}].{attr}", getattr(obj, attr))})

        return replace(
            self,
            title=pick("title", self.title),
            summary=pick("summary", self.summary),
            impact=pick("impact", self.impact),
            reporter=pick("reporter", self.reporter),
            timeline=tuple(
                at("timeline", i, "description", e) for i, e in enumerate(self.timeline)
            ),
            mitigations=tuple(
                pick(f"mitigations.[{i}]", m) for i, m in enumerate(self.mitigations)
            ),
            affected_models=tuple(
                at("affected_models", i, "name", a) for i, a in enumerate(self.affected_models)
            ),
            indicators=tuple(
                at("indicators", i, "description", at("indicators", i, "value", x))
                for i, x in enumerate(self.indicators)
            ),
            evidence=tuple(
                at("evidence", i, "description", e) for i, e in enumerate(self.evidence)
            ),
            redactions=redactions,
        )

    def model_digests(self) -> frozenset[str]:
        """Every root and tensor digest the report names."""
        out = {m.root_digest for m in self.affected_models}
        out |= {m.tensor_digest for m in self.affected_models if m.tensor_digest}
        return frozenset(out)
