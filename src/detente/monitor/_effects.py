"""The effects of an agent's tools, and which of them a text names.

A sink tool has a kind (send, pay, write, delete, execute, fetch: the policy's globs, then MCP
annotations) and an *effect*: the group of words that name what it does ("reserve_hotel" —
reserve, book, reservation). A request or an instruction *names* an effect when one of those
words is in it, not negated ("please do not reply" names no reply). Used to tell when an
instruction in untrusted data asks for an effect the user never asked for (DM-FLOW-005, and a
name that carries such an instruction counts as aimed at the agent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from detente.monitor._flow import IndexedText, index_text, stem_in
from detente.monitor._policy import Policy
from detente.monitor._trace import Trace

__all__ = ["effect_words", "named_effects", "sink_kind", "sink_kinds", "unasked_effects"]

# Words that name one effect; a tool's effect is the group of the verb its name starts with.
# Verbs only: nouns ("e-mail", "message", "money") appear in requests that only read ("summarise
# my e-mails"), and broad verbs ("make", "set", "go") name no effect on their own.
_EFFECTS: tuple[frozenset[str], ...] = (
    frozenset(["send", "forward", "reply", "post", "share", "tell"]),
    frozenset(["pay", "transfer", "wire", "refund", "payment"]),
    frozenset(["reserve", "book", "reservation", "booking"]),
    frozenset(["delete", "remove", "erase", "wipe", "cancel", "discard", "trash"]),
    frozenset(["create", "add", "schedule", "append", "save", "organize", "organise"]),
    frozenset(["update", "change", "modify", "edit", "adjust", "reschedule", "rename"]),
    frozenset(["invite", "join"]),
    frozenset(["visit", "browse", "website", "webpage", "download"]),
)
# The user's request is read generously (a false block costs the user): these nouns name the
# effect there too when used as a verb ("email the text …", "please message Bob"), never in an
# instruction in data. "The fewest messages" names no sending.
_USER_ALSO: tuple[tuple[str, ...], ...] = (
    ("email", "e-mail", "mail", "message", "dm", "text", "ping"),
    ("money",),
    (),
    (),
    (),
    (),
    (),
    ("link", "url", "page", "site"),
)
_VERB_POSITION = r"(?:^|[.!?;:,\n]\s*|\b(?:please|to|and|then|also|can you|could you|you)\s+)"
# Sink kinds whose tools' names need not start with their verb (get_webpage is a fetch).
_KIND_EFFECT = {"fetch": 7, "pay": 1}
# A negation and the one or two words after it ("do not share", "never ask you to send"):
# both are negated, the first may be the verb itself.
_NEGATED = re.compile(
    r"\b(?:not|never|no|don'?t|doesn'?t|didn'?t|won'?t|without|nor)\s+([a-z]+)(?:\s+([a-z]+))?"
)


@lru_cache(maxsize=1024)
def effect_words(tool: str, kind: str | None) -> frozenset[str]:
    """The words that name the effect of a sink tool (empty when it has none we know)."""
    return frozenset(w for i in _groups(tool, kind) for w in _EFFECTS[i])


@lru_cache(maxsize=1024)
def _groups(tool: str, kind: str | None) -> tuple[int, ...]:
    words = [w for w in tool.lower().split("_") if w]
    out = [i for i, g in enumerate(_EFFECTS) if words and stem_in(words[0], g)]
    if kind in _KIND_EFFECT:
        out.append(_KIND_EFFECT[kind])
    return tuple(out)


@lru_cache(maxsize=1024)
def _user_also(i: int) -> re.Pattern[str] | None:
    if not _USER_ALSO[i]:
        return None
    if i == 7:  # a link or page the user gives is a fetch they ask for, in any position
        return re.compile(rf"\b(?:{'|'.join(_USER_ALSO[i])})")
    return re.compile(rf"{_VERB_POSITION}(?:{'|'.join(_USER_ALSO[i])})\b")


# Writing to someone sends: "to each user write the message …", "write them …", "write to Bob".
_WRITE_TO = re.compile(
    r"\bwrite\s+(?:(?:to|them|him|her|each|every|all|a|an|the|this|that|following|their|"
    r"[\w.-]+'s)\s+){0,3}(?:messages?|e-?mails?|notes?|dms?|repl(?:y|ies))\b|\bwrite (?:to|them|him|her)\b"
)


def _user_names(i: int, user: IndexedText) -> bool:
    if any(stem_in(w, user.words) for w in _EFFECTS[i]):
        return True
    if i == 0 and _WRITE_TO.search(user.norm):
        return True
    rx = _user_also(i)
    return rx is not None and rx.search(user.norm) is not None


def unasked_effects(
    policy: Policy, trace: Trace, tools: frozenset[str], user: IndexedText | None
) -> tuple[tuple[str, frozenset[str]], ...]:
    """The sink tools among ``tools`` whose effect the user's request does not name (every
    sink tool with an effect, when ``user`` is None)."""
    out = []
    for tool, kind in sorted(sink_kinds(policy, trace, tools).items()):
        groups = _groups(tool, kind) if kind else ()
        if groups and (user is None or not any(_user_names(i, user) for i in groups)):
            out.append((tool, effect_words(tool, kind)))
    return tuple(out)


@lru_cache(maxsize=8192)
def _affirmed_words(text: str) -> frozenset[str]:
    """The words of ``text`` less those negated ("do not reply")."""
    words = index_text(text).words
    negated = {w for m in _NEGATED.finditer(index_text(text).norm) for w in m.groups() if w}
    return words - negated if negated else words


@lru_cache(maxsize=16384)
def named_effects(effects: tuple[tuple[str, frozenset[str]], ...], text: str) -> tuple[str, ...]:
    """The tools of ``effects`` whose effect ``text`` names (the word or its inflections:
    "reservation", "posted"; not "joint" for join or "browser" for browse)."""
    if not effects:
        return ()
    words = _affirmed_words(text)
    return tuple(tool for tool, group in effects if not _forms(group).isdisjoint(words))


_SUFFIXES = ("", "s", "es", "d", "ed", "ing", "ion", "ions", "ation", "ations", "ment")


@lru_cache(maxsize=256)
def _forms(group: frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for word in group:
        base = word[:-1] if word.endswith("e") else word
        out.update(w + x for w in (word, base) for x in _SUFFIXES)
    return frozenset(out)


def sink_kind(policy: Policy, trace: Trace, tool: str) -> str | None:
    """The sink kind of a tool: the policy's globs, then MCP annotations in its description."""
    for spec in trace.tools:
        if spec.name == tool:
            found, kind = _annotated_kind(spec.parameters.get("x-mcp-annotations"))
            if found:
                return kind
    return policy.sink_kind(tool)


def sink_kinds(policy: Policy, trace: Trace, tools: frozenset[str]) -> dict[str, str | None]:
    """:func:`sink_kind` of every tool in ``tools``, in one pass over the trace's specs."""
    annotated = {}
    for spec in trace.tools:
        found, kind = _annotated_kind(spec.parameters.get("x-mcp-annotations"))
        if found and spec.name not in annotated:
            annotated[spec.name] = kind
    return {t: annotated[t] if t in annotated else policy.sink_kind(t) for t in tools}


def _annotated_kind(ann: object) -> tuple[bool, str | None]:
    """MCP tool annotations (MCP 2025-03-26, ``ToolAnnotations``): (decided?, kind)."""
    if isinstance(ann, Mapping):
        if ann.get("readOnlyHint") is True:
            return True, None
        if ann.get("destructiveHint") is True:
            return True, "delete"
        if ann.get("openWorldHint") is True:
            return True, "send"
    return False, None
