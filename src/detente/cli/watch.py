"""``detente watch``: follow the log and report what happens in some namespaces."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click


@click.command()
@click.argument("namespaces", nargs=-1, required=True)
@click.option(
    "--registry", "url", default=None, help="Registry URL or tile mirror [default: embedded]."
)
@click.option("--log-key", default=None, metavar="VKEY", help="Pin the log's verifier key.")
@click.option(
    "--witness", "witnesses", multiple=True, metavar="VKEY", help="A trusted witness; repeatable."
)
@click.option("--quorum", type=int, default=None, help="Cosignatures required [default: all].")
@click.option(
    "--since", type=int, default=None, help="Start at this log index [default: resume, else 0]."
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Resume file (next index, namespace keys) [default: none].",
)
@click.option("--follow", is_flag=True, help="Keep polling for new checkpoints.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between polls.")
def watch(namespaces: tuple[str, ...], url: str | None, log_key: str | None,
          witnesses: tuple[str, ...], quorum: int | None, since: int | None,
          state_path: Path | None, follow: bool, interval: float) -> int:  # fmt: skip
    """Report, as JSON lines, every release, revocation, advisory, key rotation and other
    entry in NAMESPACES, verifying the log (consistency, witness quorum, inclusion) as it goes.
    An entry signed by a key its namespace never announced, or a key rotation, carries an
    "alert".

    \b
    Example:
      detente watch acme/llm --registry https://registry.example --state acme.watch --follow

    \b
    Exit codes: 0 no alert, 1 an alert was raised or the log misbehaved (fork, rewrite,
                missing quorum), 2 bad input.
    """
    from detente.registry import WatchState, connect, watch_step

    state = WatchState()
    if state_path is not None and state_path.exists():
        state = WatchState.from_dict(json.loads(state_path.read_text()))
    # Without saved keys, replay from 0 to learn them, reporting from --since on.
    emit_from = since or 0
    if since is not None and state.keys:
        state = WatchState(since, state.keys)
    client = connect(url, log_key, witnesses=witnesses, quorum=quorum)
    alerted = False
    while True:
        for event, after in watch_step(client, namespaces, state, emit_from):
            state = after
            if event is None:
                continue
            click.echo(json.dumps(event, sort_keys=True, ensure_ascii=False))
            alerted = alerted or "alert" in event
            if state_path is not None:
                state_path.write_text(json.dumps(state.to_dict()))
        if state_path is not None:
            state_path.write_text(json.dumps(state.to_dict()))
        if not follow:
            return 1 if alerted else 0
        time.sleep(interval)
