"""Lazy entry points to the TAXII 2.1 server, so ``detente.incidents`` imports without the
server's optional dependencies (Starlette, SQLAlchemy)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from detente.errors import UsageError
from detente.incidents._taxii_auth import TaxiiConfig

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["taxii_app", "taxii_app_from_env"]

_HINT = "the TAXII server needs its extra: pip install 'detente[taxii]'"


def taxii_app(
    db_url: str,
    users_config: str | os.PathLike[str] | TaxiiConfig,
    *,
    prefix: str = "/taxii2",
    table_prefix: str = "taxii_",
) -> Starlette:
    """The TAXII 2.1 server (an ASGI app) over the database at ``db_url`` (SQLAlchemy URL:
    ``sqlite:///…`` or ``postgresql+psycopg://…``), users and collections from the TOML file
    ``users_config``. Serves discovery at ``{prefix}/``; mount it elsewhere with
    ``prefix=""``. Tables (``{table_prefix}objects`` …) are created if missing."""
    try:
        from detente.incidents import _taxii_server
    except ImportError as exc:
        raise UsageError(f"{_HINT} ({exc.name} is missing)") from exc
    return _taxii_server.taxii_app(db_url, users_config, prefix=prefix, table_prefix=table_prefix)


def taxii_app_from_env() -> Starlette:
    """For ``uvicorn --factory detente.incidents:taxii_app_from_env``: reads
    ``DETENTE_TAXII_DB``, ``DETENTE_TAXII_USERS`` and optionally
    ``DETENTE_TAXII_TABLE_PREFIX``."""
    return taxii_app(
        os.environ["DETENTE_TAXII_DB"],
        os.environ["DETENTE_TAXII_USERS"],
        table_prefix=os.environ.get("DETENTE_TAXII_TABLE_PREFIX", "taxii_"),
    )
