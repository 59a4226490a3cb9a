"""``detente code scan``: hunt vulnerabilities in source code (Python, C/C++, JS/TS)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from detente.cli._common import emit_json, format_option, quiet_option
from detente.taxonomy import SEVERITY_NAMES

_SEVERITIES = list(reversed(SEVERITY_NAMES))  # highest first, as --help lists them


@click.group()
def code() -> None:
    """Static analysis of source code, such as code a model wrote."""


@code.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option("text", "json", "sarif")
@click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES),
    default="medium",
    show_default=True,
    help="Exit 1 when any finding is at or above this severity.",
)
@click.option(
    "--min-severity",
    type=click.Choice(_SEVERITIES),
    default="low",
    show_default=True,
    help="Report findings at or above this severity (info: also hygiene notes such as atoi).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of stdout.",
)
@quiet_option
def scan(paths: tuple[Path, ...], fmt: str, fail_on: str, min_severity: str,
         output: Path | None, quiet: bool) -> int:  # fmt: skip
    """Find vulnerable code: injection, memory safety, crypto misuse, unsafe APIs.

    Files are parsed (Python with ast, C/C++ and JavaScript/TypeScript with tree-sitter),
    never run. Directories are walked (.git, node_modules, virtualenvs and build folders are
    skipped); the language comes from the extension, a shebang or the content. Every finding
    names its rule, CWE, severity, line and column; `docs/codevuln.md` lists the rules.

    \b
    Exit codes:
      0  no finding at or above --fail-on
      1  a finding at or above --fail-on
      2  bad input (a path that does not exist, no file could be read)

    \b
    Examples:
      detente code scan app.py
      detente code scan src/ --format sarif -o code.sarif
      detente code scan answer.c --fail-on high --format json
    """
    from detente.codevuln import scan_code_paths, to_sarif, to_text
    from detente.taxonomy import Severity

    report = scan_code_paths(paths, Severity.parse(min_severity))
    if fmt == "json":
        text = json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    elif fmt == "sarif":
        text = json.dumps(to_sarif(report), indent=2, ensure_ascii=False)
    else:
        text = to_text(report)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        if not quiet:
            click.echo(f"report written to {output}", err=True)
    elif fmt == "json":
        emit_json(report.to_dict())
    else:
        click.echo(text)
    return report.exit_code(Severity.parse(fail_on))
