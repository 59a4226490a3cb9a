"""``detente diff`` and ``detente manifest``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from detente.cli._common import EXIT_CHECK_FAILED, emit_json, format_option, quiet_option


def _fmt(x: float | None, spec: str = ".3g") -> str:
    return "n/a" if x is None else format(x, spec)


@click.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Changed tensors listed in text output (0 = all); JSON lists all.",
)
@format_option()
def diff(a: Path, b: Path, limit: int, fmt: str) -> int:
    """Compare models A and B tensor by tensor, whatever their sharding into files.

    Works on directories or single files, safetensors and GGUF. For each changed tensor it
    reports the relative L2 norm of the difference, the max absolute difference, the fraction
    of elements changed and the cosine similarity; then added/removed tensors, dtype/shape
    changes, a per-layer summary, and config/tokenizer differences. A re-sharded copy is
    reported as "same weights, different packaging".

    \b
    Exit codes (like diff): 0 all tensors identical, 1 some differ, 2 bad input.
    """
    from detente.integrity import diff_models

    result = diff_models(a, b)
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        _render(result, limit)
    return 0 if result.same_weights else EXIT_CHECK_FAILED


def _render(r: Any, limit: int) -> None:
    click.echo(f"{r.a} vs {r.b}: {r.headline()}")
    for layer in r.layers:
        click.echo(f"  {layer.describe()}")
    if r.changed:
        click.echo("changed tensors:")
        shown = r.changed if limit == 0 else r.changed[:limit]
        for d in shown:
            where = d.file_a if d.file_a == d.file_b else f"{d.file_a} -> {d.file_b}"
            click.echo(
                f"  {d.name} [{d.dtype} {list(d.shape)}] ({where}): rel L2 {_fmt(d.rel_l2)}, "
                f"max |Δ| {_fmt(d.max_abs)}, changed {_fmt(d.frac_changed, '.2%')}, "
                f"cosine {_fmt(d.cosine, '.6f')}" + (f" — {d.note}" if d.note else "")
            )
        if len(shown) < len(r.changed):
            click.echo(f"  … and {len(r.changed) - len(shown)} more (--limit 0 lists all)")
    for d in r.retyped:
        click.echo(
            f"dtype/shape changed: {d['name']}: {d['a']['dtype']} {d['a']['shape']} -> "
            f"{d['b']['dtype']} {d['b']['shape']}"
        )
    for title, items in (("added", r.added), ("removed", r.removed)):
        for t in items:
            click.echo(f"{title}: {t['name']} [{t['dtype']} {t['shape']}] in {t['file']}")
    files = (
        ("files added", r.files_added),
        ("files removed", r.files_removed),
        ("files changed", r.files_changed),
    )
    for title, names in files:
        if names:
            click.echo(f"{title}: {', '.join(names)}")
    for name, rows in r.configs.items():
        click.echo(f"{name}:")
        for row in rows[:40]:
            click.echo(f"  {row['key']}: {row['a']} -> {row['b']}")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--hash",
    "algorithm",
    type=click.Choice(["sha256", "blake3"]),
    default="sha256",
    show_default=True,
)
@click.option("--no-tensors", is_flag=True, help="Files only.")
@quiet_option
@format_option()
def manifest(model: Path, algorithm: str, no_tensors: bool, quiet: bool, fmt: str) -> None:
    """Print MODEL's manifest: file digests, tensor digests, root and tensor digests.

    The root digest is the OpenSSF Model Signing subject digest; the tensor digest does not
    depend on how tensors are split into files.
    """
    from detente.integrity import build_manifest

    m = build_manifest(model, algorithm=algorithm, tensors=not no_tensors)
    if fmt == "json":
        emit_json(m.to_dict())
        return
    click.echo(f"model:         {m.model_name}")
    click.echo(f"root digest:   {m.root_digest}")
    if m.tensor_digest:
        click.echo(f"tensor digest: {m.tensor_digest}")
    for r in m.resources:
        click.echo(f"  {r.digest_str()}  {r.name}")
    for t in m.tensors or ():
        click.echo(f"  {t.digest}  {t.name} [{t.dtype} {list(t.shape)}] in {t.file}")
