"""Agent monitor benchmark: attacks stopped before the first attacker call, false blocks, latency.

Traces are built from AgentDojo 0.1.35 (its four suites' ground-truth calls run against their
environments, no model): ``agentdojo`` uses its six fixed attack templates; ``dev`` is our set
we tune on; ``heldout`` was written before the detectors but a fix was later made after seeing
its results (no longer clean); ``heldout2`` was written and measured once before the detector
changes that followed, and is never tuned on; any other ``<name>_texts.toml`` (``--sources``
takes a name or a path) is measured the same way. Halting semantics: the first block (or ask)
stops the agent.

Compared in the same run (offline):

* ``detente`` — the shipped default policy;
* ``detente flow-only`` — the same without the quarantine rule DM-INJ-001;
* ``provenance`` — "a sink argument came from a tool result, not the user" (the issue's
  naive data-flow anchor);
* anchors from a separate virtualenv (``--anchors-python``, default /tmp/venv-anchors), run by
  ``monitor_data/anchors.py`` in a subprocess: LlamaFirewall's offline scanners, NeMo
  Guardrails' YARA injection rules, Invariant's rule engine with the issue's rule "a tool output
  flows into a sink" read two ways (ordering: any sink call after a tool output; flow: a sink
  argument value occurs in a tool output). They pin
  packages our environment must not change, so they are never imported here; an anchor that is
  not installed is printed as such. Make the venv with::

    python3 -m venv /tmp/venv-anchors && /tmp/venv-anchors/bin/pip install yara-python==4.5.4 \
        invariant-ai==0.3.5 typing_extensions && \
        /tmp/venv-anchors/bin/pip install --no-deps nemoguardrails==0.24.1 llamafirewall==1.0.3

    python benchmarks/bench_monitor.py --sample 40            # per suite, agentdojo and dev
    python benchmarks/bench_monitor.py --sources heldout4 --address-model /tmp/am-no-h4
                                      # the address model trained without heldout4
                                      # (scripts/train_monitor_model.py --exclude heldout4 --out …)
    python benchmarks/bench_monitor.py --sources heldout4 --address-model none  # signals alone
    python benchmarks/bench_monitor.py --jsonl heldout2.jsonl # traces built earlier (build.py)
    python benchmarks/bench_monitor.py --sources /elsewhere/heldout3_texts.toml --sample 100 \
        --anchors-python ''                                   # a new set, in one command
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "monitor_data"))

from anchors import ANCHORS
from evaluate import score

from detente.monitor import (
    Monitor,
    Trace,
    address_model,
    default_policy,
    forget_seen_text,
    load_address_model,
    parse_policy,
    trace_from_dict,
    use_address_model,
)

RECORDED = [  # issue 12, measured by its author on this machine, same trace construction
    ("Invariant guardrails, data-flow rule", "57.5% (96.6% later)", "0% / 0%"),
    ("LlamaFirewall offline scanners", "54.7%", "51.5% / 58.3%"),
    ("NeMo Guardrails YARA injection rules", "14.9%", "9.3% / 8.9%"),
    ("regex fitted to AgentDojo's six templates", "100%", "0% / 0%"),
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


def _anchor_deciders(
    python: str | None, records: list[dict[str, Any]], only: list[str]
) -> tuple[dict[str, tuple[str, Callable[[Trace, int], str]]], dict[str, str]]:
    """Run anchors.py in the anchors' own interpreter; a decider per anchor that ran."""
    if not python:
        return {}, dict.fromkeys(ANCHORS, "not run (--anchors-python '')")
    if not Path(python).exists():
        return {}, dict.fromkeys(ANCHORS, f"not installed (no interpreter {python})")
    pol = default_policy()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for rec in records:
            names = {t["function"]["name"] for t in rec.get("tools") or []}
            sinks = sorted(n for n in names if pol.sink_kind(n))
            fh.write(json.dumps({"id": rec["id"], "messages": rec["messages"], "sinks": sinks}))
            fh.write("\n")
    try:
        script = Path(__file__).parent / "monitor_data" / "anchors.py"
        proc = subprocess.run(
            [python, str(script), fh.name, *only],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    finally:
        Path(fh.name).unlink()
    if proc.returncode != 0:
        return {}, dict.fromkeys(ANCHORS, f"failed: {proc.stderr.strip()[-300:]}")
    out = json.loads(proc.stdout)
    deciders = {}
    for name, a in out["anchors"].items():
        table: dict[str, list[str]] = a["decisions"]

        def decide(trace: Trace, k: int, table: dict[str, list[str]] = table) -> str:
            acts = table[trace.id]
            return acts[k] if k < len(acts) else "allow"

        deciders[name] = (f"{name} {a['version']}: {a['note']} (separate venv)", decide)
    return deciders, out["missing"]


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}% ({a}/{b})" if b else "   n/a"


def _fresh_trace(rec: dict[str, Any]) -> Trace:
    """Parse a trace for a monitor that has read none of its text (untimed)."""
    forget_seen_text()
    return trace_from_dict(rec)


