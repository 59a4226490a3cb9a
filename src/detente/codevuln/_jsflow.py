"""JavaScript/TypeScript rules on the tree-sitter tree, with what each name is bound to.

Every ``const``/``let``/``var`` declarator, assignment and function declaration binds a name
to expressions (flow-insensitive: all values the name ever takes). An expression is then one
of: a constant string (a literal, a template with no substitution, a sum of constants or a
name bound only to those), a function, a dynamic string (built from something else), a
parameter, or unknown. Code sinks (``eval`` and its aliases, ``new Function``, string
timers), child processes, message handlers, plain-HTTP requests and a few API misuses are
judged on that. TypeScript is parsed with the TypeScript grammar (TSX for ``.tsx``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from detente.codevuln._rules import Raw
from detente.codevuln._treesitter import children, field, parse, text, walk

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["analyze_js_tree"]

_FUNCS = {"arrow_function", "function_expression", "function", "function_declaration"}
_FUNCS |= {"generator_function", "method_definition"}
_CP = {"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync", "fork"}
_HTTP_CALLS = {"fetch", "get", "post", "put", "delete", "patch", "request", "open", "ajax"}
_PLAIN = re.compile(r"^(http|ws)://(?!(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])([:/]|$))", re.I)
_WEAK_HASH = {"md5", "md4", "sha1", "ripemd160"}
_PASSWORDISH = re.compile(r"(?i)pass(word|wd)?|pwd")


class _JS:
    def __init__(self, code: str, root: Node) -> None:
        self.code = code
        self.root = root
        self.out: list[Raw] = []
        self.binds: dict[str, list[Node]] = {}
        self.params: set[str] = set()
        self.nodes = list(walk(self.root))
        for node in self.nodes:
            self._bind(node)

    def add(self, rule: str, node: Node, msg: str) -> None:
        self.out.append((rule, node.start_point[0] + 1, node.start_point[1] + 1, msg))

    def _bind(self, node: Node) -> None:
        t = node.type
        if t == "variable_declarator":
            name, value = field(node, "name"), field(node, "value")
            if name is not None and name.type == "identifier" and value is not None:
                self.binds.setdefault(text(name), []).append(value)
        elif t == "assignment_expression":
            left, right = field(node, "left"), field(node, "right")
            if left is not None and left.type == "identifier" and right is not None:
                self.binds.setdefault(text(left), []).append(right)
        elif t == "function_declaration":
            name = field(node, "name")
            if name is not None:
                self.binds.setdefault(text(name), []).append(node)
        elif t in {"formal_parameters"}:
            for p in children(node):
                target = field(p, "pattern") or p
                if target.type == "identifier":
                    self.params.add(text(target))
                elif target.type == "assignment_pattern":
                    left = field(target, "left")
                    if left is not None:
                        self.params.add(text(left))

    # -- what an expression is ----------------------------------------------------------
    def kind(self, node: Node | None, depth: int = 0) -> str:
        """const, func, dynamic, param or unknown."""
        if node is None or depth > 8:
            return "unknown"
        t = node.type
        if t == "string" or (t == "template_string" and not _subs(node)):
            return "const"
        if t in {"number", "true", "false", "null", "undefined"}:
            return "const"
        if t in _FUNCS:
            return "func"
        if t == "template_string":
            return "dynamic"
        if t == "parenthesized_expression":
            kids = children(node)
            return self.kind(kids[-1], depth + 1) if kids else "unknown"
        if t == "binary_expression":
            kinds = {self.kind(field(node, s), depth + 1) for s in ("left", "right")}
            return "const" if kinds == {"const"} else "dynamic"
        if t == "identifier":
            name = text(node)
            values = self.binds.get(name, [])
            if name in self.params and not values:
                return "param"
            kinds = {self.kind(v, depth + 1) for v in values}
            for k in ("dynamic", "param", "func", "unknown"):
                if k in kinds:
                    return k
            return "const" if kinds else "unknown"
        return "unknown"

    def string(self, node: Node | None, depth: int = 0) -> str | None:
        """The value of a constant string expression, or None."""
        if node is None or depth > 8:
            return None
        if node.type == "string":
            return text(node)[1:-1]
        if node.type == "template_string" and not _subs(node):
            return text(node)[1:-1]
        if node.type == "identifier":
            values = self.binds.get(text(node), [])
            if len(values) == 1:
                return self.string(values[0], depth + 1)
        if node.type == "binary_expression" and text(field(node, "operator")) == "+":
            a, b = self.string(field(node, "left"), depth + 1), self.string(field(node, "right"))
            return None if a is None or b is None else a + b
        return None

    def is_eval(self, callee: Node | None, depth: int = 0) -> bool:
        if callee is None or depth > 4:
            return False
        if callee.type == "identifier":
            if text(callee) == "eval":
                return True
            values = self.binds.get(text(callee), [])
            return any(self.is_eval(v, depth + 1) for v in values)
        if callee.type == "member_expression":
            return text(field(callee, "property")) == "eval"
        if callee.type in {"parenthesized_expression", "sequence_expression"}:
            kids = children(callee)
            return bool(kids) and self.is_eval(kids[-1], depth + 1)
        return False

    # -- rules -----------------------------------------------------------------------------
    def run(self) -> list[Raw]:
        for node in self.nodes:
            if node.type == "call_expression":
                self.call(node)
            elif node.type == "new_expression":
                self.new(node)
            elif node.type == "assignment_expression":
                left = field(node, "left")
                if left is not None and text(left).endswith(".onmessage"):
                    self.message_handler(node, field(node, "right"))
        return self.out

    def call(self, node: Node) -> None:
        callee = field(node, "function")
        args = _args(node)
        name = text(callee)
        last = name.rsplit(".", 1)[-1].rstrip("?")
        if self.is_eval(callee) and args and self.kind(args[0]) != "const":
            self.add("js-eval", node, "eval() of code that is not a constant string")
        if last in {"setTimeout", "setInterval", "setImmediate"} and args:
            k = self.kind(args[0])
            if k in {"dynamic", "param"}:
                self.add("js-eval", node, f"{last}() with a built string evaluates code")
            elif k == "const" and args[0].type in {"string", "template_string"}:
                self.add("js-string-timer", node, f"{last}() evaluates a constant string of code")
        if (
            last in _CP
            and args
            and self.kind(args[0]) in {"dynamic", "param"}
            and re.search(r"child_process|\bcp\b|exec|spawn", self.code)
        ):
            self.add("js-command", node, f"{last}() of a command that is not constant")
        if last == "addEventListener" and args and self.string(args[0]) == "message":
            self.message_handler(node, args[1] if len(args) > 1 else None)
        if last == "postMessage" and len(args) > 1 and self.string(args[1]) == "*":
            self.add("js-postmessage-any", node, "postMessage() to any origin ('*')")
        if name in {"Buffer.allocUnsafe", "Buffer.allocUnsafeSlow"}:
            self.add("js-uninit-buffer", node, f"{name}() returns uninitialised memory")
        if name.endswith("pseudoRandomBytes"):
            self.add("js-weak-random", node, "pseudoRandomBytes() is not a CSPRNG")
        if last in _HTTP_CALLS and args:
            url = self.string(args[1] if last == "open" and len(args) > 1 else args[0])
            if url is not None and _PLAIN.match(url):
                self.add("js-http-request", node, f"request over plain {url.split(':')[0]}")
        self.crypto(node, name, last, args)

    def crypto(self, node: Node, name: str, last: str, args: list[Node]) -> None:
        if last == "createHash" and args:
            algo = (self.string(args[0]) or "").lower()
            chain = text(node.parent.parent) if node.parent and node.parent.parent else ""
            if algo in _WEAK_HASH and not _PASSWORDISH.search(chain):
                self.add("js-weak-hash", node, f"{algo}: a broken hash")
            elif algo not in _WEAK_HASH and _PASSWORDISH.search(chain):
                self.add("js-weak-crypto", node, "a fast hash for a password; use a KDF")
        if last in {"createCipheriv", "createDecipheriv"} and len(args) > 2:
            iv = args[2]
            values = self.binds.get(text(iv), [iv]) if iv.type == "identifier" else [iv]
            if any(
                re.match(r"Buffer\.(alloc|from)\(\s*\d+\s*(,\s*0\s*)?\)|^['\"`]", text(v))
                for v in values
            ):
                self.add("js-static-iv", node, "constant initialisation vector")
        if name.endswith("jwt.decode") or (last == "decode" and "jsonwebtoken" in self.code):
            self.add("js-jwt-unverified", node, "jwt.decode() does not verify the signature")
        if last == "generateKeyPairSync" and len(args) > 1:
            bits = re.search(r"modulusLength\s*:\s*(\d+)", text(args[1]))
            if bits is not None and int(bits.group(1)) < 2048:
                self.add("js-weak-key", node, f"{bits.group(1)}-bit key")
        if last == "select" and "xpath" in name and args and self.kind(args[0]) == "dynamic":
            self.add("js-xpath-injection", node, "XPath query built from input")

    def new(self, node: Node) -> None:
        ctor = text(field(node, "constructor"))
        args = _args(node)
        if ctor == "Function" and args and self.kind(args[-1]) not in {"const", "func"}:
            self.add("js-function-ctor", node, "new Function() of code that is not constant")
        if ctor == "RegExp" and args and self.kind(args[0]) == "param":
            self.add("js-regex-injection", node, "regular expression built from input")
        if ctor == "NodeRSA" and args:
            bits = re.search(r"\bb\s*:\s*(\d+)", text(args[0]))
            if bits is not None and int(bits.group(1)) < 2048:
                self.add("js-weak-key", node, f"{bits.group(1)}-bit RSA key")
        if ctor == "WebSocket" and args:
            url = self.string(args[0])
            if url is not None and _PLAIN.match(url):
                self.add("js-http-request", node, "WebSocket over plain ws://")

    def message_handler(self, at: Node, handler: Node | None) -> None:
        """CWE-940: a ``message`` handler that never looks at ``event.origin``."""
        if handler is None:
            return
        bodies = [handler]
        if handler.type == "identifier":
            bodies = self.binds.get(text(handler), [])
        if bodies and not any("origin" in text(b) for b in bodies):
            self.add("js-message-origin", at, "message handler does not check event.origin")


def _subs(node: Node) -> bool:
    return any(c.type == "template_substitution" for c in node.children)


def _args(node: Node) -> list[Node]:
    args = field(node, "arguments")
    return [a for a in children(args) if a.type != "comment"] if args is not None else []


def analyze_js_tree(code: str, grammar: str = "javascript") -> list[Raw]:
    tree = parse(grammar, code)
    return [] if tree is None else _JS(code, tree.root_node).run()
