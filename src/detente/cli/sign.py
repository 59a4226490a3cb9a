"""``detente sign`` and ``detente verify``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from detente.cli._common import (
    EXIT_CHECK_FAILED,
    ByteProgress,
    emit_json,
    format_option,
    progress_enabled,
    quiet_option,
)
from detente.cli.keys import key_option, load_signing_key


def _default_signature(model: Path) -> Path:
    return model.parent / f"{model.name}.sig"


def _model_size(model: Path) -> int:
    from detente.artifacts import walk_model

    try:
        return walk_model(model, allow_symlinks=True).total_bytes
    except Exception:  # size only feeds the progress bar; real errors surface later
        return 0


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@key_option("Private key (PEM)")
@click.option(
    "--signature",
    "sig_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the bundle [default: MODEL.sig beside the model].",
)
@click.option(
    "--hash",
    "algorithm",
    type=click.Choice(["sha256", "blake3"]),
    default="sha256",
    show_default=True,
    help="Digest algorithm for files and tensors.",
)
@click.option(
    "--shards",
    "shard_size",
    type=click.IntRange(min=1),
    default=None,
    help="Use OMS shard serialization with this shard size in bytes "
    "(parallel hashing of single large files; sha256 only).",
)
@click.option(
    "--no-tensors",
    is_flag=True,
    help="Sign files only (plain OMS); verification then cannot name tensors.",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="PATH",
    help="Extra path (relative to the model) to leave out; repeatable.",
)
@quiet_option
@format_option()
def sign(
    model: Path,
    key_path: Path | None,
    sig_path: Path | None,
    algorithm: str,
    shard_size: int | None,
    no_tensors: bool,
    ignore: tuple[str, ...],
    quiet: bool,
    fmt: str,
) -> None:
    """Sign MODEL (a directory or a single file).

    Writes a Sigstore bundle (v0.3, DSSE, in-toto Statement v1) with the OpenSSF Model
    Signing v1.0 predicate: `model_signing verify key` accepts it for EC keys. For
    safetensors and GGUF files the signature also covers every tensor (name, dtype, shape,
    digest), so `detente verify` can name the tensors that changed.

    \b
    Example:
      detente keygen --out keys/
      detente sign ./llm-7b --key keys/detente.key        # writes ./llm-7b.sig
      detente verify ./llm-7b --key keys/detente.pub
    """
    from detente.attest import sign_model
    from detente.errors import UsageError

    if shard_size is not None and algorithm == "blake3":
        raise UsageError("shard serialization supports sha256 only (as model_signing does)")
    key = load_signing_key(key_path)
    sig = sig_path or _default_signature(model)
    ignores = list(ignore)
    if model.is_dir() and sig.resolve().is_relative_to(model.resolve()):
        ignores.append(sig.resolve().relative_to(model.resolve()).as_posix())
    with ByteProgress(_model_size(model), "hashing", progress_enabled(quiet)) as bar:
        bundle, manifest = sign_model(
            model,
            key,
            algorithm=algorithm,
            method="shards" if shard_size else "files",
            shard_size=shard_size or 1_000_000_000,
            tensors=not no_tensors,
            ignore_paths=ignores,
            on_bytes=bar.advance,
        )
    sig.write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    info: dict[str, Any] = {
        "signature": str(sig),
        "model_name": manifest.model_name,
        "root_digest": manifest.root_digest,
        "tensor_digest": manifest.tensor_digest,
        "files": len(manifest.files()),
        "tensors": len(manifest.tensors or ()),
        "signer_key_id": key.public_key().key_id,
    }
    if fmt == "json":
        emit_json(info)
        return
    click.echo(f"signed {model} -> {sig}")
    click.echo(f"  root digest:   {manifest.root_digest}")
    if manifest.tensor_digest:
        click.echo(f"  tensor digest: {manifest.tensor_digest} ({info['tensors']} tensors)")
    click.echo(f"  files: {info['files']}, key: {info['signer_key_id']}")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--signature",
    "sig_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The bundle [default: MODEL.sig beside the model].",
)
@click.option(
    "--key",
    "key_path",
    default=None,
    type=click.Path(path_type=Path),
    help="The signer's public key (PEM). Not with --policy (the policy names trusted keys).",
)
@click.option(
    "--policy",
    "policy_path",
    default=None,
    type=click.Path(path_type=Path),
    help="Consumer policy (TOML): verify signature, attestations, gate, registry status and a "
    "local rescan; answer 'may we load this model?'.",
)
@click.option(
    "--evidence",
    "evidence_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="With --policy: the release evidence directory [default: MODEL.release].",
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="FILE_OR_TENSOR",
    help="Verify only these files or tensors (time proportional to their size); repeatable.",
)
@click.option(
    "--cache",
    "use_cache",
    is_flag=True,
    help="Reuse digests of files whose size, inode, ctime and mtime are unchanged "
    "since the last verify (incremental re-verification).",
)
@click.option(
    "--bom",
    "bom_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check MODEL's digests against an AI-BOM (CycloneDX or SPDX, from `detente bom`).",
)
@click.option(
    "--ignore",
    "ignore_paths",
    multiple=True,
    metavar="PATH",
    help="A path inside MODEL the signer ignored (model_signing --ignore-paths); repeatable.",
)
@click.option(
    "--trust-root",
    "trust_root",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="For certificate bundles instead of --key: the CA certificates (PEM) an OMS "
    "certificate chain must reach, or a Sigstore trusted_root.json for keyless bundles "
    "(verified offline).",
)
@click.option("--identity", default=None, help="With --trust-root: the signer's identity "
              "(a SAN: email, URI, DNS; or the subject, e.g. CN=release-bot).")  # fmt: skip
@click.option("--issuer", default=None, help="With --trust-root: the OIDC issuer (keyless) "
              "or the issuing CA's name (e.g. CN=intermediate-ca).")  # fmt: skip
@quiet_option
@format_option()
def verify(
    model: Path,
    sig_path: Path | None,
    key_path: Path | None,
    policy_path: Path | None,
    evidence_dir: Path | None,
    only: tuple[str, ...],
    use_cache: bool,
    bom_path: Path | None,
    ignore_paths: tuple[str, ...],
    trust_root: Path | None,
    identity: str | None,
    issuer: str | None,
    quiet: bool,
    fmt: str,
) -> int:
    """Verify MODEL against a signature bundle and name everything that changed.

    Accepts bundles made by `detente sign` and by OpenSSF `model_signing sign key` (file or
    shard serialization; sha256, blake2b or blake3, detected from the bundle). On mismatch
    it names every changed, added, missing or renamed file and, when the signature has
    tensor digests, every changed tensor with its dtype, shape and file.

    With --policy (a consumer policy, see docs/release.md), checks a released model: the
    signature under a trusted publisher key or namespace, the required scan/scorecard/gate
    attestations about the same digest, the gate's standard, the registry status with its
    proofs, and a local rescan.

    Certificate bundles (model_signing `sign certificate`) verify with --trust-root CA.pem;
    Sigstore keyless bundles with --trust-root trusted_root.json --identity --issuer, offline
    (Fulcio chain, SCT, Rekor inclusion proof and promise). See docs/registry.md.

    \b
    Example:
      detente verify ./llm-7b --trust-root ca.pem --identity CN=release-bot
      detente verify ./llm-7b --trust-root trusted_root.json \\
          --identity you@example.com --issuer https://accounts.google.com

    \b
    Exit codes: 0 intact (with --policy: allowed), 1 signature, certificate, identity or
                contents do not match (with --policy: denied), 2 bad input (unreadable
                model, malformed bundle, key, trust root or policy).
    """
    from detente.attest import load_public_key, verify_model
    from detente.errors import InputError, UsageError
    from detente.integrity import DigestCache

    if bom_path is not None:
        from detente.cli.bom import verify_against_bom

        return verify_against_bom(model, bom_path, fmt)
    if policy_path is not None:
        if key_path or trust_root or identity or issuer or sig_path is not None or only:
            raise UsageError("--policy decides the keys and evidence; drop "
                             "--key/--trust-root/--identity/--issuer/--signature/--only")  # fmt: skip
        return _verify_policy(model, policy_path, evidence_dir, quiet, fmt)
    if (key_path is None) == (trust_root is None):
        raise UsageError("verify needs one of --key (a public key), --trust-root or --policy")
    if trust_root is None and (identity or issuer):
        raise UsageError("--identity and --issuer apply to certificates: add --trust-root")

    sig = sig_path or _default_signature(model)
    try:
        bundle = sig.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read signature: {exc.strerror}", sig) from None
    key: Any
    if key_path is not None:
        key = load_public_key(key_path)
    else:
        from detente.attest import CertificatePolicy, load_trust_root

        assert trust_root is not None
        key = CertificatePolicy(load_trust_root(trust_root), identity, issuer)
    cache = DigestCache() if use_cache else None
    try:
        with ByteProgress(_model_size(model), "verifying", progress_enabled(quiet)) as bar:
            result = verify_model(
                model,
                bundle,
                key,
                signature_path=sig,
                only=only or None,
                cache=cache,
                on_bytes=bar.advance,
                ignore=[_inside(model, p) for p in ignore_paths],
            )
    finally:
        if cache is not None:
            cache.close()
    if fmt == "json":
        emit_json(result.to_dict())
    else:
        _render_text(model, result)
    return 0 if result.ok else EXIT_CHECK_FAILED


def _inside(model: Path, path: str) -> str:
    """``--ignore`` PATH as a model-relative path: relative to MODEL, or a path inside it."""
    from detente.errors import UsageError

    p = Path(path)
    if not p.is_absolute() and (model / p).exists():
        return p.as_posix()
    try:
        return p.resolve().relative_to(model.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"--ignore {path}: not a path inside {model}") from None


def _verify_policy(
    model: Path, policy_path: Path, evidence_dir: Path | None, quiet: bool, fmt: str
) -> int:
    from detente.release import default_evidence_dir, load_consumer_policy, verify_release

    if not model.exists():
        from detente.errors import InputError

        raise InputError("no such model", model)
    policy = load_consumer_policy(policy_path)
    chatty = not quiet and fmt != "json"

    def say(msg: str) -> None:
        if chatty:
            click.echo(msg, err=True)

    verdict = verify_release(model, policy, evidence_dir or default_evidence_dir(model), say=say)
    if fmt == "json":
        emit_json(verdict.to_dict())
    else:
        click.echo(verdict.text())
    return 0 if verdict.ok else EXIT_CHECK_FAILED


def _render_text(model: Path, v: Any) -> None:
    r = v.result
    scope = f" (partial: {', '.join(r.partial)})" if r.partial else ""
    if v.ok:
        click.echo(f"OK: {model} matches its signature{scope}")
        click.echo(f"  signed by {v.signer}")
        if v.certificate is not None:
            click.echo(f"  certificate issued by {v.certificate.issuer}")
        click.echo(f"  root digest {v.manifest.root_digest}")
        if v.manifest.tensor_digest:
            click.echo(f"  tensor digest {v.manifest.tensor_digest}")
        return
    click.echo(f"FAILED: {model} does not match its signature{scope}")
    click.echo(f"  signature valid, signed by {v.signer}")
    if r.changed_files:
        click.echo("changed files:")
        for c in r.changed_files:
            click.echo(f"  {c.name}" + (f"  ({c.detail})" if c.detail else ""))
            click.echo(f"    expected {c.expected}")
            click.echo(f"    actual   {c.actual}")
    for title, names in (("added files", r.added_files), ("missing files", r.missing_files)):
        if names:
            click.echo(f"{title}:")
            for n in names:
                click.echo(f"  {n}")
    if r.renamed_files:
        click.echo("renamed files:")
        for a, b in r.renamed_files:
            click.echo(f"  {a} -> {b}")
    if r.tensor_changes:
        click.echo(f"tensors ({len(r.tensor_changes)} differ):")
        for t in r.tensor_changes:
            click.echo(f"  {t.describe()}")
    for note in r.notes:
        click.echo(f"note: {note}")