PARSE: list[Callable[[dict[str, Any]], Trace]] = [trace_from_dict]  # or _fresh_trace


class _ReadAhead:
    """What the proxy does while the model generates: read the outputs before call k (its CPU
    time is kept apart: it overlaps the generation instead of delaying the call)."""

    def __init__(self, mon: Monitor) -> None:
        self.mon = mon
        self.lat: list[float] = []

    def __call__(self, trace: Trace, k: int) -> None:
        t0 = time.thread_time()
        self.mon.prepare(trace.before_call(k)[0])
        self.lat.append(time.thread_time() - t0)

    def p95_ms(self) -> float:
        lat = sorted(self.lat)
        return lat[int(0.95 * (len(lat) - 1))] * 1000 if lat else 0.0


def report(
    name: str,
    records: list[dict[str, Any]],
    decide: Callable[[Trace, int], str],
    before: Callable[[Trace, int], object] | None = None,
) -> None:
    strict = score(records, decide, PARSE[0], before=before)
    novel = score(records, decide, PARSE[0], novel=True, before=before)
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
    from build import build, source_name

    return {source_name(src): list(build(src, sample=args.sample)) for src in args.sources}


def main(argv: Iterable[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=40, help="attack (and control) traces per suite")
    ap.add_argument(
        "--sources",
        nargs="+",
        default=["agentdojo", "dev"],
        help="agentdojo, a texts set's name (<name>_texts.toml in monitor_data) or a path to a "
        "<name>_texts.toml; traces are built on the fly",
    )
    ap.add_argument("--jsonl", nargs="*", help="use traces written by build.py instead of building")
    ap.add_argument("--anchors", nargs="*", help=f"only these anchors (of {', '.join(ANCHORS)})")
    ap.add_argument(
        "--anchors-python",
        default="/tmp/venv-anchors/bin/python",
        help="interpreter of a separate venv with the anchors (llamafirewall, nemoguardrails, "
        "yara-python, invariant-ai); '' to skip",
    )
    ap.add_argument(
        "--address-model",
        default="shipped",
        help="the address model: 'shipped', 'none' (the lexical rules alone) or a directory "
        "written by scripts/train_monitor_model.py --out (e.g. one trained without a set)",
    )
    ap.add_argument(
        "--address-mode",
        default="model",
        choices=["model", "or", "rules"],
        help="how the model combines with the signals (default: %(default)s, the shipped one)",
    )
    ap.add_argument(
        "--fresh-session",
        action="store_true",
        help="empty the monitor's per-text caches before each trace (untimed), as if every "
        "trace were a new session of a new monitor: by default one monitor reads every trace "
        "in turn and keeps what it has read, as a long-running proxy does",
    )
    ap.add_argument(
        "--read-ahead",
        action="store_true",
        help="also measure the default policy with each call's tool outputs read beforehand "
        "(untimed, Monitor.prepare), as the proxy reads them while the upstream model "
        "generates: the latency the agent waits for",
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.fresh_session:
        PARSE[0] = _fresh_trace
    if args.address_model == "none":
        use_address_model(None, "rules")
    elif args.address_model != "shipped":
        use_address_model(load_address_model(Path(args.address_model), None), args.address_mode)
    elif args.address_mode != "model":
        use_address_model(address_model(), args.address_mode)
    mode = "rules" if args.address_model == "none" else args.address_mode
    print(
        f"address model: {args.address_model}, mode {mode}"
        + (", a fresh session per trace" if args.fresh_session else "")
    )
    flow_only = Monitor(
        default_policy().merged(
            parse_policy(
                {"rules": [{"id": "DM-INJ-001", "check": "injection-halt", "enabled": False}]}
            )
        )
    )
    for src, records in load(args).items():
        print(f"\n=== {src}: {len(records)} traces ===")
        default = Monitor()
        report("detente (default policy)", records, _monitor_decider(default))
        if args.read_ahead:
            report(
                "detente (default policy), outputs read ahead while the model generates (the "
                "proxy); latency of the decision itself",
                records,
                _monitor_decider(default),
                before=(ahead := _ReadAhead(default)),
            )
            print(f"  (the reading ahead: p95 {ahead.p95_ms():.2f} ms CPU per call)")
        report("detente flow-only (no DM-INJ-001)", records, _monitor_decider(flow_only))
        report(
            "provenance: sink argument from a tool result, not the user",
            records,
            _provenance_decider,
        )
        anchors, missing = _anchor_deciders(args.anchors_python, records, args.anchors or [])
        for label, decide in anchors.values():
            report(label + "; latency is a table look-up", records, decide)
        for name, why in missing.items():
            print(f"\n{name}: {why}")
    print("\nThe issue's recorded anchor rows (same trace construction, measured by its author):")
    for name, stopped, false in RECORDED:
        print(f"  {name:55s} stopped {stopped:22s} false blocks benign/user-asked {false}")


if __name__ == "__main__":
    main()
