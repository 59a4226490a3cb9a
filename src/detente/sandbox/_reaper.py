"""Runs on the HOST between Détente and bubblewrap (stdlib only, ``python3 -I -S``).

bubblewrap's outer process learns its command's exit status through an eventfd and exits
without waiting for the PID namespace's init, so the command's CPU time never reaches a
``wait4`` of bubblewrap. This process makes itself a child subreaper (prctl(2)
PR_SET_CHILD_SUBREAPER), so the namespace's init is re-parented to it and reaped here, with the
CPU time of everything the command ran; then it writes ``{"status", "cpu"}`` to fd REPORT_FD.

Usage: python3 -I -S _reaper.py REPORT_FD -- BWRAP_ARGV...
"""

import ctypes
import json
import os
import resource
import signal
import sys

_PR_SET_CHILD_SUBREAPER = 36


def main(argv):
    report_fd = int(argv[1])
    command = argv[argv.index("--") + 1 :]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    child = []
    # Détente's wall clock: SIGTERM here SIGKILLs bubblewrap, whose PID namespace dies with
    # it; we stay to reap the namespace's init (no zombie left behind) and report.
    signal.signal(signal.SIGTERM, lambda *_: child and os.kill(child[0], signal.SIGKILL))
    pid = os.fork()
    if pid == 0:
        # Python ignores SIGPIPE and SIGXFSZ; the sandboxed command gets the defaults back
        # (as subprocess's restore_signals does), so RLIMIT_FSIZE kills it with SIGXFSZ.
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        os.close(report_fd)
        os.execve(command[0], command, {})
    child.append(pid)
    status = 0
    while True:
        try:
            reaped, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if reaped == pid:
            status = st
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = {"status": status, "cpu": usage.ru_utime + usage.ru_stime}
    os.write(report_fd, json.dumps(report).encode())
    os.close(report_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
