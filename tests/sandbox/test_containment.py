"""Hostile programs against the sandbox. Every test plants something on the host (a secret, a
listening socket, a live process, a file) and asserts the program could not reach it; each
assertion fails if the corresponding protection is removed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from detente.sandbox import LimitHit, Limits, Policy, Sandbox, run

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/bwrap", os.X_OK), reason="bubblewrap is not installed"
)

SECRET = "detente-test-secret-7f3a9c2e1b"


def py(code: str, **kw: object) -> list[str]:
    return ["python3", "-c", code]


def small(**overrides: float) -> Policy:
    base = {"wall_seconds": 10.0, "cpu_seconds": 10, "processes": 32}
    base.update(overrides)
    return Policy(limits=Limits(**base))  # type: ignore[arg-type]


def _sandbox_uid_processes(uid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def test_clean_environment_and_no_host_secrets_in_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_TEST_TOKEN", SECRET)
    result = run(["sh", "-c", "env; cat /proc/1/environ /proc/*/environ 2>/dev/null; ps aux"])
    assert result.exit_code == 0
    assert SECRET.encode() not in result.stdout + result.stderr
    assert b"PATH=/usr/bin:/bin" in result.stdout  # the sandbox's own, clean environment


def test_host_home_and_signing_key_are_invisible(tmp_path: Path) -> None:
    keydir = tmp_path / "keys"
    keydir.mkdir()
    key = keydir / "signing.key"
    key.write_text(f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n")
    key.chmod(0o600)
    home = Path.home()
    script = f"""
import os
out = []
for path in ({str(key)!r}, {str(home)!r}, "/proc/1/root{key}", "/proc/self/root{key}", "/root"):
    try:
        out.append(open(path).read() if os.path.isfile(path) else str(os.listdir(path)))
    except OSError as exc:
        out.append(type(exc).__name__)
for top in ("/work", "/tmp", "/etc"):
    for d, _, files in os.walk(top):
        for f in files:
            try:
                out.append(open(os.path.join(d, f), errors="replace").read(4096))
            except OSError:
                pass
print("\\n".join(out))
"""
    result = run(py(script))
    assert result.exit_code == 0, result.stderr
    assert SECRET.encode() not in result.stdout
    assert b"FileNotFoundError" in result.stdout
    assert key.read_text().endswith(f"{SECRET}\n")  # the planted key is intact


def test_cannot_connect_to_a_host_loopback_service() -> None:
    hits: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            hits.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        # the same probe from the host reaches the server: the test can fail
        with socket.create_connection(("127.0.0.1", port)) as probe:
            probe.sendall(b"host")
        time.sleep(0.3)
        assert hits == [b"host"]
        code = (
            "import socket\n"
            f"for host in ('127.0.0.1', 'localhost', '::1'):\n"
            "    try:\n"
            f"        s = socket.create_connection((host, {port}), timeout=1); s.sendall(b'sandbox'); print('CONNECTED', host)\n"
            "    except OSError as exc: print(host, type(exc).__name__)\n"
        )
        result = run(py(code), policy=small())
        time.sleep(0.3)
        assert b"CONNECTED" not in result.stdout, result.stdout
        assert hits == [b"host"]
    finally:
        stop.set()
        thread.join()
        server.close()


def test_cannot_write_outside_the_work_dir(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("original")
    code = f"""
import os
for path in ({str(outside)!r}, "/usr/evil", "/etc/passwd", "/evil", "/proc/1/root{outside}", "/work/../evil"):
    try:
        with open(path, "w") as f:
            f.write("pwned")
        print("WROTE", path)
    except OSError as exc:
        print(path, type(exc).__name__)
"""
    result = run(py(code))
    assert result.exit_code == 0, result.stderr
    assert outside.read_text() == "original"
    assert b"WROTE /usr/evil" not in result.stdout
    assert b"WROTE /etc/passwd" not in result.stdout
    assert not Path("/usr/evil").exists()


def test_fork_bomb_is_bounded_and_leaves_nothing_behind() -> None:
    code = """
import os, time
n = 0
try:
    while n < 10000:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as exc:
    print("forks", n, type(exc).__name__, flush=True)
