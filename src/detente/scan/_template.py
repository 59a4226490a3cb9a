"""Chat-template analysis through the Jinja2 AST — parsed, never rendered.

Chat templates ship inside GGUF files and ``tokenizer_config.json`` and are rendered by
inference servers, some without a sandbox. Server-side template injection reaches Python
internals through dunder attributes (``''.__class__.__mro__[1].__subclasses__()``), template
globals that expose them (``lipsum.__globals__``, ``cycler.__init__.__globals__``), the
``|attr`` filter with a dunder name, or strings assembled to spell a dunder. We walk the AST
and also fold constant string expressions so ``'__cla' ~ 'ss__'`` is seen for what it is.
"""

from __future__ import annotations

import re
from typing import Any

from detente.scan import _rules as R
from detente.scan._finding import Finding, Location
from detente.scan._rulebase import Rule

__all__ = ["analyze_template"]

_DUNDER = re.compile(r"__[A-Za-z_][A-Za-z0-9_]*__")
_INTERNALS = {"cycler", "joiner", "lipsum", "self", "config", "request", "url_for",
              "get_flashed_messages", "g", "session", "environment"}  # fmt: skip
_DANGEROUS_NAMES = {"os", "subprocess", "popen", "eval", "exec", "__import__", "importlib",
                    "system", "builtins", "sys", "open", "compile", "globals", "getattr"}  # fmt: skip
MAX_TEMPLATE = 1 << 20


def _const_str(node: Any) -> str | None:
    """Fold constant string expressions: Const, ~ and + of constants, '%c'|format(...)."""
    from jinja2 import nodes

    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if isinstance(node, nodes.Concat):
        parts = [_const_str(n) for n in node.nodes]
        return (
            "".join(p for p in parts if p is not None)
            if all(p is not None for p in parts)
            else None
        )
    if isinstance(node, nodes.Add):
        left, right = _const_str(node.left), _const_str(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, nodes.Filter) and node.name in ("format",) and node.node is not None:
        fmt = _const_str(node.node)
        if fmt is not None:
            args = [a.value if isinstance(a, nodes.Const) else None for a in node.args]
            if all(a is not None for a in args):
                try:
                    return str(fmt % tuple(args))
                except (TypeError, ValueError, OverflowError):
                    return None
    if isinstance(node, nodes.Filter) and node.name == "join" and isinstance(node.node, nodes.List):
        items = [_const_str(i) for i in node.node.items]
        if all(i is not None for i in items):
            return "".join(i for i in items if i is not None)
    return None


def analyze_template(source: str, location: Location, where: str) -> list[Finding]:
    from jinja2 import Environment, nodes
    from jinja2.exceptions import TemplateSyntaxError

    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(rule: Rule, msg: str, evidence: str) -> None:
        if (rule.id, evidence) in seen:
            return
        seen.add((rule.id, evidence))
        out.append(rule.finding(f"{where}: {msg}", location, evidence[:200]))

    if len(source) > MAX_TEMPLATE:
        out.append(R.TPL_010.finding(f"{where}: template larger than {MAX_TEMPLATE} bytes; "
                                     "not analysed", location))  # fmt: skip
        return out
    try:
        env = Environment(extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"])  # noqa: S701
        tree = env.parse(source)  # parsed only: nothing is ever rendered
    except TemplateSyntaxError as exc:
        out.append(R.TPL_011.finding(f"{where}: template does not parse ({exc.message}, line "
                                     f"{exc.lineno}); servers will refuse it", location))  # fmt: skip
        return out
    except RecursionError:
        out.append(R.TPL_010.finding(f"{where}: template nests too deeply to analyse", location))
        return out

    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr) and _DUNDER.fullmatch(node.attr):
            add(
                R.TPL_001,
                f"attribute access to {node.attr}: server-side template injection reaching Python "
                "internals",
                f".{node.attr}",
            )
        elif isinstance(node, nodes.Getitem):
            key = _const_str(node.arg)
            if key is not None and _DUNDER.search(key):
                add(
                    R.TPL_001,
                    f"item access to {key!r} (dunder by subscript)",
                    f"[{key!r}]",
                )
        elif isinstance(node, nodes.Filter) and node.name == "attr":
            arg = _const_str(node.args[0]) if node.args else None
            if arg is None:
                add(
                    R.TPL_002,
                    "|attr filter with a computed attribute name",
                    "|attr(<computed>)",
                )
            elif _DUNDER.search(arg):
                add(
                    R.TPL_001,
                    f"|attr({arg!r}) reaches a dunder attribute",
                    f"|attr({arg!r})",
                )
        elif isinstance(node, nodes.Name):
            if node.name in _DANGEROUS_NAMES:
                add(R.TPL_003, f"template refers to {node.name!r}", node.name)
        elif isinstance(node, nodes.Concat | nodes.Add) or (
            isinstance(node, nodes.Filter) and node.name in ("format", "join")
        ):
            folded = _const_str(node)
            if folded and _DUNDER.search(folded):
                add(
                    R.TPL_004,
                    f"a string is assembled to spell {_DUNDER.search(folded).group(0)!r} "  # type: ignore[union-attr]
                    "(obfuscated dunder access)",
                    folded,
                )
        elif isinstance(node, nodes.Const) and isinstance(node.value, str):
            if m := _DUNDER.search(node.value):
                add(
                    R.TPL_005,
                    f"string constant contains the dunder name {m.group(0)!r}",
                    node.value,
                )
        elif (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name == "range"
            and node.args
        ):
            a = node.args[-1]
            if isinstance(a, nodes.Const) and isinstance(a.value, int) and a.value > 10**6:
                out.append(R.TPL_006.finding(f"{where}: range({a.value}) — rendering would loop "
                                             "for a very long time (denial of service)", location,
                                             f"range({a.value})"))  # fmt: skip
        if (
            isinstance(node, nodes.Getattr)
            and isinstance(node.node, nodes.Name)
            and node.node.name in _INTERNALS
            and not _DUNDER.fullmatch(node.attr)
        ):
            add(
                R.TPL_007,
                f"attribute access on the template global {node.node.name!r} "
                f"(.{node.attr}) — a known route to interpreter internals",
                f"{node.node.name}.{node.attr}",
            )
    return out
