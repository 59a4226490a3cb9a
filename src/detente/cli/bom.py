"""``detente bom`` (and the logic behind ``detente verify --bom``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from detente.cli._common import EXIT_CHECK_FAILED, emit_json


@click.command()
@click.argument("model", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "bom_format",
    type=click.Choice(["cyclonedx", "spdx"]),
    default="cyclonedx",
    show_default=True,
    help="CycloneDX 1.6 JSON or SPDX 3.0.1 JSON-LD (AI profile).",
)
@click.option(
    "--evidence",
    "evidence_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Release evidence directory: reference its signature and attestations, and take "
    "performance metrics from its scorecard.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the BOM here [default: stdout].",
)
def bom(model: Path, bom_format: str, evidence_dir: Path | None, output: Path | None) -> None:
    """Write an AI bill of materials for MODEL (a directory or a single file).

    The model is hashed (OMS root digest, each file's digest, the tensor digest), its tensor
    headers and config.json are read for model parameters, it is scanned (findings become
    vulnerabilities / annotations), and the evidence directory's signature and attestations
    are referenced. Check a model against the BOM later with `detente verify MODEL --bom FILE`.

    \b
    Example:
      detente bom ./llama-3-8b --evidence ./llama-3-8b.release -o llama.cdx.json
      detente bom ./llama-3-8b --format spdx -o llama.spdx.json
      detente verify ./llama-3-8b --bom llama.cdx.json
    """
    from detente.bom import cyclonedx_bom, spdx_bom

    make = cyclonedx_bom if bom_format == "cyclonedx" else spdx_bom
    text = json.dumps(make(model, evidence=evidence_dir), indent=2, sort_keys=True) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, "utf-8")


def verify_against_bom(model: Path, bom_path: Path, fmt: str) -> int:
    """``detente verify MODEL --bom FILE``: 0 match, 1 mismatch (naming files), 2 bad BOM."""
    from detente.bom import verify_bom

    check = verify_bom(model, bom_path)
    if fmt == "json":
        emit_json(check.to_dict())
    elif check.ok:
        click.echo(f"OK: {model} matches {bom_path} ({check.root_digest})")
    else:
        click.echo(f"MISMATCH: {model} does not match {bom_path}")
        for p in check.problems:
            click.echo(f"  {p}")
    return 0 if check.ok else EXIT_CHECK_FAILED
