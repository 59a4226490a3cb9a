"""``decide(policy, trace_so_far, call) -> Decision``: the pure core of the monitor.

Gathering is done by the caller (the trace is a value); this module applies each enabled rule's
check and combines the hits (block > ask > allow, then severity). The information-flow checks:

* ``injected-call``: the call's informative argument values (or, for argument-less calls, its
  tool name's words) appear in a *directive* sentence of an untrusted tool output and not in
  the user's request — the agent is doing what the data told it to.
* ``sink-after-injection``: once an untrusted output carried a *strong* injection (a directive
  aimed at the agent), a sink whose critical argument the user did not supply is blocked.
* ``untrusted-critical-arg`` (strict, off by default): a sink's critical argument comes only
  from tool outputs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from detente.monitor._action import find_pii, find_secrets, path_problem, shell_findings
from detente.monitor._code import code_findings
from detente.monitor._decision import Decision, Evidence, Hit
from detente.monitor._detect import OutputAnalysis, Span, analyze_output
from detente.monitor._flow import (
    IndexedText,
    embedded_entities,
    found_in,
    index_text,
    informative,
    leaf_values,
    value_text,
)
from detente.monitor._policy import Policy, Rule
from detente.monitor._text import normalize
from detente.monitor._trace import JSON, ToolCall, Trace

__all__ = ["decide", "sink_kind"]

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
_EXEC_ARGS = re.compile(r"^(?:command|cmd|script|shell|bash|code|commands)$", re.I)
_PATH_ARGS = re.compile(
    r"(?:^|_)(?:path|file|filename|dest|destination|target|dir|directory|output)s?$", re.I
)
_OUTBOUND = ("send", "fetch", "pay", "execute")
# The user hands the agent over to instructions in named data: "do the actions specified in
# the e-mail from …", "pay the bill …", "update my details according to the file".
_SOURCE = r"(?:e-?mails?|files?|messages?|notes?|documents?|docs?|lists?|pages?|websites?|sites?|inbox|channels?|tickets?|issues?|bills?|invoices?|todos?)"
# The stricter hand-over: the user makes the data's tasks or instructions theirs ("do the
# tasks in the e-mail …", "each person mentioned in the TODO list …", "pay the bill …", "the
# details are in Bob's message"), not merely its facts ("based on the e-mails"): only this lets
# an instruction in the data choose a call the user did not name (DM-FLOW-004).
_TASKS_RX = (
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
_KIND_WORDS = {
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
class _Output:
    index: int
    tool: str
    text: str
    analysis: OutputAnalysis
    user_chosen: bool  # the call that produced it had an argument from the user's request


class _Context:
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
        return bool(_DELEGATION.search(self.user.norm))

    @cached_property
    def tasks_handed_over(self) -> bool:
        return bool(_TASKS.search(self.user.norm))

    @cached_property
    def handed_over(self) -> bool:
        """The user made the data's tasks their own (stricter than :attr:`delegated`)."""
        return bool(_HANDOVER.search(self.user.norm))

    @cached_property
    def tool_names(self) -> frozenset[str]:
        return frozenset(t.name for t in self.trace.tools) | frozenset(
            c.name for _, c in self.trace.calls()
        )

    @cached_property
    def outputs(self) -> list[_Output]:
        out = []
        for i, m in enumerate(self.trace.messages):
            if m.role != "tool" or not m.content:
                continue
            tool = self.trace.tool_name_for(m)
            if self.policy.is_trusted(tool):
                continue
            args = self._call_args.get(m.tool_call_id or "", {})
            chosen = any(informative(v) and found_in(v, self.user) for _, v in leaf_values(args))
            out.append(_Output(i, tool, m.content, analyze_output(m.content), chosen))
        return out

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
                out.extend((f"{p}.{kind}", e) for kind, e in embedded_entities(v) if e != v)
        return out

    def from_user(self, v: JSON) -> bool:
        return found_in(v, self.user)


