"""Python sinks that need the analyser's taint: log, header, LDAP, XPath and regex injection,
unverified JWTs, static IVs, upload names, check-then-use and leaked tracebacks.

``level(node)`` is the analyser's taint of an expression (0 constant, 1 unknown, 2 from the
request, ``input()``, ``sys.argv`` or the environment); ``add(rule, node, message)`` reports.
Request-only sinks fire at 2, code sinks at 1.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

__all__ = ["assignment_sinks", "call_sinks"]

Level = Callable[[ast.AST | None], int]
Add = Callable[[str, ast.AST, str], None]

_LOG = {"debug", "info", "warning", "warn", "error", "critical", "exception", "log"}
_LDAP = {"search", "search_s", "search_st", "search_ext", "search_ext_s"}
_RE = {"search", "match", "fullmatch", "compile", "findall", "finditer", "sub", "split"}
_OBSOLETE = {"time.clock", "os.tempnam", "os.tmpnam", "cgi.escape", "inspect.getargspec"}
_OBSOLETE |= {"platform.linux_distribution", "base64.encodestring", "base64.decodestring"}


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _constant_bytes(node: ast.AST | None) -> bool:
    """A literal, or arithmetic over literals only (``b'x' * 16``)."""
    if node is None:
        return False
    return all(
        isinstance(n, ast.Constant | ast.BinOp | ast.operator | ast.Attribute | ast.Name)
        for n in ast.walk(node)
    ) and any(isinstance(n, ast.Constant) and isinstance(n.value, bytes) for n in ast.walk(node))


def call_sinks(call: ast.Call, name: str, level: Level, add: Add, flags: set[str]) -> None:
    last = name.rsplit(".", 1)[-1]
    args = list(call.args)
    top = max((level(a) for a in args), default=0)
    if last in _LOG and ("log" in name.lower() or name.startswith("logging")) and top >= 2:
        add("py-log-injection", call, f"{last}() logs request input unescaped")
    if name in {"compile", "builtins.compile"} and args and level(args[0]) >= 1:
        add("py-exec", call, "compile() of non-literal code")
    shell = _kw(call, "shell")
    if isinstance(shell, ast.Constant) and shell.value is True and args:
        first = args[0]
        if isinstance(first, ast.List | ast.Tuple) and any(level(e) >= 2 for e in first.elts):
            add("py-os-command", call, "shell=True runs the (list) command through a shell")
    if last in _LDAP and len(args) >= 2 and max(level(a) for a in args[1:]) >= 2:
        add("py-ldap-injection", call, "LDAP filter built from request input")
    if last in _LDAP and level(_kw(call, "search_filter")) >= 2:
        add("py-ldap-injection", call, "LDAP filter built from request input")
    if last == "xpath" and args and level(args[0]) >= 2:
        add("py-xpath-injection", call, "XPath expression built from request input")
    if name.startswith("re.") and last in _RE and args and level(args[0]) >= 2:
        add("py-regex-injection", call, "regular expression taken from request input")
    _jwt(call, name, last, add)
    iv = _kw(call, "iv") or (args[2] if last == "new" and len(args) > 2 else None)
    if last == "CBC" and args:
        iv = args[0]
    if iv is not None and _constant_bytes(iv) and last in {"new", "CBC", "CFB", "OFB", "CTR"}:
        add("py-static-iv", call, "constant initialisation vector")
    if name in _OBSOLETE:
        add("py-obsolete-api", call, f"{name} is deprecated or removed")
    if last == "save" and args and _uses_upload_name(args[0]) and "type-guard" not in flags:
        add("py-upload-name", call, "upload saved under the client's file name")


def _jwt(call: ast.Call, name: str, last: str, add: Add) -> None:
    if last == "process_jwt":
        add("py-jwt-unverified", call, "process_jwt() does not verify the signature")
    if last != "decode" or "jwt" not in name.lower():
        return
    opts = _kw(call, "options")
    verify = _kw(call, "verify")
    if isinstance(verify, ast.Constant) and verify.value is False:
        add("py-jwt-unverified", call, "jwt.decode(verify=False)")
    if isinstance(opts, ast.Dict):
        for k, v in zip(opts.keys, opts.values, strict=False):
            key = k.value if isinstance(k, ast.Constant) else None
            if key == "verify_signature" and isinstance(v, ast.Constant) and v.value is False:
                add("py-jwt-unverified", call, "JWT signature verification disabled")
    algos = _kw(call, "algorithms")
    if isinstance(algos, ast.List) and any(
        isinstance(e, ast.Constant) and str(e.value).lower() == "none" for e in algos.elts
    ):
        add("py-jwt-unverified", call, "JWT 'none' algorithm accepted")


def _uses_upload_name(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Attribute) and n.attr == "filename" for n in ast.walk(node)
    ) and not any(
        isinstance(n, ast.Call)
        and getattr(n.func, "id", getattr(n.func, "attr", "")) in {"secure_filename", "basename"}
        for n in ast.walk(node)
    )


def assignment_sinks(target: ast.AST, value: ast.AST | None, level: Level, add: Add) -> None:
    """``resp.headers['X'] = v`` / ``response['Location'] = v`` with request input."""
    if not isinstance(target, ast.Subscript) or value is None or level(value) < 2:
        return
    key = target.slice.value if isinstance(target.slice, ast.Constant) else None
    holder = target.value
    is_headers = isinstance(holder, ast.Attribute) and holder.attr == "headers"
    if isinstance(key, str) and key.lower() == "location":
        add("py-open-redirect", target, "Location header set from request input")
    elif is_headers:
        add("py-header-injection", target, "response header set from request input")
