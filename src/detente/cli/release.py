"""``detente release``, ``detente gate`` and ``detente attest verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from detente.cli._common import emit_json, format_option, progress_enabled, quiet_option
from detente.errors import InputError, UsageError


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", path) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"the {what} is not JSON: {exc}", path) from None


def _is_bundle(doc: Any) -> bool:
    return isinstance(doc, dict) and "dsseEnvelope" in doc and "mediaType" in doc


def _evidence_doc(path: Path, kind: str, keys: list[Any]) -> tuple[dict[str, Any], str | None]:
    """A scan report / scorecard from a plain file or from a verified attestation bundle."""
    doc = _read_json(path, kind)
    if not _is_bundle(doc):
        return doc, None
    if not keys:
        raise UsageError(f"{path} is an attestation bundle: pass --key to verify it before use")
    from detente.attest import verify_attestation

    att = verify_attestation(doc, keys, expect_kind=kind)
    inner = att.predicate["report"] if kind == "scan" else att.predicate["scorecard"]
    return inner, att.model_digest


@click.command()
@click.option(
    "--policy",
    "policy",
    default="detente-baseline-v1",
    show_default=True,
    help="Release standard: a TOML file or a shipped name.",
)
@click.option(
    "--scan",
    "scan_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Scan report (detente scan --format json) or scan attestation bundle.",
)
@click.option(
    "--scorecard",
    "card_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Scorecard (detente eval) or scorecard attestation bundle.",
)
@click.option(
    "--key",
    "key_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Public key(s) that must have signed bundle inputs; repeatable.",
)
@click.option("--signed", is_flag=True, help="Count a model signature as present evidence.")
@format_option()
def gate(policy: str, scan_path: Path | None, card_path: Path | None, key_paths: tuple[Path, ...],
         signed: bool, fmt: str) -> int:  # fmt: skip
    """Judge a scan report and a scorecard against a release standard.

    Harm metrics pass only when the upper bound of their Wilson 95% interval is at or below
    the threshold; helpfulness metrics only when the lower bound is at or above it. Too few
    samples, or too many errors, is "insufficient evidence", never a pass.

    \b
    Exit codes: 0 pass, 1 fail, 4 insufficient evidence, 2 bad input.
    """
    from detente.attest import load_public_key
    from detente.release import apply_gate, gate_text, load_standard

    std = load_standard(policy)
    keys = [load_public_key(p) for p in key_paths]
    scan = card = None
    digests: set[str] = set()
    if scan_path is not None:
        scan, d = _evidence_doc(scan_path, "scan", keys)
        digests |= {d} if d else set()
    if card_path is not None:
        card, d = _evidence_doc(card_path, "scorecard", keys)
        digests |= {d} if d else set()
        from detente.evals import validate_scorecard

        validate_scorecard(card, str(card_path))
    if len(digests) > 1:
        raise UsageError(
            f"the attestations are about different models: {', '.join(sorted(digests))}"
        )
    result = apply_gate(std, scan=scan, scorecard=card, present=["signature"] if signed else [])
    if fmt == "json":
        emit_json(
            {
                "schema": "detente.gate-result/v1",
                **result.to_dict(),
                "exit_code": result.exit_code,
            }
        )
    else:
        click.echo(gate_text(result))
    return result.exit_code


@click.command()
@click.argument("model", type=click.Path(path_type=Path), required=False)
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Private signing key (PEM) [default: the user's key, generated on first use].",
)
@click.option(
    "--policy",
    default="detente-baseline-v1",
    show_default=True,
    help="Release standard: a TOML file or a shipped name.",
)
@click.option("--version", "version", default="1.0.0", show_default=True, help="Release version.")
@click.option("--name", default=None, help="Model name in the registry [default: MODEL's name].")
@click.option(
    "--namespace",
    default=None,
    help="Registry namespace [default: local-<key id>]; claimed with --key if unclaimed.",
)
@click.option(
    "--model",
    "model_ref",
    default=None,
    help="Evaluate through this inspect model / endpoint model name instead of "
    "serving the GGUF locally.",
)
@click.option("--base-url", default=None, help="OpenAI-compatible endpoint serving the model.")
@click.option(
    "--scorecard",
    "card_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Reuse this scorecard instead of evaluating.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Samples per task (default: the whole suite; a limited run can at best be "
    "'insufficient evidence' under the baseline standard).",
)
@click.option("--max-tokens", type=click.IntRange(16), default=384, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--registry", "url", default=None, help="Registry URL [default: the embedded SQLite registry]."
)
@click.option("--log-key", default=None, metavar="VKEY", help="The registry's log key (note vkey).")
@click.option("--no-publish", is_flag=True, help="Stop after the gate (dry run).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Evidence directory [default: MODEL.release beside the model].",
)
@format_option()
@quiet_option
def release(model: Path | None, key_path: Path | None, policy: str, version: str, name: str | None,
            namespace: str | None, model_ref: str | None, base_url: str | None,
            card_path: Path | None, limit: int | None, max_tokens: int, seed: int,
            url: str | None, log_key: str | None, no_publish: bool, out_dir: Path | None,
            fmt: str, quiet: bool) -> int:  # fmt: skip
    """Release MODEL: scan → sign → evaluate → gate → attest → publish.

    Stops at the first blocking failure and says why: findings above the standard's scan
    severity, a gate verdict other than pass (the signed gate decision is kept in the
    evidence directory), or a registry refusal. With no MODEL, releases the embedded Gemma 3
    270M GGUF. Evidence (signature, scan, scorecard and gate attestations, reports, inspect
    logs) goes to MODEL.release/; consumers check it with `detente verify MODEL --policy`.

    \b
    Exit codes: 0 released, 1 blocked (fail), 4 blocked (insufficient evidence),
                2 bad input or registry refusal.
    """
    from detente.cli.keys import load_signing_key
    from detente.evals import EvalConfig, expected_samples
    from detente.release import ReleaseOptions, default_evidence_dir, load_standard, release_model

    chatty = not quiet and fmt != "json"

    def say(msg: str) -> None:
        if chatty:
            click.echo(msg, err=True)

    if base_url and not model_ref:
        raise UsageError("--base-url needs --model (the model name the endpoint serves)")
    if model is None:
        from detente.env import data_dir
        from detente.runtime import embedded_model_path

        model = embedded_model_path()
        name = name or "gemma3-270m-q4-k-m"
        out_dir = out_dir or data_dir() / "releases" / f"{name}.release"
        say(f"no MODEL given: releasing the embedded {model.name}")
    std = load_standard(policy)
    key = load_signing_key(key_path, say)
    config = EvalConfig(limit=limit, max_tokens=max_tokens, seed=seed, suite=std.suite_name,
                        suite_version=std.suite_version)  # fmt: skip
    client = None
    if not no_publish:
        from detente.registry import connect

        client = connect(url, log_key)
    options = ReleaseOptions(version=version, standard=std, name=name, namespace=namespace,
                             eval_config=config, model=model_ref, base_url=base_url,
                             scorecard=card_path, publish=not no_publish)  # fmt: skip
    evidence = out_dir or default_evidence_dir(model)
    from detente.cli.evals import _progress_bar

    show = progress_enabled(quiet) and card_path is None
    with _progress_bar(expected_samples(config) if show else {}, show) as advance:
        result = release_model(model, key, options, evidence, client=client, say=say,
                               eval_progress=advance)  # fmt: skip
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        for s in result.steps:
            mark = {
                "ok": "ok     ",
                "blocked": "BLOCKED",
                "failed": "FAILED ",
                "skipped": "skipped",
            }[s.status]
            click.echo(f"{mark} {s.name}: {s.detail}")
        if result.released:
            click.echo(f"released {result.model_digest}; evidence in {evidence}")
            click.echo(
                f"consumers check it with: detente verify {model} --policy "
                f"{evidence / 'consumer-policy.toml'} --evidence {evidence}"
            )
        elif result.exit_code:
            click.echo(f"release stopped; evidence so far in {evidence}")
    return result.exit_code


@click.group()
def attest() -> None:
    """Verify evidence attestations (scan, scorecard, gate, model signature)."""


@attest.command(name="verify")
@click.argument(
    "bundles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--key",
    "key_paths",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="Trusted public key(s); repeatable. An attestation signed by any other key is refused.",
)
@click.option(
    "--digest", default=None, help="Require the attestations to be about this model digest."
)
@format_option()
def attest_verify(
    bundles: tuple[Path, ...], key_paths: tuple[Path, ...], digest: str | None, fmt: str
) -> int:
    """Verify attestation BUNDLES: signature by a trusted key, predicate schema, subject.

    Accepts the scan (https://detente.dev/scan/v1), scorecard (…/scorecard/v1) and gate
    (…/gate/v1) attestations and OMS model signatures. Exit 0 all verified, 1 any failed,
    2 bad input.
    """
    from detente.attest import load_public_key, verify_attestation
    from detente.errors import Error

    keys = [load_public_key(p) for p in key_paths]
    rows = []
    failed = False
    for path in bundles:
        try:
            att = verify_attestation(_read_json(path, "bundle"), keys, expect_digest=digest)
            row = {"file": str(path), "ok": True, **att.to_dict()}
            if att.kind == "gate":
                row["verdict"] = att.predicate["verdict"]
                row["standard"] = att.predicate["standard"]
        except Error as exc:
            failed = True
            row = {"file": str(path), "ok": False, "error": str(exc)}
        rows.append(row)
    if fmt == "json":
        emit_json({"ok": not failed, "attestations": rows})
    else:
        for r in rows:
            if r["ok"]:
                extra = (
                    f", verdict {r['verdict']} under {r['standard']['name']}"
                    if "verdict" in r
                    else ""
                )
                click.echo(
                    f"OK   {r['file']}: {r['kind']} about {r['model_digest']}, signed by {r['key_id'][:23]}{extra}"
                )
            else:
                click.echo(f"FAIL {r['file']}: {r['error']}")
    return 1 if failed else 0
