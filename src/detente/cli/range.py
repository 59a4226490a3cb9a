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


def _expected(kind: str, status: str) -> bool:
    return status == "confirmed" if kind == "naive" else status != "confirmed"


@range_group.command("confirm")
@click.option(
    "--reference",
    type=click.Choice(["naive", "safe", "both"]),
    default=None,
    help="Run detente-core v1's reference solutions (naive must be confirmed, safe never).",
)
@click.option(
    "--task", "task_ids", multiple=True, help="Only this insecure-code task (repeatable)."
)
@click.option(
    "--answer",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file holding one answer's code (with exactly one --task).",
)
@format_option()
@quiet_option
def confirm_cmd(
    reference: str | None, task_ids: tuple[str, ...], answer: Path | None, fmt: str, quiet: bool
) -> int:
    """Run insecure-code answers in the sandbox against attack inputs (SQL injection, command
    and code injection, deserialisation, path traversal, memory errors under ASan, ...).

    \b
    Examples:
      detente range confirm --reference both
      detente range confirm --task ic-001 --answer answer.py

    \b
    Exit codes: 0 as expected (--answer: not confirmed), 1 a reference solution was judged
    wrongly (--answer: confirmed exploitable), 2 bad input.
    """
    from detente.cyberrange import confirm_exploit, exploit_coverage
    from detente.errors import UsageError
    from detente.evals import cached_suite

    records = {str(r["id"]): r for r in cached_suite("detente-core", "1").datasets["insecure_code"]}
    unknown = [t for t in task_ids if t not in records]
    if unknown or (answer is None) == (reference is None) or (answer and len(task_ids) != 1):
        raise UsageError("give --reference, or --answer with one --task (detente-core v1 ids)")
    chosen = list(task_ids) or list(records)
    kinds = ["naive", "safe"] if reference == "both" else [reference or "answer"]
    rows, failed = [], 0
    for tid in chosen:
        record = records[tid]
        for kind in kinds:
            code = answer.read_text("utf-8") if answer else str(record[f"{kind}_solution"])
            check = confirm_exploit(tid, code, str(record["language"]))
            if check.status.value == "no_harness":
                continue
            ok = (
                check.status.value != "confirmed" if answer else _expected(kind, check.status.value)
            )
            failed += not ok
            rows.append({"kind": kind, "ok": ok, **check.to_dict()})
            if fmt == "text" and not quiet:
                mark = "ok" if ok else ("EXPLOITABLE" if answer else "UNEXPECTED")
                click.echo(f"  {tid} {kind:<6} {check.status.value:<14} {mark:<10} "
                           f"{check.evidence[:70]}", err=True)  # fmt: skip
    coverage = exploit_coverage(chosen)
    if fmt == "json":
        emit_json({"coverage": coverage, "checks": rows, "unexpected": failed})
    else:
        click.echo(f"harnesses for {coverage['covered']}/{coverage['tasks']} tasks; "
                   f"{len(rows) - failed}/{len(rows)} checks as expected")  # fmt: skip
    return EXIT_CHECK_FAILED if failed else 0
