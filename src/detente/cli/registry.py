"""``detente registry …``, ``detente publish``, ``revoke``, ``advise``, ``check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from detente.cli._common import emit_json, format_option
from detente.cli.keys import key_option, load_signing_key
from detente.taxonomy import Severity

if TYPE_CHECKING:
    from detente.registry import RegistryClient

REGISTRY_HELP = "Registry URL [default: the embedded SQLite registry in the user data dir]."


def _client(url: str | None, log_key: str | None) -> RegistryClient:
    from detente.registry import connect

    return connect(url, log_key)


def _sign(statement: Any, key_path: Path | None) -> dict[str, Any]:
    """Sign with --key, or the user's default key (the one rule of cli/keys.py)."""
    from detente.attest import sign_statement
    from detente.cli.keys import load_signing_key

    return sign_statement(statement, load_signing_key(key_path))


def _report(result: dict[str, Any], fmt: str, what: str) -> None:
    if fmt == "json":
        emit_json(result)
    else:
        dup = " (already in the log)" if result.get("duplicate") else ""
        click.echo(
            f"{what}: entry {result['index']}{dup}, included in verified checkpoint {result['checkpoint_size']}"
        )


registry_url = click.option("--registry", "url", default=None, help=REGISTRY_HELP)
log_key_opt = click.option("--log-key", default=None, metavar="VKEY",
                           help="Pin the log's verifier key (name+id+key); default: trust on first use.")  # fmt: skip
key_opt = key_option("Your private signing key (a key of the namespace)")


@click.group()
def registry() -> None:
    """Run the transparency log and registry, or claim a namespace in it."""


