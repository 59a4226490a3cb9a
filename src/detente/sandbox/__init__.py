"""Isolated execution of untrusted code on bubblewrap.

Every command runs in new user, PID, IPC, UTS, cgroup and network namespaces, on a read-only
view of the system directories, with a private work directory (``/work``) and ``/tmp``, no
capabilities, an unprivileged host uid (when we run as root), resource limits (address space,
processes, CPU seconds, file size, open files), a wall-clock timeout that kills everything the
command started, capped output and a clean environment. The network is the sandbox's own
loopback, shared only with the services a :class:`Policy` starts inside it.

    >>> from detente.sandbox import run
    >>> result = run(["python3", "-c", "print(6 * 7)"])
    >>> result.exit_code, result.stdout
    (0, b'42\\n')

:class:`Sandbox` keeps a work directory across commands (what an agent's ``bash`` tool needs);
``detente.sandbox._inspect`` registers it with inspect_ai as the sandbox ``"detente"``.
What it does not protect against (kernel exploits) is in docs/sandbox.md.
"""

from detente.sandbox._bwrap import WORK
from detente.sandbox._policy import (
    RESULT_SCHEMA,
    LimitHit,
    Limits,
    Mount,
    Policy,
    SandboxResult,
    Service,
)
from detente.sandbox._sandbox import DEFAULT_ENV, Sandbox, check_available, run
from detente.sandbox._setups import SETUP_METADATA_KEY, SandboxSetup, register_setup, resolve_setup


def register_inspect_provider() -> None:
    """Register the inspect_ai sandbox environment ``"detente"`` (imports inspect_ai). The
    package's inspect_ai entry point does the same for installed copies."""
    import detente.sandbox._inspect  # noqa: F401


__all__ = [
    "DEFAULT_ENV",
    "RESULT_SCHEMA",
    "SETUP_METADATA_KEY",
    "WORK",
    "LimitHit",
    "Limits",
    "Mount",
    "Policy",
    "Sandbox",
    "SandboxResult",
    "SandboxSetup",
    "Service",
    "check_available",
    "register_inspect_provider",
    "register_setup",
    "resolve_setup",
    "run",
]
