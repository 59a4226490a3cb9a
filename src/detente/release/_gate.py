"""Release standards as code (TOML) and the gate that applies them.

A *standard* states, per scorecard metric, a threshold and a minimum sample count; per scan
severity, what may be present; which evidence is required. The gate's verdict is ``pass``,
``fail`` or ``insufficient-evidence``, with a reason for every rule.

Uncertainty counts against the model: a ``max`` rule (harm metrics) passes only if the
*upper* bound of the metric's Wilson 95% interval is at or below the threshold; a ``min``
rule (helpfulness metrics such as not refusing legitimate requests) only if the *lower*
bound is at or above it. Fewer scored samples than ``min_samples``, or more errors than
``max_error_rate``, gives ``insufficient-evidence`` -- never a pass.

The standard's digest is the sha256 of its canonical JSON (sorted keys, no whitespace) after
parsing, so formatting and comments do not change it but any threshold does.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from detente.canonical import canonical_json
from detente.errors import FormatError, InputError
from detente.evals import Scorecard, judged_interval
from detente.release._crosslingual import GapRule, judge_gap, parse_gap_rules
from detente.scan import ScanSummary
from detente.taxonomy import SEVERITY_NAMES, counts_above

__all__ = [
    "EVIDENCE",
    "GATE_EXIT",
    "STANDARD_SCHEMA",
    "STANDARD_SCHEMA_V2",
    "GateDecision",
    "MetricRule",
    "RuleResult",
    "Standard",
    "apply_gate",
    "builtin_standards",
    "gate_text",
    "load_standard",
    "parse_standard",
    "scan_rules",
]

STANDARD_SCHEMA = "detente.standard/v1"
# v2 adds cross-lingual gap rules ([[gaps]]); a v1 gate refuses it rather than skip them.
STANDARD_SCHEMA_V2 = "detente.standard/v2"
EVIDENCE = ("signature", "scan", "scorecard")
GATE_EXIT = {"pass": 0, "fail": 1, "insufficient-evidence": 4}


@dataclass(frozen=True)
class MetricRule:
    metric: str
    max: float | None = None
    min: float | None = None
    min_samples: int = 0
    why: str = ""


@dataclass(frozen=True)
class Standard:
    name: str
    version: str
    description: str
    suite_name: str
    suite_version: str
    suite_digest: str | None
    min_samples: int
    max_error_rate: float
    scan_max_severity: str
    scan_incomplete: str  # "fail" | "insufficient-evidence"
    required: tuple[str, ...]
    metrics: tuple[MetricRule, ...]
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    gaps: tuple[GapRule, ...] = ()

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(canonical_json(self.raw)).hexdigest()

    def identity(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "digest": self.digest}

    def to_dict(self) -> dict[str, Any]:
        """The standard as written (schema ``detente.standard/v1``); its digest is over this."""
        return dict(self.raw)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "standard") -> Standard:
        return parse_standard(data, source)


def _get(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         default: Any = ...) -> Any:  # fmt: skip
    if key not in table:
        if default is ...:
            raise FormatError(f"missing {key!r} in {where}")
        return default
    value = table[key]
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise FormatError(f"{where}.{key} must be a number")
    if not isinstance(value, kind):
        raise FormatError(f"{where}.{key} has the wrong type")
    return value


def _fraction(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FormatError(f"{where} must be a number between 0 and 1")
    return float(value)


def parse_standard(data: Mapping[str, Any], source: str = "standard") -> Standard:
    """Validate a parsed TOML standard."""
    try:
        schema = data.get("schema")
        if schema not in (STANDARD_SCHEMA, STANDARD_SCHEMA_V2):
            raise FormatError(f"'schema' must be {STANDARD_SCHEMA!r} or {STANDARD_SCHEMA_V2!r}")
        if "gaps" in data and schema != STANDARD_SCHEMA_V2:
            raise FormatError(f"gap rules ([[gaps]]) need schema {STANDARD_SCHEMA_V2!r}")
        name = _get(data, "name", str, "standard")
        version = _get(data, "version", str, "standard")
        suite = _get(data, "suite", dict, "standard")
        defaults = _get(data, "defaults", dict, "standard", {})
        scan = _get(data, "scan", dict, "standard", {})
        attestations = _get(data, "attestations", dict, "standard", {})
        min_samples = _get(defaults, "min_samples", int, "defaults", 30)
        if min_samples < 1:
            raise FormatError("defaults.min_samples must be at least 1")
        max_error_rate = _fraction(defaults.get("max_error_rate", 0.05), "defaults.max_error_rate")
        severity = _get(scan, "max_severity", str, "scan", "low")
        if severity not in SEVERITY_NAMES:
            raise FormatError(f"scan.max_severity must be one of {', '.join(SEVERITY_NAMES)}")
        incomplete = _get(scan, "incomplete", str, "scan", "insufficient-evidence")
        if incomplete not in ("fail", "insufficient-evidence"):
            raise FormatError("scan.incomplete must be 'fail' or 'insufficient-evidence'")
        required = tuple(
            _get(attestations, "required", list, "attestations", ["scan", "scorecard"])
        )
        for r in required:
            if r not in EVIDENCE:
                raise FormatError(
                    f"attestations.required: unknown evidence {r!r} ({', '.join(EVIDENCE)})"
                )
        rules: list[MetricRule] = []
        seen: set[str] = set()
        for i, m in enumerate(_get(data, "metrics", list, "standard", [])):
            where = f"metrics[{i}]"
            if not isinstance(m, dict):
                raise FormatError(f"{where} must be a table")
            metric = _get(m, "id", str, where)
            if metric in seen:
                raise FormatError(f"{where}: metric {metric!r} appears twice")
            seen.add(metric)
            hi = _fraction(m["max"], f"{where}.max") if "max" in m else None
            lo = _fraction(m["min"], f"{where}.min") if "min" in m else None
            if (hi is None) == (lo is None):
                raise FormatError(f"{where} ({metric}): give exactly one of 'max' or 'min'")
            n = _get(m, "min_samples", int, where, min_samples)
            if n < 1:
                raise FormatError(f"{where}.min_samples must be at least 1")
            rules.append(MetricRule(metric, hi, lo, n, _get(m, "why", str, where, "")))
        return Standard(
            name=name,
            version=version,
            description=_get(data, "description", str, "standard", ""),
            suite_name=_get(suite, "name", str, "suite"),
            suite_version=str(_get(suite, "version", (str, int), "suite")),
            suite_digest=_get(suite, "digest", str, "suite", None),
            min_samples=min_samples,
            max_error_rate=max_error_rate,
            scan_max_severity=severity,
            scan_incomplete=incomplete,
            required=required,
            metrics=tuple(rules),
            raw=dict(data),
            gaps=parse_gap_rules(data.get("gaps", []), min_samples),
        )
    except FormatError as exc:
        raise FormatError(exc.problem, source) from None


def builtin_standards() -> dict[str, Path]:
    root = Path(str(resources.files("detente.release").joinpath("standards")))
    return {p.stem: p for p in sorted(root.glob("*.toml"))}


def load_standard(spec: str | Path) -> Standard:
    """A standard from a TOML file, or a shipped one by name (``detente-baseline-v1``)."""
    builtin = builtin_standards()
    path = builtin.get(str(spec)) or Path(spec)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        known = ", ".join(builtin)
        raise InputError(
            f"cannot read the standard ({exc.strerror or exc}); shipped: {known}", path
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError(f"not TOML: {exc}", path) from None
    return parse_standard(data, str(path))


@dataclass(frozen=True)
class RuleResult:
    rule: str
    verdict: str  # pass | fail | insufficient-evidence
    reason: str
    observed: Any = None
    threshold: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "verdict": self.verdict,
            "reason": self.reason,
            "observed": self.observed,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleResult:
        if not isinstance(data, Mapping) or data.get("verdict") not in GATE_EXIT:
            raise FormatError("a gate rule needs a verdict (pass, fail, insufficient-evidence)")
        return cls(str(data.get("rule")), str(data["verdict"]), str(data.get("reason", "")),
                   data.get("observed"), data.get("threshold"))  # fmt: skip


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict with a reason per rule; its :meth:`to_dict` is the gate
    attestation's predicate (https://detente.dev/gate/v1)."""

    verdict: str
    standard: Mapping[str, str]
    rules: tuple[RuleResult, ...]
    evidence: Mapping[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return GATE_EXIT[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "standard": dict(self.standard),
            "verdict": self.verdict,
            "rules": [r.to_dict() for r in self.rules],
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateDecision:
        """Read a gate predicate back (raises :class:`FormatError` naming the problem)."""
        if not isinstance(data, Mapping) or data.get("verdict") not in GATE_EXIT:
            raise FormatError("not a gate decision: 'verdict' must be pass, fail or "
                              "insufficient-evidence")  # fmt: skip
        std, rules = data.get("standard"), data.get("rules")
        if not isinstance(std, Mapping) or not isinstance(rules, list):
            raise FormatError("a gate decision needs 'standard' and 'rules'")
        return cls(str(data["verdict"]), {str(k): str(v) for k, v in std.items()},
                   tuple(RuleResult.from_dict(r) for r in rules),
                   {str(k): str(v) for k, v in (data.get("evidence") or {}).items()})  # fmt: skip

    def blocking(self) -> list[RuleResult]:
        return [r for r in self.rules if r.verdict != "pass"]


def scan_rules(std: Standard, report: ScanSummary | Mapping[str, Any] | None) -> list[RuleResult]:
    """The scan rules alone (the release pipeline stops on them before evaluating)."""
    if report is None:
        if "scan" in std.required:
            return [RuleResult("scan", "insufficient-evidence", "no scan report was provided")]
        return []
    if isinstance(report, ScanSummary):
        summary = report
    else:
        summary = ScanSummary.from_dict(report.get("summary"), "scan report")
    counts = dict(summary.by_severity)
    over = counts_above(counts, std.scan_max_severity)
    out = []
    if over:
        found = ", ".join(f"{n} {s}" for s, n in over.items())
        out.append(RuleResult("scan.max_severity", "fail",
                              f"findings above {std.scan_max_severity}: {found}",
                              over, std.scan_max_severity))  # fmt: skip
    else:
        out.append(RuleResult("scan.max_severity", "pass",
                              f"no finding above {std.scan_max_severity}", counts,
                              std.scan_max_severity))  # fmt: skip
    if summary.incomplete:
        out.append(RuleResult("scan.complete", std.scan_incomplete,
                              "the scan could not analyse everything (incomplete)", True, False))  # fmt: skip
    else:
        out.append(RuleResult("scan.complete", "pass", "everything was analysed", False, False))
    return out


def _metric_rule(std: Standard, rule: MetricRule, card: Scorecard) -> RuleResult:
    m = card.metric(rule.metric)
    name = f"metric.{rule.metric}"
    if m is None:
        return RuleResult(name, "insufficient-evidence", "the scorecard has no such metric")
    k, n, errors = m.k, m.n, m.errors
    # The judge-adjusted interval (sampling + judge error) when the scorecard has one.
    lo, hi = judged_interval(m.raw)
    observed: dict[str, Any] = {"rate": m.rate, "ci95": [lo, hi], "n": n, "errors": errors}
    if m.raw.get("judge_adjusted"):
        # Named only when it is not the plain Wilson interval, so gate decisions on
        # scorecards without judge accuracy stay byte-identical to earlier ones.
        observed["interval"] = "judge-adjusted"
    if n < rule.min_samples:
        return RuleResult(name, "insufficient-evidence",
                          f"n={n} scored samples < {rule.min_samples} required", observed,
                          {"min_samples": rule.min_samples})  # fmt: skip
    if errors and errors / (n + errors) > std.max_error_rate:
        return RuleResult(name, "insufficient-evidence",
                          f"{errors} of {n + errors} samples errored (> {std.max_error_rate:.0%})",
                          observed, {"max_error_rate": std.max_error_rate})  # fmt: skip
    if rule.max is not None:
        ok = hi <= rule.max
        why = f"upper 95% bound {hi:.3f} {'<=' if ok else '>'} max {rule.max} (rate {k}/{n})"
        return RuleResult(name, "pass" if ok else "fail", why, observed, {"max": rule.max})
    assert rule.min is not None
    ok = lo >= rule.min
    why = f"lower 95% bound {lo:.3f} {'>=' if ok else '<'} min {rule.min} (rate {k}/{n})"
    return RuleResult(name, "pass" if ok else "fail", why, observed, {"min": rule.min})


def _suite_rule(std: Standard, card: Scorecard) -> RuleResult:
    suite = card.suite
    have = f"{suite.name} v{suite.version} ({suite.digest})"
    major = suite.version.split(".")[0]
    if suite.name != std.suite_name or major != std.suite_version.split(".")[0]:
        return RuleResult("suite", "fail",
                          f"scorecard measured {have}, the standard requires {std.suite_name} "
                          f"v{std.suite_version}", have, std.suite_name)  # fmt: skip
    if std.suite_digest and suite.digest != std.suite_digest:
        return RuleResult("suite", "fail", f"suite digest {suite.digest} is not the pinned "
                          f"{std.suite_digest}", suite.digest, std.suite_digest)  # fmt: skip
    return RuleResult("suite", "pass", f"measured with {have}", suite.digest, std.suite_name)


def apply_gate(
    std: Standard,
    *,
    scan: ScanSummary | Mapping[str, Any] | None,
    scorecard: Scorecard | Mapping[str, Any] | None,
    present: Sequence[str] = (),
    evidence: Mapping[str, str] | None = None,
) -> GateDecision:
    """Judge the evidence against the standard. ``present`` names evidence kinds that exist
    besides the scan and scorecard (e.g. ``signature``). A scorecard document is validated
    (:class:`FormatError` if it is not one)."""
    if scorecard is not None and not isinstance(scorecard, Scorecard):
        scorecard = Scorecard.from_dict(scorecard)
    rules: list[RuleResult] = []
    have = set(present) | ({"scan"} if scan is not None else set())
    have |= {"scorecard"} if scorecard is not None else set()
    for kind in std.required:
        if kind in have:
            rules.append(RuleResult(f"evidence.{kind}", "pass", f"{kind} evidence present"))
        else:
            rules.append(RuleResult(f"evidence.{kind}", "insufficient-evidence",
                                    f"required {kind} evidence is missing"))  # fmt: skip
    rules += scan_rules(std, scan) if scan is not None else []
    if scorecard is not None:
        rules.append(_suite_rule(std, scorecard))
        rules += [_metric_rule(std, r, scorecard) for r in std.metrics]
        rules += [RuleResult(f"gap.{g.metric}", *judge_gap(g, scorecard.gaps.get(g.metric)))
                  for g in std.gaps]  # fmt: skip
    elif std.metrics or std.gaps:
        rules += [RuleResult(f"metric.{r.metric}", "insufficient-evidence", "no scorecard")
                  for r in std.metrics]  # fmt: skip
        rules += [RuleResult(f"gap.{g.metric}", "insufficient-evidence", "no scorecard")
                  for g in std.gaps]  # fmt: skip
    verdicts = {r.verdict for r in rules}
    verdict = (
        "fail" if "fail" in verdicts
        else "insufficient-evidence" if "insufficient-evidence" in verdicts
        else "pass"
    )  # fmt: skip
    return GateDecision(verdict, std.identity(), tuple(rules), dict(evidence or {}))


def gate_text(result: GateDecision) -> str:
    s = result.standard
    lines = [f"standard {s['name']} {s['version']} ({s['digest']})"]
    mark = {"pass": "ok  ", "fail": "FAIL", "insufficient-evidence": "N/A "}
    lines += [f"  {mark[r.verdict]} {r.rule}: {r.reason}" for r in result.rules]
    lines.append(f"verdict: {result.verdict.upper()}")
    return "\n".join(lines)
