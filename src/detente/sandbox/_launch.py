"""Runs INSIDE the sandbox (system python3, stdlib only): start the run's services, wait until
each listens on 127.0.0.1, then become the command.

Usage: python3 -I launch.py FD -- COMMAND...  where FD is a pipe holding one JSON object
{"services": [{"name", "argv", "port", "secrets", "cwd", "ready_seconds"}]}. The pipe is read
to the end and closed before the command starts, so the command cannot read the secrets from
it; each service gets its secrets as JSON on its own stdin pipe.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time


def _wait_listening(port: int, deadline: float, proc: subprocess.Popen[bytes]) -> str | None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"exited with status {proc.returncode} before listening"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return None
        except OSError:
            time.sleep(0.01)
    return "did not listen in time"


def main(argv: list[str]) -> int:
    fd = int(argv[1])
    command = argv[argv.index("--") + 1 :]
    with os.fdopen(fd, "rb") as pipe:
        spec = json.loads(pipe.read().decode("utf-8"))
    for service in spec.get("services", []):
        proc = subprocess.Popen(  # noqa: S603 - runs inside the sandbox, by design
            service["argv"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=service.get("cwd", "/"),
            start_new_session=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(service.get("secrets", {})).encode("utf-8"))
        proc.stdin.close()
        deadline = time.monotonic() + float(service.get("ready_seconds", 10))
        problem = _wait_listening(int(service["port"]), deadline, proc)
        if problem:
            sys.stderr.write(f"detente sandbox: service {service['name']!r} {problem}\n")
            return 125
    try:
        os.execvp(command[0], command)  # noqa: S606 - the sandboxed command
    except OSError as exc:
        sys.stderr.write(f"detente sandbox: cannot run {command[0]!r}: {exc.strerror}\n")
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv))
