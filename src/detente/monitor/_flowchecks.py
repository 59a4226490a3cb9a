"""The information-flow checks: instructions in untrusted tool outputs choosing a call.

* ``injected-call`` (DM-FLOW-001): the call's values (or, for an argument-less call, its tool's
  words) come from a *directive* in an untrusted output and not from the user's request.
* ``data-directed-call`` (DM-FLOW-004): task drift, reads included — an instruction chose the
  call's values, or named an action the user did not; hand-overs of the data decide when that
  is the user's wish.
* ``injection-halt`` (DM-INJ-001): quarantine after an output aimed instructions at the agent.
* ``sink-after-injection`` (DM-FLOW-002): after such an output, a sink whose critical argument
  the user did not supply.
* ``untrusted-critical-arg`` (strict, off by default): a sink's critical argument comes only
  from tool outputs.
"""

from __future__ import annotations

import re

from detente.monitor._context import (
    KIND_WORDS,
    SELF_REFERENCE,
    Context,
    share,
    span_evidence,
    stem_in,
    strong,
    tool_words,
)
from detente.monitor._decision import Evidence, Hit
from detente.monitor._detect import Span
from detente.monitor._effects import effect_words, named_effects
from detente.monitor._flow import exact_in, found_in, index_text, value_text
from detente.monitor._policy import Rule
from detente.monitor._text import normalize
from detente.monitor._trace import JSON

__all__ = [
    "carries",
    "check_directed",
    "check_halt",
    "check_injected",
    "check_sink_after_injection",
    "check_untrusted_critical",
]


def _drift(ctx: Context, words: list[str]) -> bool:
    """The user's request names neither the call's tool words nor its kind's action ("refund"
    names send_money)."""
    named_by_user = ctx.kind is not None and any(
        stem_in(w, ctx.user.words) for w in KIND_WORDS.get(ctx.kind, ())
    )
    return share(words, ctx.user) < 0.5 and not named_by_user


def check_injected(ctx: Context, rule: Rule) -> Hit | None:
    words = tool_words(ctx.call.name)
    # The user's request does not name this tool's words. (Not :func:`_drift`: here a kind's
    # action the user named, "refund" for send_money, would narrow the values an ordinary
    # instruction may choose to the critical ones, and attacks on those sets went through.)
    drift = share(words, ctx.user) < 0.5
    for out in ctx.outputs:
        for span in out.analysis.directives:
            aimed = strong(ctx, span)
            # An ordinary instruction in the data ("please pay by Friday") counts only when the
            # user did not hand the agent over to that data ("do the tasks in the e-mail").
            if not aimed and ctx.handed_over and out.user_chosen:
                continue
            text = index_text(span.context or span.text)
            matched = [
                (p, v)
                for p, v in ctx.leaves
                if found_in(v, text) and not ctx.from_user(v) and not carries(ctx.whole(p, v), span)
            ]
            if not aimed and not drift:
                # ... and, for an action the user did ask for, only when the data chose where
                # it goes (a sink's recipient, account, file, URL).
                matched = [(p, v) for p, v in matched if ctx.kind and ctx.policy.is_critical(p)]
            # An ordinary instruction chose a value only when it asks for the call's action: a
            # newsletter's "see our top 10 city breaks" chose no refund's amount. A number, a
            # weak match, counts only in the instruction's own sentence, asking for the call's
            # own kind of action ("pay", "transfer"; not "reply C to confirm").
            if matched and not aimed:
                if not _asks_for(ctx, span.context or span.text):
                    matched = []
                elif not _asks_for(ctx, span.text, own_kind=True):
                    matched = [(p, v) for p, v in matched if not _number(v)]
                else:
                    own = index_text(_unlabelled(span.text))
                    matched = [(p, v) for p, v in matched if not _number(v) or found_in(v, own)]
            by_name = drift and (aimed or not ctx.leaves) and share(words, text) >= 0.5
            if matched or by_name:
                what = ", ".join(f"{p}={value_text(v)[:60]!r}" for p, v in matched[:3]) or (
                    f"the tool {ctx.call.name!r}"
                )
                reason = (
                    f"{what} comes from an instruction in the output of {out.tool or 'a tool'} "
                    f"(message {out.index}), not from the user's request"
                )
                return Hit(rule, reason, (span_evidence(out, span),))
    return None


