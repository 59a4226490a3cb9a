"""Values that describe a sandboxed run: its limits, its services and its result."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.errors import FormatError

__all__ = [
    "POLICY_SCHEMA",
    "RESULT_SCHEMA",
    "LimitHit",
    "Limits",
    "Mount",
    "Policy",
    "SandboxResult",
    "Service",
]

RESULT_SCHEMA = "detente.sandbox-result/v1"
POLICY_SCHEMA = "detente.sandbox-policy/v1"

_MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per-run resource limits. Every limit is enforced by the kernel (rlimits, tmpfs size) except
    ``wall_seconds`` (the parent kills the whole PID namespace), ``output_bytes`` (the parent stops
    keeping output) and ``disk_bytes`` (checked after each run of a persistent sandbox)."""

    wall_seconds: float = 60.0
    cpu_seconds: int = 60  # RLIMIT_CPU: SIGXCPU at the limit, SIGKILL one second later
    memory_bytes: int = 2048 * _MIB  # RLIMIT_AS, per process
    processes: int = 128  # RLIMIT_NPROC, counted for the sandbox's own host uid
    file_bytes: int = 64 * _MIB  # RLIMIT_FSIZE: SIGXFSZ on a larger write
    open_files: int = 256  # RLIMIT_NOFILE
    output_bytes: int = 1 * _MIB  # kept per stream (stdout, stderr); the rest is drained
    tmp_bytes: int = 64 * _MIB  # size of the private /tmp (tmpfs)
    disk_bytes: int = 256 * _MIB  # work-dir quota, checked after each run

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class Mount:
    """A host path bound into the sandbox, read-only unless ``writable``."""

    source: str
    target: str
    writable: bool = False


@dataclass(frozen=True)
class Service:
    """A program started inside the sandbox before the command, sharing its loopback-only network.

    ``secrets`` reach the service as one JSON object on its standard input (never through the
    environment, argv or a file, which the command could read). The command starts once
    ``127.0.0.1:port`` accepts connections."""

    name: str
    argv: tuple[str, ...]
    port: int
    secrets: Mapping[str, str] = field(default_factory=dict)
    cwd: str = "/"
    ready_seconds: float = 10.0


@dataclass(frozen=True)
class Policy:
    """What a sandbox allows. The network is always a private namespace: only its own loopback,
    shared with the policy's services, never the host's."""

    limits: Limits = field(default_factory=Limits)
    mounts: tuple[Mount, ...] = ()
    services: tuple[Service, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    hostname: str = "sandbox"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": POLICY_SCHEMA,
            "limits": dict(vars(self.limits)),
            "mounts": [vars(m).copy() for m in self.mounts],
            "services": [
                {**vars(s), "argv": list(s.argv), "secrets": dict(s.secrets)} for s in self.services
            ],
            "env": dict(self.env),
            "hostname": self.hostname,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        if data.get("schema") != POLICY_SCHEMA:
            raise FormatError(f"not a {POLICY_SCHEMA} object")
        try:
            services = []
            for raw in data.get("services", []):
                fields = dict(raw)
                fields["argv"] = tuple(str(a) for a in fields["argv"])
                fields["secrets"] = {str(k): str(v) for k, v in fields.get("secrets", {}).items()}
                services.append(Service(**fields))
            return cls(
                limits=Limits(**data.get("limits", {})),
                mounts=tuple(Mount(**m) for m in data.get("mounts", [])),
                services=tuple(services),
                env={str(k): str(v) for k, v in data.get("env", {}).items()},
                hostname=str(data.get("hostname", "sandbox")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"malformed {POLICY_SCHEMA} object: {exc}") from None


class LimitHit(enum.Enum):
    """Which limit ended a run (the first that applies, in this order)."""

    TIMEOUT = "timeout"
    CPU = "cpu"
    FILE_SIZE = "file_size"
    DISK = "disk"
    OUTPUT = "output"


@dataclass(frozen=True)
class SandboxResult:
    """The outcome of one run. ``exit_code`` is None when a signal ended the command; bubblewrap
    reports a command killed by signal N as exit 128+N, which we decode into ``signal``."""

    exit_code: int | None
    signal: int | None
    stdout: bytes = field(repr=False)
    stderr: bytes = field(repr=False)
    stdout_truncated: bool
    stderr_truncated: bool
    wall_seconds: float
    cpu_seconds: float
    limit_hit: LimitHit | None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.limit_hit is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "stdout": self.stdout.decode("utf-8", "replace"),
            "stderr": self.stderr.decode("utf-8", "replace"),
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
            "wall_seconds": round(self.wall_seconds, 6),
            "cpu_seconds": round(self.cpu_seconds, 6),
            "limit_hit": None if self.limit_hit is None else self.limit_hit.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SandboxResult:
        if data.get("schema") != RESULT_SCHEMA:
            raise FormatError(f"not a {RESULT_SCHEMA} object")
        try:
            hit = data["limit_hit"]
            return cls(
                exit_code=_opt_int(data["exit_code"]),
                signal=_opt_int(data["signal"]),
                stdout=str(data["stdout"]).encode(),
                stderr=str(data["stderr"]).encode(),
                stdout_truncated=bool(data["stdout_truncated"]),
                stderr_truncated=bool(data["stderr_truncated"]),
                wall_seconds=float(data["wall_seconds"]),
                cpu_seconds=float(data["cpu_seconds"]),
                limit_hit=None if hit is None else LimitHit(hit),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"malformed {RESULT_SCHEMA} object: {exc}") from None


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer or null, got {value!r}")
    return value