"""
    with Sandbox(small(processes=24, wall_seconds=20)) as box:
        result = box.run(py(code))
        uid = box.identity.uid
    assert result.limit_hit is None, result
    forks = int(result.stdout.split()[1])
    assert forks < 30
    if uid is not None:
        time.sleep(0.2)
        assert _sandbox_uid_processes(uid) == []  # the sleepers died with the namespace


def test_memory_bomb_is_bounded() -> None:
    code = """
blocks = []
try:
    for _ in range(64):
        blocks.append(bytearray(64 * 1024 * 1024))
    print("ALLOCATED", len(blocks) * 64, "MiB")
except MemoryError:
    print("MemoryError after", len(blocks) * 64, "MiB")
"""
    result = run(py(code), policy=small(memory_bytes=512 * 1024 * 1024))
    assert b"ALLOCATED" not in result.stdout, result.stdout
    assert b"MemoryError" in result.stdout


def test_disk_fill_is_bounded() -> None:
    code = """
import os
for path in ("/work/big", "/tmp/big"):
    try:
        with open(path, "wb") as f:
            for _ in range(256):
                f.write(b"x" * (1 << 20))
    except OSError as exc:
        print(path, type(exc).__name__)
    print(path, os.path.getsize(path), flush=True)
"""
    limits = {"file_bytes": 4 << 20, "tmp_bytes": 8 << 20}
    with Sandbox(small(**limits)) as box:
        # Python ignores SIGXFSZ, so its writes fail with EFBIG at RLIMIT_FSIZE ...
        result = box.run(py(code.replace(', "/tmp/big"', ",")))
        assert (box.work_dir / "big").stat().st_size <= 4 << 20
        assert b"OSError" in result.stdout
        # ... and a program that does not is killed by it
        result = box.run(["sh", "-c", "head -c 100000000 /dev/zero > /work/big2"])
        assert result.limit_hit is LimitHit.FILE_SIZE, result
        assert (box.work_dir / "big2").stat().st_size <= 4 << 20
    result = run(
        py(code.replace('"/work/big", "/tmp/big"', '"/tmp/big",')), policy=small(tmp_bytes=8 << 20)
    )
    sizes = [int(line.split()[1]) for line in result.stdout.splitlines() if b"OSError" not in line]
    assert sizes and sizes[0] <= 8 << 20, result.stdout  # the tmpfs /tmp is full at its size


def test_work_dir_quota_is_reported() -> None:
    code = "for i in range(6):\n    open(f'/work/f{i}', 'wb').write(b'x' * (1 << 20))"
    result = run(py(code), policy=small(disk_bytes=2 << 20))
    assert result.limit_hit is LimitHit.DISK


def test_ptrace_mount_and_namespaces_are_refused() -> None:
    host = subprocess.Popen(["sleep", "30"])
    try:
        code = f"""
