"""``unrequested-action`` (DM-FLOW-005): calls that serve an action the user never asked for.

An instruction in untrusted data that names one of the agent's *effects* (reserve, pay, send,
delete, invite …) which the user's request does not name is an attempt to steer the agent,
whoever it seems to address: a "TODO: make a reservation …" inside a review, a bare "Send the
code to …" inside an e-mail. The attacker's first call is often a read that prepares the effect
(the hotels of the city, the e-mail with the code), and that read may be one the user's own
task makes too; what marks it is that it *serves the instruction*: the call is the effect
itself, its tool's object words ("hotels") are the instruction's, or a value the user did not
give is the instruction's. Such a call is asked about before it runs.

Hand-overs count as in DM-FLOW-004: when the user made the data's tasks theirs ("do the tasks
in the e-mail …") the instruction is the user's.
"""

from __future__ import annotations

from detente.monitor._context import (
    PEOPLE,
    SELF_REFERENCE,
    Context,
    not_echoed,
    share,
    span_evidence,
    tool_words,
)
from detente.monitor._decision import Hit
from detente.monitor._detect import Span
from detente.monitor._effects import named_effects
from detente.monitor._flow import (
    IndexedText,
    embedded_entities,
    found_in,
    index_text,
    value_text,
)
from detente.monitor._flowchecks import carries
from detente.monitor._policy import Rule

__all__ = ["check_unrequested"]


def check_unrequested(ctx: Context, rule: Rule) -> Hit | None:
    if ctx.tasks_handed_over:
        return None
    for out in ctx.outputs:
        for span in out.analysis.directives:
            effects = named_effects(ctx.unasked_effects, span.text)
            if not effects and ctx.kind is None and _new_destination(ctx, span):
                # an effect the user asked for, towards a place they never named: the reads
                # that prepare it (not the effect itself, which DM-FLOW-001 judges)
                effects = named_effects(ctx.sink_effects, span.text)
            if effects:
                why = _serves(ctx, span, effects, out.tool)
                if why:
                    reason = (
                        f"an instruction in the output of {out.tool or 'a tool'} (message "
                        f"{out.index}) asks for an effect the user did not ask for "
                        f"({', '.join(effects[:3])}), and this call serves it: {why}"
                    )
                    return Hit(rule, reason, (span_evidence(out, span),))
    return None


def _new_destination(ctx: Context, span: Span) -> bool:
    """The instruction sends somewhere (a URL or e-mail address) the user's request never names."""
    return any(
        kind in ("url", "email") and not ctx.from_user(e)
        for kind, e in embedded_entities(span.text)
    )


def _serves(ctx: Context, span: Span, effects: tuple[str, ...], source: str) -> str | None:
    """Why the call serves the instruction (found in the output of the tool ``source``), or
    None."""
    if ctx.call.name in effects:
        return f"the call is that effect ({ctx.call.name})"
    text = index_text(span.text)
    if ctx.kind is None:  # a read: what it reads (the tool's words; not the output's echo)
        obj = [w for w in not_echoed(tool_words(ctx.call.name), source) if w not in PEOPLE]
        lines = _instruction_lines(SELF_REFERENCE.sub(" ", span.text), effects, ctx)
        if obj and share(obj, lines) >= 0.5:
            return f"it reads what the instruction is about ({', '.join(obj)})"
    vals = [
        f"{p}={value_text(v)[:60]!r}"
        for p, v in ctx.leaves
        if found_in(v, text) and not ctx.from_user(v) and not carries(ctx.whole(p, v), span)
    ]
    return f"{', '.join(vals[:3])} come from the instruction" if vals else None


def _instruction_lines(text: str, effects: tuple[str, ...], ctx: Context) -> IndexedText:
    """The span from the line that names the effect on: a wrapped record's earlier lines
    ("Reviews: … competitive prices") are data, not what the instruction is about."""
    groups = dict(ctx.sink_effects)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if named_effects(tuple((t, groups[t]) for t in effects), line):
            return index_text("\n".join(lines[i:]))
    return index_text(text)
