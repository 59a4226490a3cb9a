"""A sandbox: a private work directory plus the policy every command in it runs under.

Each :meth:`Sandbox.run` is a fresh bubblewrap invocation (new namespaces, its services
restarted), so nothing but the files under ``/work`` carries over from one command to the next;
that is what lets a timeout kill everything a command started.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import TracebackType

from detente.errors import UsageError
from detente.sandbox._bwrap import (
    BWRAP,
    INSIDE_GID,
    INSIDE_UID,
    LAUNCHER,
    WORK,
    build_etc,
    bwrap_argv,
)
from detente.sandbox._files import disk_usage, read_beneath, write_beneath
from detente.sandbox._policy import LimitHit, Policy, SandboxResult
from detente.sandbox._run import HostIdentity, init_prefix, spawn_and_collect

__all__ = ["DEFAULT_ENV", "Sandbox", "check_available", "run"]

DEFAULT_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": WORK,
    "USER": "sandbox",
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",  # noqa: S108 - the sandbox's private tmpfs
    "PYTHONDONTWRITEBYTECODE": "1",
}

# Host uids for sandboxes when we run as root: far above any distribution's range, one per
# sandbox so RLIMIT_NPROC counts only that sandbox's processes.
_UID_BASE = 1_900_000_000
_UID_SPAN = 50_000_000


def check_available() -> None:
    """Raise :class:`UsageError` if bubblewrap or user namespaces are missing."""
    if not os.access(BWRAP, os.X_OK):
        raise UsageError(
            f"{BWRAP} not found: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    limit = Path("/proc/sys/user/max_user_namespaces")
    if limit.exists() and limit.read_text().strip() == "0":
        raise UsageError("user namespaces are disabled (sysctl user.max_user_namespaces=0)")


_ETC: dict[str, Path] = {}
_ETC_LOCK = threading.Lock()


def _shared_etc() -> Path:
    """The sandbox's /etc, built once per process: it is the same for every sandbox (copies of a
    few host files, synthetic passwd/group/hosts) and bound read-only, and copying it (with
    /etc/alternatives' hundreds of links) cost ~100 ms per sandbox and as much again to delete."""
    with _ETC_LOCK:
        etc = _ETC.get("dir")
        if etc is None or not etc.is_dir():
            etc = Path(tempfile.mkdtemp(prefix="detente-sandbox-etc-"))
            os.chmod(etc, 0o755)  # noqa: S103 - sandbox host uids must read it (bound read-only)
            build_etc(etc)
            atexit.register(shutil.rmtree, etc, ignore_errors=True)
            _ETC["dir"] = etc
        return etc


def _identity() -> HostIdentity:
    if os.geteuid() != 0:
        return HostIdentity(None, None)
    uid = _UID_BASE + secrets.randbelow(_UID_SPAN)
    return HostIdentity(uid, uid)


class Sandbox:
    """A work directory and a policy. Use as a context manager; :meth:`close` deletes the
    directory. ``root`` is where the directory is created (default: the system temp dir); put
    it on a size-limited filesystem for a hard disk bound (docs/sandbox.md)."""

    def __init__(self, policy: Policy | None = None, *, root: str | Path | None = None) -> None:
        check_available()
        self.policy = policy or Policy()
        self.identity = _identity()
        self._base = Path(tempfile.mkdtemp(prefix="detente-sandbox-", dir=root))
        self.work_dir = self._base / "work"
        self._etc = _shared_etc()
        self.work_dir.mkdir()
        package = resources.files("detente.sandbox")
        self._launcher = Path(str(package.joinpath("_launch.py")))
        self._init = Path(str(package.joinpath("_init.pl")))
        owner = self.owner
        for path in (self._base, self.work_dir):
            os.chown(path, *owner)
        os.chmod(self._base, 0o755)  # noqa: S103 - the sandbox's host uid must traverse it
        self._closed = False

    @property
    def owner(self) -> tuple[int, int]:
        """The host (uid, gid) that owns the work directory."""
        uid = os.getuid() if self.identity.uid is None else self.identity.uid
        gid = os.getgid() if self.identity.gid is None else self.identity.gid
        return uid, gid

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes | None = None,
        cwd: str = WORK,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> SandboxResult:
        """Run ``argv`` in the sandbox and wait for it (or for the wall-clock limit)."""
        if self._closed:
            raise UsageError("the sandbox is closed")
        if not argv:
            raise UsageError("empty command")
        full_env = {**DEFAULT_ENV, **self.policy.env, **(env or {})}
        prefix = init_prefix(self.policy.limits, self.identity)
        command = list(argv)
        pass_fds: list[int] = []
        read_fd = write_fd = -1
        if self.policy.services:
            read_fd, write_fd = os.pipe()
            spec = {"services": [_service_spec(s) for s in self.policy.services]}
            os.write(write_fd, json.dumps(spec).encode())
            os.close(write_fd)
            pass_fds.append(read_fd)
            command = ["/usr/bin/python3", "-I", LAUNCHER, str(read_fd), "--", *command]
        args = bwrap_argv(
            self.policy,
            [*prefix, *command],
            work_dir=self.work_dir,
            etc_dir=self._etc,
            launcher=self._launcher if self.policy.services else None,
            init=self._init if prefix else None,
            cwd=cwd,
            env=full_env,
        )
        try:
            result = spawn_and_collect(
                args,
                limits=self.policy.limits,
                identity=self.identity,
                stdin=stdin,
                pass_fds=pass_fds,
                timeout=timeout,
                limited=bool(prefix),
            )
        finally:
            if read_fd >= 0:
                os.close(read_fd)
        if (
            result.limit_hit is None
            and disk_usage(str(self.work_dir)) > self.policy.limits.disk_bytes
        ):
            result = _with_hit(result, LimitHit.DISK)
        return result

    def write_file(self, path: str, data: bytes) -> None:
        """Create or replace ``path`` (under /work) with ``data``, never following a symlink."""
        write_beneath(str(self.work_dir), path, data, self.owner)

    def read_file(self, path: str, max_bytes: int = 100 * 1024 * 1024) -> bytes:
        """Read ``path`` (under /work); symlinks, FIFOs and devices are refused."""
        return read_beneath(str(self.work_dir), path, max_bytes)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            shutil.rmtree(self._base, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _service_spec(service: object) -> dict[str, object]:
    from detente.sandbox._policy import Service

    assert isinstance(service, Service)
    return {
        "name": service.name,
        "argv": list(service.argv),
        "port": service.port,
        "secrets": dict(service.secrets),
        "cwd": service.cwd,
        "ready_seconds": service.ready_seconds,
    }


def _with_hit(result: SandboxResult, hit: LimitHit) -> SandboxResult:
    from dataclasses import replace

    return replace(result, limit_hit=hit)


def run(
    argv: Sequence[str],
    *,
    policy: Policy | None = None,
    files: Mapping[str, bytes] | None = None,
    stdin: bytes | None = None,
    timeout: float | None = None,
) -> SandboxResult:
    """One command in a fresh sandbox whose work directory holds ``files`` (path -> bytes)."""
    with Sandbox(policy) as box:
        for path, data in (files or {}).items():
            box.write_file(path, data)
        return box.run(argv, stdin=stdin, timeout=timeout)


_ = (INSIDE_UID, INSIDE_GID)
