"""Run the anchor monitors on labelled traces, in a separate virtualenv (not Détente's).

The anchors pin packages Détente's environment must not change (Invariant pins another
openai), so ``bench_monitor.py`` runs this file with another interpreter
(``--anchors-python /tmp/venv-anchors/bin/python``) and reads one JSON object back:
``{"anchors": {name: {"version", "note", "decisions": {trace_id: [action per call]}}},
"missing": {name: why}}``. Each anchor decides call k on the trace before it (halting scoring
is done by the bench). Nothing from Détente is imported here.

* ``llamafirewall`` 1.0.3: its offline scanners — ``RegexScanner`` (prompt-injection and PII
  patterns) and ``HiddenASCIIScanner`` (Unicode tag characters) — on every tool output and on
  the call's arguments; PromptGuard needs hub weights and is not run.
* ``nemo-yara``: NeMo Guardrails 0.24.1's injection-detection YARA rules (code, SQLi, template,
  XSS) compiled with yara-python 4.5.4, matched against tool outputs and call arguments.
* ``invariant`` / ``invariant-flow``: Invariant's rule engine 0.3.5 with the issue's rule "a
  tool output flows into a sink call", as ordering (any sink call after a tool output) and as
  value flow (a sink argument value occurs in a tool output). Sinks: each record's ``sinks``,
  the tools Détente's default policy calls sinks, so both sides judge the same calls.

    /tmp/venv-anchors/bin/python anchors.py traces.jsonl > anchors.json
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

# decide(messages before the call, the call, sink tool names) -> "allow" | "block"
Decider = Callable[[list[dict[str, Any]], dict[str, Any], frozenset[str]], str]


def _calls(messages: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, m in enumerate(messages):
        for c in m.get("tool_calls") or []:
            yield i, c


def _texts(prefix: list[dict[str, Any]], call: dict[str, Any]) -> list[str]:
    outs = [str(m.get("content") or "") for m in prefix if m.get("role") == "tool"]
    return [*outs, str(call["function"]["arguments"])]


def _llamafirewall() -> Decider:
    from llamafirewall import ToolMessage
    from llamafirewall.scanners.hidden_ascii_scanner import HiddenASCIIScanner
    from llamafirewall.scanners.regex_scanner import RegexScanner

    scanners = [RegexScanner(), HiddenASCIIScanner()]
    cache: dict[str, bool] = {}

    def blocked(text: str) -> bool:
        if text not in cache:
            cache[text] = any(
                asyncio.run(s.scan(ToolMessage(content=text))).decision.value == "block"
                for s in scanners
            )
        return cache[text]

    return lambda prefix, call, _: "block" if any(map(blocked, _texts(prefix, call))) else "allow"


def _nemo_yara() -> Decider:
    import importlib.util

    import yara

    # The rule files only: importing nemoguardrails itself pulls its whole runtime.
    spec = importlib.util.find_spec("nemoguardrails")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nemoguardrails", name="nemoguardrails")
    pkg = Path(next(iter(spec.submodule_search_locations)))
    rules_dir = pkg / "library/injection_detection/yara_rules"
    rules = yara.compile(filepaths={p.stem: str(p) for p in sorted(rules_dir.glob("*.yara"))})
    cache: dict[str, bool] = {}

    def blocked(text: str) -> bool:
        if text not in cache:
            cache[text] = bool(rules.match(data=text))
        return cache[text]

    return lambda prefix, call, _: "block" if any(map(blocked, _texts(prefix, call))) else "allow"


# The rule, "a tool output flows into a sink", in two readings: any sink call after a
# tool output (ordering), and a sink call one of whose argument values occurs in a tool output.
_ORDER_RULE = "    (out: ToolOutput) -> (call: ToolCall)\n    call.function.name in {sinks}\n"
_FLOW_RULE = _ORDER_RULE + (
    "    any([v in out.content for v in call.function.arguments.values()])\n"
)


def _invariant() -> Decider:
    return _invariant_rule("invariant", _ORDER_RULE)


def _invariant_flow() -> Decider:
    return _invariant_rule("invariant-flow", _FLOW_RULE)


def _invariant_rule(name: str, rule: str) -> Decider:
    from invariant.analyzer import LocalPolicy

    policies: dict[tuple[str, ...], Any] = {}
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # its un-retrieved task errors

    def decide(
        prefix: list[dict[str, Any]], call: dict[str, Any], all_sinks: frozenset[str]
    ) -> str:
        names = {c["function"]["name"] for _, c in _calls(prefix)} | {call["function"]["name"]}
        sinks = tuple(sorted(names & all_sinks))
        if sinks not in policies:
            policies[sinks] = LocalPolicy.from_string(
                'raise "tool output flows into a sink" if:\n'
                + rule.format(sinks=json.dumps(list(sinks)))
            )
        msgs = []
        for m in prefix:
            calls = [_parsed(c) for c in m.get("tool_calls") or []]
            msgs.append(
                {k: v for k, v in m.items() if k != "tool_calls"}
                | ({"tool_calls": calls} if calls else {})
            )
        msgs.append({"role": "assistant", "content": None, "tool_calls": [_parsed(call)]})
        try:
            return "block" if policies[sinks].analyze(msgs).errors else "allow"
        # "Maximum checking cycles exceeded" on long traces; re.error from the engine on some
        # values ("bad character range"): fail closed, counted in the row's note.
        except (RuntimeError, re.error):
            ENGINE_ERRORS[name] = ENGINE_ERRORS.get(name, 0) + 1
            return "block"

    return decide


def _parsed(c: dict[str, Any]) -> dict[str, Any]:
    try:
        args = json.loads(c["function"]["arguments"] or "{}")
    except json.JSONDecodeError:
        args = {}
    if not isinstance(args, dict):
        args = {}
    # Values as text: the flow rule tests `value in output` (a number in a string is a type
    # error in Invariant's engine).
    args = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
    return {
        "id": c.get("id") or "x",
        "type": "function",
        "function": {**c["function"], "arguments": args},
    }


ENGINE_ERRORS: dict[str, int] = {}  # decisions an engine could not make (counted as blocks)
ANCHORS: dict[str, tuple[str, str, Callable[[], Decider]]] = {
    "llamafirewall": (
        "llamafirewall",
        "offline scanners: RegexScanner + HiddenASCIIScanner (PromptGuard needs hub weights)",
        _llamafirewall,
    ),
    "nemo-yara": ("nemoguardrails", "injection_detection YARA rules (yara-python)", _nemo_yara),
    "invariant": ("invariant-ai", "ordering rule: a tool output precedes a sink call", _invariant),
    "invariant-flow": (
        "invariant-ai",
        "flow rule: a sink argument value occurs in a tool output",
        _invariant_flow,
    ),
}


def main(path: str, only: list[str]) -> None:
    records = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    out: dict[str, Any] = {"anchors": {}, "missing": {}}
    for name, (dist, note, make) in ANCHORS.items():
        if only and name not in only:
            continue
        try:
            decide = make()
            version = metadata.version(dist)
        except ImportError as exc:
            out["missing"][name] = f"not installed ({exc.name})"
            continue
        decisions: dict[str, list[str]] = {}
        for rec in records:
            msgs, sinks = rec["messages"], frozenset(rec.get("sinks", ()))
            acts = decisions[rec["id"]] = []
            for i, c in _calls(msgs):
                acts.append(decide(msgs[:i], c, sinks))
                if acts[-1] != "allow":  # halting: later calls never run
                    break
        errors = ENGINE_ERRORS.get(name, 0)
        label = note + (
            f"; {errors} engine errors counted as blocks (fail closed)" if errors else ""
        )
        out["anchors"][name] = {"version": version, "note": label, "decisions": decisions}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
