"""What a C condition proves about its variables, on each branch.

``facts(cond)`` gives two sets of (kind, variable): what holds when the condition is true and
what holds when it is false. Kinds: ``upper`` (bounded above: ``n < 10``), ``lower``,
``nonzero`` (``d != 0``, ``fabs(d) > 0.000001``), ``null`` and ``nonnull``. ``&&`` proves both
sides when true; ``||`` proves both negations when false; ``!`` swaps. :class:`Guards` holds the
facts in force at a point of the walk: the enclosing branches' and those proved for the rest
of the function by an early exit (``if (p == NULL) exit(1);``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.codevuln._treesitter import children, field, text

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Fact", "Guards", "facts", "overflow_checks", "strip"]

Fact = tuple[str, str]
_ABS = {"abs", "labs", "llabs", "fabs", "fabsf", "fabsl", "imaxabs"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def strip(node: Node | None) -> tuple[Node | None, bool]:
    """The node under casts and parentheses, and whether an abs()/fabs() wrapped it."""
    wrapped = False
    while node is not None:
        if node.type in {"parenthesized_expression", "cast_expression"}:
            node = field(node, "value") if node.type == "cast_expression" else _first(node)
        elif node.type == "call_expression" and text(field(node, "function")) in _ABS:
            args = field(node, "arguments")
            node = _first(args) if args is not None else None
            wrapped = True
        else:
            break
    return node, wrapped


def _first(node: Node) -> Node | None:
    kids = children(node)
    return kids[0] if kids else None


def _zero(node: Node | None) -> bool:
    n, _ = strip(node)
    return n is not None and (n.type == "null" or text(n) in {"0", "NULL", "nullptr", "0.0"})


def _name(node: Node | None) -> str | None:
    return text(node) if node is not None and node.type == "identifier" else None


def facts(cond: Node | None) -> tuple[set[Fact], set[Fact]]:
    """(facts when true, facts when false)."""
    node, _ = strip(cond)
    if node is None:
        return set(), set()
    if node.type == "unary_expression" and text(field(node, "operator")) == "!":
        when_true, when_false = facts(field(node, "argument"))
        return when_false, when_true
    if node.type == "identifier":
        n = text(node)
        return {("nonnull", n), ("nonzero", n)}, {("null", n)}
    if node.type != "binary_expression":
        return set(), set()
    op = text(field(node, "operator"))
    left, right = field(node, "left"), field(node, "right")
    if op in {"&&", "&"}:
        lp, _ = facts(left)
        rp, _ = facts(right)
        return lp | rp, set()
    if op == "||":
        _, ln = facts(left)
        _, rn = facts(right)
        return set(), ln | rn
    if op not in _FLIP:
        return set(), set()
    pos: set[Fact] = set()
    neg: set[Fact] = set()
    for a, b, o in ((left, right, op), (right, left, _FLIP[op])):
        _compare(a, b, o, pos, neg)
    return pos, neg


def _compare(a: Node | None, b: Node | None, op: str, pos: set[Fact], neg: set[Fact]) -> None:
    inner, wrapped = strip(a)
    name = _name(inner)
    if name is None:
        return
    if op in {"==", "!="} and _zero(b):
        yes = {("null", name)}
        no = {("nonnull", name), ("nonzero", name)}
        pos |= yes if op == "==" else no
        neg |= no if op == "==" else yes
        return
    if op == "==":
        pos |= {("upper", name), ("lower", name)}
        return
    if op == "!=":
        neg |= {("upper", name), ("lower", name)}
        return
    below = op in {"<", "<="}
    pos.add(("upper" if below else "lower", name))
    neg.add(("lower" if below else "upper", name))
    if wrapped:  # |x| < k bounds x on both sides; |x| > k keeps it away from zero
        (pos if below else neg).add(("lower", name) if below else ("upper", name))
        (neg if below else pos).add(("nonzero", name))
    elif not below and not _negative(b):
        pos.add(("nonzero", name))


def _negative(node: Node | None) -> bool:
    n, _ = strip(node)
    return n is not None and text(n).startswith("-")


def overflow_checks(cond: Node | None) -> set[Fact]:
    """Variables compared with a limit that is a ``*_MAX`` constant or a quotient anywhere in
    a condition (``n > SIZE_MAX / size``): the idiom of an overflow check, whatever branch it
    guards. They count as bounded above for the rest of the function."""
    out: set[Fact] = set()
    stack = [cond] if cond is not None else []
    while stack:
        node = stack.pop()
        if node.type == "binary_expression" and text(field(node, "operator")) in _FLIP:
            sides = (field(node, "left"), field(node, "right"))
            for a, b in (sides, sides[::-1]):
                limit = text(b)
                if "MAX" in limit or "/" in limit:
                    out |= {("upper", text(n)) for n in _identifiers(a)}
        stack.extend(children(node))
    return out


def _identifiers(node: Node | None) -> list[Node]:
    out: list[Node] = []
    stack = [node] if node is not None else []
    while stack:
        cur = stack.pop()
        if cur.type == "identifier":
            out.append(cur)
        stack.extend(children(cur))
    return out


class Guards:
    """The facts in force: a stack of branch facts plus facts for the rest of the function."""

    def __init__(self) -> None:
        self.stack: list[set[Fact]] = []
        self.rest: set[Fact] = set()

    def push(self, fs: set[Fact]) -> None:
        self.stack.append(fs)

    def pop(self) -> None:
        self.stack.pop()

    def always(self, fs: set[Fact]) -> None:
        self.rest |= fs

    def forget(self, name: str) -> None:
        """A new value for ``name``: what was proved about the old one no longer holds."""
        self.rest = {f for f in self.rest if f[1] != name}

    def has(self, kind: str, name: str | None) -> bool:
        if name is None:
            return False
        f = (kind, name)
        return f in self.rest or any(f in s for s in self.stack)
