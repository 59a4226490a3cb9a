"""``detente monitor``: decide agent tool calls (offline on traces, or live as a proxy)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from detente.cli._common import emit_json, format_option

if TYPE_CHECKING:
    from detente.monitor import Trace, TraceResult

_POLICY = click.option(
    "--policy",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A policy TOML merged over the shipped default (same rule id replaces ours).",
)


@click.group()
def monitor() -> None:
    """Allow, ask or block each tool call of an agent before it runs.

    \b
    Offline:  detente monitor check traces.jsonl --format json
    Live:     detente monitor proxy --upstream http://127.0.0.1:8000/v1
    Rules:    detente monitor rules
    """


@monitor.command()
@click.argument("traces", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_POLICY
@format_option("text", "json", "sarif")
@click.option(
    "--halt/--no-halt", default=False, help="Stop deciding a trace after its first block."
)
@click.option(
    "--incident-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write a draft incident report (detente.incidents, blocked) per stopped call here.",
)
@click.option(
    "--sign-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Also sign each stopped call's decision (in-toto, DSSE) with this key (needs --incident-dir).",
)
def check(
    traces: Path,
    policy: Path | None,
    fmt: str,
    halt: bool,
    incident_dir: Path | None,
    sign_key: Path | None,
) -> int:
    """Decide every tool call in TRACES (JSONL: OpenAI messages, MCP JSON-RPC, AgentDojo; or an inspect log).

    Each call is decided on the trace as it stood before that call. One JSON object with
    --format json: {"results": [{"id", "decisions": [{"call_index", "action", "rule",
    "reason", ...}]}]}.

    \b
    Example:
      detente monitor check traces.jsonl --format json
      detente monitor check traces.jsonl --policy strict.toml --format sarif > monitor.sarif
      detente monitor check traces.jsonl --incident-dir incidents/ --sign-key my.key
      detente incident sign incidents/mail-1.call1.incident.json   # then publish as usual

    Exit codes: 0 every call allowed, 1 a call was blocked or needs a human (ask),
    2 usage or input error (malformed trace file), 3 internal error.
    """
    from detente.monitor import Monitor, load_traces, to_sarif

    if sign_key is not None and incident_dir is None:
        raise click.UsageError("--sign-key needs --incident-dir (where the signed decisions go)")
    mon = Monitor.from_policy_file(policy)
    loaded = list(load_traces(traces))
    results = [mon.check_trace(t, halt=halt) for t in loaded]
    written = _write_evidence(loaded, results, incident_dir, sign_key)
    if fmt == "json":
        emit_json(
            {
                "results": [r.to_dict() for r in results],
                **({"evidence": [str(p) for p in written]} if incident_dir else {}),
            }
        )
    elif fmt == "sarif":
        emit_json(to_sarif(results, mon.policy))
    else:
        for r in results:
            for i, d in enumerate(r.decisions):
                if d.action.value != "allow":
                    click.echo(
                        f"{r.id} call {i} {d.tool}: {d.action.value.upper()} {d.rule} — {d.reason}"
                    )
            n = sum(d.action.value != "allow" for d in r.decisions)
            click.echo(f"{r.id}: {len(r.decisions)} calls, {n} not allowed")
        if incident_dir is not None:
            click.echo(f"wrote {len(written)} evidence files to {incident_dir}")
    return 1 if any(d.action.value != "allow" for r in results for d in r.decisions) else 0


def _write_evidence(
    traces: list[Trace], results: list[TraceResult], out: Path | None, key_path: Path | None
) -> list[Path]:
    if out is None:
        return []
    from detente.cli.keys import load_signing_key
    from detente.incidents import write_files
    from detente.monitor import evidence_files

    key = load_signing_key(key_path) if key_path is not None else None
    files = [
        (out / name, data, mode)
        for t, r in zip(traces, results, strict=True)
        for name, data, mode in evidence_files(t, r, key)
    ]
    write_files(files)
    return [p for p, _, _ in files]


@monitor.command()
@click.option(
    "--upstream",
    required=True,
    help="The OpenAI-compatible server (e.g. http://127.0.0.1:8000/v1).",
)
@_POLICY
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (loopback by default).",
)
@click.option("--port", default=8765, show_default=True, type=int)
def proxy(upstream: str, policy: Path | None, host: str, port: int) -> None:
    """Serve an OpenAI-compatible proxy that removes blocked tool calls from the model's answers.

    Point the agent at the proxy instead of the model server; streaming works too. A blocked
    call never reaches the agent: the answer carries a refusal text instead, and a
    "detente_monitor" field lists every decision.

    \b
    Example:
      detente monitor proxy --upstream http://127.0.0.1:8000/v1 --port 8765
      OPENAI_BASE_URL=http://127.0.0.1:8765/v1 my-agent ...
    """
    from detente.monitor import Monitor, MonitorProxy

    p = MonitorProxy(upstream, Monitor.from_policy_file(policy), host, port)
    click.echo(f"detente monitor proxy on {p.url} -> {upstream}", err=True)
    try:
        p.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@monitor.command()
@_POLICY
@format_option("text", "json")
def rules(policy: Path | None, fmt: str) -> None:
    """List the policy's rules (id, check, action, severity, ATLAS ids).

    \b
    Example:
      detente monitor rules --policy mine.toml
    """
    from detente.monitor import load_policy

    pol = load_policy(policy)
    if fmt == "json":
        emit_json(
            {
                "policy": pol.name,
                "rules": [{**r.to_dict(), "enabled": r.enabled} for r in pol.rules],
            }
        )
        return
    for r in pol.rules:
        flag = "" if r.enabled else " (disabled)"
        click.echo(
            f"{r.id:12s} {r.action.value:5s} {r.severity:8s} {r.check}{flag}: {r.description}"
        )
