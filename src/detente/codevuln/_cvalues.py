"""What the C data flow knows about a variable or an expression, and how it reads constants.

A :class:`Val` is the abstract value of an expression: its taint (0 constant or local, 1 of
unknown origin such as a parameter, 2 external input), its integer value when constant, the
buffer it points to (where it lives and how many bytes it has) and the longest string it can
hold. Constants are folded over ``+ - * / % << >>``, ``sizeof`` of the basic types (LP64:
ISO C §6.5.3.4 leaves sizes to the implementation; these are the Linux x86-64 ones) and
object-like ``#define`` macros of the same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from detente.codevuln._treesitter import children, text

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["SIZEOF", "Val", "Var", "const_of", "elem_size", "int_literal", "string_length"]

SIZEOF: dict[str, int] = {
    "char": 1,
    "signed char": 1,
    "unsigned char": 1,
    "uint8_t": 1,
    "int8_t": 1,
    "bool": 1,
    "_Bool": 1,
    "short": 2,
    "unsigned short": 2,
    "int16_t": 2,
    "uint16_t": 2,
    "int": 4,
    "unsigned": 4,
    "unsigned int": 4,
    "int32_t": 4,
    "uint32_t": 4,
    "float": 4,
    "wchar_t": 4,
    "long": 8,
    "unsigned long": 8,
    "long long": 8,
    "unsigned long long": 8,
    "int64_t": 8,
    "uint64_t": 8,
    "size_t": 8,
    "ssize_t": 8,
    "double": 8,
    "void *": 8,
}


@dataclass
class Var:
    """What is known about one local variable at the current point of the walk."""

    taint: int = 0
    const: int | None = None
    kind: str | None = None  # what it points to: stack, heap, alloca, literal, addr
    nbytes: int | None = None  # size of the pointed-to (or own, for arrays) buffer
    elem: int = 1  # size of one element of the pointed-to type
    strlen: int | None = None  # longest string the buffer can hold now
    null: bool = False  # definitely NULL here
    alloc_line: int = 0  # line of the heap allocation it holds, 0 if none
    checked: bool = True  # a heap result compared with NULL before use
    moved: bool = False  # pointer arithmetic applied since the allocation
    freed: bool = False
    init: bool = True
    escaped: bool = False  # returned, stored elsewhere or handed to unknown code
    array: bool = False
    pointer: bool = False
    scalar: bool = False
    fits: str | None = None  # the string its allocation was sized for (strlen(s) + 1)


@dataclass(frozen=True)
class Val:
    """The abstract value of an expression."""

    taint: int = 0
    const: int | None = None
    kind: str | None = None
    nbytes: int | None = None
    strlen: int | None = None
    null: bool = False
    base: str | None = None  # the variable the expression designates or points into
    alloc: bool = False  # the value of an allocation call
    mult: bool = False  # contains a multiplication by a non-constant
    literal: bool = False  # a string literal
    fits: str | None = None  # allocation sized ``strlen(fits) + k``, k >= 1
    names: frozenset[str] = field(default_factory=frozenset)

    def with_(self, **kw: object) -> Val:
        return replace(self, **kw)  # type: ignore[arg-type]


_INT = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)[uUlL]*$")


def int_literal(s: str) -> int | None:
    m = _INT.match(s.strip())
    if m is None:
        return None
    body = m.group(1)
    if body.lower().startswith("0x"):
        return int(body, 16)
    if len(body) > 1 and body.startswith("0"):
        return int(body, 8)
    return int(body)


def string_length(node: Node) -> int | None:
    """Characters in a (possibly concatenated) string literal, escapes counted as one."""
    total = 0
    parts = [node] if node.type == "string_literal" else children(node)
    for part in parts:
        if part.type != "string_literal":
            return None
        for c in children(part):
            if c.type == "string_content":
                total += len(text(c))
            elif c.type == "escape_sequence":
                total += 1
    return total


def elem_size(type_text: str, pointer_depth: int) -> int:
    """Size of one element of a declared type (``int *`` → 4, ``char **`` → 8)."""
    if pointer_depth > 1:
        return 8
    t = re.sub(r"\b(const|volatile|static|register|struct|signed)\b", " ", type_text)
    return SIZEOF.get(" ".join(t.split()), 1 if "char" in t else 8)


_TOKENS = re.compile(r"\s*(0[xX][0-9a-fA-F]+|\d+|sizeof\s*\([^()]*\)|[-+*/%()]|\w+)")


def const_of(expr: str, macros: dict[str, str], depth: int = 0) -> int | None:
    """Integer value of a macro body or small constant expression, or None."""
    if depth > 8 or len(expr) > 200:
        return None
    toks: list[str] = []
    pos = 0
    expr = re.sub(r"[uUlL]+\b", "", expr.strip())
    while pos < len(expr):
        m = _TOKENS.match(expr, pos)
        if m is None:
            return None
        toks.append(m.group(1))
        pos = m.end()
    out: list[str] = []
    for tok in toks:
        if tok.startswith("sizeof"):
            inner = " ".join(tok[6:].strip()[1:-1].split())
            size = SIZEOF.get(inner.replace(" *", " *").strip(), 8 if "*" in inner else None)
            if size is None:
                return None
            out.append(str(size))
        elif re.fullmatch(r"[A-Za-z_]\w*", tok):
            if tok not in macros:
                return None
            v = const_of(macros[tok], macros, depth + 1)
            if v is None:
                return None
            out.append(str(v))
        elif tok.lower().startswith("0x"):
            out.append(str(int(tok, 16)))
        else:
            out.append(tok.lstrip("0") or "0" if tok.isdigit() else tok)
    try:
        value = _arith(out)
    except (ValueError, ZeroDivisionError, IndexError):
        return None
    return value


def _arith(toks: list[str]) -> int:
    """Evaluate + - * / % and parentheses over integer tokens (integer division, as C)."""
    pos = 0

    def atom() -> int:
        nonlocal pos
        tok = toks[pos]
        pos += 1
        if tok == "(":
            v = expr()
            pos += 1
            return v
        if tok == "-":
            return -atom()
        return int(tok)

    def term() -> int:
        nonlocal pos
        v = atom()
        while pos < len(toks) and toks[pos] in "*/%":
            op = toks[pos]
            pos += 1
            r = atom()
            v = v * r if op == "*" else (int(v / r) if op == "/" else v % r)
        return v

    def expr() -> int:
        nonlocal pos
        v = term()
        while pos < len(toks) and toks[pos] in "+-":
            op = toks[pos]
            pos += 1
            r = term()
            v = v + r if op == "+" else v - r
        return v

    value = expr()
    if pos != len(toks):
        raise ValueError("trailing tokens")
    return value
