"""Python rules of the code-vulnerability detector: ``ast`` with light taint tracking.

Taint levels: 0 clean (literals, names bound only to literals), 1 unknown (parameters, names
of unknown origin, results of calls on unknown values), 2 user-controlled (``request.*``,
``input()``, ``sys.argv``, ``os.environ``/``os.getenv``). Tracking is flow-insensitive within a
function: a name is as tainted as the most tainted value ever bound to it. The code is parsed,
never executed.
"""

from __future__ import annotations

import ast
import re

from detente.codevuln._pyextra import extra_python_rules
from detente.codevuln._pysinks import assignment_sinks, call_sinks
from detente.codevuln._regex import nested_quantifier
from detente.codevuln._rules import Raw

__all__ = ["analyze_python"]

_SECRET_NAME = re.compile(
    r"(?i)(^|_)(pass(word|wd)?|pwd|secret(_?key)?|api_?key|apikey|access_?key|private_?key|"
    r"auth_?token|access_?token|token|client_secret|credentials?)$"
)
_PASSWORDISH = re.compile(r"(?i)pass(word|wd)?|pwd|credential")
_TOKENISH = re.compile(
    r"(?i)token|passw|pwd|secret|\bkey\b|_key|key_|apikey|nonce|salt|otp|session|csrf|reset|"
    r"invite|verification|verify_code|auth|captcha|pin\b|api_?key"
)
_TIMING_NAME = re.compile(
    r"(?i)(token|secret|signature|\bsig\b|_sig\b|hmac|\bmac\b|_mac\b|api_?key|otp|csrf|"
    r"password_hash|pw_hash)"
)
_SESSION_COOKIE = re.compile(r"(?i)sess|token|auth|sid|jwt|remember|login|user")

