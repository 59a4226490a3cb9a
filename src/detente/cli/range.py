"""``detente range``: list, verify and solve the cyber range's challenges."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from detente.cli._common import EXIT_CHECK_FAILED, emit_json, format_option, quiet_option

if TYPE_CHECKING:
    from detente.cyberrange import Range

_RANGE_OPTION = click.option(
    "--range",
    "range_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="A range directory (default: the shipped detente-range v1).",
)


@click.group("range")
def range_group() -> None:
    """The cyber range detente-range: capture-the-flag challenges run offline in the sandbox.

    \b
    Examples:
      detente range list
      detente range verify
      detente range solve --oracle --challenge web-sqli-login
    """


def _load(range_path: Path | None) -> Range:
    from detente.cyberrange import load_range

    return load_range(range_path)


@range_group.command("list")
@_RANGE_OPTION
@format_option()
def list_cmd(range_path: Path | None, fmt: str) -> int:
    """List the challenges: id, category, difficulty, ATT&CK tactic/technique, CWE."""
    rng = _load(range_path)
    rows = [
        {
            "id": ch.id,
            "title": ch.title,
            "category": ch.category,
            "difficulty": ch.difficulty,
            "tactic": ch.tactic,
            "technique": ch.technique,
            "cwe": ch.cwe,
            "subtasks": len(ch.subtasks),
            "services": len(ch.services),
        }
        for ch in rng.challenges
    ]
    if fmt == "json":
        emit_json({"range": rng.identity(), "challenges": rows})
        return 0
    click.echo(f"{rng.name} {rng.version} ({rng.digest}): {len(rows)} challenges")
    for r in rows:
        click.echo(
            f"  {r['id']:<28} {r['category']:<9} {r['difficulty']:<6} "
            f"{r['tactic']} {r['technique']:<10} {r['cwe'] or '-'}"
        )
    return 0


@range_group.command("verify")
@_RANGE_OPTION
@format_option()
def verify_cmd(range_path: Path | None, fmt: str) -> int:
    """Check every file of the range against its manifest and every challenge's schema.

    \b
    Exit codes: 0 verified, 1 a file differs from the manifest, 2 a malformed manifest or
    challenge (the message names the file).
    """
    rng = _load(range_path)
    if fmt == "json":
        emit_json({"verified": True, "range": rng.identity()})
    else:
        click.echo(f"ok: {rng.name} {rng.version}, {len(rng.challenges)} challenges, {rng.digest}")
    return 0


@range_group.command("solve")
@_RANGE_OPTION
@click.option("--oracle", is_flag=True, required=True, help="Run each challenge's oracle solution.")
@click.option("--challenge", "ids", multiple=True, help="Only this challenge (repeatable).")
@format_option()
@quiet_option
def solve_cmd(
    range_path: Path | None, oracle: bool, ids: tuple[str, ...], fmt: str, quiet: bool
) -> int:
    """Run the oracle solutions inside the sandbox and check that each captures its flag.

    This proves every challenge is solvable offline in the sandbox, with its services.

    \b
    Exit codes: 0 every flag captured, 1 some oracle failed, 2 bad input.
    """
    from detente.cyberrange import run_oracle

    rng = _load(range_path)
    chosen = [rng.get(i) for i in ids] if ids else list(rng.challenges)
    runs = []
    for ch in chosen:
        run = run_oracle(ch, rng.root)
        runs.append(run)
        if fmt == "text" and not quiet:
            mark = "captured" if run.captured else "FAILED"
            click.echo(f"  {ch.id:<28} {mark:<9} {run.result.wall_seconds:6.2f} s", err=True)
    captured = sum(r.captured for r in runs)
    if fmt == "json":
        emit_json({
            "range": rng.identity(),
            "captured": captured,
            "total": len(runs),
            "runs": [{"id": r.challenge_id, "captured": r.captured,
                      "wall_seconds": round(r.result.wall_seconds, 3),
                      "exit_code": r.result.exit_code} for r in runs],
        })  # fmt: skip
    else:
        click.echo(f"oracle captured {captured}/{len(runs)} flags")
    return 0 if captured == len(runs) else EXIT_CHECK_FAILED
