"""Checks on the action itself: shell commands, secrets and personal data, file paths.

Shell analysis works on the command text after joining line continuations and collapsing
whitespace; each category is a small set of patterns for the technique (MITRE ATT&CK T1105
ingress tool transfer + T1059.004 Unix shell; T1053.003 cron; T1546.004 shell start-up files;
T1485 data destruction; T1552 unsecured credentials), not for one sample.

Secrets: :func:`find_secrets` uses the incidents redactor's detector
(``detente.incidents.find_sensitive``), so Détente has one secret detector.
"""

from __future__ import annotations

import posixpath
import re

__all__ = ["find_pii", "find_secrets", "path_problem", "shell_findings"]

_SHELL: dict[str, tuple[re.Pattern[str], ...]] = {
    "download-exec": (
        re.compile(
            r"\b(?:curl|wget|fetch|iwr|invoke-webrequest)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b"
        ),
        re.compile(r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?python\d?\b"),
        re.compile(r"(?:ba|z)?sh\s+(?:-c\s+)?[\"']?\$\((?:curl|wget)\b"),
        re.compile(
            r"\b(?:curl|wget)\b.*(?:-o|-O|>)\s*\S+.*(?:&&|;)\s*(?:chmod\s+\+x|(?:ba)?sh\s|\./)"
        ),
        re.compile(r"\bpython\d?\s+-c\s+.*(?:urllib|requests)\b.*\bexec\b"),
        re.compile(
            r"\b(?:iex|invoke-expression)\b.*\b(?:downloadstring|iwr|invoke-webrequest)\b", re.I
        ),
        re.compile(r"\bbase64\s+(?:-d|--decode)\b.*\|\s*(?:ba)?sh\b"),
    ),
    "reverse-shell": (
        re.compile(r"/dev/(?:tcp|udp)/"),
        re.compile(r"\b(?:nc|ncat|netcat)\b.*\s-(?:\w*e|c)\s"),
        re.compile(r"\bsocat\b.*\bexec:"),
        re.compile(r"\bsocket\b.*\bconnect\b.*\b(?:dup2|subprocess|pty\.spawn)\b"),
        re.compile(r"\bmkfifo\b.*\b(?:nc|ncat|netcat)\b"),
    ),
    "persistence": (
        re.compile(r"\bcrontab\b(?!\s+-l)"),
        re.compile(r"/etc/cron|/var/spool/cron"),
        re.compile(r">>?\s*~?/?[\w./-]*\.(?:bashrc|bash_profile|profile|zshrc|zprofile)\b"),
        re.compile(r">>?\s*~?/?[\w./-]*authorized_keys\b"),
        re.compile(
            r"\bsystemctl\s+(?:enable|--user\s+enable)\b|/etc/systemd/system/|/etc/rc\.local"
        ),
        re.compile(r"\blaunchctl\s+load\b|LaunchAgents/"),
    ),
    "destructive": (
        re.compile(
            r"\brm\s+(?:-\w*\s+)*-\w*[rR]\w*\s+(?:-\w+\s+)*(?:--no-preserve-root\s+)?(?:/|~|\$HOME|\*|\.|/\*|~/\*|/(?:etc|usr|var|home|boot|bin|lib)\S*)(?:\s|$)"
        ),
        re.compile(r"\bdd\b.*\bof=/dev/(?!null\b)"),
        re.compile(r"\bmkfs(?:\.\w+)?\b"),
        re.compile(r"\b(?:shred|wipefs)\b"),
        re.compile(r">\s*/dev/(?:sd|nvme|hd|vd)\w*"),
        re.compile(r":\(\)\s*\{\s*:\|:&\s*\};:"),
        re.compile(r"\bchmod\s+-R\s+0*777\s+/(?:\s|$)"),
        re.compile(r"\bgit\s+push\s+.*--force\b.*\b(?:main|master)\b"),
    ),
    "credential-access": (
        re.compile(r"~?/?[\w./-]*\.ssh/(?:id_\w+|identity)(?!\.pub)\b"),
        re.compile(
            r"\.aws/credentials|\.config/gcloud|\.azure/|\.kube/config|\.docker/config\.json|\.netrc|\.pgpass|\.git-credentials"
        ),
        re.compile(r"/etc/(?:shadow|gshadow|sudoers)\b"),
        re.compile(
            r"\b(?:printenv|env)\b\s*(?:\||>|$).*|\becho\s+\$\w*(?:key|token|secret|passw)", re.I
        ),
        re.compile(
            r"\bsecurity\s+find-(?:generic|internet)-password\b|\bkeyring\s+get\b|\bmimikatz\b"
        ),
        re.compile(r"\bcat\b[^|;&]*\.env\b"),
    ),
}

_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
_PII: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("us-ssn", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")),
    (
        "passport",
        re.compile(r"(?i)\bpassport(?:[ _]?(?:number|no\.?|#))?\s*[:=]?\s*[A-Z0-9]{6,9}\b"),
    ),
)
_SENSITIVE_PATHS = (
    "/etc/",
    "/usr/",
    "/bin/",
    "/sbin/",
    "/boot/",
    "/lib",
    "/var/",
    "/root/",
    "/proc/",
    "/sys/",
    "/dev/",
)
_SENSITIVE_NAMES = (
    ".ssh/",
    ".bashrc",
    ".profile",
    ".zshrc",
    ".aws/",
    ".gnupg/",
    ".config/autostart",
    "authorized_keys",
)


def shell_findings(command: str) -> list[tuple[str, str]]:
    """(category, matched text) for every dangerous pattern in a shell command."""
    text = re.sub(r"\\\n", " ", command)
    text = re.sub(r"\s+", " ", text)
    out = []
    for category, patterns in _SHELL.items():
        for rx in patterns:
            m = rx.search(text)
            if m:
                out.append((category, m.group()[:200]))
                break
    return out


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# The incidents redactor's detector is the one secret detector in Détente (DESIGN.md: one
# implementation); the monitor uses its secret types only (names and e-mail addresses going to
# a recipient are ordinary content for an assistant).
_SECRET_TYPES = frozenset({"api_key", "private_key", "password"})


def find_secrets(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each secret in ``text`` (``detente.incidents.find_sensitive``)."""
    from detente.incidents import find_sensitive  # lazy: incidents brings cryptography

    return [
        (d.type, d.start, d.end) for d in find_sensitive(text[:200_000]) if d.type in _SECRET_TYPES
    ]


def find_pii(text: str) -> list[tuple[str, int, int]]:
    out = [(kind, m.start(), m.end()) for kind, rx in _PII for m in rx.finditer(text)]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 1:
            out.append(("payment-card", m.start(), m.end()))
    return out


def path_problem(path: str, task_dir: str) -> str | None:
    """Why writing ``path`` is out of bounds, or None."""
    p = path.strip()
    if not p:
        return None
    home_rel = p.startswith("~")
    norm = posixpath.normpath(p.replace("\\", "/"))
    low = norm.lower() + ("/" if not norm.endswith("/") else "")
    for name in _SENSITIVE_NAMES:
        if name in low:
            return f"sensitive user path ({name.rstrip('/')})"
    if norm.startswith("/") and any(low.startswith(s) for s in _SENSITIVE_PATHS):
        return "system path"
    if task_dir:
        base = posixpath.normpath(task_dir)
        full = norm if norm.startswith("/") else posixpath.normpath(posixpath.join(base, norm))
        if home_rel or not (full == base or full.startswith(base.rstrip("/") + "/")):
            return f"outside the task directory {base}"
    elif norm.startswith(".."):
        return "escapes the working directory"
    return None
