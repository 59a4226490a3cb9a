"""C data flow on the tree-sitter tree: one pass over each function body, in source order.

Each local variable carries a :class:`~detente.codevuln._cvalues.Var` (taint, constant value,
the buffer it points to and its size, NULL/freed/initialised state). Conditions become guards:
inside ``if (n < 10)`` the index ``n`` is bounded above; after ``if (p == NULL) exit(1);`` the
pointer is known non-NULL. Branches are walked one after the other and their effects kept
(a may-analysis: an assignment in either branch counts), loops once. The sinks:

* external input (``recv``, ``fgets``, ``fscanf``, ``getenv``, ``argv``, ``rand``…) reaching a
  command (CWE-78), a format (CWE-134), unbounded arithmetic (CWE-190), a divisor (CWE-369),
  an array index (CWE-121/122/125), an allocation size (CWE-789, CWE-680);
* copies whose length is known to exceed the destination (CWE-121 stack, CWE-122 heap),
  bounds computed from the *source* (``strncpy(d, s, strlen(s) + 1)``, CWE-120);
* NULL dereference (CWE-476), an allocation used unchecked (CWE-476), uninitialised reads
  (CWE-457), leaks (CWE-401), freeing non-heap memory (CWE-590) or a moved pointer (CWE-761).

Copies that provably fit (``strcat`` into a buffer large enough, ``malloc(n * sizeof(int))``
with a constant or checked ``n``) are not reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.codevuln._ceval import eval_expr
from detente.codevuln._cguards import Guards, facts, overflow_checks
from detente.codevuln._cvalues import SIZEOF, Val, Var, const_of, elem_size
from detente.codevuln._rules import Raw
from detente.codevuln._treesitter import children, field, parse, text

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["analyze_c_flow"]

_EXITS = {"exit", "abort", "_exit", "longjmp", "err", "errx", "assert_fail"}
_MAX_DEPTH = 400


class _Fn:
    """The walk over one function body."""

    def __init__(self, flow: _Flow, params: dict[str, Var], is_main: bool) -> None:
        self.flow = flow
        self.vars: dict[str, Var] = params
        self.guards = Guards()
        self.is_main = is_main
        self.depth = 0

    # -- reporting ---------------------------------------------------------------------
    def add(self, rule: str, node: Node, msg: str) -> None:
        self.flow.out.append((rule, node.start_point[0] + 1, node.start_point[1] + 1, msg))

    def var(self, name: str | None) -> Var | None:
        return self.vars.get(name) if name else None

    def overflow(self, node: Node, buf: Var, msg: str, constant: bool = False) -> None:
        """An out-of-bounds write, named for where the buffer lives (CWE-121/122); a constant
        length larger than a declared array is the plain out-of-bounds write (CWE-787)."""
        kind = buf.kind or ""
        rule = "c-stack-overflow" if kind in {"stack", "alloca"} else "c-size-mismatch"
        if constant and buf.array:
            rule = "c-size-mismatch"
        self.add("c-heap-overflow" if kind == "heap" else rule, node, msg)

    # -- statements ----------------------------------------------------------------------
    def stmt(self, node: Node) -> None:
        self.depth += 1
        try:
            if self.depth > _MAX_DEPTH:
                return
            self._stmt(node)
        finally:
            self.depth -= 1

    def _stmt(self, node: Node) -> None:
        t = node.type
        if t == "declaration":
            self.declaration(node)
        elif t == "if_statement":
            self.if_stmt(node)
        elif t in {"for_statement", "while_statement", "do_statement"}:
            self.loop(node)
        elif t == "return_statement":
            for c in children(node):
                v = self.expr(c)
                self.escape(v.base)
        elif t == "expression_statement":
            for c in children(node):
                self.expr(c)
        elif t in {"compound_statement", "translation_unit", "labeled_statement"} or t.startswith(
            "preproc_"
        ):
            for c in children(node):
                self.stmt(c)
        elif t in {"switch_statement", "case_statement", "else_clause"}:
            for c in children(node):
                if c.type in {"parenthesized_expression"} or (
                    c.is_named
                    and "statement" not in (c.type)
                    and c.type not in {"compound_statement", "declaration"}
                ):
                    self.expr(c)
                else:
                    self.stmt(c)

    def declaration(self, node: Node) -> None:
        type_text = text(field(node, "type"))
        for d in children(node)[1:]:
            value = field(d, "value") if d.type == "init_declarator" else None
            decl = field(d, "declarator") if d.type == "init_declarator" else d
            if decl is None:
                continue
            name, info = self.flow.declarator(decl, type_text)
            if name is None:
                continue
            if value is not None and value.type != "initializer_list":
                self.assign_var(name, info, self.expr(value), value)
            else:
                info.init = value is not None or info.array or "struct" in type_text
                if info.array and value is not None:
                    info.strlen = 0
                self.vars[name] = info

    def assign_var(self, name: str, info: Var, v: Val, at: Node) -> None:
        src = self.var(v.base)
        info.taint, info.const, info.null, info.init = v.taint, v.const, v.null, True
        info.strlen = v.strlen
        if info.array:  # an initialiser fills the array; its size and place stay
            self.vars[name] = info
            return
        if v.alloc:
            info.kind, info.nbytes, info.alloc_line = v.kind, v.nbytes, at.start_point[0] + 1
            info.checked, info.fits = v.kind != "heap", v.fits
        elif v.kind is not None and (info.pointer or info.array):
            info.kind, info.nbytes = v.kind, v.nbytes
            if src is not None and src.alloc_line and not src.freed:
                # the allocation now lives in this variable
                info.alloc_line, info.checked, info.moved = src.alloc_line, src.checked, src.moved
                src.escaped = True
        elif info.pointer:
            info.kind, info.nbytes = None, None
        self.vars[name] = info

    def if_stmt(self, node: Node) -> None:
        cond = field(node, "condition")
        self.expr(cond)
        pos, neg = facts(cond)
        self.guards.always(overflow_checks(cond))
        for f in pos | neg:
            v = self.var(f[1])
            if v is not None and f[0] in {"null", "nonnull"}:
                v.checked = True
        body, alt = field(node, "consequence"), field(node, "alternative")
        self.guards.push(pos)
        if body is not None:
            self.stmt(body)
        self.guards.pop()
        self.guards.push(neg)
        if alt is not None:
            self.stmt(alt)
        self.guards.pop()
        if alt is None and body is not None and self.flow.exits(body):
            self.guards.always(neg)

    def loop(self, node: Node) -> None:
        cond = field(node, "condition")
        if node.type == "for_statement":
            for part in ("initializer", "update"):
                c = field(node, part)
                if c is not None:
                    (self.stmt if c.type == "declaration" else self.expr)(c)
        pos: set[tuple[str, str]] = set()
        if cond is not None:
            self.expr(cond)
            pos = facts(cond)[0]
            self.loop_bound(node, cond)
        self.guards.push(pos)
        body = field(node, "body")
        if body is not None:
            self.stmt(body)
        self.guards.pop()

    # -- expressions -----------------------------------------------------------------------
    def expr(self, node: Node | None) -> Val:
        if node is None:
            return Val()
        self.depth += 1
        try:
            if self.depth > _MAX_DEPTH:
                return Val(taint=1)
            return eval_expr(self, node)
        finally:
            self.depth -= 1

    def escape(self, name: str | None) -> None:
        v = self.var(name)
        if v is not None:
            v.escaped = True

    def loop_bound(self, node: Node, cond: Node) -> None:
        """``for (i = 0; i < N; i++) buf[i] = ...`` with N larger than buf: out of bounds."""
        if cond.type != "binary_expression" or text(field(cond, "operator")) not in {"<", "<="}:
            return
        left = field(cond, "left")
        if left is None or left.type != "identifier":
            return
        bound = self.flow.const(self, field(cond, "right"))
        if bound is None:
            return
        limit = bound + (1 if text(field(cond, "operator")) == "<=" else 0)
        idx = text(left)
        body = field(node, "body")
        for sub in _descendants(body, "subscript_expression"):
            if text(field(sub, "index")) != idx or not _is_write(sub):
                continue
            buf = self.var(_base_name(field(sub, "argument")))
            if buf is not None and buf.nbytes is not None and buf.elem:
                count = buf.nbytes // buf.elem
                off_by_one = limit == count + 1 and text(field(cond, "operator")) == "<="
                if limit > count and not off_by_one and buf.kind in {"stack", "heap", "alloca"}:
                    # (``<=`` one past the end is c-off-by-one's, CWE-193)
                    self.overflow(sub, buf, f"loop writes {limit} elements into {count}")
                    return


class _Flow:
    def __init__(self, code: str, grammar: str) -> None:
        self.code = code
        self.grammar = grammar
        self.out: list[Raw] = []
        self.macros: dict[str, str] = {}
        # callee -> [taint of each argument, the most tainted seen at any call in this file]
        self.call_taint: dict[str, list[int]] = {}
        self.freed_names: set[str] = set()

    def run(self) -> list[Raw]:
        tree = parse(self.grammar, self.code)
        if tree is None:
            return []
        root = tree.root_node
        for node in _descendants(root, "preproc_def"):
            name, value = field(node, "name"), field(node, "value")
            if name is not None and value is not None:
                self.macros[text(name)] = text(value).strip()
        for call in _descendants(root, "call_expression"):
            args = field(call, "arguments")
            if text(field(call, "function")) == "free" and args is not None and children(args):
                self.freed_names.add(_base_name(children(args)[0]) or "")
        functions = _descendants(root, "function_definition")
        # Two passes: the first learns what each function of the file is called with, so a
        # helper's parameters carry its callers' taint in the second (one level of calls).
        for fn in functions:
            self.function(fn, learn=True)
        self.out = []
        for fn in functions:
            self.function(fn, learn=False)
        return self.out

    def function(self, fn: Node, learn: bool) -> None:
        decl = field(fn, "declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = field(decl, "declarator")
        if decl is None:
            return
        params: dict[str, Var] = {}
        plist = field(decl, "parameters")
        for p in children(plist) if plist is not None else []:
            pd = field(p, "declarator")
            if pd is None:
                continue
            name, info = self.declarator(pd, text(field(p, "type")))
            if name is not None:
                info.taint, info.kind, info.nbytes, info.array = 1, None, None, False
                params[name] = info
        fname = text(field(decl, "declarator"))
        is_main = fname in {"main", "wmain"}
        if is_main:
            for name in list(params)[1:2]:
                params[name].taint = 2
        seen = self.call_taint.get(fname)
        if not learn and seen is not None:
            for name, taint in zip(params, seen, strict=False):
                params[name].taint = taint
        walker = _Fn(self, params, is_main)
        body = field(fn, "body")
        if body is None:
            return
        try:
            walker.stmt(body)
        except RecursionError:
            return
        self.leaks(walker)

    def declarator(self, decl: Node, type_text: str) -> tuple[str | None, Var]:
        depth = 0
        dims: list[Node | None] = []
        cur: Node | None = decl
        while cur is not None and cur.type != "identifier":
            if cur.type == "pointer_declarator":
                depth += 1
            elif cur.type == "array_declarator":
                dims.append(field(cur, "size"))
            elif cur.type not in {"parenthesized_declarator", "attributed_declarator"}:
                return None, Var()
            cur = field(cur, "declarator") or (children(cur)[0] if children(cur) else None)
        if cur is None:
            return None, Var()
        info = Var(pointer=depth > 0, array=bool(dims), scalar=depth == 0 and not dims)
        info.elem = elem_size(type_text, depth + (1 if dims and depth else 0))
        if dims:
            count = const_of(text(dims[0]), self.macros) if dims[0] is not None else None
            info.kind = "stack"
            info.nbytes = None if count is None else count * info.elem
        base_type = " ".join(
            w for w in type_text.split() if w not in {"const", "volatile", "static", "register"}
        )
        if base_type not in SIZEOF:
            info.scalar = False  # a struct, union or typedef: members may be set one by one
        return text(cur), info

    def const(self, fn: _Fn, node: Node | None) -> int | None:
        return fn.expr(node).const if node is not None else None

    def exits(self, node: Node) -> bool:
        """Whether a branch always leaves (return, break, continue, goto, exit())."""
        last = node
        while last.type == "compound_statement":
            stmts = [c for c in children(last) if c.type != "comment"]
            if not stmts:
                return False
            last = stmts[-1]
        if last.type in {"return_statement", "break_statement", "continue_statement"}:
            return True
        if last.type == "goto_statement":
            return True
        if last.type == "expression_statement":
            call = children(last)[0] if children(last) else None
            return (
                call is not None
                and call.type == "call_expression"
                and (text(field(call, "function")) in _EXITS)
            )
        return False

    def leaks(self, fn: _Fn) -> None:
        for name, v in fn.vars.items():
            if name in self.freed_names:  # the file frees it on some path: ownership is managed
                continue
            if v.alloc_line and v.kind == "heap" and not (v.freed or v.escaped or fn.is_main):
                self.out.append(
                    ("c-memory-leak", v.alloc_line, 1, f"{name} is allocated and never freed")
                )


def _descendants(node: Node | None, kind: str) -> list[Node]:
    if node is None:
        return []
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == kind:
            out.append(cur)
        stack.extend(reversed(cur.children))
    return out


def _base_name(node: Node | None) -> str | None:
    while node is not None and node.type in {
        "parenthesized_expression",
        "cast_expression",
        "pointer_expression",
        "binary_expression",
        "subscript_expression",
    }:
        if node.type == "cast_expression":
            node = field(node, "value")
        elif node.type == "binary_expression":
            node = field(node, "left")
        elif node.type in {"subscript_expression", "pointer_expression"}:
            node = field(node, "argument")
        else:
            node = children(node)[0] if children(node) else None
    return text(node) if node is not None and node.type == "identifier" else None


def _is_write(node: Node) -> bool:
    parent = node.parent
    return (
        parent is not None
        and parent.type == "assignment_expression"
        and field(parent, "left") == node
    )


def analyze_c_flow(code: str, grammar: str = "c") -> list[Raw]:
    return _Flow(code, grammar).run()
