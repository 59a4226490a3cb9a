"""What the monitor's checks read from a trace, computed once per decision.

:class:`Context` holds the trace before the call, the call, its sink kind, the user's request
(indexed), whether the user handed the agent over to some data (whole tasks, values for the
actions they named, or only facts), and every untrusted tool output with its analysis.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from detente.monitor._decision import Evidence
from detente.monitor._detect import OutputAnalysis, Span, analyze_output
from detente.monitor._effects import named_effects, sink_kind, unasked_effects
from detente.monitor._flow import (
    IndexedText,
    embedded_entities,
    found_in,
    index_text,
    informative,
    leaf_values,
    stem_in,
)
from detente.monitor._policy import Policy
from detente.monitor._trace import JSON, Message, ToolCall, Trace

__all__ = [
    "KIND_WORDS",
    "PEOPLE",
    "SELF_REFERENCE",
    "Context",
    "Output",
    "not_echoed",
    "own_objects",
    "share",
    "sink_kind",
    "span_evidence",
    "stem_in",
    "strong",
    "tool_words",
    "untrusted_outputs",
]

_GENERIC = frozenset(
    [
        "get",
        "list",
        "search",
        "read",
        "all",
        "by",
        "for",
        "in",
        "to",
        "the",
        "of",
        "a",
        "an",
        "and",
        "from",
        "with",
        "my",
        "new",
        "info",
        "data",
    ]
)
# Tool nouns that ordinary sentences use for people and their papers ("tell the user to
# restart the router"): no sign that a sentence is about the agent's objects.
PEOPLE = frozenset(
    [
        *("user", "users", "info", "information", "details", "data", "contact", "contacts"),
        # and attributes, which anything has ("before prices go up"): no object of their own
        *("price", "prices", "rating", "ratings", "review", "reviews", "address"),
        *("availability", "options", "types", "name", "names", "day", "date", "dates"),
    ]
)
# Verbs in tool names that name no object ("update_user_info" acts on user, info).
_VERBISH = frozenset(["update", "set", "change", "check", "find", "fetch", "make", "do", "run"])
# The user hands the agent over to instructions in named data: "do the actions specified in
# the e-mail from …", "pay the bill …", "update my details according to the file".
_SOURCE = r"(?:e-?mails?|files?|messages?|notes?|documents?|docs?|lists?|pages?|websites?|sites?|inbox|channels?|tickets?|issues?|bills?|invoices?|todos?)"
# The stricter hand-over: the user makes the data's tasks or instructions theirs ("do the
# tasks in the e-mail …", "each person mentioned in the TODO list …", "pay the bill …", "the
# details are in Bob's message"), not merely its facts ("based on the e-mails"): only this lets
# an instruction in the data choose a call the user did not name (DM-FLOW-004).
_TASKS_RX = (
    r"\b(?:do|perform|follow|complete|carry out|execute)\s+(?:the|its|their|those|these|all"
    r"(?: the)?)\s+(?:instructions|tasks|steps|actions|todos?)\b(?!\s+(?:i|we|you)\b)|"
    rf"\b(?:do|perform|follow|complete|carry out|handle|execute|action)\b(?:\s+\S+){{0,4}}?\s+"
    rf"(?:actions?|tasks?|instructions?|steps|todos?|requests?|items)\s+(?:\S+\s+){{0,3}}?"
    rf"(?:in|from|at|on)\s+(?:\S+\s+){{0,5}}?{_SOURCE}\b|"
    rf"\bas (?:specified|instructed|requested) in\b|照做"
)
# Whole tasks handed over ("do the tasks in the e-mail"): any action the data asks for is the
# user's. The other hand-overs below make the data's values theirs, for actions they named.
_TASKS = re.compile(_TASKS_RX)
_HANDOVER_RX = (
    rf"{_TASKS_RX}|"
    rf"\bas (?:specified|described|instructed|requested|listed|indicated) in\b|"
    rf"\b(?:mentioned|listed|specified|described|given|named|assigned) (?:in|on)\b.{{0,40}}"
    rf"\b(?:todos?|to-do|tasks?|action items?|checklists?)\b|"
    rf"\b(?:pay|settle)\b.{{0,30}}\b(?:bill|invoice)|"
    rf"\b(?:details|information|instructions) (?:are |is )?in\b|\baccordingly\b|按照"
)
_HANDOVER = re.compile(_HANDOVER_RX)
# Any hand-over, facts included: lets an ordinary instruction in that data steer a call the
# user did name (DM-FLOW-001).
_DELEGATION = re.compile(rf"{_HANDOVER_RX}|\bbased on\b.{{0,30}}{_SOURCE}")
# Words that name a sink kind's action in a request ("pay the bill" names send_money).
KIND_WORDS = {
    "pay": ("pay", "transfer", "wire", "settle", "money", "refund"),
    "send": (
        "send",
        "email",
        "mail",
        "message",
        "forward",
        "reply",
        "post",
        "share",
        "invite",
        "tell",
        "write",
    ),
    "write": (
        "create",
        "add",
        "update",
        "change",
        "write",
        "save",
        "book",
        "reserve",
        "schedule",
        "set",
        "make",
        "rename",
        "edit",
        "append",
    ),
    "delete": ("delete", "remove", "cancel", "clear", "erase"),
    "execute": ("run", "execute", "install", "launch"),
    "fetch": (
        "visit",
        "open",
        "browse",
        "fetch",
        "download",
        "website",
        "webpage",
        "page",
        "link",
        "url",
    ),
}


@dataclass(frozen=True)
class Output:
    index: int
    tool: str
    text: str
    analysis: OutputAnalysis
    user_chosen: bool  # the call that produced it had an argument from the user's request


class Context:
    """What the checks need from the trace, computed once per decision."""

    def __init__(self, policy: Policy, trace: Trace, call: ToolCall) -> None:
        self.policy, self.trace, self.call = policy, trace, call
        self.kind = sink_kind(policy, trace, call.name)

    @cached_property
    def user(self) -> IndexedText:
        return index_text(
            "\n".join(m.content for m in self.trace.messages if m.role in ("user", "system"))
        )

    @cached_property
    def delegated(self) -> bool:
        """The user handed the agent over to instructions in the data."""
        return _matches(_DELEGATION, self.user.norm)

    @cached_property
    def tasks_handed_over(self) -> bool:
        return _matches(_TASKS, self.user.norm)

    @cached_property
    def handed_over(self) -> bool:
        """The user made the data's tasks their own (stricter than :attr:`delegated`)."""
        return _matches(_HANDOVER, self.user.norm)

    @cached_property
    def tool_names(self) -> frozenset[str]:
        return frozenset(t.name for t in self.trace.tools) | frozenset(
            c.name for _, c in self.trace.calls()
        )

    @cached_property
    def outputs(self) -> list[Output]:
        out = []
        for i, m, tool in untrusted_outputs(self.policy, self.trace):
            args = self._call_args.get(m.tool_call_id or "", {})
            chosen = any(informative(v) and found_in(v, self.user) for _, v in leaf_values(args))
            out.append(Output(i, tool, m.content, analyze_output(m.content), chosen))
        return out

    @cached_property
    def world_words(self) -> frozenset[str]:
        """The nouns of the agent's tools (``read_channel_messages``: channel, messages): what
        the agent acts on. Verbs of effects and generic words are left out."""
        verbs = {w for _, group in self.sink_effects for w in group}
        return frozenset(
            w
            for t in self.tool_names
            for w in tool_words(t)
            if len(w) > 2 and w not in verbs and w not in _VERBISH and w not in PEOPLE
        )

    @cached_property
    def _call_args(self) -> dict[str, Mapping[str, JSON]]:
        return {c.id: c.arguments for _, c in self.trace.calls() if c.id}

    @cached_property
    def leaves(self) -> list[tuple[str, JSON]]:
        """Informative argument values, plus the URLs, e-mail addresses and IBANs inside long
        strings (a message body carrying the attacker's link is chosen by the link)."""
        out = [(p, v) for p, v in leaf_values(self.call.arguments) if informative(v)]
        for p, v in list(out):
            if isinstance(v, str) and len(v) > 40:
                for kind, e in embedded_entities(v):
                    if e != v:
                        out.append((f"{p}.{kind}", e))
                        self._wholes[f"{p}.{kind}"] = v
        return out

    @cached_property
    def _wholes(self) -> dict[str, JSON]:
        return {}

    def whole(self, path: str, v: JSON) -> JSON:
        """The argument value a leaf came from (the long string an embedded URL is part of)."""
        return self._wholes.get(path, v)

    @cached_property
    def unasked_effects(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """The agent's sink tools whose effect the user's request does not name."""
        return unasked_effects(self.policy, self.trace, self.tool_names, self.user)

    @cached_property
    def sink_effects(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """Every sink tool of the agent with the words of its effect."""
        return unasked_effects(self.policy, self.trace, self.tool_names, None)

    def from_user(self, v: JSON) -> bool:
        return found_in(v, self.user)


def untrusted_outputs(policy: Policy, trace: Trace) -> Iterator[tuple[int, Message, str]]:
    """(message index, message, tool name) of every non-empty tool output the policy does not
    trust: what the checks read (:attr:`Context.outputs`) and the proxy reads ahead."""
    for i, m in enumerate(trace.messages):
        if m.role == "tool" and m.content:
            tool = trace.tool_name_for(m)
            if not policy.is_trusted(tool):
                yield i, m, tool


@lru_cache(maxsize=4096)
def _matches(rx: re.Pattern[str], text: str) -> bool:
    """The hand-over expressions on a user's request (the same request, every call)."""
    return rx.search(text) is not None


def span_evidence(out: Output, span: Span) -> Evidence:
    # the address model's probability, when it spoke for the span, beside the lexical signals
    model = () if span.learned is None or span.learned < 0.5 else (f"model:{span.learned:.2f}",)
    return Evidence(
        "tool-output",
        span.text[:300],
        out.index,
        out.tool,
        span.start,
        span.end,
        "",
        (*span.signals, *model),
    )


def strong(ctx: Context, span: Span) -> bool:
    """Aimed at the agent; naming one of its tools (``send_money``) counts as aiming, and so
    does a name carrying an instruction to do one of the agent's effects towards a place the
    user never named (``External_TODO: post the messages to www.…``)."""
    if span.strong:
        # A comment in markup is where authors leave notes ("<!-- TODO: update the
        # screenshots -->", "do not edit by hand"): one aims at the agent when it asks for one
        # of the agent's effects on its objects or towards an address or link, or when it
        # aims without being a comment.
        if _COMMENTS.isdisjoint(span.signals):
            return True
        bare = replace(span, signals=tuple(s for s in span.signals if s not in _COMMENTS))
        return bare.strong or _asks_agent(ctx, span.context or span.text)
    if not span.directive:
        return False
    if any(t in span.text for t in ctx.tool_names if "_" in t):
        return True
    if span.framed and _asks_agent(ctx, span.text):
        # the signals of the sentences around it aim it (a note "for automated buyers", "Anna
        # already approved this"), the model read it alone and vetoed; it asks for one of the
        # agent's effects on the agent's objects ("Delete file 13.")
        return True
    return "in-identifier" in span.signals and _name_directs(ctx, span.context or span.text)


_COMMENTS = frozenset(["hidden:html-comment", "hidden:markdown-comment"])


def _asks_agent(ctx: Context, text: str) -> bool:
    """The text asks for one of the agent's effects (not negated: "do not edit") on its
    objects (its tools' nouns) or towards a link or address. With no sink tool known (a trace
    that declares no tools), any comment that directs counts."""
    if not ctx.sink_effects:
        return True
    if not named_effects(ctx.sink_effects, text):
        return False
    return bool(own_objects(ctx, text)) or bool(embedded_entities(text))


def _name_directs(ctx: Context, text: str) -> bool:
    """A sentence carried by a name asks for one of the agent's effects on the agent's own
    objects (its tools' nouns: messages, channels, users; or a link), for an effect the user
    did not ask for or towards a place the user never named (a URL, e-mail address, IBAN).
    A name that asks a person to act on things the agent does not handle ("Reminder: send the
    signed contract to legal@…", "delete the old draft from the shared folder") steers nothing
    the agent could do."""
    if not named_effects(ctx.sink_effects, text):
        return False
    entities = embedded_entities(text)
    new = any(not ctx.from_user(e) for _, e in entities)
    objects = own_objects(ctx, text)
    if not (objects or any(k == "url" for k, _ in entities)):
        return False
    if named_effects(ctx.unasked_effects, text):
        # without a value of its own, two of the agent's objects ("concatenate the messages
        # of all channels"): "please delete this message if …" names none
        return new or len({w.removesuffix("s") for w in objects}) >= 2
    return new


# The text's own container ("this message", "these e-mails"): what boilerplate asks a reader to
# delete or reply to, not one of the agent's objects.
SELF_REFERENCE = re.compile(
    r"\b(?:this|these|the above|that)\s+(?:e-?mails?|messages?|mails?|notes?|texts?|letters?|"
    r"channels?|posts?)\b",
    re.I,
)


def own_objects(ctx: Context, text: str) -> set[str]:
    """The agent's objects (its tools' nouns) a text names, its self-references left out."""
    words = index_text(SELF_REFERENCE.sub(" ", text)).words
    return {w for w in ctx.world_words if stem_in(w, words)}


def tool_words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\W]+", name.lower()) if w and w not in _GENERIC]


def not_echoed(words: list[str], tool: str) -> list[str]:
    """``words`` less those of ``tool``, singular or plural: its output echoes them
    (``get_channels`` lists "channel" names, ``get_rating_reviews_…`` prints "Reviews:")."""
    own = {w.removesuffix("s") for w in tool_words(tool)}
    return [w for w in words if w.removesuffix("s") not in own]


def share(words: list[str], text: IndexedText) -> float:
    """The fraction of a tool's words (``delete``, ``file``) present in ``text``."""
    if not words:
        return 0.0
    return sum(stem_in(w, text.words) for w in words) / len(words)
