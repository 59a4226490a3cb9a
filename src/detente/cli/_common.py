"""Shared plumbing for CLI commands: error → exit code mapping, output formats, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from detente.errors import Error

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def _print_traceback() -> None:
    import traceback  # lazy: only error paths print one, and start-up is a scan's whole cost

    traceback.print_exc()


def run_guarded(cli: click.Group) -> None:
    """Run the click group, mapping our errors to exit codes (DESIGN.md contract)."""
    debug = "--debug" in sys.argv[1:]
    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except Error as exc:
        if debug:
            _print_traceback()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        sys.exit(exc.exit_code)
    except ModuleNotFoundError as exc:
        # An optional extra that is not installed is a usage problem, not a bug (exit 2).
        from detente.env import missing_dependency

        missing = missing_dependency(exc)
        if missing is None:
            click.echo("internal error (a bug in Détente); traceback follows:", err=True)
            _print_traceback()
            sys.exit(EXIT_INTERNAL)
        if debug:
            _print_traceback()
        click.echo(f"error: {missing.diagnostics()}", err=True)
        sys.exit(missing.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception:
        click.echo("internal error (a bug in Détente); traceback follows:", err=True)
        _print_traceback()
        sys.exit(EXIT_INTERNAL)
    sys.exit(rv if isinstance(rv, int) else EXIT_OK)


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` with text as default (every reporting command takes json too)."""
    names = choices or ("text", "json")
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(names),
        default=names[0],
        show_default=True,
        help="Output format; json prints one object on stdout.",
    )


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False))


def quiet_option(f: F) -> F:
    return click.option("--quiet", "-q", is_flag=True, help="No progress output on stderr.")(f)


def progress_enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class ByteProgress:
    """A rich progress bar over bytes on stderr; a no-op when disabled."""

    def __init__(self, total: int, description: str, enabled: bool) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self.description = description
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> ByteProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total)
        return self

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)
