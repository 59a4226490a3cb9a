"""``detente scan``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from detente.cli._common import emit_json, quiet_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="json: one object on stdout; sarif: SARIF 2.1.0.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["critical", "high", "medium", "low", "info"]),
    default="high",
    show_default=True,
    help="Exit 1 when any finding is at or above this severity.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Nesting limit for archives inside archives and pickles inside pickles.",
)
@quiet_option
def scan(paths: tuple[Path, ...], fmt: str, fail_on: str, output: Path | None, max_depth: int,
         quiet: bool) -> int:  # fmt: skip
    """Scan model files for code execution and hostile payloads, without loading them.

    Every format is recognised by content, not extension: pickles (protocols 0-5, stacked,
    nested), PyTorch zip and legacy files, numpy npy/npz, joblib (compressed too),
    gz/bz2/xz, zip and tar (nested), GGUF (structure + chat template), safetensors,
    tokenizer_config.json / config.json (chat templates, auto_map remote code), shipped .py
    files, Keras .keras/.h5, ONNX (external data, custom op domains), TensorFlow
    SavedModel, NeMo/Hydra _target_. Nothing is imported, unpickled, executed or rendered.

    \b
    Exit codes:
      0  no finding at or above --fail-on, everything analysed
      1  a finding at or above --fail-on (wins over 2)
      2  something could not be fully analysed (reported as incomplete), or bad input

    \b
    Examples:
      detente scan ./downloaded-model
      detente scan model.pt --format sarif -o scan.sarif
      detente scan weights/ --fail-on medium --format json
    """
    from detente.scan import Limits, Severity, exit_code, scan_paths, to_json, to_sarif, to_text

    threshold = Severity.parse(fail_on)
    report = scan_paths(list(paths), Limits(max_depth=max_depth))
    if fmt == "json":
        text = json.dumps(to_json(report, threshold), indent=2, ensure_ascii=False)
    elif fmt == "sarif":
        text = json.dumps(to_sarif(report), indent=2, ensure_ascii=False)
    else:
        text = to_text(report, threshold)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        if not quiet:
            click.echo(f"report written to {output}", err=True)
    elif fmt == "json":
        emit_json(to_json(report, threshold))
    else:
        click.echo(text)
    return exit_code(report, threshold)
