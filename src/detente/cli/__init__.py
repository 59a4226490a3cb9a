"""The ``detente`` command line.

One module per command group, each thin: parse, call the library, render. Subcommands are
imported lazily so ``detente --help`` stays fast (no cryptography, numpy or torch at start-up).
"""

from __future__ import annotations

import importlib

import click

from detente import __version__
from detente.cli._common import run_guarded

__all__ = ["cli", "main"]

# name -> ("module:attribute", one-line help shown by ``detente --help`` without importing it)
_COMMANDS: dict[str, tuple[str, str]] = {
    "keygen": ("detente.cli.keys:keygen", "Generate a signing key pair (EC P-256 or Ed25519)."),
    "sign": (
        "detente.cli.sign:sign",
        "Sign a model: OpenSSF Model Signing bundle + tensor digests.",
    ),
    "verify": (
        "detente.cli.sign:verify",
        "Verify a model against its signature, or against a consumer policy (--policy).",
    ),
    "diff": (
        "detente.cli.diff:diff",
        "Compare two models tensor by tensor, whatever their sharding.",
    ),
    "manifest": ("detente.cli.diff:manifest", "Print the file and tensor manifest of a model."),
    "bom": (
        "detente.cli.bom:bom",
        "AI-BOM of a model: CycloneDX 1.6 ML-BOM or SPDX 3.0.1 AI profile.",
    ),
    "sweep": (
        "detente.cli.sweep:sweep",
        "Scan, hash and inventory every model under some directories (in-process or on Ray).",
    ),
    "demo": (
        "detente.cli.demo:demo",
        "Sign and verify the embedded model; catch a tampered tensor.",
    ),
    "registry": ("detente.cli.registry:registry", "Run the transparency log / claim a namespace."),
    "publish": (
        "detente.cli.registry:publish",
        "Publish a bundle or a model release to the registry.",
    ),
    "revoke": (
        "detente.cli.registry:revoke",
        "Revoke a released model digest, on the public record.",
    ),
    "advise": ("detente.cli.registry:advise", "Publish an advisory against model digests."),
    "check": ("detente.cli.registry:check", "Is this model current, outdated, revoked or flagged?"),
    "code": (
        "detente.cli.code:code",
        "Hunt vulnerabilities in source code (Python, C/C++, JS/TS); SARIF.",
    ),
    "scan": ("detente.cli.scan:scan", "Scan model files for code execution and hostile payloads."),
    "eval": ("detente.cli.evals:eval_cmd", "Run the detente-core safety suite; write a scorecard."),
    "scorecard": ("detente.cli.evals:scorecard", "Show or compare scorecards."),
    "gate": (
        "detente.cli.release:gate",
        "Judge a scan and a scorecard against a release standard.",
    ),
    "release": (
        "detente.cli.release:release",
        "Scan, sign, evaluate, gate, attest and publish a model.",
    ),
    "attest": ("detente.cli.release:attest", "Verify scan/scorecard/gate attestations."),
    "incident": (
        "detente.cli.incident:incident",
        "Write, redact, sign, publish and selectively disclose incident reports.",
    ),
    "range": (
        "detente.cli.range:range_group",
        "The cyber range: list, verify, solve challenges; confirm exploits.",
    ),
    "monitor": (
        "detente.cli.monitor:monitor",
        "Allow, ask or block an agent's tool calls (traces or proxy).",
    ),
    "witness": ("detente.cli.witness:witness", "Run a witness that cosigns log checkpoints."),
    "watch": ("detente.cli.watch:watch", "Follow the log; report and alert on namespaces."),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = _COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module_name, attr = spec[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="detente")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Détente: sign, verify, scan, evaluate, release and track open-weight models.

    Exit codes: 0 ok, 1 a check failed (mismatch, findings, gate failed),
    2 usage or input error, 3 internal error.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main() -> None:
    run_guarded(cli)
