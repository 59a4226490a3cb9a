"""Scorecards as Markdown and self-contained HTML (every value escaped)."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["to_html", "to_markdown"]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _metric_row(name: str, m: Mapping[str, Any], accuracy: Mapping[str, Any] | None = None) -> str:
    from detente.evals._judge_uncertainty import adjusted_cell

    lo, hi = m["ci95"]
    arrow = {"harm": "↓ better", "helpfulness": "↑ better"}.get(m["direction"], "info")
    return (
        f"| {name} | {_pct(m['rate'])} | [{_pct(lo)}, {_pct(hi)}] | {m['k']}/{m['n']} | "
        f"{adjusted_cell(m, accuracy)} | {m['errors']} | {m.get('unscored', 0)} | {arrow} |"
    )


_HEAD = (
    "| metric | rate | 95% CI (Wilson) | k/n | judge-adjusted rate, 95% CI (judge + sampling) "
    "| errors | unscored | direction |\n|---|---|---|---|---|---|---|---|"
)


def to_markdown(card: Mapping[str, Any]) -> str:
    from detente.evals._judge_uncertainty import group_label

    suite, model, sampling, judge = card["suite"], card["model"], card["sampling"], card["judge"]
    lines = [
        f"# Scorecard: {model.get('name')} on {suite.get('name')} v{suite.get('version')}",
        "",
        f"- Suite digest: `{suite.get('digest')}`",
        f"- Model: `{model.get('name')}`"
        + (f" at {model['endpoint']}" if model.get("endpoint") else "")
        + (f", weights `{model['weights_digest']}`" if model.get("weights_digest") else ""),
        "- Sampling: " + ", ".join(f"{k}={v}" for k, v in sorted(sampling.items())),
        "- Judge: " + ", ".join(f"{k}={v}" for k, v in sorted(judge.items())),
        "- Tools: " + ", ".join(f"{k} {v}" for k, v in sorted(card["tools"].items())),
        f"- Created: {card['created']}",
        "",
        "## Summary",
        "",
        _HEAD,
    ]
    acc = card.get("judge_accuracy")
    lines += [_metric_row(k, m, acc) for k, m in _summary(card)]
    from detente.evals._languages import language_markdown

    lines += language_markdown(card)
    if acc:
        from detente.evals._judge_uncertainty import accuracy_lines

        lines += ["", "## Judge accuracy", "", *accuracy_lines(acc)]
    for category, c in card["categories"].items():
        lines += [
            "",
            f"## {category}",
            "",
            f"{c['samples']} samples, {c['errors']} errors; "
            + ", ".join(f"{k}: {v}" for k, v in c["outcomes"].items()),
            "",
        ]
        for metric, b in c["breakdowns"].items():
            lines += [f"### {metric} by {b['by']}", "", _HEAD.replace("| metric", f"| {b['by']}")]
            lines += [_metric_row(group_label(g), m, acc) for g, m in b["groups"].items()]
            lines.append("")
    if card.get("capability"):
        from detente.cyberrange import capability_markdown

        lines += ["", *capability_markdown(card["capability"])]
    return "\n".join(lines).rstrip() + "\n"


def _summary(card: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The Summary's rows; the capability.* rates get their own section when it is present."""
    section = bool(card.get("capability"))
    return [
        (k, m)
        for k, m in card["metrics"].items()
        if "of" not in m and not (section and k.startswith("capability."))
    ]


def _bar(label: str, m: Mapping[str, Any], width: int = 360) -> str:
    rate = m["rate"]
    lo, hi = m["ci95"]
    colour = {"harm": "#c0392b", "helpfulness": "#2471a3"}.get(m["direction"], "#7f8c8d")
    x0 = 190
    bar = 0 if rate is None else rate * width
    return (
        f'<g><text x="0" y="14" font-size="12">{html.escape(label)}</text>'
        f'<rect x="{x0}" y="3" width="{width}" height="14" fill="#eee"/>'
        f'<rect x="{x0}" y="3" width="{bar:.1f}" height="14" fill="{colour}"/>'
        f'<line x1="{x0 + lo * width:.1f}" x2="{x0 + hi * width:.1f}" y1="10" y2="10" '
        f'stroke="#000" stroke-width="1.5"/>'
        f'<line x1="{x0 + lo * width:.1f}" x2="{x0 + lo * width:.1f}" y1="5" y2="15" stroke="#000"/>'
        f'<line x1="{x0 + hi * width:.1f}" x2="{x0 + hi * width:.1f}" y1="5" y2="15" stroke="#000"/>'
        f'<text x="{x0 + width + 8}" y="14" font-size="12">{_pct(rate)} '
        f"[{_pct(lo)}–{_pct(hi)}] n={m['n']}</text></g>"
    )


