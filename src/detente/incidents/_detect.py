"""Find the sensitive spans of an incident write-up (pure text → spans; no cryptography).

Three layers, each a set of anchored patterns (:mod:`._patterns`):

1. blocks: PEM/OpenSSH private keys, fenced code (the payload), quoted or turn-marked prompts
   (the jailbreak), command lines and inline code carrying an attack idiom;
2. tokens with a published layout: cloud and SaaS credentials, JWTs, IPv4 and IPv6 (compressed,
   link-local with zone id, IPv4-mapped; validated by :mod:`ipaddress`), e-mails, cloud URIs and
   ARNs, internal URLs and hosts (internal suffixes and the reporter's own domains), paths;
3. values named by their context: passwords, customer/tenant/account ids, English and Chinese
   person names, secrets of unknown layout after "token:"/"密钥".

Public look-alikes are never matched in the first place: the IPv4 pattern refuses a fourth
version component or a ``v`` prefix, URLs and hosts are kept unless internal, ARNs of the
``aws`` account (managed policies) do not match, CVE/ATLAS/ATT&CK/CWE ids contain nothing any
pattern wants.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from detente.incidents import _patterns as P

__all__ = ["SENSITIVE_TYPES", "Detection", "detect"]

SENSITIVE_TYPES = (
    "api_key",
    "private_key",
    "password",
    "ip_address",
    "hostname",
    "internal_url",
    "email",
    "person",
    "file_path",
    "cloud_uri",
    "account_id",
    "exploit_prompt",
    "payload",
)
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyz")
_NOT_BEFORE_IPV4 = _WORD | {".", "v"}
_NOT_AROUND_ID = _WORD | {"-"}
_NOT_BEFORE_PATH = _WORD | {"/", ".", ":", "~", "-"}
_HOST_BEFORE = _WORD | {"/", ".", "-", "$", "%"}
_HYPHEN_DIGIT = re.compile(r"-[0-9]")


@dataclass(frozen=True)
class Detection:
    start: int
    end: int
    type: str


def _before(text: str, i: int) -> str:
    return text[i - 1] if i > 0 else " "


def _after(text: str, i: int) -> str:
    return text[i] if i < len(text) else " "


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in ".,;:!?)]}'\"":
        end -= 1
    return start, end


def _word_at(low: str, m: re.Match[str]) -> bool:
    """An English context word standing alone (CJK alternatives carry no boundary)."""
    if not m.group()[0].isascii():
        return True
    return _before(low, m.start()) not in _ALPHA and _after(low, m.end()) not in _ALPHA


def _blocks(text: str, low: str) -> Iterator[Detection]:
    if "PRIVATE KEY" in text:
        for m in P.PEM.finditer(text):
            yield Detection(m.start(), m.end(), "private_key")
    if "```" in text or "~~~" in text:
        for m in P.FENCE.finditer(text):
            if m.group(3).strip():
                yield Detection(m.start(3), m.end(3), "payload")
    for pattern in (P.INLINE_CODE, P.SHELL_LINE) if "`" in text else (P.SHELL_LINE,):
        for m in pattern.finditer(text):
            if P.DANGER.search(low, m.start(1), m.end(1)):
                yield Detection(m.start(1), m.end(1), "payload")
    for pattern, source in (
        (P.QUOTE_BLOCK, text),
        (P.TURN, low),
        (P.TURN_HEADING, low),
        (P.JSON_PROMPT, low),
    ):
        for m in pattern.finditer(source):
            s, e = m.span(1)
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                yield Detection(s, e, "exploit_prompt")
    for m in P.QUOTED.finditer(text) if '"' in text or "“" in text else ():
        cue = P.PROMPT_CUE_BEFORE.search(low, max(0, m.start() - 40), m.start())
        # ".../reverse-prompt "Title"" is a link title; short ASCII quotes are words, not prompts
        if (
            cue
            and _before(low, cue.start()) not in _HOST_BEFORE
            and (len(m.group(1)) >= 12 or not m.group(1).isascii())
        ):
            yield Detection(m.start(1), m.end(1), "exploit_prompt")
    for m in P.JAILBREAK.finditer(low):
        yield _enclosing_prompt(text, m.start(), m.end())


def _enclosing_prompt(text: str, start: int, end: int) -> Detection:
    """The quoted string, or the line after its label, around a jailbreak idiom."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    line = text[ls:le]
    rel = start - ls
    for open_, close in (('"', '"'), ("“", "”"), ("「", "」")):
        o = line.rfind(open_, 0, rel)
        c = line.find(close, rel + (end - start))
        if o >= 0 and c >= 0:
            return Detection(ls + o + 1, ls + c, "exploit_prompt")
    label = P.LABEL_PREFIX.match(line)
    s = ls + (label.end() if label else 0)
    return Detection(s if s <= start else ls, le, "exploit_prompt")