def sink_kind(policy: Policy, trace: Trace, tool: str) -> str | None:
    """The sink kind of a tool: the policy's globs, then MCP annotations in its description."""
    for spec in trace.tools:
        if spec.name == tool:
            ann = spec.parameters.get("x-mcp-annotations")
            if isinstance(ann, Mapping):
                if ann.get("readOnlyHint") is True:
                    return None
                if ann.get("destructiveHint") is True:
                    return "delete"
                if ann.get("openWorldHint") is True:
                    return "send"
    return policy.sink_kind(tool)


def _span_evidence(out: _Output, span: Span) -> Evidence:
    return Evidence(
        "tool-output", span.text[:300], out.index, out.tool, span.start, span.end, "", span.signals
    )


def _strong(ctx: _Context, span: Span) -> bool:
    """Aimed at the agent; naming one of its tools (``send_money``) counts as aiming."""
    if span.strong:
        return True
    return span.directive and any(t in span.text for t in ctx.tool_names if "_" in t)


def _tool_words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\W]+", name.lower()) if w and w not in _GENERIC]


def _share(words: list[str], text: IndexedText) -> float:
    """The fraction of a tool's words (``delete``, ``file``) present in ``text``."""
    if not words:
        return 0.0
    return sum(_stem_in(w, text.words) for w in words) / len(words)


def _stem_in(word: str, words: frozenset[str]) -> bool:
    stem = word[:-1] if word.endswith("s") else word
    stem = stem[:-2] if stem.endswith("ed") else stem
    return any(t.startswith(stem) or (len(t) >= 4 and stem.startswith(t)) for t in words)


def _check_injected(ctx: _Context, rule: Rule) -> Hit | None:
    words = _tool_words(ctx.call.name)
    drift = _share(words, ctx.user) < 0.5  # the user's request does not name this action
    for out in ctx.outputs:
        for span in out.analysis.directives:
            strong = _strong(ctx, span)
            # An ordinary instruction in the data ("please pay by Friday") counts only when the
            # user did not hand the agent over to that data ("do the tasks in the e-mail").
            if not strong and ctx.delegated and out.user_chosen:
                continue
            text = index_text(span.context or span.text)
            matched = [
                (p, v)
                for p, v in ctx.leaves
                if found_in(v, text) and not ctx.from_user(v) and not _contains(v, span)
            ]
            if not strong and not drift:
                # ... and, for an action the user did ask for, only when the data chose where
                # it goes (a sink's recipient, account, file, URL).
                matched = [(p, v) for p, v in matched if ctx.kind and ctx.policy.is_critical(p)]
            by_name = drift and (strong or not ctx.leaves) and _share(words, text) >= 0.5
            if matched or by_name:
                what = ", ".join(f"{p}={value_text(v)[:60]!r}" for p, v in matched[:3]) or (
                    f"the tool {ctx.call.name!r}"
                )
                reason = (
                    f"{what} comes from an instruction in the output of {out.tool or 'a tool'} "
                    f"(message {out.index}), not from the user's request"
                )
                return Hit(rule, reason, (_span_evidence(out, span),))
    return None


def _check_directed(ctx: _Context, rule: Rule) -> Hit | None:
    """Task drift, any call (reads too): a directive in untrusted data chose its values, or
    named its action when the user's request did not; unless the user handed the agent over
    to that data ("do the tasks in the e-mail …")."""
    words = _tool_words(ctx.call.name)
    named_by_user = ctx.kind is not None and any(
        _stem_in(w, ctx.user.words) for w in _KIND_WORDS.get(ctx.kind, ())
    )
    drift = _share(words, ctx.user) < 0.5 and not named_by_user
    for out in ctx.outputs:
        if out.user_chosen and (ctx.tasks_handed_over or (ctx.handed_over and not drift)):
            continue
        for span in out.analysis.directives:
            # The instruction's own sentence: a value stated next to it ("her contact info is
            # on …", the next record of a listing) was not chosen by it.
            text = index_text(span.text)
            matched = [
                (p, v)
                for p, v in ctx.leaves
                if not _prose(v)
                and found_in(v, text)
                and not ctx.from_user(v)
                and not _contains(v, span)
            ]
            # Words of the tool that produced the output don't count: its data echoes them
            # ("Rating: … Reviews: …" in get_rating_reviews_… output).
            own = set(_tool_words(out.tool))
            named = drift and _share([w for w in words if w not in own], text) >= 0.5
            if matched or named:
                what = ", ".join(f"{p}={value_text(v)[:60]!r}" for p, v in matched[:3]) or (
                    f"the action {ctx.call.name!r}, which the user's request does not name,"
                )
                reason = (
                    f"{what} was chosen by an instruction in the output of "
                    f"{out.tool or 'a tool'} (message {out.index}), not by the user's request"
                )
                return Hit(rule, reason, (_span_evidence(out, span),))
    return None


