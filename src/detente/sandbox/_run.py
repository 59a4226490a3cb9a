"""Spawn bubblewrap under resource limits, collect capped output, enforce the wall clock.

The namespace's PID 1 is our small perl init (``_init.pl``, bubblewrap ``--as-pid-1``): it
sets the rlimits inside the sandbox before the command (everything the command starts
inherits them; nothing untrusted runs before), runs the command as its child, reaps, and exits
with the command's status. bubblewrap's outer process reaps it, so the rusage of our wait4 of
bubblewrap holds the command's CPU time. When we run as root, bubblewrap runs as an
unprivileged host uid of its own (setpriv(1)), so ``RLIMIT_NPROC`` (which the kernel does not
enforce for root, kernel/fork.c) counts only this sandbox's processes, and anything that
escaped the namespaces would still be nobody.

On timeout we SIGKILL the namespace's PID 1 and the kernel kills every process left in the
namespace (pid_namespaces(7)), so nothing the command started survives.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from detente.sandbox._bwrap import INIT
from detente.sandbox._policy import LimitHit, Limits, SandboxResult

__all__ = ["HostIdentity", "init_prefix", "spawn_and_collect"]


@dataclass(frozen=True)
class HostIdentity:
    """The host uid/gid the sandbox runs as (None: keep ours, when we are not root)."""

    uid: int | None
    gid: int | None


_PERL = "/usr/bin/perl"
_SETPRIV = "/usr/bin/setpriv"  # util-linux
# prlimit64(2) system call numbers, asm/unistd.h per architecture
_PRLIMIT64 = {"x86_64": 302, "aarch64": 261, "riscv64": 261, "ppc64le": 325, "s390x": 334}


def _rlimits(limits: Limits, extra_procs: int) -> list[tuple[int, int, int]]:
    cpu = int(limits.cpu_seconds)
    nproc = limits.processes + extra_procs
    return [
        (resource.RLIMIT_CPU, cpu, cpu + 1),  # SIGXCPU at the limit, SIGKILL a second later
        (resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes),
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]


def init_prefix(limits: Limits, identity: HostIdentity) -> list[str]:
    """The sandbox's PID 1 (``_init.pl`` under perl, bound at :data:`INIT`): it sets the run's
    rlimits and reaps the command. Empty when this host lacks perl or a known prlimit64
    number (then a preexec function sets the limits and bubblewrap's own init runs)."""
    number = _PRLIMIT64.get(platform.machine())
    if number is None or not os.access(_PERL, os.X_OK):
        return []
    extra = _user_process_count() if identity.uid is None and os.getuid() != 0 else 0
    spec = ",".join(f"{r}:{soft}:{hard}" for r, soft, hard in _rlimits(limits, extra))
    return [_PERL, INIT, str(number), spec, "--"]


def _as_user(argv: Sequence[str], identity: HostIdentity) -> tuple[list[str], bool]:
    """Switch to the sandbox's host uid with setpriv(1) in front of bubblewrap when we can:
    Popen(user=...) forbids vfork, and a full fork of a large Python process costs several
    milliseconds of page-table copying per run. (argv, whether Popen must switch itself)."""
    if identity.uid is None:
        return list(argv), False
    if not os.access(_SETPRIV, os.X_OK):
        return list(argv), True
    gid = identity.gid if identity.gid is not None else identity.uid
    switch = [_SETPRIV, f"--reuid={identity.uid}", f"--regid={gid}", "--clear-groups", "--"]
    return [*switch, *argv], False


def _preexec(rlimits: list[tuple[int, int, int]]) -> Callable[[], None]:
    """Fallback without the perl init: Python between fork and exec, which is not safe in a
    threaded program such as inspect's."""

    def apply() -> None:
        for res, soft, hard in rlimits:
            resource.setrlimit(res, (soft, hard))

    return apply


def _user_process_count() -> int:
    """Processes of our own uid: RLIMIT_NPROC counts them too when we cannot switch uid."""
    uid = os.getuid()
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _Capped:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.truncated = False

    def add(self, data: bytes) -> None:
        room = self.cap - self.kept
        if len(data) > room:
            self.truncated = True
            data = data[: max(room, 0)]
        if data:
            self.chunks.append(data)
            self.kept += len(data)

    def value(self) -> bytes:
        return b"".join(self.chunks)


def _decode_status(status: int) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    code = os.WEXITSTATUS(status)
    # bubblewrap exits 128+N when its command died of signal N (bubblewrap.c, monitor_child)
    if 128 < code < 128 + 65:
        return None, code - 128
    return code, None


def spawn_and_collect(
    argv: Sequence[str],
    *,
    limits: Limits,
    identity: HostIdentity,
    stdin: bytes | None,
    pass_fds: Sequence[int] = (),
    timeout: float | None = None,
    limited: bool = True,
) -> SandboxResult:
    """Run ``argv`` (a bubblewrap command line ``bwrap OPTIONS -- COMMAND``) to completion and
    describe how it ended. ``limited``: the command already starts with :func:`init_prefix`;
    otherwise the rlimits are set between fork and exec (the fallback)."""
    wall_limit = limits.wall_seconds if timeout is None else min(timeout, limits.wall_seconds)
    info_r, info_w = os.pipe()
    fallback = None
    if not limited:
        extra = _user_process_count() if identity.uid is None and os.getuid() != 0 else 0
        fallback = _preexec(_rlimits(limits, extra))
    full, switch = _as_user([argv[0], "--info-fd", str(info_w), *argv[1:]], identity)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv is the bubblewrap command line we built
            full,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            close_fds=True,
            pass_fds=(*pass_fds, info_w),
            start_new_session=True,
            user=identity.uid if switch else None,
            group=identity.gid if switch else None,
            extra_groups=[] if switch else None,
            preexec_fn=fallback,  # noqa: PLW1509 - only without the perl init
        )
    finally:
        os.close(info_w)
    try:
        outputs = {"stdout": _Capped(limits.output_bytes), "stderr": _Capped(limits.output_bytes)}
        deadline = started + wall_limit
        timed_out = _pump(proc, stdin, outputs, deadline)
        reaped = None if timed_out else _reap_until(proc.pid, deadline)
        if reaped is None:
            timed_out = True
            _kill_sandbox(proc.pid, info_r)
            reaped = _reap_until(proc.pid, time.monotonic() + 5)
        if reaped is None:
            _kill_group(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)
        else:
            status, usage = reaped
    finally:
        os.close(info_r)
    proc.returncode = status  # so Popen does not try to reap it again
    _drain_rest(proc, outputs)
    wall = time.monotonic() - started
    # With --as-pid-1 bubblewrap's outer process reaps the namespace's PID 1 itself, so its
    # rusage holds the CPU time of everything the command ran and waited for.
    cpu = usage.ru_utime + usage.ru_stime
    exit_code, sig = _decode_status(status)
    hit = _limit_hit(timed_out, sig, cpu, limits, outputs)
    return SandboxResult(
        exit_code=exit_code,
        signal=sig,
        stdout=outputs["stdout"].value(),
        stderr=outputs["stderr"].value(),
        stdout_truncated=outputs["stdout"].truncated,
        stderr_truncated=outputs["stderr"].truncated,
        wall_seconds=wall,
        cpu_seconds=cpu,
        limit_hit=hit,
    )


