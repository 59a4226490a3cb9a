"""The embedded default registry: a SQLite log in the user data dir, served in-process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from detente.registry._checkpoint import LogKey

__all__ = ["default_db_url", "load_or_create_log_key", "local_client", "open_store"]

DEFAULT_ORIGIN = "detente.local/log"


def _data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("detente"))


def default_db_url() -> str:
    path = _data_dir() / "registry.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def load_or_create_log_key(path: Path | None = None, origin: str = DEFAULT_ORIGIN) -> LogKey:
    """The log's Ed25519 key, generated on first use (private key file mode 0600)."""
    import platformdirs

    path = path or Path(platformdirs.user_config_dir("detente")) / "registry-log.key"
    if path.exists():
        return LogKey.from_private_pem(origin, path.read_bytes())
    key = LogKey.generate(origin)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_pem())
    return key


def open_store(
    db: str | None = None, key_path: Path | None = None, origin: str = DEFAULT_ORIGIN
) -> Any:
    from detente.registry._store import LogStore

    return LogStore(db or default_db_url(), load_or_create_log_key(key_path, origin), origin=origin)


def local_client(db: str | None = None, state_dir: Path | None = None) -> Any:
    """A client talking to the embedded registry through an in-process ASGI transport; it
    verifies every proof exactly as it would over the network."""
    import warnings

    with warnings.catch_warnings():
        # Starlette nudges TestClient users toward another httpx; this one works as it is.
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from detente.registry._client import RegistryClient
    from detente.registry._server import create_app

    db = db or default_db_url()
    app = create_app(open_store(db))
    return RegistryClient(
        "embedded",
        http=TestClient(app, base_url="http://embedded"),
        state_dir=state_dir,
        state_key=db,
    )