@registry.command()
@click.option(
    "--db",
    default=None,
    help="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://… "
    "[default: SQLite in the user data dir].",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option(
    "--log-key",
    "key_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Ed25519 private key of the log (PEM) [default: generated on first use, 0600].",
)
@click.option(
    "--origin",
    default="detente.local/log",
    show_default=True,
    help="Log origin / key name in checkpoints.",
)
@click.option(
    "--max-body", default=4 << 20, show_default=True, type=int, help="Request size limit."
)
@click.option(
    "--taxii-users",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Also serve TAXII 2.1 at /taxii2/ (incident sharing): users and collections TOML.",
)
@click.option("--witness", "witnesses", multiple=True, metavar="URL=VKEY",
              help="A witness to ask for cosignatures of every new checkpoint; repeatable.")  # fmt: skip
def serve(db: str | None, host: str, port: int, key_path: Path | None, origin: str, max_body: int,
          taxii_users: Path | None, witnesses: tuple[str, ...]) -> None:  # fmt: skip
    """Serve the registry over HTTP (OpenAPI spec at /openapi.json, docs at /docs).

    With --witness, appends are acknowledged once a checkpoint covering them went to every
    witness (batched), and /v1/checkpoint serves it with the cosignatures it got.
    """
    import uvicorn

    from detente.registry import (
        Cosigner,
        LogService,
        create_app,
        default_db_url,
        open_store,
        parse_witness_spec,
    )

    store = open_store(db, key_path, origin)
    cosigner = None
    if witnesses:
        cosigner = Cosigner(store, [parse_witness_spec(w) for w in witnesses])
        cosigner.start()
    click.echo(f"log {origin}: {store.size()} entries; verifier key {store.key.vkey}", err=True)
    mounts = {}
    if taxii_users is not None:
        from detente.incidents import taxii_app

        mounts["/taxii2"] = taxii_app(db or default_db_url(), taxii_users, prefix="")
    app = create_app(LogService(store, cosigner), max_body=max_body, mounts=mounts)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@registry.command("export-tiles")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--db", default=None, help="The log's database [default: the embedded registry].")
@click.option("--log-key", "key_path", type=click.Path(path_type=Path), default=None,
              help="The log's private key (PEM) [default: the embedded registry's].")  # fmt: skip
@click.option("--origin", default="detente.local/log", show_default=True)
def export_tiles(out: Path, db: str | None, key_path: Path | None, origin: str) -> None:
    """Write the log as static tiles (c2sp.org/tlog-tiles) under OUT for any web server or
    CDN; full tiles are immutable and kept, so re-running only adds what is new.

    \b
    Example:
      detente registry export-tiles ./site --db sqlite:///log.db --log-key log.key
      detente check ./model --registry ./site      # verified from the tiles alone
    """
    from detente.registry import LogService, open_store

    n = LogService(open_store(db, key_path, origin)).export_tiles(out)
    click.echo(f"wrote {n} files under {out}", err=True)


@registry.command()
@click.argument("source")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@log_key_opt
@click.option("--witness", "witnesses", multiple=True, metavar="VKEY",
              help="A witness whose cosignature the source's checkpoint needs; repeatable.")  # fmt: skip
@click.option("--quorum", type=int, default=None, help="Cosignatures required [default: all].")
def mirror(source: str, out: Path, log_key: str | None, witnesses: tuple[str, ...],
           quorum: int | None) -> None:  # fmt: skip
    """Make a verified static-tile mirror of SOURCE (a registry URL, or tiles) under OUT.

    Every entry is fetched and the whole must hash to SOURCE's verified checkpoint (and be
    consistent with what this machine saw before) before the mirror's checkpoint is written.
    A consumer pointed at OUT gets the same answers with the same proofs.
    """
    from detente.registry import connect

    client = connect(source, log_key, witnesses=witnesses, quorum=quorum)
    n = client.export_tiles(out)
    click.echo(f"mirrored {client.url}: wrote {n} files under {out}", err=True)


@registry.command()
@click.argument("namespace")
@key_opt
@click.option(
    "--also",
    "extra",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Additional public keys of the namespace (PEM); repeatable.",
)
@registry_url
@log_key_opt
@format_option()
def claim(
    namespace: str,
    key_path: Path | None,
    extra: tuple[Path, ...],
    url: str | None,
    log_key: str | None,
    fmt: str,
) -> None:
    """Claim NAMESPACE (e.g. acme/llm-7b) for your key; the first claim wins."""
    from detente.attest import load_public_key
    from detente.registry import namespace_claim

    keys = [load_signing_key(key_path).public_key(), *(load_public_key(p) for p in extra)]
    bundle = _sign(namespace_claim(namespace, keys), key_path)
    _report(_client(url, log_key).publish(bundle), fmt, f"claimed {namespace}")


@registry.command()
@click.argument("namespace")
@key_opt
@click.option(
    "--new",
    "new_keys",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="The namespace's public keys after the rotation (PEM); repeatable.",
)
@registry_url
@log_key_opt
@format_option()
def rotate(
    namespace: str,
    key_path: Path | None,
    new_keys: tuple[Path, ...],
    url: str | None,
    log_key: str | None,
    fmt: str,
) -> None:
    """Replace NAMESPACE's keys; signed by a current key (--key), recorded in the log."""
    from detente.attest import load_public_key
    from detente.registry import key_rotation

    bundle = _sign(key_rotation(namespace, [load_public_key(p) for p in new_keys]), key_path)
    _report(_client(url, log_key).publish(bundle), fmt, f"rotated keys of {namespace}")


# What revocation and advisory statements accept (detente.registry checks the same list): the
# shared scale without ``info``. Built here, not imported, to keep the registry off start-up.
_STATEMENT_SEVERITIES = [str(s) for s in Severity if s > Severity.INFO]


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--namespace", required=True, help="Namespace the entry belongs to.")
@click.option("--version", "version", default=None, help="With a MODEL: the release version.")
@click.option(
    "--name", default=None, help="With a MODEL: the model name [default: its file/dir name]."
)
@key_option("With a MODEL: the key that signs the release statement")
@registry_url
@log_key_opt
@format_option()
def publish(source: Path, namespace: str, version: str | None, name: str | None, key_path: Path | None,
            url: str | None, log_key: str | None, fmt: str) -> None:  # fmt: skip
    """Publish SOURCE to the registry: a signed bundle file as it is, or — with --version and
    --key — a release of the MODEL at SOURCE (its OMS root digest and tensor digest)."""
    from detente.errors import InputError

    if version is None:
        try:
            bundle = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"not a readable bundle: {exc}", source) from None
        _report(_client(url, log_key).publish(bundle, namespace), fmt, "published")
        return
    from detente.integrity import build_manifest
    from detente.registry import release

    m = build_manifest(source)
    st = release(namespace, name or source.name, version, m.root_digest, m.tensor_digest)
    result = _client(url, log_key).publish(_sign(st, key_path))
    result["root_digest"] = m.root_digest
    _report(result, fmt, f"released {namespace}/{name or source.name} {version} ({m.root_digest})")


