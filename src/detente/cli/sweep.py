"""``detente sweep``: scan, hash and inventory every model under some directories."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from detente.cli._common import emit_json, format_option, progress_enabled, quiet_option

if TYPE_CHECKING:
    from detente.sweep import ModelResult


class SweepProgress:
    """rich progress on stderr: bytes done, files done, files/s and GB/s; a no-op when off."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled, self.total = enabled and total > 0, total
        self.files = self.bytes = 0
        self.start = time.monotonic()
        self._p: Any = None

    def __enter__(self) -> SweepProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._p = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                TextColumn("{task.fields[files]} files · {task.fields[fps]:.0f} files/s"),
                TextColumn("{task.fields[gbps]:.3f} GB/s"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._p.__enter__()
            self._task = self._p.add_task("sweeping", total=self.total, files=0, fps=0.0, gbps=0.0)
        return self

    def advance(self, files: int, nbytes: int) -> None:
        self.files += files
        self.bytes += nbytes
        if self._p is not None:
            secs = max(time.monotonic() - self.start, 1e-9)
            self._p.update(
                self._task, completed=self.bytes, files=self.files,
                fps=self.files / secs, gbps=self.bytes / 1e9 / secs,
            )  # fmt: skip

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.__exit__(None, None, None)


def _total_bytes(sources: tuple[Path, ...], listing: Path | None) -> int:
    from detente.sweep import discover_models, read_model_list

    roots = (
        discover_models(list(sources)) + [m.path for m in read_model_list(listing)]
        if listing
        else discover_models(list(sources))
    )
    return sum(
        f.stat().st_size
        for r in roots
        for f in ([r] if r.is_file() else r.rglob("*"))
        if f.is_file()
    )


def _registry(url: str | None, log_key: str | None) -> Any:
    if url is None:
        return None
    from detente.registry import connect

    return connect(None if url == "embedded" else url, log_key)


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--list",
    "listing",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Manifest list: one model per line (a path, or JSON {path, etag|etags}).",
)
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="local",
    default=None,
    metavar="[ADDRESS]",
    help="Run on Ray: a local cluster (bare --ray) or ray://HOST:PORT.",
)
@click.option(
    "--ray-cpus",
    type=click.IntRange(1),
    default=None,
    help="CPUs of the local Ray cluster [default: all].",
)
@click.option("--db", "db_url", default=None, help="SQLAlchemy URL of the results store.")
@click.option("--table-prefix", default="sweep", show_default=True, help="Results table prefix.")
@click.option("--resume", is_flag=True, help="Skip models unchanged since stored (needs --db).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="JSON Lines export.")
@click.option("--manifests", is_flag=True, help="Include each model's manifest in --out.")
@click.option(
    "--method",
    type=click.Choice(["files", "shards"]),
    default="files",
    show_default=True,
    help="OMS serialization; shards lets every byte range of a huge file run in parallel.",
)
@click.option(
    "--split-above",
    type=click.IntRange(1),
    default=None,
    metavar="BYTES",
    help="Split files larger than this into byte-range units [default: 2 GB].",
)
@click.option(
    "--batch",
    type=click.IntRange(1),
    default=64,
    show_default=True,
    help="Small models per task (one task per few-KB model is mostly scheduling).",
)
@click.option(
    "--registry",
    "registry_url",
    default=None,
    metavar="URL",
    help="Record each model's registry status (a URL, tile mirror, or 'embedded').",
)
@click.option("--log-key", default=None, metavar="VKEY", help="Pin the registry log's key.")
@click.option(
    "--bom-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write an AI-BOM per model into this directory.",
)
@click.option(
    "--bom-format",
    "bom_formats",
    type=click.Choice(["cyclonedx", "spdx"]),
    multiple=True,
    default=("cyclonedx",),
    show_default=True,
    help="BOM format(s).",
)
@quiet_option
@format_option()
def sweep(
    sources: tuple[Path, ...], listing: Path | None, ray_address: str | None,
    ray_cpus: int | None, db_url: str | None, table_prefix: str, resume: bool,
    out: Path | None, manifests: bool, method: str, split_above: int | None, batch: int,
    registry_url: str | None, log_key: str | None, bom_dir: Path | None,
    bom_formats: tuple[str, ...], quiet: bool, fmt: str,
) -> int:  # fmt: skip
    """Scan, hash (OMS manifest with tensor digests) and inventory every model under SOURCES.

    A model is the shallowest directory holding a file. Files above --split-above are hashed
    as byte-range units (separate Ray tasks). Results stream into the --db store (one row per
    model, finding and failure) and the --out JSON Lines file; a file that fails is recorded
    (transient read errors retried twice) and the sweep goes on.

    \b
    Example:
      detente sweep /mirror/hub --db sqlite:///sweep.db --out sweep.jsonl
      detente sweep /mirror/hub --ray --db postgresql+psycopg://u:p@db/x --resume
      detente sweep --list inventory.jsonl --registry https://registry.example --bom-dir boms
    \b
    Exit codes: 0 swept (findings and failures are data: query the store), 2 bad input or usage.
    """
    from detente.bom import safe_write_sweep_boms
    from detente.errors import UsageError
    from detente.sweep import DEFAULT_SPLIT_ABOVE, Settings, read_model_list, run_sweep

    if resume and not db_url:
        raise UsageError("--resume needs --db (the store remembers what is done)")
    if not sources and listing is None:
        raise UsageError("give at least one SOURCE or --list FILE")
    settings = Settings(method=method, split_above=split_above or DEFAULT_SPLIT_ABOVE)
    enabled = progress_enabled(quiet)
    bom_failures: list[str] = []

    def each(res: ModelResult) -> None:
        if bom_dir is not None and (err := safe_write_sweep_boms(res, bom_dir, bom_formats)):
            bom_failures.append(err)

    with SweepProgress(_total_bytes(sources, listing) if enabled else 0, enabled) as bar:
        summary = run_sweep(
            list(sources), listing=read_model_list(listing) if listing else (),
            use_ray=ray_address is not None, ray_address=ray_address, ray_cpus=ray_cpus, batch=batch,
            settings=settings, db_url=db_url, table_prefix=table_prefix, resume=resume,
            out=out, manifests=manifests, registry=_registry(registry_url, log_key),
            on_result=each, on_progress=bar.advance,
            with_manifests=bom_dir is not None,
        )  # fmt: skip
    secs = max(time.monotonic() - bar.start, 1e-9)
    for err in bom_failures:
        click.echo(f"BOM not written: {err}", err=True)
    if fmt == "json":
        emit_json(
            summary.to_dict() | {"seconds": round(secs, 3), "bom_failures": len(bom_failures)}
        )
        return 0
    s = summary
    click.echo(
        f"{s.models} models swept ({s.skipped} unchanged, skipped), {s.findings} findings, "
        f"{s.failed} with errors, {s.bytes / 1e9:.3f} GB in {secs:.1f} s "
        f"({s.files / secs:.0f} files/s, {s.bytes / 1e9 / secs:.3f} GB/s)"
    )
    return 0