def _chart(rows: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    body = "".join(
        f'<g transform="translate(0,{i * 22})">{_bar(label, m)}</g>'
        for i, (label, m) in enumerate(rows)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{len(rows) * 22 + 4}" '
        f'role="img">{body}</svg>'
    )


def _group_table(groups: Mapping[str, Mapping[str, Any]], acc: Mapping[str, Any] | None) -> str:
    """Each group by name (``TA0006 Credential Access``, ``CWE-89 …``) with its rate and,
    when the judge decided it, the judge-adjusted rate and the judge's measured Se/Sp."""
    from detente.evals._judge_uncertainty import adjusted_cell, group_label

    rows = "".join(
        f"<tr><td>{html.escape(group_label(g))}</td><td>{_pct(m['rate'])} "
        f"[{_pct(m['ci95'][0])}, {_pct(m['ci95'][1])}] {m['k']}/{m['n']}</td>"
        f"<td>{html.escape(adjusted_cell(m, acc))}</td></tr>"
        for g, m in groups.items()
    )
    return (
        "<table><tr><th>group</th><th>rate, Wilson 95%, k/n</th>"
        f"<th>judge-adjusted rate, 95% (judge accuracy)</th></tr>{rows}</table>"
    )


def to_html(card: Mapping[str, Any]) -> str:
    """A self-contained page: inline SVG bars with 95% interval whiskers, no scripts."""
    suite, model = card["suite"], card["model"]
    title = f"Scorecard: {model.get('name')} on {suite.get('name')} v{suite.get('version')}"
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        "code{font-size:90%}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p>Bars: rate; whiskers: Wilson 95% interval. Red: harm (lower is better); "
        "blue: helpfulness (higher is better); grey: information.</p>",
        "<table>",
    ]
    facts = [
        ("suite digest", suite.get("digest")),
        ("model", model.get("name")),
        ("endpoint", model.get("endpoint")),
        ("weights digest", model.get("weights_digest")),
        ("sampling", json.dumps(card["sampling"], sort_keys=True)),
        ("judge", json.dumps(card["judge"], sort_keys=True)),
        ("tools", json.dumps(card["tools"], sort_keys=True)),
        ("created", card["created"]),
    ]
    parts += [
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in facts
        if v is not None
    ]
    from detente.evals._languages import language_html

    summary = _summary(card)
    parts += ["</table>", "<h2>Summary</h2>", _chart(summary)]
    parts += [x for x in [language_html(card)] if x]
    acc = card.get("judge_accuracy")
    adjusted = [(k, m) for k, m in card["metrics"].items() if m.get("judge_adjusted")]
    if acc and adjusted:
        from detente.evals._judge_uncertainty import accuracy_lines, adjusted_cell

        parts.append("<h3>Judge-adjusted rates (judge error + sampling error)</h3><table>")
        parts += [
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(adjusted_cell(m, acc))}</td></tr>"
            for k, m in adjusted
        ]
        parts.append("</table><h3>Judge accuracy</h3><ul>")
        parts += [
            f"<li>{html.escape(line[2:])}</li>"
            for line in accuracy_lines(acc)
            if line.startswith("- ")
        ]
        parts.append(f"</ul><p>{html.escape(accuracy_lines(acc)[-1])}</p>")
    for category, c in card["categories"].items():
        parts.append(f"<h2>{html.escape(category)}</h2>")
        parts.append(
            f"<p>{c['samples']} samples, {c['errors']} errors; "
            + html.escape(", ".join(f"{k}: {v}" for k, v in c["outcomes"].items()))
            + "</p>"
        )
        for metric, b in c["breakdowns"].items():
            parts.append(f"<h3>{html.escape(metric)} by {html.escape(b['by'])}</h3>")
            parts.append(_chart(list(b["groups"].items())))
            parts.append(_group_table(b["groups"], acc))
    if card.get("capability"):
        from detente.cyberrange import capability_html

        parts.append(capability_html(card["capability"]))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