def _kill_sandbox(bwrap_pid: int, info_fd: int) -> None:
    """SIGKILL the namespace's PID 1 (bubblewrap's --info-fd names it): the kernel then kills
    everything in the PID namespace (pid_namespaces(7)) and bubblewrap reaps it and exits, so
    no zombie is left for the host's init. Without the pid, kill bubblewrap's process group
    (its child then dies of --die-with-parent)."""
    os.set_blocking(info_fd, False)
    try:
        info = json.loads(os.read(info_fd, 4096) or b"{}")
        child = int(info["child-pid"])
    except (OSError, ValueError, KeyError, TypeError):
        _kill_group(bwrap_pid)
        return
    try:
        os.kill(child, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        _kill_group(bwrap_pid)


def _limit_hit(
    timed_out: bool, sig: int | None, cpu: float, limits: Limits, outputs: dict[str, _Capped]
) -> LimitHit | None:
    if timed_out:
        return LimitHit.TIMEOUT
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits.cpu_seconds):
        return LimitHit.CPU
    if sig == signal.SIGXFSZ:
        return LimitHit.FILE_SIZE
    if any(out.truncated for out in outputs.values()):
        return LimitHit.OUTPUT
    return None


def _pump(
    proc: subprocess.Popen[bytes],
    stdin: bytes | None,
    outputs: dict[str, _Capped],
    deadline: float,
) -> bool:
    """Feed stdin and read both pipes until they close or the deadline passes (True)."""
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    pending = memoryview(stdin or b"")
    if proc.stdin is not None:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin, selectors.EVENT_WRITE, "stdin")
    try:
        while len(sel.get_map()) > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            for key, _ in sel.select(remaining):
                if key.data == "stdin":
                    pending = _feed(proc, sel, pending)
                    continue
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                outputs[key.data].add(data)
        return False
    finally:
        sel.close()


def _reap_until(pid: int, deadline: float) -> tuple[int, resource.struct_rusage] | None:
    """wait4 the child (keeping its rusage, which Popen.wait would discard) until the deadline."""
    pause = 0.0005
    while True:
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        if reaped == pid:
            return status, usage
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def _feed(
    proc: subprocess.Popen[bytes], sel: selectors.BaseSelector, pending: memoryview
) -> memoryview:
    assert proc.stdin is not None
    try:
        written = os.write(proc.stdin.fileno(), pending[:65536])
    except (BrokenPipeError, OSError):
        written = len(pending)
    pending = pending[written:]
    if not pending:
        sel.unregister(proc.stdin)
        proc.stdin.close()
    return pending


def _drain_rest(proc: subprocess.Popen[bytes], outputs: dict[str, _Capped]) -> None:
    for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        if pipe is None:
            continue
        os.set_blocking(pipe.fileno(), False)
        try:
            while data := os.read(pipe.fileno(), 65536):
                outputs[name].add(data)
        except (BlockingIOError, OSError):
            pass
        pipe.close()
    if proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
