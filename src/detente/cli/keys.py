"""``detente keygen`` and the one default-key rule of every command that signs.

Every signing command (sign, release, publish, revoke, advise, registry claim/rotate, demo)
takes ``--key PRIVATE.pem``; without it, it uses the user's key ``detente.key`` in the user
config dir (``~/.config/detente/keys``), generated on first use (EC P-256, mode 0600) with a
note on stderr naming the file and its key id. So a publisher who released with the defaults
revokes with the defaults too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from detente.cli._common import emit_json, format_option

if TYPE_CHECKING:
    from detente.attest import SigningKey

F = TypeVar("F", bound=Callable[..., Any])


def default_key_dir() -> Path:
    from detente.env import keys_dir

    return keys_dir()


def passphrase() -> bytes | None:
    """The private key's passphrase, from $DETENTE_KEY_PASSPHRASE (None when unset)."""
    value = os.environ.get("DETENTE_KEY_PASSPHRASE")
    return value.encode() if value else None


def load_signing_key(key_path: Path | None, say: Callable[[str], None] | None = None) -> SigningKey:
    """The key at ``key_path``, or the user's default key, generated on first use (0600)."""
    from detente.attest import generate_key, load_private_key, write_key_pair

    if key_path is None:
        key_dir = default_key_dir()
        key_path = key_dir / "detente.key"
        if not key_path.exists():
            key = generate_key("ec-p256")
            write_key_pair(key, key_dir)
            (say or _stderr)(
                f"generated your signing key {key_path} (mode 0600), key id "
                f"{key.public_key().key_id}"
            )
    return load_private_key(key_path, passphrase())


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def key_option(help_text: str = "Your private signing key (PEM)") -> Callable[[F], F]:
    """``--key`` for commands that sign: optional, the user's default key otherwise."""
    return click.option(
        "--key",
        "key_path",
        default=None,
        type=click.Path(path_type=Path),
        help=f"{help_text} [default: ~/.config/detente/keys/detente.key, generated on first "
        "use]. Passphrase from $DETENTE_KEY_PASSPHRASE.",
    )


@click.command()
@click.option(
    "--type",
    "key_type",
    type=click.Choice(["ec-p256", "ed25519"]),
    default="ec-p256",
    show_default=True,
    help="ec-p256 is what OpenSSF model_signing verifies; ed25519 is smaller and faster.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the key pair [default: the user config dir, detente/keys].",
)
@click.option("--name", default="detente", show_default=True, help="Base name of the key files.")
@click.option(
    "--passphrase/--no-passphrase",
    default=False,
    help="Encrypt the private key; the passphrase is read from $DETENTE_KEY_PASSPHRASE "
    "or prompted for.",
)
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
@format_option()
def keygen(
    key_type: str, out_dir: Path | None, name: str, passphrase: bool, force: bool, fmt: str
) -> None:
    """Generate a signing key pair.

    Writes NAME.key (private, PKCS#8 PEM, file mode 0600) and NAME.pub (public PEM).

    \b
    Example:
      detente keygen --out keys/
      detente sign ./my-model --key keys/detente.key
    """
    from detente.attest import generate_key, write_key_pair

    secret: bytes | None = None
    if passphrase:
        text = os.environ.get("DETENTE_KEY_PASSPHRASE") or click.prompt(
            "Passphrase", hide_input=True, confirmation_prompt=True, err=True
        )
        secret = text.encode()
    key = generate_key(key_type)
    priv, pub = write_key_pair(
        key, out_dir or default_key_dir(), name=name, passphrase=secret, overwrite=force
    )
    vk = key.public_key()
    if fmt == "json":
        emit_json(
            {
                "private_key": str(priv),
                "public_key": str(pub),
                "key_id": vk.key_id,
                "type": key_type,
            }
        )
    else:
        click.echo(f"private key: {priv} (mode 0600)")
        click.echo(f"public key:  {pub}")
        click.echo(f"key id:      {vk.key_id}")
