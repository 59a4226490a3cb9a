"""Agent monitor benchmark: attacks stopped before the first attacker call, false blocks, latency.

Traces are built from AgentDojo 0.1.35 (its four suites' ground-truth calls run against their
environments, no model): ``agentdojo`` uses its six fixed attack templates; ``heldout`` uses our
own injection texts written before the detectors and never tuned on (other phrasings,
languages, encodings, fake errors and policies) plus benign outputs with innocent instructions;
``dev`` is the set we tuned on. Halting semantics: the first block (or ask) stops the agent.

Compared in the same run (offline):

* ``detente`` — the shipped default policy;
* ``detente flow-only`` — the same without the quarantine rule DM-INJ-001;
* ``provenance`` — "a sink argument came from a tool result, not the user" (the issue's
  naive data-flow anchor);
* ``invariant`` — Invariant's rule engine (``pip install invariant-ai==0.3.5``, runs offline)
  with the issue's data-flow rule "a tool output flows into a sink call", when installed
  (it pins another openai version, so it is not in our extras: run the benchmark from a
  separate environment to include it);
* LlamaFirewall / NeMo — not installable here without replacing pinned packages (PromptGuard
  also needs hub weights), so the issue's recorded rows are printed, labelled as recorded.

    python benchmarks/bench_monitor.py --sample 40            # per suite, all three sources
    python benchmarks/bench_monitor.py --jsonl heldout.jsonl  # traces built earlier (build.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "monitor_data"))

from evaluate import score

from detente.monitor import Monitor, Trace, default_policy, parse_policy, trace_from_dict

RECORDED = [  # issue 12, measured by its author on this machine, same trace construction
    (
        "Invariant guardrails, data-flow rule (recorded; run above when installed)",
        "57.5% (96.6% later)",
        "0% / 0%",
    ),
    ("LlamaFirewall offline scanners (recorded)", "54.7%", "51.5% / 58.3%"),
    ("NeMo Guardrails YARA injection rules (recorded)", "14.9%", "9.3% / 8.9%"),
    ("regex fitted to AgentDojo's six templates (recorded)", "100%", "0% / 0%"),
]


def _monitor_decider(mon: Monitor) -> Callable[[Trace, int], str]:
    def decide(trace: Trace, k: int) -> str:
        prefix, call = trace.before_call(k)
        return mon.check_call(prefix, call).action.value

    return decide


def _leaves(v: Any) -> Iterable[str]:
    if isinstance(v, dict):
        for x in v.values():
            yield from _leaves(x)
    elif isinstance(v, list):
        for x in v:
            yield from _leaves(x)
    elif v is not None and not isinstance(v, bool) and len(str(v)) >= 2:
        yield str(v).lower()


def _provenance_decider(trace: Trace, k: int) -> str:
    """Block a sink whose argument value appears in a tool output but not in the user's text."""
    prefix, call = trace.before_call(k)
    if default_policy().sink_kind(call.name) is None:
        return "allow"
    user = "\n".join(m.content for m in prefix.messages if m.role in ("user", "system")).lower()
    outs = [m.content.lower() for m in prefix.messages if m.role == "tool"]
    for v in _leaves(dict(call.arguments)):
        if v not in user and any(v in o for o in outs):
            return "block"
    return "allow"


