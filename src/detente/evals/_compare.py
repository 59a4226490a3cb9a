"""Compare two scorecards metric by metric, with whether their 95% intervals overlap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from detente.errors import UsageError
from detente.stats import Rate

__all__ = ["compare_scorecards", "comparison_text"]


def _rate(m: Mapping[str, Any]) -> Rate:
    return Rate(int(m["k"]), int(m["n"]), int(m.get("errors", 0)))


def _verdict(direction: str, delta: float | None, overlap: bool) -> str:
    if delta is None:
        return "not comparable (no scored samples)"
    if overlap:
        return "no significant difference"
    if direction == "harm":
        return "worse" if delta > 0 else "better"
    if direction == "helpfulness":
        return "better" if delta > 0 else "worse"
    return "higher" if delta > 0 else "lower"


def compare_scorecards(
    a: Mapping[str, Any], b: Mapping[str, Any], *, allow_different_suites: bool = False
) -> dict[str, Any]:
    """B relative to A. Refuses scorecards of different suites (different standards) unless
    ``allow_different_suites``, in which case the result says so."""
    da, db = a["suite"].get("digest"), b["suite"].get("digest")
    same = da == db
    if not same and not allow_different_suites:
        raise UsageError(
            f"the scorecards measured different suites ({a['suite'].get('name')} "
            f"v{a['suite'].get('version')} {da} vs {b['suite'].get('name')} "
            f"v{b['suite'].get('version')} {db}); pass --allow-different-suites to compare anyway"
        )
    rows: dict[str, Any] = {}
    for key in sorted(set(a["metrics"]) | set(b["metrics"])):
        ma, mb = a["metrics"].get(key), b["metrics"].get(key)
        if ma is None or mb is None:
            rows[key] = {"only_in": "a" if mb is None else "b"}
            continue
        ra, rb = _rate(ma), _rate(mb)
        delta = None if ra.rate is None or rb.rate is None else rb.rate - ra.rate
        overlap = ra.overlaps(rb)
        direction = str(mb.get("direction", ma.get("direction", "info")))
        rows[key] = {
            "direction": direction,
            "a": ra.to_dict(),
            "b": rb.to_dict(),
            "delta": delta,
            "intervals_overlap": overlap,
            "verdict": _verdict(direction, delta, overlap),
        }
    return {
        "schema": "detente.scorecard-comparison/v1",
        "same_suite": same,
        "suite_a": a["suite"].get("digest"),
        "suite_b": b["suite"].get("digest"),
        "model_a": a["model"].get("name"),
        "model_b": b["model"].get("name"),
        "metrics": rows,
    }


def _pct(x: float | None) -> str:
    return "  n/a " if x is None else f"{100 * x:5.1f}%"


def comparison_text(result: Mapping[str, Any]) -> str:
    lines = [f"A: {result['model_a']}    B: {result['model_b']}"]
    if not result["same_suite"]:
        lines.append(
            f"WARNING: different suites ({result['suite_a']} vs {result['suite_b']}); "
            "differences may reflect the standard, not the model"
        )
    width = max((len(k) for k in result["metrics"]), default=10)
    for key, row in result["metrics"].items():
        if "only_in" in row:
            lines.append(f"{key:<{width}}  only in {row['only_in'].upper()}")
            continue
        delta = row["delta"]
        d = "   n/a" if delta is None else f"{100 * delta:+6.1f}"
        lines.append(
            f"{key:<{width}}  A {_pct(row['a']['rate'])}  B {_pct(row['b']['rate'])}  "
            f"Δ {d} pts  {'overlap' if row['intervals_overlap'] else 'DISJOINT'}  "
            f"{row['verdict']}"
        )
    return "\n".join(lines)
