"""The embedded default registry (a SQLite log in the user data dir) and :func:`connect`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from detente.registry._checkpoint import LogKey

if TYPE_CHECKING:
    from collections.abc import Sequence

    from detente.registry._client import RegistryClient
    from detente.registry._cosign import WitnessKey
    from detente.registry._store import LogStore
    from detente.registry._transport import Transport

__all__ = [
    "DEFAULT_ORIGIN",
    "connect",
    "default_db_url",
    "load_or_create_log_key",
    "load_or_create_witness_key",
    "open_store",
]

DEFAULT_ORIGIN = "detente.local/log"


def _data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("detente"))


def default_db_url() -> str:
    """The embedded registry's database: SQLite in the user data dir."""
    path = _data_dir() / "registry.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def load_or_create_log_key(path: Path | None = None, origin: str = DEFAULT_ORIGIN) -> LogKey:
    """The log's Ed25519 key, generated on first use (private key file mode 0600)."""
    import platformdirs

    path = path or Path(platformdirs.user_config_dir("detente")) / "registry-log.key"
    if path.exists():
        return LogKey.from_private_pem(origin, path.read_bytes())
    key = LogKey.generate(origin)
    _write_private(path, key.private_pem())
    return key


def load_or_create_witness_key(path: Path, name: str) -> WitnessKey:
    """A witness's Ed25519 cosigning key, generated on first use (mode 0600)."""
    from detente.registry._cosign import WitnessKey

    if path.exists():
        return WitnessKey.from_private_pem(name, path.read_bytes())
    key = WitnessKey.generate(name)
    _write_private(path, key.private_pem())
    return key


def open_store(
    db: str | None = None, key_path: Path | None = None, origin: str = DEFAULT_ORIGIN
) -> LogStore:
    """Open (creating and migrating as needed) the log at ``db`` signed with the key at
    ``key_path`` (defaults: the embedded registry and the user's log key)."""
    from detente.registry._store import LogStore

    return LogStore(db or default_db_url(), load_or_create_log_key(key_path, origin), origin=origin)


def connect(
    url: str | None = None,
    log_key: LogKey | str | None = None,
    *,
    state_dir: Path | None = None,
    db: str | None = None,
    witnesses: Sequence[WitnessKey | str] = (),
    quorum: int | None = None,
) -> RegistryClient:
    """A verifying client of the log at ``url`` — the one way to get a client.

    ``url`` may also be a static tile mirror (c2sp.org/tlog-tiles): a directory, or a URL
    written ``tiles+https://…``; everything is then verified from the tiles alone.
    ``url=None`` is the embedded registry (``db``, default SQLite in the user data dir),
    called in-process through the same service layer a served registry runs. ``log_key``
    pins the log's verifier key (a ``name+id+key`` string or a :class:`LogKey`); without it
    the key is trusted on first use. ``state_dir`` holds the client's trust state per log.
    ``witnesses`` (keys or vkeys) and ``quorum`` (default: all of them): trust only
    checkpoints cosigned by ``quorum`` distinct witnesses (c2sp.org/tlog-cosignature).

    Example::

        from detente.registry import connect
        status = connect("https://registry.example").check_digest("sha256:…")
    """
    from detente.registry._client import RegistryClient
    from detente.registry._cosign import WitnessKey
    from detente.registry._trust import TrustStore

    key = LogKey.from_vkey(log_key) if isinstance(log_key, str) else log_key
    wits = [WitnessKey.from_vkey(w) if isinstance(w, str) else w for w in witnesses]
    k = len(wits) if quorum is None else quorum
    if url is None:
        from detente.registry._service import LogService
        from detente.registry._transport import ServiceTransport

        db = db or default_db_url()
        transport: Transport = ServiceTransport(LogService(open_store(db)))
        log_id = db
    else:
        from detente.registry._tile_transport import TileTransport, is_tiles
        from detente.registry._transport import HttpTransport

        log_id = url.rstrip("/")
        if is_tiles(url):
            index = TrustStore(log_id, state_dir).path.with_name("tiles-index.sqlite3")
            transport = TileTransport(url, index)
        else:
            transport = HttpTransport(url)
    trust = TrustStore(log_id, state_dir)
    return RegistryClient(transport, trust, log_key=key, witnesses=wits, quorum=k)