import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, {host.pid}, 0, 0)  # PTRACE_ATTACH to a host process
print("ptrace-host", r, ctypes.get_errno())
r = libc.mount(b"none", b"/work", b"tmpfs", 0, None)
print("mount", r, ctypes.get_errno())
r = libc.unshare(0x10000000)  # CLONE_NEWUSER
print("unshare-user", r, ctypes.get_errno())
print(subprocess.run(["sh", "-c", "unshare -r id"], capture_output=True).returncode)
"""
        result = run(py(code))
        lines = dict(
            line.split(" ", 1) for line in result.stdout.decode().splitlines() if " " in line
        )
        assert lines["ptrace-host"].startswith("-1"), result.stdout
        assert lines["mount"].startswith("-1")
        assert lines["unshare-user"].startswith("-1")
        assert host.poll() is None
    finally:
        host.kill()
        host.wait()


def test_signals_cannot_reach_host_processes() -> None:
    host = subprocess.Popen(["sleep", "30"])
    try:
        code = f"kill -9 {host.pid}; kill -9 -1; kill -TERM {os.getpid()}; echo done"
        result = run(["sh", "-c", code])
        time.sleep(0.2)
        assert host.poll() is None  # still running
        # and the same kill from the host would have worked (the test can fail)
        os.kill(host.pid, 0)
        assert result.signal in (None, signal.SIGKILL)
    finally:
        host.kill()
        host.wait()


def test_symlink_planted_in_work_dir_cannot_redirect_host_io(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    victim = tmp_path / "victim"
    victim.write_text("original")
    with Sandbox() as box:
        box.run(
            [
                "sh",
                "-c",
                f"ln -s {secret} leak; ln -s {victim} target; ln -s {tmp_path} dir; mkfifo fifo",
            ]
        )
        from detente.errors import InputError

        for path in ("leak", "/work/leak", "dir/secret", "fifo"):
            with pytest.raises(InputError):
                box.read_file(path)
        for path in ("target", "dir/victim"):
            with pytest.raises(InputError):
                box.write_file(path, b"pwned")
        with pytest.raises(InputError):
            box.read_file("../../etc/shadow")
        with pytest.raises(InputError):
            box.write_file("/etc/cron.d/x", b"pwned")
    assert victim.read_text() == "original"
    # /proc/self/root inside resolves to the sandbox's own root, not the host's
    result = run(
        ["sh", "-c", f"cat /proc/self/root{secret} /proc/1/root{secret}; ls /proc/1/root/"]
    )
    assert SECRET.encode() not in result.stdout


def test_process_that_outlives_its_timeout_is_killed() -> None:
    script = (
        "(setsid sh -c 'while :; do date +%s%N >> /work/beat; sleep 0.05; done' &) ; "
        "nohup sh -c 'sleep 1000' >/dev/null 2>&1 & sleep 1000"
    )
    with Sandbox(small(wall_seconds=1.0)) as box:
        started = time.monotonic()
        result = box.run(["sh", "-c", script])
        assert time.monotonic() - started < 5
        assert result.limit_hit is LimitHit.TIMEOUT
        beat = box.work_dir / "beat"
        assert beat.exists()  # the daemon did run
        size = beat.stat().st_size
        time.sleep(0.5)
        assert beat.stat().st_size == size  # and it is dead
        if box.identity.uid is not None:
            assert _sandbox_uid_processes(box.identity.uid) == []


def test_background_process_dies_when_the_command_exits() -> None:
    with Sandbox(small()) as box:
        result = box.run(
            ["sh", "-c", "(while :; do echo x >> /work/beat; sleep 0.05; done) & exit 0"]
        )
        assert result.exit_code == 0
        beat = box.work_dir / "beat"
        time.sleep(0.2)
        # the command is the namespace's PID 1: when it exits the kernel kills the loop, often
        # before its first beat
        size = beat.stat().st_size if beat.exists() else 0
        time.sleep(0.4)
        assert (beat.stat().st_size if beat.exists() else 0) == size


def test_no_capabilities_and_unprivileged_host_uid() -> None:
    with Sandbox() as box:
        result = box.run(["sh", "-c", "grep Cap /proc/self/status; id -u"])
    caps = [
        line.split()[1] for line in result.stdout.decode().splitlines() if line.startswith("Cap")
    ]
    assert caps and all(int(c, 16) == 0 for c in caps)
    assert result.stdout.decode().splitlines()[-1] == "1000"
    if os.geteuid() == 0:
        assert box.identity.uid is not None and box.identity.uid >= 1_000_000


def test_output_is_capped() -> None:
    result = run(
        py("import sys\nsys.stdout.write('x' * 5_000_000)"), policy=small(output_bytes=1000)
    )
    assert len(result.stdout) == 1000
    assert result.stdout_truncated
    assert result.limit_hit is LimitHit.OUTPUT


def test_cpu_limit() -> None:
    result = run(py("while True: pass"), policy=small(cpu_seconds=1))
    assert result.limit_hit is LimitHit.CPU
    assert result.cpu_seconds >= 0.5  # tick-sampled (times(2)); bubblewrap alone would show ~0


def test_stdin_and_exit_codes() -> None:
    result = run(["sh", "-c", "cat; exit 3"], stdin=b"hello")
    assert (result.exit_code, result.stdout) == (3, b"hello")
    killed = run(["sh", "-c", "kill -SEGV $$"])
    assert (killed.exit_code, killed.signal) == (None, signal.SIGSEGV)


def test_files_persist_across_runs_and_round_trip() -> None:
    with Sandbox() as box:
        box.write_file("dir/a.txt", b"one")
        assert box.run(["sh", "-c", "cat dir/a.txt > b.txt"]).exit_code == 0
        assert box.read_file("/work/b.txt") == b"one"
        with pytest.raises(FileNotFoundError):
            box.read_file("missing")


_ = sys
