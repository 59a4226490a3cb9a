"""Spawn bubblewrap under resource limits, collect capped output, enforce the wall clock.

Limits are rlimits set in the child between fork and exec (so bubblewrap and everything it
starts inherit them). When we run as root the child first drops to an unprivileged host uid of
its own, so ``RLIMIT_NPROC`` (which the kernel does not enforce for root, kernel/fork.c) counts
only this sandbox's processes, and anything that escaped the namespaces would still be nobody.

On timeout we SIGKILL bubblewrap's process group; bubblewrap's PID-namespace init dies with it
(``--die-with-parent``), and the kernel kills every process left in a PID namespace whose init
has died (pid_namespaces(7)), so nothing the command started survives.
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
from pathlib import Path

from detente.sandbox._policy import LimitHit, Limits, SandboxResult

__all__ = ["HostIdentity", "spawn_and_collect"]

_REAPER = str(Path(__file__).with_name("_reaper.pl"))
_PERL = "/usr/bin/perl"
# System call numbers perl's syscall() needs: (prctl, prlimit64), asm/unistd.h per architecture
_SYSCALLS = {
    "x86_64": (157, 302),
    "aarch64": (167, 261),
    "riscv64": (167, 261),
    "ppc64le": (171, 325),
    "s390x": (172, 334),
}


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


def _reaper_prefix(report_fd: int, rlimits: list[tuple[int, int, int]]) -> list[str]:
    """The reaper's command line, or nothing when this host lacks perl or known system call
    numbers (then the limits are set by a preexec function and ``cpu_seconds`` counts only
    bubblewrap)."""
    numbers = _SYSCALLS.get(platform.machine())
    if numbers is None or not os.access(_PERL, os.X_OK):
        return []
    spec = ",".join(f"{r}:{soft}:{hard}" for r, soft, hard in rlimits)
    return [_PERL, _REAPER, str(numbers[0]), str(numbers[1]), str(report_fd), spec, "--"]


@dataclass(frozen=True)
class HostIdentity:
    """The host uid/gid the sandbox runs as (None: keep ours, when we are not root)."""

    uid: int | None
    gid: int | None


def _preexec(rlimits: list[tuple[int, int, int]]) -> Callable[[], None]:
    """Fallback without perl (not safe in threaded programs: see _reaper.pl)."""

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


def _read_report(fd: int) -> tuple[int, float] | None:
    """The reaper's {"status", "cpu"}; None if it was killed (timeout) before writing it."""
    try:
        raw = b""
        while chunk := os.read(fd, 4096):
            raw += chunk
    finally:
        os.close(fd)
    try:
        report = json.loads(raw)
        return int(report["status"]), float(report["cpu"])
    except (ValueError, KeyError, TypeError):
        return None


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
) -> SandboxResult:
    """Run ``argv`` (a bubblewrap command line) to completion and describe how it ended."""
    wall_limit = limits.wall_seconds if timeout is None else min(timeout, limits.wall_seconds)
    extra = _user_process_count() if identity.uid is None and os.getuid() != 0 else 0
    report_r, report_w = os.pipe()
    rlimits = _rlimits(limits, extra)
    prefix = _reaper_prefix(report_w, rlimits)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv is the bubblewrap command line we built
            [*prefix, *argv],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            close_fds=True,
            pass_fds=(*pass_fds, report_w),
            start_new_session=True,
            user=identity.uid,
            group=identity.gid,
            extra_groups=[] if identity.uid is not None else None,
            preexec_fn=None if prefix else _preexec(rlimits),  # noqa: PLW1509 - fallback only
        )
    finally:
        os.close(report_w)
    outputs = {"stdout": _Capped(limits.output_bytes), "stderr": _Capped(limits.output_bytes)}
    deadline = started + wall_limit
    timed_out = _pump(proc, stdin, outputs, deadline)
    reaped = None if timed_out else _reap_until(proc.pid, deadline)
    if reaped is None:
        timed_out = True
        os.kill(proc.pid, signal.SIGTERM)  # the reaper kills bubblewrap and reaps its init
        reaped = _reap_until(proc.pid, time.monotonic() + 5)
    if reaped is None:
        _kill_group(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
    else:
        status, usage = reaped
    proc.returncode = status  # so Popen does not try to reap it again
    _drain_rest(proc, outputs)
    wall = time.monotonic() - started
    report = _read_report(report_r)
    cpu = usage.ru_utime + usage.ru_stime
    if report is not None:
        status, cpu = report
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
