"""The scorecard as a typed value, for the code that reads one (the gate, the release pipeline).

The on-disk form is the JSON document ``detente.scorecard/v1`` that :func:`build_scorecard`
writes; :meth:`Scorecard.from_dict` validates it and gives typed access to what other packages
rely on (the suite measured, the model's identity, each metric's k, n, rate and interval),
while :meth:`Scorecard.to_dict` returns the document unchanged, fields it does not model
included (so a newer producer's additions survive a round trip).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.evals._scorecard import validate_scorecard

__all__ = ["LanguageGap", "MetricResult", "Scorecard", "SuiteRef"]


@dataclass(frozen=True)
class SuiteRef:
    name: str
    version: str
    digest: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "digest": self.digest}


@dataclass(frozen=True)
class MetricResult:
    """One rate: k of n scored samples, its Wilson 95% interval, errored and unscored counts."""

    k: int
    n: int
    rate: float | None
    ci95: tuple[float, float]
    errors: int
    unscored: int
    direction: str  # harm | helpfulness | info
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, m: Mapping[str, Any]) -> MetricResult:
        lo, hi = (float(x) for x in m["ci95"])
        rate = m.get("rate")
        return cls(int(m["k"]), int(m["n"]), None if rate is None else float(rate), (lo, hi),
                   int(m.get("errors", 0)), int(m.get("unscored", 0)), str(m["direction"]),
                   dict(m))  # fmt: skip


@dataclass(frozen=True)
class LanguageGap:
    """rate(``lang``) − rate(``minus``) of one metric over the item pairs both answered, with
    its paired 95% interval (Newcombe 1998, method 10); ``gap`` is None without pairs."""

    metric: str
    lang: str
    minus: str
    gap: float | None
    ci95: tuple[float, float]
    pairs: int

    @classmethod
    def from_dict(cls, metric: str, g: Mapping[str, Any]) -> LanguageGap:
        lo, hi = (float(x) for x in g["ci95"])
        gap = g.get("gap")
        return cls(metric, str(g.get("lang")), str(g.get("minus")),
                   None if gap is None else float(gap), (lo, hi), int(g.get("pairs", 0)))  # fmt: skip


@dataclass(frozen=True)
class Scorecard:
    suite: SuiteRef
    model: Mapping[str, Any]
    metrics: Mapping[str, MetricResult]
    document: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    # Bilingual runs: the languages measured and each metric's language gap (else empty).
    languages: tuple[str, ...] = ()
    gaps: Mapping[str, LanguageGap] = field(default_factory=dict)

    @property
    def weights_digest(self) -> str | None:
        value = self.model.get("weights_digest")
        return str(value) if value else None

    @property
    def samples(self) -> int:
        return sum(int(c.get("samples", 0)) for c in self.document.get("categories", {}).values())

    def metric(self, name: str) -> MetricResult | None:
        return self.metrics.get(name)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.document)

    @classmethod
    def from_dict(cls, doc: object, source: str = "scorecard") -> Scorecard:
        """Validate a scorecard document (raises :class:`FormatError` naming the problem)."""
        card = validate_scorecard(doc, source)
        suite = card["suite"]
        cross = card.get("crosslingual") or {}
        return cls(
            SuiteRef(str(suite.get("name")), str(suite.get("version")), str(suite["digest"])),
            dict(card["model"]) if isinstance(card["model"], dict) else {},
            {name: MetricResult.from_dict(m) for name, m in card["metrics"].items()},
            card,
            tuple(str(x) for x in cross.get("languages", [])),
            {k: LanguageGap.from_dict(k, g) for k, g in cross.get("gaps", {}).items()},
        )
