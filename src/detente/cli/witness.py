"""``detente witness serve``: run a transparency-log witness (c2sp.org/tlog-witness)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def witness() -> None:
    """Run a witness that cosigns the checkpoints of the logs it trusts."""


@witness.command()
@click.option("--name", required=True, help="Witness name (key name), e.g. witness.example/w1.")
@click.option("--key", "key_path", type=click.Path(path_type=Path), required=True,
              help="Ed25519 private key (PEM) [generated on first use, 0600].")  # fmt: skip
@click.option("--log", "logs", multiple=True, required=True, metavar="VKEY",
              help="Verifier key of a log to witness (its name is the log origin); repeatable.")  # fmt: skip
@click.option("--db", required=True,
              help="Witness state: sqlite:///path or postgresql+psycopg://…")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8788, show_default=True, type=int)
def serve(name: str, key_path: Path, logs: tuple[str, ...], db: str, host: str, port: int) -> None:
    """Serve POST /add-checkpoint: cosign each checkpoint consistent with the last one this
    witness cosigned for its origin; refuse (409) any other history. State is durable.

    \b
    Example:
      detente witness serve --name w1.example/w --key w1.key --db sqlite:///w1.db \\
          --log "$(curl -s http://registry:8787/v1/log-key)" --port 8788
      detente registry serve --witness http://127.0.0.1:8788=<witness vkey printed here>
    """
    import uvicorn

    from detente.registry import LogKey, Witness, create_witness_app, load_or_create_witness_key

    key = load_or_create_witness_key(key_path, name)
    w = Witness(key, [LogKey.from_vkey(v) for v in logs], db)
    click.echo(f"witness {name}: vkey {key.vkey}", err=True)
    uvicorn.run(create_witness_app(w), host=host, port=port, log_level="warning")
