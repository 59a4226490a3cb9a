"""The bubblewrap command line for one run: a pure function of the policy and the paths.

Each run gets new user, PID, IPC, UTS, cgroup and network namespaces (``--unshare-all``; the
network namespace has only its own loopback), a read-only view of the system directories, a
private tmpfs ``/tmp`` of bounded size, the sandbox's work directory at ``/work`` and nothing
else of the host: no home directory, no ``/etc`` beyond what the dynamic loader and Python
need, no ``/usr/local`` (host tools), no ``/sys``. ``--disable-userns`` stops the command from
creating a nested user namespace (and with it the capabilities to mount); ``--new-session``
stops TIOCSTI keystroke injection into the caller's terminal; ``--die-with-parent`` ties the
sandbox's life to ours.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from detente.sandbox._policy import Policy

__all__ = ["BWRAP", "INSIDE_GID", "INSIDE_UID", "WORK", "build_etc", "bwrap_argv", "system_files"]

BWRAP = "/usr/bin/bwrap"
WORK = "/work"
INSIDE_UID = 1000
INSIDE_GID = 1000
LAUNCHER = "/.detente/launch.py"
INIT = "/.detente/init.pl"

# Host directories bound read-only when present. /usr/local is hidden: it holds this host's
# own tools, not the distribution's.
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = (
    "/etc/alternatives",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/protocols",
    "/etc/services",
    "/etc/mime.types",
    "/etc/ssl/openssl.cnf",
)


def build_etc(etc_dir: Path) -> None:
    """The sandbox's /etc: copies of the few host files it needs plus synthetic ones, bound
    with one mount (one bind per file costs start-up time)."""
    for path in _ETC_FILES:
        src = Path(path)
        dest = etc_dir / src.relative_to("/etc")
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            if src.is_dir():
                shutil.copytree(src, dest, symlinks=True)
            elif src.is_file():
                shutil.copy2(src, dest)
        except OSError:
            continue  # unreadable or vanished: the sandbox goes without it
    for name, text in system_files().items():
        (etc_dir / name).write_text(text)


def system_files() -> dict[str, str]:
    """Synthetic /etc files the sandbox sees instead of the host's (name -> content)."""
    return {
        "passwd": f"sandbox:x:{INSIDE_UID}:{INSIDE_GID}:sandbox:{WORK}:/bin/sh\n",
        "group": f"sandbox:x:{INSIDE_GID}:\n",
        "hosts": "127.0.0.1 localhost sandbox\n::1 localhost\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    }


def _system_binds() -> list[str]:
    args: list[str] = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--tmpfs", "/usr/local"]
    return args


def bwrap_argv(
    policy: Policy,
    command: Sequence[str],
    *,
    work_dir: Path,
    etc_dir: Path,
    launcher: Path | None,
    cwd: str,
    init: Path | None = None,
    env: Mapping[str, str],
) -> list[str]:
    """The full argv: ``bwrap OPTIONS -- command``. ``env`` is the command's whole environment
    (bubblewrap itself runs with an empty one, so ``/proc/1/environ`` inside shows nothing)."""
    args = [
        BWRAP,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid",
        str(INSIDE_UID),
        "--gid",
        str(INSIDE_GID),
        "--hostname",
        policy.hostname,
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]
    if init is not None:
        # our perl init is PID 1 (it reaps, sets rlimits, reports status): no bubblewrap init
        # between it and bubblewrap's outer process, which reaps it, so its CPU time reaches us
        args += ["--as-pid-1"]
    args += _system_binds()
    args += ["--ro-bind", str(etc_dir), "/etc"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(policy.limits.tmp_bytes), "--tmpfs", "/tmp"]  # noqa: S108 - inside
    args += ["--bind", str(work_dir), WORK]
    for mount in policy.mounts:
        args += ["--bind" if mount.writable else "--ro-bind", mount.source, mount.target]
    if launcher is not None:
        args += ["--ro-bind", str(launcher), LAUNCHER]
    if init is not None:
        args += ["--ro-bind", str(init), INIT]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    args += ["--chdir", cwd, "--", *command]
    return args