def _prose(value: JSON) -> bool:
    """Free text (a message body): matched to an ordinary instruction only fuzzily, which is
    too weak to say the instruction chose it (its links and addresses are traced one by one)."""
    return isinstance(value, str) and len(value) >= 20 and len(value.split()) >= 4


def _contains(value: JSON, span: Span) -> bool:
    """The value holds the instruction itself (a channel or file *named* by the text): the
    instruction did not choose the value, the value carries it."""
    head = re.sub(r"^[\W_]+", "", normalize(span.text)).strip()[:40]
    return len(head) >= 10 and head in normalize(value_text(value))


def _check_halt(ctx: _Context, rule: Rule) -> Hit | None:
    """Quarantine: after a tool output aimed instructions at the agent, stop and ask."""
    for out in ctx.outputs:
        for span in out.analysis.spans:
            if _strong(ctx, span):
                reason = (
                    f"the output of {out.tool or 'a tool'} (message {out.index}) addresses "
                    f"instructions to the agent ({', '.join(span.signals)})"
                )
                return Hit(rule, reason, (_span_evidence(out, span),))
    return None


def _check_sink_after_injection(ctx: _Context, rule: Rule) -> Hit | None:
    if ctx.kind is None:
        return None
    strong = [(o, s) for o in ctx.outputs for s in o.analysis.spans if _strong(ctx, s)]
    if not strong:
        return None
    crit = [(p, v) for p, v in ctx.leaves if ctx.policy.is_critical(p) and not ctx.from_user(v)]
    if not crit:
        return None
    out, span = strong[0]
    p, v = crit[0]
    reason = (
        f"{ctx.kind} call after an injection in {out.tool or 'a tool'}'s output "
        f"({', '.join(span.signals)}); {p}={value_text(v)[:60]!r} was not supplied by the user"
    )
    return Hit(
        rule,
        reason,
        (_span_evidence(out, span), Evidence("argument", value_text(v)[:200], argument=p)),
    )


def _check_untrusted_critical(ctx: _Context, rule: Rule) -> Hit | None:
    if ctx.kind is None:
        return None
    for p, v in ctx.leaves:
        if not ctx.policy.is_critical(p) or ctx.from_user(v):
            continue
        for out in ctx.outputs:
            if found_in(v, index_text(out.text)):
                reason = (
                    f"{p}={value_text(v)[:60]!r} comes only from {out.tool or 'a tool'}'s output"
                )
                return Hit(
                    rule,
                    reason,
                    (Evidence("tool-output", value_text(v)[:200], out.index, out.tool),),
                )
    return None


def _check_malformed(ctx: _Context, rule: Rule) -> Hit | None:
    if ctx.call.parse_error is None:
        return None
    ev = Evidence("argument", ctx.call.raw_arguments[:200])
    return Hit(rule, f"cannot check the call: {ctx.call.parse_error}", (ev,))


def _strings(ctx: _Context, pred: Callable[[str], bool]) -> list[tuple[str, str]]:
    return [(p, v) for p, v in leaf_values(ctx.call.arguments) if isinstance(v, str) and pred(p)]