@lru_cache(maxsize=64)
def _host_anchor(org_domains: tuple[str, ...]) -> re.Pattern[str]:
    suffixes = [re.escape(s) for s in (*P.INTERNAL_SUFFIXES, *org_domains)]
    # A whole label: "gpu-1.corp.example.com" is as internal as "gpu-1.corp".
    return re.compile(r"\.(?:" + "|".join(suffixes) + r")(?![A-Za-z0-9-])")


def _host_is_internal(host: str, org_domains: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    if host[:1].isdigit() or ":" in host or host.startswith("["):
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            pass
        else:
            return not ip.is_loopback
    if "." not in host:
        return host != "localhost"
    return host.endswith(tuple("." + s for s in (*P.INTERNAL_SUFFIXES, *org_domains)))


def _ips(text: str) -> Iterator[Detection]:
    for m in P.IPV4.finditer(text):
        s, e = m.span()
        if (
            _before(text, s) not in _NOT_BEFORE_IPV4
            and _after(text, e) not in _WORD
            and not (text[e : e + 1] == "." and text[e + 1 : e + 2].isdigit())
            and P.IPV4_FULL.fullmatch(m.group())
            and m.group() not in ("127.0.0.1", "0.0.0.0")  # noqa: S104 - text, not a bind
        ):
            yield Detection(s, e, "ip_address")
    done = -1
    for m in P.IPV6_ANCHOR.finditer(text):
        if m.start() < done:
            continue
        s, e = m.start(), m.end()
        while s > 0 and text[s - 1] in P.IPV6_CHARS:
            s -= 1
        while e < len(text) and text[e] in P.IPV6_CHARS:
            e += 1
        done = e
        if text[e : e + 1] == "%":
            z = e + 1
            while z < len(text) and (text[z].isascii() and (text[z].isalnum() or text[z] in "_.-")):
                z += 1
            e = z if z > e + 1 else e
        while e > s and text[e - 1] in ".:" and not text[s:e].endswith("::"):
            e -= 1
        if _before(text, s) in _WORD or _after(text, e) in _WORD:
            continue
        try:
            ip = ipaddress.IPv6Address(text[s:e])
        except ValueError:
            continue
        groups = [g for g in text[s:e].split("%", maxsplit=1)[0].split(":") if g]
        if not groups or (len(groups) < 3 and len(groups[0]) < 3):
            continue  # "a::b", "de::ad": valid addresses, but far likelier code or prose
        if not ip.is_loopback and not ip.is_unspecified:
            yield Detection(s, e, "ip_address")


def _tokens(text: str, low: str, orgs: tuple[str, ...]) -> Iterator[Detection]:
    for literal, pattern in P.KEYS:
        if literal not in text:
            continue
        for m in pattern.finditer(text):
            if _before(text, m.start()) not in _WORD:
                yield Detection(m.start(), m.end(), "api_key")
    for m in _anchored(P.CTX_SECRET, low, P.CTX_SECRET_WORDS):
        v = P.CTX_VALUE.match(text, m.end()) if _word_at(low, m) or "_" in m.group() else None
        if v and _looks_random(v.group(1)):
            yield Detection(*_trim(text, *v.span(1)), "api_key")
    yield from _ips(text)
    for m in P.CLOUD.finditer(text) if "://" in text or "arn:" in text else ():
        if _before(text, m.start()) not in _WORD:
            yield Detection(*_trim(text, *m.span()), "cloud_uri")
    for m in P.URL.finditer(text) if "://" in text else ():
        s, e = _trim(text, *m.span())
        if P.AZURE_BLOB.match(text, s):
            yield Detection(s, e, "cloud_uri")
            continue
        rest = text[s:e].split("://", 1)[1]
        host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
        if host.count(":") == 1 or (host.startswith("[") and "]:" in host):
            host = host.rsplit(":", 1)[0]
        if host and _host_is_internal(host, orgs):
            yield Detection(s, e, "internal_url")
    yield from _emails(text)
    if "amazonaws.com" in low or "googleapis.com" in low:
        for m in P.CLOUD_HTTPS.finditer(text):
            yield Detection(*_trim(text, *m.span()), "cloud_uri")
    yield from _bare_hosts(text, low)
    for m in _host_anchor(orgs).finditer(low):
        s = m.start()
        while s > 0 and low[s - 1] in P.HOST_CHARS:
            s -= 1
        e = m.end()
        while e < len(low) and low[e] in P.HOST_CHARS:
            e += 1
        while e > m.end() and low[e - 1] in ".-":
            e -= 1
        if s < m.start() and low[s] not in ".-":
            yield Detection(s, e, "hostname")
    for m in P.PATH.finditer(text):
        s, e = _trim(text, *m.span())
        if text[s] == ":":  # C:\ — the drive letter is the character before the anchor
            if (
                not (_before(text, s).isascii() and _before(text, s).isalpha())
                or _before(text, s - 1) in _WORD
            ):
                continue
            s -= 1
        elif _before(text, s) in _NOT_BEFORE_PATH:
            continue
        if e - s > 2:
            yield Detection(s, e, "file_path")


def _bare_hosts(text: str, low: str) -> Iterator[Detection]:
    """``prod-db-03``, ``gpu-node-17``: role-prefixed names with a number; ``user@host:~$``."""
    done = -1
    for m in _HYPHEN_DIGIT.finditer(low):
        if m.start() < done:
            continue
        s, e = m.start(), m.end()
        while s > 0 and low[s - 1] in P.HOST_TOKEN_CHARS:
            s -= 1
        while e < len(low) and low[e] in P.HOST_TOKEN_CHARS:
            e += 1
        done = e
        while e > s and low[e - 1] == "-":
            e -= 1
        token = low[s:e]
        parts = token.split("-")
        if (
            parts[0].startswith(P.INFRA_PREFIXES)
            and len(parts) >= 2
            and _before(low, s) not in _HOST_BEFORE
            and _after(low, e) not in _NOT_AROUND_ID
            and not (low[e : e + 1] == "." and low[e + 1 : e + 2].isalnum())
            and (parts[-1].isdigit() or (len(parts) >= 3 and any(c.isdigit() for c in token)))
        ):
            yield Detection(s, e, "hostname")
    at = text.find("@")
    while at >= 0:
        h = P.PROMPT_HOST_AFTER_AT.match(text, at + 1)
        if h and at > 0 and _before(text, at) in _WORD and h.group(1) != "localhost":
            yield Detection(h.start(1), h.end(1), "hostname")
        at = text.find("@", at + 1)


def _emails(text: str) -> Iterator[Detection]:
    at = text.find("@")
    while at >= 0:
        s = at
        while s > 0 and text[s - 1] in P.EMAIL_LOCAL:
            s -= 1
        while s < at and not text[s].isalnum():
            s += 1
        d = P.EMAIL_DOMAIN.match(text, at + 1)
        if s < at and d:
            yield Detection(s, d.end(), "email")
        at = text.find("@", at + 1)


def _looks_random(value: str) -> bool:
    """Credential-shaped: long, mixing letters with digits, not a digest or a URL."""
    return (
        len(value) >= 20
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and not value.startswith(("sha256", "sha512", "blake3", "http"))
    )


def _contextual(text: str, low: str) -> Iterator[Detection]:
    for m in _anchored(P.PASSWORD, low, P.PASSWORD_WORDS):
        glued = _before(low, m.start()) in _ALPHA  # "bypass", but PGPASSWORD=… is a password
        if m.group()[0].isascii() and m.group()[0] != ":" and glued and "=" not in m.group()[:16]:
            continue
        for g in range(1, 5):
            if m.group(g):  # not trimmed: "hunter2!" ends in punctuation on purpose
                yield Detection(*m.span(g), "password")
    uuid_middle, twelve_digits = P.ACCOUNT_NUMERIC
    for m in uuid_middle.finditer(text):
        s = m.start() - 8
        if s >= 0 and all(c in "0123456789abcdef" for c in text[s : m.start()]):
            yield from _bounded(text, s, m.end(), "account_id")
    for pattern in (P.ACCOUNT_PREFIX, twelve_digits):
        for m in pattern.finditer(text):
            yield from _bounded(text, m.start(), m.end(), "account_id")
    for m in _anchored(P.ACCOUNT_CTX, low, P.ACCOUNT_WORDS):
        v = (
            P.ACCOUNT_VALUE.match(text, m.end())
            if _word_at(low, m) or not m.group()[0].isascii()
            else None
        )
        if v and any(c.isdigit() for c in v.group(1)):
            yield Detection(*_trim(text, *v.span(1)), "account_id")
    yield from _persons(text, low)


def _anchored(
    pattern: re.Pattern[str], low: str, words: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """``pattern.match`` at every occurrence of any of ``words`` (found by ``str.find``)."""
    tried: set[int] = set()
    for w in words:
        i = low.find(w)
        while i >= 0:
            if i not in tried:
                tried.add(i)
                m = pattern.match(low, i)
                if m:
                    yield m
            i = low.find(w, i + 1)


def _bounded(text: str, s: int, e: int, type_: str) -> Iterator[Detection]:
    """The token, if it is not part of a longer word or hyphenated id."""
    if _before(text, s) not in _NOT_AROUND_ID and _after(text, e) not in _NOT_AROUND_ID:
        yield Detection(s, e, type_)


def _persons(text: str, low: str) -> Iterator[Detection]:
    spans: list[tuple[int, int]] = []
    for m in _anchored(P.PERSON_TRIGGER, low, P.PERSON_WORDS):
        n = P.PERSON_AFTER_TRIGGER.match(text, m.end()) if _word_at(low, m) else None
        if n:
            spans.append(n.span(1))
    for m in P.PERSON_LINE.finditer(text):
        spans.append(m.span(1))
    for m in P.PERSON_DELIMITED.finditer(text):
        spans.append(m.span(1) if m.group(1) else m.span(2))
    for m in P.PERSON_VERB.finditer(text):
        n = P.PERSON_BEFORE_VERB.search(text, max(0, m.start() - 60), m.start())
        if n:
            spans.append(n.span(1))
    for m in P.GIVEN_THEN_SURNAME.finditer(text):
        if m.group(1) in P.GIVEN_NAMES:
            spans.append((m.start(1), m.end(2)))
    for m in P.HONORIFIC.finditer(text):
        spans.append(m.span(1))
    for s, e in spans:
        if not any(w.strip("'") in P.NOT_NAMES for w in text[s:e].split()):
            yield Detection(s, e, "person")
    if text.isascii():
        return
    for m in P.PERSON_ZH_AFTER.finditer(text):
        yield Detection(m.start(1), m.end(2), "person")
    by_role, by_cue, delimited = P.PERSON_ZH_BEFORE
    for pattern in (by_role, by_cue):
        for m in pattern.finditer(text):
            yield Detection(m.start(1), m.end(1), "person")
    for m in delimited.finditer("\n" + text):
        yield Detection(m.start(1) - 1, m.end(1) - 1, "person")


def detect(text: str, org_domains: Iterable[str] = ()) -> list[Detection]:
    """Every sensitive span, merged: overlapping detections become one span."""
    orgs = tuple(d.lower().strip(".") for d in org_domains)
    low = text.lower()
    if len(low) != len(text):  # "İ" lower-cases to two code points: keep offsets exact
        low = text.translate(P.LOWER)
    found = [*_blocks(text, low), *_tokens(text, low, orgs), *_contextual(text, low)]
    return _merge(found)


# When two detections overlap, the union is redacted; the type is the wider span's (then the
# more specific type, in this order).
_RANK = {t: i for i, t in enumerate(("payload", "private_key", "exploit_prompt", "cloud_uri", "internal_url",
                                     "api_key", "password", "email", "file_path", "account_id", "hostname",
                                     "ip_address", "person"))}  # fmt: skip


def _merge(found: list[Detection]) -> list[Detection]:
    found = sorted((d for d in found if d.end > d.start), key=lambda d: (d.start, -d.end))
    out: list[Detection] = []
    for d in found:
        if out and d.start < out[-1].end:
            last = out[-1]
            keep = (
                last
                if (last.end - last.start, -_RANK[last.type]) >= (d.end - d.start, -_RANK[d.type])
                else d
            )
            out[-1] = Detection(last.start, max(last.end, d.end), keep.type)
        else:
            out.append(d)
    return out
