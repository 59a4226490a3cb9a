"""Named sandbox setups: how a sample's sandbox is built without putting its secrets in the
sample (inspect writes sample metadata to the evaluation log, which is shared).

A package registers a function under a name; a sample names it and gives JSON arguments
(``metadata["detente_sandbox_setup"] = {"name": ..., "args": {...}}``); the inspect provider
calls it to get the policy (services, their secrets) and the files to place in /work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.errors import InputError
from detente.sandbox._policy import Policy

__all__ = ["SETUP_METADATA_KEY", "SandboxSetup", "register_setup", "resolve_setup"]

SETUP_METADATA_KEY = "detente_sandbox_setup"


@dataclass(frozen=True)
class SandboxSetup:
    policy: Policy
    files: Mapping[str, bytes] = field(default_factory=dict, repr=False)


_SETUPS: dict[str, Callable[[Mapping[str, Any]], SandboxSetup]] = {}


def register_setup(name: str, build: Callable[[Mapping[str, Any]], SandboxSetup]) -> None:
    """Register ``build(args) -> SandboxSetup`` under ``name`` (re-registering replaces it)."""
    _SETUPS[name] = build


def resolve_setup(spec: object) -> SandboxSetup:
    """``{"name": ..., "args": {...}}`` -> the registered setup's result."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
        raise InputError(f"{SETUP_METADATA_KEY} must be an object with a 'name'")
    build = _SETUPS.get(spec["name"])
    if build is None:
        known = ", ".join(sorted(_SETUPS)) or "none"
        raise InputError(f"no sandbox setup named {spec['name']!r} (registered: {known})")
    args = spec.get("args", {})
    if not isinstance(args, Mapping):
        raise InputError(f"{SETUP_METADATA_KEY}.args must be an object")
    return build(args)