def _check_shell(ctx: _Context, rule: Rule) -> Hit | None:
    every = ctx.kind == "execute"
    for p, v in _strings(ctx, lambda p: every or bool(_EXEC_ARGS.match(p.rsplit(".", 1)[-1]))):
        for category, matched in shell_findings(v):
            if category == rule.category:
                return Hit(
                    rule,
                    f"{category} in {p}: {matched[:120]!r}",
                    (Evidence("argument", matched, argument=p),),
                )
    return None


def _check_secret(ctx: _Context, rule: Rule, pii: bool) -> Hit | None:
    if ctx.kind not in _OUTBOUND:
        return None
    if pii and all(ctx.from_user(v) for p, v in ctx.leaves if ctx.policy.is_critical(p)):
        return None  # the user named every destination: sending their own data there is asked for
    finder = find_pii if pii else find_secrets
    for p, v in _strings(ctx, lambda p: True):
        for kind, a, b in finder(v):
            if ctx.from_user(v[a:b]):
                continue
            ev = Evidence("argument", f"<{kind} redacted>", argument=p, start=a, end=b)
            return Hit(rule, f"{kind} in outbound argument {p} of {ctx.call.name}", (ev,))
    return None


def _check_path(ctx: _Context, rule: Rule) -> Hit | None:
    if ctx.kind not in ("write", "delete", "execute"):
        return None
    for p, v in _strings(ctx, lambda p: bool(_PATH_ARGS.search(p.rsplit(".", 1)[-1]))):
        if "/" in v or v.startswith(("~", ".")):
            why = path_problem(v, ctx.policy.task_dir)
            if why:
                return Hit(
                    rule, f"{p}={v[:100]!r}: {why}", (Evidence("argument", v[:200], argument=p),)
                )
    return None


def _check_code(ctx: _Context, rule: Rule) -> Hit | None:
    if ctx.kind not in ("write", "execute"):
        return None
    for p, v in _strings(ctx, lambda p: True):
        for finding in code_findings(v, ctx.call.arguments):
            return Hit(rule, f"{p}: {finding}", (Evidence("argument", finding, argument=p),))
    return None


def _check_deny(ctx: _Context, rule: Rule) -> Hit | None:
    if any(fnmatch.fnmatchcase(ctx.call.name.lower(), g) for g in rule.tools):
        return Hit(rule, f"tool {ctx.call.name!r} is denied by policy")
    return None


def _check_pattern(ctx: _Context, rule: Rule) -> Hit | None:
    if rule.tools and not any(fnmatch.fnmatchcase(ctx.call.name.lower(), g) for g in rule.tools):
        return None
    rx = re.compile(rule.pattern)
    globs = rule.args or ("*",)
    for p, v in leaf_values(ctx.call.arguments):
        if any(fnmatch.fnmatchcase(p.rsplit(".", 1)[-1], g) for g in globs):
            m = rx.search(value_text(v)[:100_000])
            if m:
                return Hit(
                    rule,
                    f"{p} matches {rule.pattern!r}",
                    (Evidence("argument", m.group()[:200], argument=p),),
                )
    return None


_CHECKS: dict[str, Callable[[_Context, Rule], Hit | None]] = {
    "injected-call": _check_injected,
    "data-directed-call": _check_directed,
    "injection-halt": _check_halt,
    "sink-after-injection": _check_sink_after_injection,
    "untrusted-critical-arg": _check_untrusted_critical,
    "malformed-call": _check_malformed,
    "shell": _check_shell,
    "secret-outbound": lambda c, r: _check_secret(c, r, False),
    "pii-outbound": lambda c, r: _check_secret(c, r, True),
    "path-outside-task": _check_path,
    "code-vuln": _check_code,
    "tool-deny": _check_deny,
    "arg-pattern": _check_pattern,
}


def decide(policy: Policy, trace_so_far: Trace, call: ToolCall) -> Decision:
    """Decide one tool call before it runs, from the trace as it stood then."""
    ctx = _Context(policy, trace_so_far, call)
    hits = []
    for rule in policy.rules:
        if rule.enabled:
            hit = _CHECKS[rule.check](ctx, rule)
            if hit is not None:
                hits.append(hit)
    return Decision.from_hits(call.name, hits)
