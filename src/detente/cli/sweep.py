"""``detente sweep``: scan, hash and inventory every model under some directories."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from detente.cli._common import (
    ByteProgress,
    emit_json,
    format_option,
    progress_enabled,
    quiet_option,
)


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="local",
    default=None,
    metavar="[ADDRESS]",
    help="Run on Ray: a local cluster (bare --ray) or ADDRESS (ray://HOST:PORT).",
)
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL of the results store.")
@click.option("--table-prefix", default="sweep", show_default=True, help="Results table prefix.")
@click.option("--resume", is_flag=True, help="Skip models unchanged since stored (needs --db).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="JSON Lines export.")
@quiet_option
@format_option()
def sweep(
    sources: tuple[Path, ...],
    ray_address: str | None,
    db_url: str | None,
    table_prefix: str,
    resume: bool,
    out: Path | None,
    quiet: bool,
    fmt: str,
) -> int:
    """Scan, hash (OMS manifest with tensor digests) and inventory every model under SOURCES.

    A model is the shallowest directory holding a file. Results stream into the --db store
    (one row per model and per finding) and the --out JSON Lines file; a model that fails is
    recorded with its error and the sweep goes on.

    \b
    Example:
      detente sweep /mirror/hub --db sqlite:///sweep.db --out sweep.jsonl
      detente sweep /mirror/hub --ray --db postgresql+psycopg://u:p@db/x --resume
    \b
    Exit codes: 0 swept (findings are data: query the store), 2 bad input or usage.
    """
    from detente.errors import UsageError
    from detente.sweep import discover_models, run_sweep

    if resume and not db_url:
        raise UsageError("--resume needs --db (the store remembers what is done)")
    total = sum(
        f.stat().st_size
        for r in discover_models(list(sources))
        for f in ([r] if r.is_file() else r.rglob("*"))
        if f.is_file()
    )
    start = time.monotonic()
    seen = {"files": 0}
    with ByteProgress(total, "sweeping", progress_enabled(quiet)) as bar:

        def advance(res: dict[str, Any]) -> None:
            seen["files"] += res["files"]
            bar.advance(res["bytes"])

        summary = run_sweep(
            list(sources),
            use_ray=ray_address is not None,
            ray_address=ray_address,
            db_url=db_url,
            table_prefix=table_prefix,
            resume=resume,
            out=out,
            on_result=advance,
        )
    if fmt == "json":
        emit_json(summary.to_dict())
    else:
        s = summary
        secs = max(time.monotonic() - start, 1e-9)
        click.echo(
            f"{s.models} models swept ({s.skipped} unchanged, skipped), {s.findings} findings, "
            f"{s.failed} with errors, {s.bytes / 1e9:.3f} GB in {secs:.1f} s "
            f"({seen['files'] / secs:.0f} files/s, {s.bytes / 1e9 / secs:.3f} GB/s)"
        )
    return 0