@click.command()
@click.argument("digest")
@click.option("--namespace", required=True)
@click.option("--reason", required=True)
@click.option(
    "--severity",
    type=click.Choice(_STATEMENT_SEVERITIES),
    default="high",
    show_default=True,
)
@key_opt
@registry_url
@log_key_opt
@format_option()
def revoke(digest: str, namespace: str, reason: str, severity: str, key_path: Path | None, url: str | None,
           log_key: str | None, fmt: str) -> None:  # fmt: skip
    """Revoke a released model DIGEST (sha256:…) with a reason, on the public record."""
    from detente.registry import revocation

    _report(
        _client(url, log_key).publish(
            _sign(revocation(namespace, digest, reason, severity), key_path)
        ),
        fmt,
        f"revoked {digest}",
    )


@click.command()
@click.argument("digests", nargs=-1, required=True)
@click.option("--namespace", required=True)
@click.option("--summary", required=True)
@click.option("--fixed-version", default=None)
@click.option(
    "--severity",
    type=click.Choice(_STATEMENT_SEVERITIES),
    default="medium",
    show_default=True,
)
@key_opt
@registry_url
@log_key_opt
@format_option()
def advise(digests: tuple[str, ...], namespace: str, summary: str, fixed_version: str | None, severity: str,
           key_path: Path | None, url: str | None, log_key: str | None, fmt: str) -> None:  # fmt: skip
    """Publish an advisory against one or more model DIGESTS."""
    from detente.registry import advisory

    st = advisory(namespace, list(digests), fixed_version, summary, severity)
    _report(_client(url, log_key).publish(_sign(st, key_path)), fmt, "advisory published")


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@registry_url
@log_key_opt
@click.option("--witness", "witnesses", multiple=True, metavar="VKEY",
              help="A witness you trust (cosignature/v1 vkey); repeatable.")  # fmt: skip
@click.option("--quorum", type=int, default=None,
              help="Cosignatures required from distinct --witness keys [default: all].")  # fmt: skip
@format_option()
def check(model: Path, url: str | None, log_key: str | None, witnesses: tuple[str, ...],
          quorum: int | None, fmt: str) -> int:  # fmt: skip
    """Is MODEL the current release, outdated, revoked, flagged, or unknown — provably?

    Hashes MODEL locally, verifies the log's checkpoint signature (pinned or trust-on-first-
    use key), its consistency with the last checkpoint this machine saw, the inclusion of
    every entry relied on, and every entry's signature against the namespace's keys.

    \b
    With --witness (and --quorum K), the checkpoint must also carry K valid cosignatures from
    distinct witnesses you trust: a log showing you a history they did not see is refused.

    \b
    Example:
      detente check ./my-model --registry https://registry.example \\
          --witness "$W1" --witness "$W2" --witness "$W3" --quorum 2

    \b
    Exit codes: 0 current, 4 unknown, 5 outdated, 6 flagged (advisory), 7 revoked,
                1 the log failed a proof (fork, rewrite, bad signature) or the
                  checkpoint lacks the witness quorum, 2 bad input.
    """
    from detente.integrity import build_manifest
    from detente.registry import connect

    m = build_manifest(model, tensors=False)
    client = connect(url, log_key, witnesses=witnesses, quorum=quorum)
    verdict = client.check_digest(m.root_digest)
    witnessed = client.last_quorum.reason if client.last_quorum else None
    from detente.incidents import incident_summaries

    incidents = incident_summaries(
        client.verified_entries(m.root_digest, client.checkpoint()), m.root_digest
    )
    if fmt == "json":
        emit_json({**verdict.to_dict(), "witnesses": witnessed, "incidents": incidents})
    else:
        click.echo(f"{verdict.status.upper()}: {model} ({m.root_digest})")
        for r in verdict.reasons:
            click.echo(f"  {r}")
        click.echo(f"  proofs checked against log checkpoint of size {verdict.checkpoint_size}")
        if witnessed:
            click.echo(f"  {witnessed}")
        for i in incidents:
            click.echo(
                f"  incident {i['id']} [{i['severity']}, {i['determination']}]: {i['title']}"
            )
    return int(verdict.exit_code)