def _invariant_decider() -> Callable[[Trace, int], str] | None:
    try:
        from invariant.analyzer import LocalPolicy
    except ImportError:
        return None
    policies: dict[frozenset[str], Any] = {}
    failures = [0]  # engine errors, each counted as a block (fail closed)

    def decide(trace: Trace, k: int) -> str:
        prefix, call = trace.before_call(k)
        names = {c.name for _, c in trace.calls()} | {call.name}
        sinks = frozenset(n for n in names if default_policy().sink_kind(n))
        if sinks not in policies:
            policies[sinks] = LocalPolicy.from_string(
                'raise "tool output flows into a sink" if:\n'
                "    (out: ToolOutput) -> (call: ToolCall)\n"
                f"    call.function.name in {json.dumps(sorted(sinks))}\n"
            )
        msgs: list[dict[str, Any]] = []
        for m in prefix.messages:
            calls = [
                {
                    "id": c.id or f"x{i}",
                    "type": "function",
                    "function": {"name": c.name, "arguments": dict(c.arguments)},
                }
                for i, c in enumerate(m.tool_calls)
            ]
            msgs.append(
                {
                    "role": m.role,
                    "content": m.content,
                    **({"tool_calls": calls} if calls else {}),
                    **({"tool_call_id": m.tool_call_id} if m.tool_call_id else {}),
                }
            )
        fc = {
            "id": call.id or "cur",
            "type": "function",
            "function": {"name": call.name, "arguments": dict(call.arguments)},
        }
        msgs.append({"role": "assistant", "content": None, "tool_calls": [fc]})
        try:
            return "block" if policies[sinks].analyze(msgs).errors else "allow"
        except RuntimeError:  # "Maximum checking cycles exceeded" on long traces: fail closed
            failures[0] += 1
            return "block"

    return decide


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}% ({a}/{b})" if b else "   n/a"


def report(name: str, records: list[dict[str, Any]], decide: Callable[[Trace, int], str]) -> None:
    strict = score(records, decide, trace_from_dict)
    novel = score(records, decide, trace_from_dict, novel=True)
    suites = sorted({k.split("/")[0] for k in strict["rows"]})
    print(
        f"\n{name}   (decision latency p95 {strict['p95_ms']:.2f} ms CPU over {strict['calls']} calls)"
    )
    print(
        f"  {'suite':10s} {'attacks stopped':>22s} {'(non-repeat call)':>22s} {'false: benign':>18s} "
        f"{'user-asked':>18s} {'benign-text':>18s} {'user-asked-text':>18s}"
    )
    for s in suites:
        row = [
            strict["rows"].get(f"{s}/{lab}", (0, 0))
            for lab in ("attack", "benign", "user-asked", "benign-text", "user-asked-text")
        ]
        nv = novel["rows"].get(f"{s}/attack", (0, 0))
        print(
            f"  {s:10s} {_pct(*row[0]):>22s} {_pct(*nv):>22s} "
            + " ".join(f"{_pct(*r):>18s}" for r in row[1:])
        )


def load(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    if args.jsonl:
        out: dict[str, list[dict[str, Any]]] = {}
        for path in args.jsonl:
            recs = [
                json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()
            ]
            out[Path(path).stem] = recs
        return out
    from build import build

    return {src: list(build(src, sample=args.sample)) for src in args.sources}


def main(argv: Iterable[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=40, help="attack (and control) traces per suite")
    ap.add_argument("--sources", nargs="+", default=["agentdojo", "heldout", "dev"])
    ap.add_argument("--jsonl", nargs="*", help="use traces written by build.py instead of building")
    args = ap.parse_args(list(argv) if argv is not None else None)
    flow_only = Monitor(
        default_policy().merged(
            parse_policy(
                {"rules": [{"id": "DM-INJ-001", "check": "injection-halt", "enabled": False}]}
            )
        )
    )
    for src, records in load(args).items():
        print(f"\n=== {src}: {len(records)} traces ===")
        report("detente (default policy)", records, _monitor_decider(Monitor()))
        report("detente flow-only (no DM-INJ-001)", records, _monitor_decider(flow_only))
        report(
            "provenance: sink argument from a tool result, not the user",
            records,
            _provenance_decider,
        )
        inv = _invariant_decider()
        if inv is not None:
            report("Invariant rule engine 0.3.5: tool output -> sink (run here)", records, inv)
    print(
        "\nAnchors not run here (pip installs would change the shared environment's pinned packages):"
    )
    for name, stopped, false in RECORDED:
        print(f"  {name:55s} stopped {stopped:22s} false blocks benign/user-asked {false}")


if __name__ == "__main__":
    main()