def check_directed(ctx: Context, rule: Rule) -> Hit | None:
    """Task drift, any call (reads too): a directive in untrusted data chose its values, or
    named its action when the user's request did not; unless the user handed the agent over
    to that data ("do the tasks in the e-mail …")."""
    words = tool_words(ctx.call.name)
    drift = _drift(ctx, words)
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
                if (exact_in(v, text) if _prose(v) else found_in(v, text))
                and not ctx.from_user(v)
                and not carries(ctx.whole(p, v), span)
            ]
            if matched and not _asks_for(ctx, span.text):
                # a number in an instruction for something else ("see our top 10 city breaks")
                matched = [(p, v) for p, v in matched if not _number(v)]
            elif matched and not strong(ctx, span):
                amounts = index_text(_unlabelled(span.text))
                matched = [(p, v) for p, v in matched if not _number(v) or found_in(v, amounts)]
            # Words of the tool that produced the output don't count: its data echoes them
            # ("Rating: … Reviews: …" in get_rating_reviews_… output).
            # Nor does the text's own container ("reply to this message"). (Exact words, not
            # :func:`not_echoed`'s stems: with "channel" also left out of send_channel_message,
            # "send" alone would name it.)
            own = set(tool_words(out.tool))
            named = (
                drift
                and share(
                    [w for w in words if w not in own],
                    index_text(SELF_REFERENCE.sub(" ", span.text)),
                )
                >= 0.5
            )
            if matched or named:
                what = ", ".join(f"{p}={value_text(v)[:60]!r}" for p, v in matched[:3]) or (
                    f"the action {ctx.call.name!r}, which the user's request does not name,"
                )
                reason = (
                    f"{what} was chosen by an instruction in the output of "
                    f"{out.tool or 'a tool'} (message {out.index}), not by the user's request"
                )
                return Hit(rule, reason, (span_evidence(out, span),))
    return None


def _asks_for(ctx: Context, text: str, own_kind: bool = False) -> bool:
    """The instruction names the call's effect ("transfer", "reserve", "send"; with
    ``own_kind``, only the words of the call's sink kind: "pay", not "reply") or its tool's
    words."""
    if own_kind:
        effect = frozenset(KIND_WORDS.get(ctx.kind or "", ()))
    else:
        effect = effect_words(ctx.call.name, ctx.kind)
    if effect and named_effects(((ctx.call.name, effect),), text):
        return True
    return share(tool_words(ctx.call.name), index_text(text)) >= 0.5


def _number(value: JSON) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and _NUMERIC.fullmatch(value.strip()) is not None


_NUMERIC = re.compile(r"[$€£¥]?\s*[\d.,]+\s*(?:[A-Z]{3})?")
# A number that labels a step, an item or a place, or bounds a span of hours, is no amount:
# "Step 5: schedule the payment for the due date" and "reply with your availability, any time
# from 9 to 5" ask for no payment of 5.
_LABEL_NUMBER = re.compile(
    r"\b(?:step|item|point|no\.?|number|section|part|phase|stage|page|line|chapter|room|table|"
    r"gate|floor|level|platform|seat|row|day|week|task|rule|article|clause|§)\s*#?\d+(?:\.\d+)*\b|"
    r"#\d+\b|"
    # a span of hours: "any time from 9 to 5", "between 2 and 4 pm"
    r"\b(?:from|between)\s+\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)?\s*(?:to|and|until|till|-|–)\s*"
    r"\d{1,2}(?:[:.]\d\d)?(?!\s*(?:[$€£¥%]|eur|usd|gbp|chf|dollars?|euros?|pounds?)|[\d,])",
    re.I,
)


def _unlabelled(text: str) -> str:
    return _LABEL_NUMBER.sub(" ", text)


def _prose(value: JSON) -> bool:
    """Free text (a message body): matched to an ordinary instruction only when the instruction
    holds it word for word (a title it dictates); a fuzzy match is too weak to say the
    instruction chose it (its links and addresses are traced one by one)."""
    return isinstance(value, str) and len(value) >= 20 and len(value.split()) >= 4


def carries(value: JSON, span: Span) -> bool:
    """The value holds the instruction itself (a channel or file *named* by the text): the
    instruction did not choose the value, the value carries it."""
    head = _SPACES.sub(" ", re.sub(r"^[\W_]+", "", normalize(span.text))).strip()[:40]
    return len(head) >= 10 and head in _SPACES.sub(" ", normalize(value_text(value)))


_SPACES = re.compile(r"\s+")


def check_halt(ctx: Context, rule: Rule) -> Hit | None:
    """Quarantine: after a tool output aimed instructions at the agent, stop and ask."""
    for out in ctx.outputs:
        for span in out.analysis.spans:
            if strong(ctx, span):
                reason = (
                    f"the output of {out.tool or 'a tool'} (message {out.index}) addresses "
                    f"instructions to the agent ({', '.join(span.signals)})"
                )
                return Hit(rule, reason, (span_evidence(out, span),))
    return None


def check_sink_after_injection(ctx: Context, rule: Rule) -> Hit | None:
    if ctx.kind is None:
        return None
    hits = [(o, s) for o in ctx.outputs for s in o.analysis.spans if strong(ctx, s)]
    if not hits:
        return None
    crit = [(p, v) for p, v in ctx.leaves if ctx.policy.is_critical(p) and not ctx.from_user(v)]
    if not crit:
        return None
    out, span = hits[0]
    # A value that carries the instruction (the channel *named* by it) was not chosen by it.
    crit = [(p, v) for p, v in crit if not carries(ctx.whole(p, v), span)]
    if not crit:
        return None
    p, v = crit[0]
    reason = (
        f"{ctx.kind} call after an injection in {out.tool or 'a tool'}'s output "
        f"({', '.join(span.signals)}); {p}={value_text(v)[:60]!r} was not supplied by the user"
    )
    return Hit(
        rule,
        reason,
        (span_evidence(out, span), Evidence("argument", value_text(v)[:200], argument=p)),
    )


def check_untrusted_critical(ctx: Context, rule: Rule) -> Hit | None:
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