_USER_ATTRS = {"args", "form", "json", "values", "data", "cookies", "headers", "files", "GET"}
_USER_ATTRS |= {"POST", "body", "query_params", "path_params", "get_json", "get_data", "FILES"}
_SANITIZERS = {
    "int",
    "float",
    "bool",
    "len",
    "quote",
    "escape",
    "basename",
    "secure_filename",
    "literal_eval",
    "compare_digest",
    "abs",
    "round",
    "hash",
    "uuid4",
    "isdigit",
    "isalnum",
    "quote_plus",
    "urlencode",
}
_RANDOM_FUNCS = {
    "random",
    "choice",
    "choices",
    "randint",
    "randrange",
    "getrandbits",
    "sample",
    "shuffle",
    "uniform",
}
_CLEAR_URL = re.compile(
    r"^http://(?!localhost\b|127\.0\.0\.1\b|0\.0\.0\.0\b|\[::1\]|example\.)[^\s]*"
    r"(login|signin|sign-in|auth|token|oauth|password|passwd|credential|session|account|pay)",
    re.I,
)


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain (calls and subscripts are kept as ``()``/``[]``)."""
    parts: list[str] = []
    cur: ast.AST = node
    for _ in range(50):
        if isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        elif isinstance(cur, ast.Name):
            parts.append(cur.id)
            break
        elif isinstance(cur, ast.Call):
            parts.append("()")
            cur = cur.func
        elif isinstance(cur, ast.Subscript):
            parts.append("[]")
            cur = cur.value
        else:
            break
    return ".".join(reversed(parts))


def _call_name(call: ast.Call) -> str:
    return _dotted(call.func)


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _str_const(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Scope:
    """Names bound in one function (or the module) and their taint level."""

    def __init__(self, node: ast.AST, params: set[str], route: bool, parent: _Scope | None):
        self.node = node
        self.params = params
        self.route = route
        self.parent = parent
        self.defs: dict[str, list[ast.expr]] = {}
        self.loopvars: set[str] = set()
        self._memo: dict[str, int] = {}
        self._busy: set[str] = set()
        self.text_flags: set[str] = set()

    def name_level(self, name: str) -> int:
        if name in self._memo:
            return self._memo[name]
        if name in self._busy:
            return 0
        self._busy.add(name)
        level = 0
        if name in self.params:
            level = 2 if self.route else 1
        if name in self.defs:
            for value in self.defs[name]:
                level = max(level, taint(value, self))
                if level == 2:
                    break
        elif name in self.loopvars:
            level = max(level, 1)
        elif name not in self.params:
            if self.parent is not None:
                level = self.parent.name_level(name)
            else:
                level = 1 if name not in _BUILTIN_CLEAN else 0
        self._busy.discard(name)
        self._memo[name] = level
        return level


_BUILTIN_CLEAN = {"True", "False", "None", "__name__", "__file__"}


def _is_user_source(node: ast.AST) -> bool:
    name = _dotted(node)
    if not name:
        return False
    parts = name.split(".")
    if parts[0] in {"request", "req", "flask_request"} and len(parts) > 1:
        return parts[1] in _USER_ATTRS or parts[1] in {"get_json", "get_data", "url", "path"}
    if name in {"sys.argv", "os.environ", "os.getenv", "os.environ.get", "input"}:
        return True
    return name.startswith(("sys.argv", "os.environ", "self.request."))


def taint(node: ast.AST | None, scope: _Scope) -> int:
    """0 clean, 1 unknown, 2 user-controlled."""
    if node is None:
        return 0
    if isinstance(node, ast.Constant):
        return 0
    if isinstance(node, ast.Name):
        return scope.name_level(node.id)
    if isinstance(node, ast.Attribute | ast.Subscript):
        if _is_user_source(node):
            return 2
        base = taint(node.value, scope)
        if isinstance(node, ast.Subscript):
            base = max(base, min(1, taint(node.slice, scope)))
        return base
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if _is_user_source(node.func) or name in {"input", "raw_input"}:
            return 2
        if _last(name) in _SANITIZERS:
            return 0
        levels = [taint(a, scope) for a in node.args]
        levels += [taint(k.value, scope) for k in node.keywords]
        if isinstance(node.func, ast.Attribute):
            levels.append(taint(node.func.value, scope))
        return max(levels, default=0)
    if isinstance(node, ast.JoinedStr):
        return max((taint(v, scope) for v in node.values), default=0)
    if isinstance(node, ast.FormattedValue):
        return taint(node.value, scope)
    if isinstance(node, ast.BinOp):
        return max(taint(node.left, scope), taint(node.right, scope))
    if isinstance(node, ast.Lambda | ast.FunctionDef):
        return 0
    if isinstance(node, ast.Compare):
        return 0
    if isinstance(node, ast.expr):
        return max((taint(c, scope) for c in ast.iter_child_nodes(node)), default=0)
    return 0


def _built_string(node: ast.AST | None, scope: _Scope, depth: int = 0) -> int:
    """Taint of a string built from parts (f-string, +, %, .format); 0 if not built."""
    if node is None or depth > 4:
        return 0
    if isinstance(node, ast.JoinedStr):
        return taint(node, scope)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return max(taint(node.left, scope), taint(node.right, scope))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            return taint(node, scope)
        if node.func.attr == "join":
            return taint(node, scope)
    if isinstance(node, ast.Name):
        best = 0
        for value in scope.defs.get(node.id, []):
            best = max(best, _built_string(value, scope, depth + 1))
        return best
    return 0


class _Analyzer:
    def __init__(self, tree: ast.Module, source: str) -> None:
        self.tree = tree
        self.source = source
        self.findings: list[Raw] = []
        self.imports: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.imports.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                self.imports.add(node.module)
                self.imports.update(f"{node.module}.{a.name}" for a in node.names)

    def add(self, rule: str, node: ast.AST, msg: str) -> None:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        self.findings.append((rule, line, col, msg))

    def run(self) -> list[Raw]:
        module = _Scope(self.tree, set(), False, None)
        self._collect(self.tree, module)
        self._visit_scope(self.tree, module)
        return self.findings

    # -- scope construction -------------------------------------------------
    def _collect(self, root: ast.AST, scope: _Scope) -> None:
        """Bindings of ``root``'s own body (not nested functions)."""
        stack: list[ast.AST] = list(ast.iter_child_nodes(root))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    self._bind(t, node.value, scope)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                if node.value is not None:
                    self._bind(node.target, node.value, scope)
            elif isinstance(node, ast.NamedExpr):
                self._bind(node.target, node.value, scope)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                self._bind(node.target, node.iter, scope)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, item.context_expr, scope)
            stack.extend(ast.iter_child_nodes(node))

    def _bind(self, target: ast.AST, value: ast.expr, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            scope.defs.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._bind(elt, value, scope)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, scope)

    def _visit_scope(self, root: ast.AST, scope: _Scope) -> None:
        seg = (
            ast.get_source_segment(self.source, root) if not isinstance(root, ast.Module) else None
        )
        text = seg if seg is not None else self.source
        flags = scope.text_flags
        if re.search(r"commonpath|is_relative_to|relative_to|secure_filename|basename", text) or (
            "startswith" in text and re.search(r"realpath|abspath|resolve|normpath", text)
        ):
            flags.add("path-guard")
        if re.search(
            r"netloc|url_has_allowed_host|is_safe_url|safe_url|ALLOWED|allowed|startswith|"
            r"re\.(full)?match\(",
            text,
        ):
            flags.add("url-guard")
        if re.search(r"allowed|ALLOWED|mimetype|magic\.|endswith\(|splitext|secure_filename", text):
            flags.add("type-guard")
        stack: list[ast.AST] = list(ast.iter_child_nodes(root))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                params = {
                    a.arg
                    for a in (
                        node.args.posonlyargs
                        + node.args.args
                        + node.args.kwonlyargs
                        + ([node.args.vararg] if node.args.vararg else [])
                        + ([node.args.kwarg] if node.args.kwarg else [])
                    )
                    if a.arg not in {"self", "cls"}
                }
                route = any(
                    isinstance(d, ast.Call) and _last(_call_name(d)) in _ROUTE_DECOS
                    for d in node.decorator_list
                )
                child = _Scope(node, params, route, scope)
                self._collect(node, child)
                for stmt in node.body:
                    self._check_return(stmt, child)
                self._visit_scope(node, child)
                continue
            self._check(node, scope)
            stack.extend(ast.iter_child_nodes(node))

    # -- rules --------------------------------------------------------------
    def _check_return(self, stmt: ast.stmt, scope: _Scope) -> None:
        if not scope.route:
            return
        for node in ast.walk(stmt):
            if isinstance(node, ast.Return) and node.value is not None:
                v = node.value
                if isinstance(v, ast.Tuple) and v.elts:
                    v = v.elts[0]
                lit = "".join(
                    c.value
                    for c in ast.walk(v)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                )
                if "<" in lit and _built_string(v, scope) == 2:
                    self.add("py-xss", node, "request data interpolated into returned HTML")

    def _check(self, node: ast.AST, scope: _Scope) -> None:
        def level(n: ast.AST | None) -> int:
            return taint(n, scope)

        if isinstance(node, ast.Call):
            self._check_call(node, scope)
            call_sinks(node, _call_name(node), level, self.add, scope.text_flags)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for t in targets:
                assignment_sinks(t, value, level, self.add)
                name = _dotted(t) if not isinstance(t, ast.Subscript) else ""
                if isinstance(t, ast.Subscript):
                    name = _str_const(t.slice) or ""
                self._check_secret_binding(name, value, node)
                if _last(name) in {"check_hostname"} and _is_false(value):
                    self.add("py-tls-verify", node, "check_hostname disabled")
                if (
                    _last(name) == "verify_mode"
                    and value is not None
                    and _dotted(value).endswith("CERT_NONE")
                ):
                    self.add("py-tls-verify", node, "verify_mode = CERT_NONE")
                if _last(name) in {"WTF_CSRF_ENABLED", "CSRF_ENABLED"} and _is_false(value):
                    self.add("py-csrf-disabled", node, "CSRF protection disabled")
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=False):
                key = _str_const(k)
                if key is not None:
                    self._check_secret_binding(key, v, node)
                    if key in {"WTF_CSRF_ENABLED"} and _is_false(v):
                        self.add("py-csrf-disabled", node, "CSRF protection disabled")
        elif isinstance(node, ast.Compare):
            self._check_compare(node, scope)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _CLEAR_URL.match(node.value):
                self.add("py-cleartext-url", node, "credential endpoint over plain http://")
        elif isinstance(node, ast.Attribute) and node.attr in {"_create_unverified_context"}:
            self.add("py-tls-verify", node, "ssl._create_unverified_context disables verification")
        elif isinstance(node, ast.Attribute) and node.attr == "CERT_NONE":
            self.add("py-tls-verify", node, "ssl.CERT_NONE disables verification")
        elif isinstance(node, ast.Name) and node.id == "csrf_exempt":
            self.add("py-csrf-disabled", node, "view exempted from CSRF protection")

    def _check_secret_binding(self, name: str, value: ast.expr | None, node: ast.AST) -> None:
        lit = _str_const(value)
        if lit is None or not name:
            return
        if _SECRET_NAME.search(_last(name)) and _looks_secret(lit):
            self.add("py-hardcoded-secret", node, f"hard-coded credential in {_last(name)!r}")

    def _check_compare(self, node: ast.Compare, scope: _Scope) -> None:
        if not all(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            return
        sides = [node.left, *node.comparators]
        if len(sides) != 2:
            return
        a, b = sides
        names = [_dotted(a) or "", _dotted(b) or ""]
        lits = [_str_const(a), _str_const(b)]
        for nm, other in ((names[0], lits[1]), (names[1], lits[0])):
            if other is not None and _PASSWORDISH.search(_last(nm)) and _looks_secret(other):
                self.add("py-hardcoded-secret", node, "password compared with a literal")
                return
        if any(isinstance(s, ast.Constant) for s in sides):
            return
        if any(_TIMING_NAME.search(n) for n in names) or any(
            isinstance(s, ast.Call) and _last(_call_name(s)) in {"hexdigest", "digest"}
            for s in sides
        ):
            self.add("py-timing-compare", node, "secret compared with ==; use hmac.compare_digest")

    def _check_call(self, call: ast.Call, scope: _Scope) -> None:
        name = _call_name(call)
        last = _last(name)
        arg0 = call.args[0] if call.args else None
        for k in call.keywords:
            if k.arg is not None:
                self._check_secret_binding(k.arg, k.value, call)
        # CWE-78
        if name in {"os.system", "os.popen", "system", "popen", "commands.getoutput"} or (
            name in {"os.popen2", "os.popen3", "subprocess.getoutput", "subprocess.getstatusoutput"}
        ):
            if arg0 is not None and taint(arg0, scope) >= 1:
                self.add("py-os-command", call, f"{name}() with a non-literal command")
        elif (
            last in {"run", "call", "check_call", "check_output", "Popen"}
            and (
                name.startswith(("subprocess", "sp.")) or name in {"Popen", "check_output", "call"}
            )
            and _is_true(_kw(call, "shell"))
            and arg0 is not None
            and taint(arg0, scope) >= 1
        ) and not (isinstance(arg0, ast.List | ast.Tuple)):
            self.add("py-os-command", call, "subprocess with shell=True and a built command")
        # CWE-89
        sql_call = last in {"execute", "executemany", "executescript", "raw", "read_sql"} or (
            last == "read_sql_query" or name in {"text", "sqlalchemy.text", "sa.text"}
        )
        if sql_call and arg0 is not None and _built_string(arg0, scope) >= 1:
            self.add("py-sql-string", call, "SQL built by string formatting; use parameters")
        # CWE-94/95
        if name in {"eval", "builtins.eval"} and arg0 is not None and taint(arg0, scope) >= 1:
            self.add("py-eval", call, "eval() of a non-literal expression")
        if name in {"exec", "builtins.exec"} and arg0 is not None and taint(arg0, scope) >= 1:
            self.add("py-exec", call, "exec() of non-literal code")
        # CWE-502
        self._check_deserialize(call, name, last)
        # CWE-22
        file_call = last in {"open", "send_file", "remove", "unlink", "rmtree", "FileResponse"}
        file_call = file_call or name in {"io.open", "codecs.open", "shutil.copy", "os.remove"}
        if file_call and (
            arg0 is not None
            and taint(arg0, scope) == 2
            and "path-guard" not in scope.text_flags
            and last not in {"urlopen"}
            and not name.startswith(("webbrowser", "requests"))
        ):
            self.add("py-path-traversal", call, f"{last}() path built from request input")
        # CWE-327
        self._check_crypto(call, name, last, scope)
        # CWE-338
        if (name.startswith("random.") and last in _RANDOM_FUNCS) or (
            name in _RANDOM_FUNCS and "random" in self.imports and name != "random"
        ):
            ctx = self._context(call, scope)
            if _TOKENISH.search(ctx):
                self.add("py-weak-random", call, "random module for a security value; use secrets")
        # CWE-295
        if _is_false(_kw(call, "verify")):
            self.add("py-tls-verify", call, "verify=False disables certificate checks")
        if last == "_create_unverified_context":
            pass  # reported on the attribute
        # CWE-611
        if _is_true(_kw(call, "resolve_entities")) or (
            last == "XMLParser" and _is_false(_kw(call, "no_network"))
        ):
            self.add("py-xxe", call, "XML parser resolves external entities")
        if (
            last == "setFeature"
            and len(call.args) == 2
            and _is_true(call.args[1])
            and "external" in (_dotted(call.args[0]) + (_str_const(call.args[0]) or "")).lower()
        ):
            self.add("py-xxe", call, "external entity feature enabled")
        if (
            name.startswith(("xml.sax.", "sax.", "pulldom.", "xml.dom.pulldom."))
            and last in {"parse", "parseString", "make_parser"}
            and not any(i.startswith("defusedxml") for i in self.imports)
        ):
            self.add("py-xxe", call, "xml.sax/pulldom without defusedxml")
        # CWE-918
        if (
            name.split(".")[0] in {"requests", "httpx", "urllib", "urllib3", "session", "client"}
            or name in {"urlopen", "urllib.request.urlopen", "request.urlopen"}
        ) and last in {"get", "post", "put", "head", "request", "urlopen", "delete", "patch"}:
            url = arg0 if last != "request" or len(call.args) < 2 else call.args[1]
            url = url if url is not None else _kw(call, "url")
            if url is not None and taint(url, scope) == 2 and "url-guard" not in scope.text_flags:
                self.add("py-ssrf", call, "server fetches a URL taken from the request")
        # CWE-377
        if name in {"tempfile.mktemp", "mktemp", "os.tempnam", "os.tmpnam"}:
            self.add("py-mktemp", call, f"{name}() is race-prone; use mkstemp/NamedTemporaryFile")
        # CWE-732
        if last in {"chmod", "fchmod", "lchmod", "makedirs", "mkdir"}:
            mode = call.args[1] if len(call.args) > 1 and last != "mkdir" else _kw(call, "mode")
            if last in {"chmod"} and name.endswith(".chmod") and len(call.args) == 1:
                mode = call.args[0]
            if (
                isinstance(mode, ast.Constant)
                and isinstance(mode.value, int)
                and not isinstance(mode.value, bool)
                and mode.value & 0o002
            ):
                self.add("py-chmod", call, f"world-writable mode {oct(mode.value)}")
        # CWE-79
        if (
            last in {"Markup", "mark_safe", "SafeString"}
            and arg0 is not None
            and (
                (taint(arg0, scope) >= 1 and _built_string(arg0, scope) >= 1)
                or taint(arg0, scope) == 2
            )
        ):
            self.add("py-xss", call, f"{last}() of unescaped data")
        if last in {"make_response", "HTMLResponse", "HttpResponse"} and (
            arg0 is not None and _built_string(arg0, scope) == 2
        ):
            self.add("py-xss", call, "request data interpolated into an HTML response")
        # CWE-1336
        if (
            (
                last in {"render_template_string", "from_string"}
                or name
                in {
                    "Template",
                    "jinja2.Template",
                    "Environment().from_string",
                }
            )
            and arg0 is not None
            and taint(arg0, scope) >= 1
            and not isinstance(arg0, ast.Constant)
        ):
            self.add("py-ssti", call, "template source built from non-literal text")
        # CWE-601
        if last in {"redirect", "RedirectResponse", "HttpResponseRedirect"} and (
            arg0 is not None and taint(arg0, scope) == 2 and "url-guard" not in scope.text_flags
        ):
            self.add("py-open-redirect", call, "redirect target taken from the request")
        # CWE-489
        if last == "run" and _is_true(_kw(call, "debug")):
            self.add("py-debug", call, "debug=True exposes the interactive debugger")
        # CWE-1333
        if name.startswith("re.") and last in _RE_FUNCS and arg0 is not None:
            pat = _str_const(arg0)
            if pat is not None and nested_quantifier(pat):
                self.add("py-redos", call, "nested quantifier: catastrophic backtracking")
        # CWE-326
        if last in {"generate_private_key", "generate"}:
            size = _kw(call, "key_size") or _kw(call, "bits")
            if size is None and last == "generate" and call.args:
                size = call.args[0]
            if (
                isinstance(size, ast.Constant)
                and isinstance(size.value, int)
                and 0 < size.value < 2048
                and ("rsa" in name.lower() or "dsa" in name.lower())
            ):
                self.add("py-weak-key", call, f"{size.value}-bit key")
        # CWE-532
        if name.split(".")[0] in {"logging", "logger", "log", "LOGGER", "_log", "_logger"} and (
            last in {"debug", "info", "warning", "error", "critical", "exception", "warn"}
        ):
            for a in call.args:
                for sub in ast.walk(a):
                    if isinstance(sub, ast.Name | ast.Attribute) and re.search(
                        r"(?i)passw|pwd|secret|token|api_?key", _last(_dotted(sub))
                    ):
                        self.add("py-log-secret", call, "secret value written to a log")
                        return
        # CWE-1004 / CWE-614
        if last == "set_cookie":
            cname = _str_const(arg0) or _str_const(_kw(call, "key")) or ""
            if _SESSION_COOKIE.search(cname):
                if not _is_true(_kw(call, "httponly")):
                    self.add("py-cookie-httponly", call, "session cookie without httponly=True")
                if not _is_true(_kw(call, "secure")):
                    self.add("py-cookie-secure", call, "session cookie without secure=True")

    def _check_deserialize(self, call: ast.Call, name: str, last: str) -> None:
        head = name.split(".", maxsplit=1)[0]
        if (
            (
                head in {"pickle", "cPickle", "_pickle", "dill", "marshal", "cloudpickle"}
                and last
                in {
                    "load",
                    "loads",
                    "Unpickler",
                }
            )
            or name in {"shelve.open", "jsonpickle.decode", "joblib.load", "pandas.read_pickle"}
            or (name == "pd.read_pickle")
        ):
            self.add("py-deserialize", call, f"{name}() deserialises arbitrary objects")
        elif name in {"yaml.load", "yaml.load_all"}:
            loader = _kw(call, "Loader") or (call.args[1] if len(call.args) > 1 else None)
            lname = _dotted(loader) if loader is not None else ""
            if not lname.endswith(("SafeLoader", "CSafeLoader", "BaseLoader")):
                self.add("py-deserialize", call, "yaml.load without SafeLoader")
        elif name in {"yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all"}:
            self.add("py-deserialize", call, f"{name}() constructs arbitrary objects")
        elif name == "torch.load":
            if not _is_true(_kw(call, "weights_only")):
                self.add("py-deserialize", call, "torch.load without weights_only=True")
        elif name in {"np.load", "numpy.load"} and _is_true(_kw(call, "allow_pickle")):
            self.add("py-deserialize", call, "numpy.load(allow_pickle=True)")

    def _check_crypto(self, call: ast.Call, name: str, last: str, scope: _Scope) -> None:
        weak_hash = last in {"md5", "sha1"} and name.startswith(("hashlib", "md5", "sha1"))
        if name in {"hashlib.new"} and _str_const(call.args[0] if call.args else None) in {
            "md5",
            "sha1",
            "MD5",
            "SHA1",
        }:
            weak_hash = True
        if last in {"MD5", "SHA1"} and name.startswith(("hashes", "cryptography")):
            weak_hash = True
        if weak_hash and not _is_false(_kw(call, "usedforsecurity")):
            ctx = self._context(call, scope)
            if _PASSWORDISH.search(ctx):
                self.add("py-weak-crypto", call, "fast unsalted hash for a password")
        if name.split(".")[-2:-1] in (["DES"], ["DES3"], ["ARC4"], ["Blowfish"], ["ARC2"]) or (
            last in {"TripleDES", "ARC4", "Blowfish", "IDEA", "CAST5"}
            and name.startswith(("algorithms", "cryptography"))
        ):
            self.add("py-weak-crypto", call, "broken or legacy cipher")
        if last == "ECB" and name.startswith(("modes", "cryptography")):
            self.add("py-weak-crypto", call, "ECB mode leaks plaintext structure")
        for a in call.args:
            if _dotted(a).endswith("MODE_ECB"):
                self.add("py-weak-crypto", call, "ECB mode leaks plaintext structure")

    def _context(self, call: ast.Call, scope: _Scope) -> str:
        """Text around a call: its line, its function's name and the call's own source."""
        lines = self.source.splitlines()
        ln = getattr(call, "lineno", 1)
        ctx = lines[ln - 1] if 0 < ln <= len(lines) else ""
        if isinstance(scope.node, ast.FunctionDef | ast.AsyncFunctionDef):
            ctx += " " + scope.node.name
            for sub in ast.walk(scope.node):
                if isinstance(sub, ast.Return) and sub.value is not None:
                    seg = ast.get_source_segment(self.source, sub.value) or ""
                    if call.lineno <= sub.lineno:
                        ctx += " " + seg[:200]
                        break
        return ctx


_ROUTE_DECOS = {"route", "get", "post", "put", "delete", "patch", "api_view"}
_RE_FUNCS = {"compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "split"}


def _looks_secret(value: str) -> bool:
    v = value.strip()
    if len(v) < 4 or (" " in v and len(v.split()) > 3):
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+", v):  # an environment variable's name
        return False
    low = v.lower()
    if low.startswith(("$", "{", "<", "%(", "env:", "os.environ")) or "your" in low:
        return False
    if low in {"none", "null", "changeme_in_env", "password", "secret", "token", "xxxx", "****"}:
        return False
    return not set(low) <= {"x", "*", ".", "-", "_"}


# -- fallback for text that does not parse ------------------------------------
_FALLBACK: list[tuple[str, re.Pattern[str], str]] = [
    (
        "py-os-command",
        re.compile(r"\bos\.(system|popen)\s*\((?!\s*(['\"])[^'\"]*\2\s*\))"),
        "os.system with a non-literal",
    ),
    ("py-os-command", re.compile(r"subprocess\.\w+\(.*shell\s*=\s*True"), "subprocess shell=True"),
    (
        "py-sql-string",
        re.compile(r"\.execute\(\s*(f['\"]|['\"][^'\"]*['\"]\s*(%|\+)|.*\.format\()"),
        "SQL string building",
    ),
    ("py-eval", re.compile(r"(?<![.\w])eval\(\s*[A-Za-z_]"), "eval of a name"),
    ("py-exec", re.compile(r"(?<![.\w])exec\(\s*[A-Za-z_]"), "exec of a name"),
    (
        "py-deserialize",
        re.compile(
            r"\b(pickle|cPickle|marshal|dill)\.loads?\(|\byaml\.load\((?!.*SafeLoader)|\btorch\.load\((?!.*weights_only\s*=\s*True)"
        ),
        "unsafe deserialisation",
    ),
    (
        "py-tls-verify",
        re.compile(r"verify\s*=\s*False|_create_unverified_context|CERT_NONE"),
        "TLS verification disabled",
    ),
    ("py-mktemp", re.compile(r"\btempfile\.mktemp\("), "tempfile.mktemp"),
    ("py-chmod", re.compile(r"chmod\(.*0o?7[0-7]7|chmod\(.*0o?666"), "world-writable mode"),
    ("py-debug", re.compile(r"\.run\(.*debug\s*=\s*True"), "debug=True"),
    (
        "py-open-redirect",
        re.compile(r"redirect\(\s*request\.(args|form|values)"),
        "redirect to request data",
    ),
    (
        "py-ssti",
        re.compile(r"render_template_string\(\s*(f['\"]|[^'\")\s])"),
        "render_template_string of non-literal",
    ),
    (
        "py-weak-crypto",
        re.compile(r"(md5|sha1)\(.*pass(word|wd)?|MODE_ECB|\bDES\.new\("),
        "weak crypto",
    ),
    (
        "py-hardcoded-secret",
        re.compile(
            r"(?i)\b\w*(password|passwd|secret_key|api_key|apikey|secret)\s*=\s*['\"][^'\"\s{$<]{4,}['\"]"
        ),
        "hard-coded secret",
    ),
]


def _fallback(code: str) -> list[Raw]:
    out: list[Raw] = []
    for i, line in enumerate(code.splitlines()[:5000], 1):
        stripped = (
            line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
        )
        if len(stripped) > 2000:
            continue
        for rule, rx, msg in _FALLBACK:
            if rx.search(stripped):
                col = len(line) - len(line.lstrip()) + 1
                out.append((rule, i, col, f"{msg} (syntax error: heuristic)"))
    return out


def analyze_python(code: str) -> list[Raw]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return _fallback(code)
    return _Analyzer(tree, code).run() + extra_python_rules(tree, code)
