"""The expression half of the C data flow: the abstract value of an expression, and the sinks.

Called by the statement walk in ``_cflow``; it reads and updates the walker's variables and
reports through it. The rules it reports are described there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.codevuln._ccalls import call
from detente.codevuln._cguards import facts
from detente.codevuln._cvalues import SIZEOF, Val, const_of, int_literal, string_length
from detente.codevuln._treesitter import children, field, text

if TYPE_CHECKING:
    from tree_sitter import Node

    from detente.codevuln._cflow import _Fn

__all__ = ["deref", "escape", "eval_expr"]


def eval_expr(fn: _Fn, node: Node) -> Val:
    t = node.type
    if t == "number_literal":
        return Val(const=int_literal(text(node)))
    if t == "char_literal":
        return Val(const=0 if text(node) in {"'\\0'", "L'\\0'"} else 1)
    if t in {"string_literal", "concatenated_string"}:
        n = string_length(node)
        return Val(kind="literal", strlen=n, nbytes=None if n is None else n + 1, literal=True)
    if t == "null":
        return Val(const=0, null=True)
    if t in {"true", "false"}:
        return Val(const=int(t == "true"))
    if t == "identifier":
        return _ident(fn, node)
    if t == "parenthesized_expression":
        kids = children(node)
        return fn.expr(kids[-1]) if kids else Val()
    if t == "cast_expression":
        return fn.expr(field(node, "value"))
    if t == "sizeof_expression":
        return Val(const=_sizeof(fn, node))
    if t == "binary_expression":
        return _binary(fn, node)
    if t == "unary_expression":
        v = fn.expr(field(node, "argument"))
        op = text(field(node, "operator"))
        const = -v.const if op == "-" and v.const is not None else None
        return Val(taint=v.taint, const=const if op != "+" else v.const)
    if t == "update_expression":
        return _update(fn, node)
    if t == "assignment_expression":
        return _assign(fn, node)
    if t == "call_expression":
        return call(fn, node)
    if t == "subscript_expression":
        return _subscript(fn, node, write=False)
    if t == "pointer_expression":
        arg = field(node, "argument")
        if text(field(node, "operator")) == "&":
            name = text(arg) if arg is not None and arg.type == "identifier" else None
            var = fn.var(name)
            if var is not None:
                var.init = True  # whoever gets the address may fill it in
            return Val(kind="addr", base=name)
        v = fn.expr(arg)
        deref(fn, v.base, node)
        return Val(taint=v.taint)
    if t == "field_expression":
        v = fn.expr(field(node, "argument"))
        if text(field(node, "operator")) == "->":
            deref(fn, v.base, node)
        return Val(taint=v.taint)
    vals = [fn.expr(c) for c in children(node)]
    return Val(taint=max((v.taint for v in vals), default=0))


def _ident(fn: _Fn, node: Node) -> Val:
    name = text(node)
    v = fn.var(name)
    if v is not None:
        if not v.init and (v.scalar or v.pointer):
            fn.add("c-uninitialized", node, f"{name} is read before it is given a value")
            v.init = True
        return Val(
            taint=v.taint,
            const=v.const,
            kind=v.kind,
            nbytes=v.nbytes,
            strlen=v.strlen,
            null=v.null,
            base=name,
            names=frozenset({name}),
        )
    body = fn.flow.macros.get(name)
    if body is not None and body.isidentifier() and fn.var(body) is not None:
        name = body  # ``#define COMMAND_ARG3 data``: the macro names a local
        v = fn.var(name)
        assert v is not None
        return Val(taint=v.taint, kind=v.kind, nbytes=v.nbytes, strlen=v.strlen, base=name)
    if body is not None:
        if body.startswith(('"', 'L"')):
            n = len(body.strip("L").strip('"'))
            return Val(kind="literal", strlen=n, nbytes=n + 1, literal=True)
        return Val(const=const_of(body, fn.flow.macros))
    # not a local: an all-caps name is a constant or macro from a header, anything else
    # (a global, an enumerator) of unknown origin
    return Val(taint=0 if name.isupper() or name in {"stdin", "stdout", "stderr"} else 1)


def _sizeof(fn: _Fn, node: Node) -> int | None:
    ty = field(node, "type")
    if ty is not None:
        name = " ".join(text(ty).split())
        return SIZEOF.get(name, 8 if name.endswith("*") else None)
    value = field(node, "value")
    inner = value
    while inner is not None and inner.type == "parenthesized_expression":
        kids = children(inner)
        inner = kids[0] if kids else None
    if inner is not None and inner.type == "identifier":
        v = fn.var(text(inner))
        if v is not None:
            return v.nbytes if v.array else (8 if v.pointer else v.elem)
        return SIZEOF.get(text(inner))  # sizeof(wchar_t): a type name parsed as a value
    return None


def _binary(fn: _Fn, node: Node) -> Val:
    op = text(field(node, "operator"))
    left = fn.expr(field(node, "left"))
    if op in {"&&", "||"}:
        pos, neg = facts(field(node, "left"))
        fn.guards.push(pos if op == "&&" else neg)
        right = fn.expr(field(node, "right"))
        fn.guards.pop()
        return Val(taint=max(left.taint, right.taint))
    right = fn.expr(field(node, "right"))
    taint = max(left.taint, right.taint)
    const = _fold(op, left.const, right.const)
    if op in {"+", "*"} and const is None:
        for v in (left, right):
            _overflow(fn, v, node, op)
    if op in {"/", "%"}:
        _divide(fn, right, node)
    mult = left.mult or right.mult or (op == "*" and (left.const is None or right.const is None))
    lv = fn.var(left.base)
    if lv is not None and (lv.pointer or lv.array) and op in {"+", "-"}:
        return Val(taint=left.taint, kind=left.kind, nbytes=left.nbytes, base=left.base)
    names = left.names | right.names
    return Val(taint=taint, const=const, mult=mult, base=left.base or right.base, names=names)


def _fold(op: str, a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return int(a / b)
        if op == "%":
            return a % b
        if op == "<<" and 0 <= b < 64:
            return a << b
        if op == ">>" and 0 <= b < 64:
            return a >> b
    except ZeroDivisionError:
        return None
    return None


def _overflow(fn: _Fn, v: Val, node: Node, op: str) -> None:
    """CWE-190: external input in ``+``/``*`` with no upper bound checked first."""
    var = fn.var(v.base)
    if v.taint < 2 or var is None or not var.scalar or fn.guards.has("upper", v.base):
        return
    fn.add("c-int-overflow", node, f"{v.base} (external input) in '{op}' can overflow")


def _divide(fn: _Fn, divisor: Val, node: Node) -> None:
    """CWE-369: a divisor that is zero, or external input never checked against zero."""
    if divisor.const == 0 and divisor.base is not None:
        fn.add("c-divide-by-zero", node, f"{divisor.base} is zero here")
    elif (
        divisor.taint >= 2
        and divisor.const is None
        and divisor.base is not None
        and not fn.guards.has("nonzero", divisor.base)
    ):
        fn.add("c-divide-by-zero", node, f"{divisor.base} may be zero (never checked)")


def _update(fn: _Fn, node: Node) -> Val:
    arg = field(node, "argument")
    v = fn.expr(arg)
    var = fn.var(v.base)
    if var is None:
        return v
    if var.pointer and var.alloc_line:
        var.moved = True
    if "++" in text(node):
        _overflow(fn, v, node, "++")
    if var.const is not None:
        var.const = None
    return Val(taint=v.taint, base=v.base)


def _assign(fn: _Fn, node: Node) -> Val:
    left, right = field(node, "left"), field(node, "right")
    op = text(field(node, "operator"))
    rv = fn.expr(right)
    if left is None:
        return rv
    if left.type == "identifier":
        name = text(left)
        var = fn.var(name)
        if var is None:
            escape(fn, rv.base)
            return rv
        if op == "=":
            var.freed = False
            fn.assign_var(name, var, rv, node)
            fn.guards.forget(name)
        else:
            cur = Val(taint=var.taint, base=name)
            if op in {"+=", "*="}:
                _overflow(fn, cur, node, op[0])
            if op in {"/=", "%="}:
                _divide(fn, rv, node)
            if var.pointer and var.alloc_line and op in {"+=", "-="}:
                var.moved = True
            var.taint, var.const = max(var.taint, rv.taint), None
        return rv
    escape(fn, rv.base)
    if left.type == "subscript_expression":
        _subscript(fn, left, write=True, value=rv)
    elif left.type == "field_expression" and text(field(left, "operator")) == ".":
        var = fn.var(_root_name(left))
        if var is not None:
            var.init = True
    else:
        fn.expr(left)
    return rv


def _root_name(node: Node) -> str | None:
    while node.type in {"field_expression", "subscript_expression"}:
        inner = field(node, "argument")
        if inner is None:
            return None
        node = inner
    return text(node) if node.type == "identifier" else None


def escape(fn: _Fn, name: str | None) -> None:
    var = fn.var(name)
    if var is not None:
        var.escaped = True


def deref(fn: _Fn, name: str | None, node: Node) -> None:
    """CWE-476: a pointer that is NULL here, or a fresh allocation not yet checked."""
    var = fn.var(name)
    if var is None or fn.guards.has("nonnull", name):
        return
    if var.null or fn.guards.has("null", name):
        fn.add("c-null-pointer", node, f"{name} is NULL when dereferenced")
        var.null = False
    elif var.alloc_line and not var.checked:
        fn.add("c-null-deref", node, f"{name} from an allocation is used without a NULL check")
        var.checked = True


def _subscript(fn: _Fn, node: Node, write: bool, value: Val | None = None) -> Val:
    base = fn.expr(field(node, "argument"))
    idx = fn.expr(field(node, "index"))
    deref(fn, base.base, node)
    var = fn.var(base.base)
    if var is None:
        return Val(taint=base.taint)
    count = var.nbytes // var.elem if var.nbytes is not None and var.elem else None
    unchecked = idx.taint >= 2 and idx.const is None and not fn.guards.has("upper", idx.base)
    beyond = idx.const is not None and count is not None and idx.const >= count
    if (unchecked or beyond) and var.kind in {"stack", "heap", "alloca"}:
        why = f"index {idx.base or idx.const} is " + ("external input" if unchecked else "past")
        if write:
            fn.overflow(node, var, f"{why} the end of {base.base}")
        else:
            fn.add("c-oob-read", node, f"{why} the end of {base.base} (read)")
    if write and value is not None:
        var.taint = max(var.taint, value.taint)
        if idx.const is not None and value.const == 0:
            var.strlen = idx.const if var.strlen is None else min(var.strlen, idx.const)
    return Val(taint=base.taint)
