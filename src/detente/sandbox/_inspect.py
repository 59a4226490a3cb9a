"""inspect_ai sandbox environment ``"detente"``: inspect's ``bash()``/``python()`` tools and its
agent loop run in a :class:`~detente.sandbox.Sandbox`.

Importing this module registers the provider (inspect's ``@sandboxenv``); the package's
``inspect_ai`` entry point imports it, so ``sandbox="detente"`` works in any task once Détente
is installed. A sample may carry its own policy (services, limits) as
``metadata["detente_sandbox_policy"]`` (a ``detente.sandbox-policy/v1`` object) or name a
registered setup in ``metadata["detente_sandbox_setup"]`` (so secrets stay out of logs); the
task-level config may be such an object too, or a path to a JSON file holding one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, overload

import anyio
from inspect_ai.util import (
    ExecResult,
    OutputLimitExceededError,
    SandboxEnvironment,
    SandboxEnvironmentConfigType,
    SandboxEnvironmentLimits,
    SandboxUserUnsupportedError,
    sandboxenv,
)
from pydantic import BaseModel

from detente.errors import InputError
from detente.sandbox._bwrap import WORK
from detente.sandbox._policy import LimitHit, Policy
from detente.sandbox._sandbox import Sandbox
from detente.sandbox._setups import SETUP_METADATA_KEY, resolve_setup

__all__ = ["POLICY_METADATA_KEY", "DetenteSandboxConfig", "DetenteSandboxEnvironment"]

POLICY_METADATA_KEY = "detente_sandbox_policy"
_USERS = (None, "sandbox", "1000")


class DetenteSandboxConfig(BaseModel):
    """Task-level configuration: a ``detente.sandbox-policy/v1`` object."""

    policy: dict[str, Any]


def _policy(config: SandboxEnvironmentConfigType | None, metadata: dict[str, Any]) -> Policy:
    raw: object = metadata.get(POLICY_METADATA_KEY)
    if raw is None and isinstance(config, DetenteSandboxConfig):
        raw = config.policy
    elif raw is None and isinstance(config, str):
        try:
            raw = json.loads(Path(config).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"not a sandbox policy file: {exc}", config) from None
    if isinstance(raw, str):
        raw = json.loads(raw)
    if raw is None:
        return Policy()
    if not isinstance(raw, dict):
        raise InputError("a sandbox policy must be a JSON object")
    return Policy.from_dict(raw)


@sandboxenv(name="detente")
class DetenteSandboxEnvironment(SandboxEnvironment):
    """One bubblewrap sandbox per sample; each ``exec`` is a fresh, contained process tree."""

    def __init__(self, box: Sandbox) -> None:
        super().__init__()
        self.box = box

    @classmethod
    def config_deserialize(cls, config: dict[str, Any]) -> BaseModel:
        return DetenteSandboxConfig(**config)

    @classmethod
    async def sample_init(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        metadata: dict[str, str],
    ) -> dict[str, SandboxEnvironment]:
        setup_spec = dict(metadata).get(SETUP_METADATA_KEY)
        if setup_spec is not None:
            setup = resolve_setup(setup_spec)
            policy, files = setup.policy, dict(setup.files)
        else:
            policy, files = _policy(config, dict(metadata)), {}

        def create() -> Sandbox:
            box = Sandbox(policy)
            try:
                for path, data in files.items():
                    box.write_file(path, data)
            except BaseException:
                box.close()
                raise
            return box

        return {"default": cls(await anyio.to_thread.run_sync(create))}

    @classmethod
    async def sample_cleanup(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        environments: dict[str, SandboxEnvironment],
        interrupted: bool,
    ) -> None:
        for env in environments.values():
            env.as_type(DetenteSandboxEnvironment).box.close()

    async def exec(
        self,
        cmd: list[str],
        input: str | bytes | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
        timeout: int | None = None,
        timeout_retry: bool = True,
        concurrency: bool = True,
    ) -> ExecResult[str]:
        if user not in _USERS:
            raise SandboxUserUnsupportedError(
                f"the detente sandbox runs every command as its one unprivileged user, not {user!r}"
            )
        where = WORK if cwd is None else cwd if cwd.startswith("/") else f"{WORK}/{cwd}"
        stdin = input.encode() if isinstance(input, str) else input
        result = await anyio.to_thread.run_sync(
            lambda: self.box.run(
                cmd, stdin=stdin, cwd=where, env=env, timeout=None if timeout is None else timeout
            )
        )
        if result.limit_hit is LimitHit.TIMEOUT and timeout is not None:
            raise TimeoutError(f"command timed out after {timeout} s in the detente sandbox")
        code = result.exit_code if result.exit_code is not None else 128 + (result.signal or 0)
        return ExecResult(
            success=code == 0,
            returncode=code,
            stdout=result.stdout.decode("utf-8", "replace"),
            stderr=result.stderr.decode("utf-8", "replace"),
        )

    async def write_file(self, file: str, contents: str | bytes) -> None:
        data = contents.encode("utf-8") if isinstance(contents, str) else contents
        await anyio.to_thread.run_sync(self.box.write_file, file, data)

    @overload
    async def read_file(self, file: str, text: Literal[True] = True) -> str: ...

    @overload
    async def read_file(self, file: str, text: Literal[False]) -> bytes: ...

    async def read_file(self, file: str, text: bool = True) -> str | bytes:
        limit = SandboxEnvironmentLimits.MAX_READ_FILE_SIZE
        try:
            data = await anyio.to_thread.run_sync(self.box.read_file, file, limit)
        except InputError as exc:
            if "larger than" in exc.problem:
                raise OutputLimitExceededError(
                    limit_str=SandboxEnvironmentLimits.MAX_READ_FILE_SIZE_STR, truncated_output=None
                ) from None
            raise PermissionError(str(exc)) from None
        return data.decode("utf-8") if text else data
