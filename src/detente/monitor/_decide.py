"""``decide(policy, trace_so_far, call) -> Decision``: the pure core of the monitor.

Gathering is done by the caller (the trace is a value); this module applies each enabled rule's
check and combines the hits (block > ask > allow, then severity). The information-flow checks
live in ``_flowchecks`` (their context in ``_context``); the checks on the action itself here:
shell commands, secrets and personal data going out, paths, generated code, denied tools and
argument patterns.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from detente.monitor._action import find_pii, find_secrets, path_problem, shell_findings
from detente.monitor._code import code_findings
from detente.monitor._context import Context, sink_kind
from detente.monitor._decision import Decision, Evidence, Hit
from detente.monitor._flow import leaf_values, value_text
from detente.monitor._flowchecks import (
    check_directed,
    check_halt,
    check_injected,
    check_sink_after_injection,
    check_untrusted_critical,
)
from detente.monitor._policy import Policy, Rule
from detente.monitor._trace import ToolCall, Trace
from detente.monitor._unrequested import check_unrequested

__all__ = ["decide", "sink_kind"]

_EXEC_ARGS = re.compile(r"^(?:command|cmd|script|shell|bash|code|commands)$", re.I)
_PATH_ARGS = re.compile(
    r"(?:^|_)(?:path|file|filename|dest|destination|target|dir|directory|output)s?$", re.I
)
_OUTBOUND = ("send", "fetch", "pay", "execute")


def _check_malformed(ctx: Context, rule: Rule) -> Hit | None:
    if ctx.call.parse_error is None:
        return None
    ev = Evidence("argument", ctx.call.raw_arguments[:200])
    return Hit(rule, f"cannot check the call: {ctx.call.parse_error}", (ev,))


def _strings(ctx: Context, pred: Callable[[str], bool]) -> list[tuple[str, str]]:
    return [(p, v) for p, v in leaf_values(ctx.call.arguments) if isinstance(v, str) and pred(p)]


def _check_shell(ctx: Context, rule: Rule) -> Hit | None:
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


def _check_secret(ctx: Context, rule: Rule, pii: bool) -> Hit | None:
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


def _check_path(ctx: Context, rule: Rule) -> Hit | None:
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


def _check_code(ctx: Context, rule: Rule) -> Hit | None:
    if ctx.kind not in ("write", "execute"):
        return None
    for p, v in _strings(ctx, lambda p: True):
        for finding in code_findings(v, ctx.call.arguments):
            return Hit(rule, f"{p}: {finding}", (Evidence("argument", finding, argument=p),))
    return None


def _check_deny(ctx: Context, rule: Rule) -> Hit | None:
    if any(fnmatch.fnmatchcase(ctx.call.name.lower(), g) for g in rule.tools):
        return Hit(rule, f"tool {ctx.call.name!r} is denied by policy")
    return None


def _check_pattern(ctx: Context, rule: Rule) -> Hit | None:
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


_CHECKS: dict[str, Callable[[Context, Rule], Hit | None]] = {
    "injected-call": check_injected,
    "data-directed-call": check_directed,
    "unrequested-action": check_unrequested,
    "injection-halt": check_halt,
    "sink-after-injection": check_sink_after_injection,
    "untrusted-critical-arg": check_untrusted_critical,
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
    ctx = Context(policy, trace_so_far, call)
    hits = []
    for rule in policy.rules:
        if rule.enabled:
            hit = _CHECKS[rule.check](ctx, rule)
            if hit is not None:
                hits.append(hit)
    return Decision.from_hits(call.name, hits)
