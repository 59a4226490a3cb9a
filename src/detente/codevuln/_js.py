"""JavaScript/TypeScript rules of the code-vulnerability detector: patterns over token views.

The tree-sitter tree gives two views (``_views``): ``clean`` (comments, string contents,
template-literal text — ``${...}`` expressions kept as code — and regular-expression bodies
blanked) for code patterns, and ``nocomm`` (comments blanked, literals kept) for rules that
read literal values. The data-flow rules (``_jsflow``) read the tree itself.
Taint is approximate: ``req.*``, ``request.*``, ``ctx.query``/``ctx.request``, ``location.*``,
``URLSearchParams`` and ``process.argv`` are user-controlled, as are variables assigned from
them. The code is never run.
"""

from __future__ import annotations

import re

from detente.codevuln._c import Brackets
from detente.codevuln._jsflow import analyze_js_tree
from detente.codevuln._regex import nested_quantifier
from detente.codevuln._rules import Raw
from detente.codevuln._views import views

__all__ = ["analyze_js"]


_USER = re.compile(
    r"\b(req|request)\.(query|body|params|headers|cookies|url|originalUrl|path|get\()|"
    r"\bctx\.(query|request|params)|\b(window\.)?location\.(search|hash|href)|"
    r"URLSearchParams|\bprocess\.argv|\bevent\.(body|queryStringParameters)|"
    r"\bsearchParams\.get\(|\bparams\.get\("
)
_LITERAL = re.compile(r"""\s*(?:(["'])\s*\1|`[^$`]*`|\d[\w.]*|null|undefined|true|false)\s*""")
_TOKENISH = re.compile(
    r"(?i)token|passw|secret|key|nonce|salt|otp|session|uuid|csrf|\bid\b|[a-z]Id\b|_id\b|"
    r"reset|invite|auth|code\b|Code\b|captcha|pin\b"
)
_SECRET_NAME = re.compile(
    r"(?i)^(\w*_)?(pass(word|wd)?|pwd|secret|apiKey|api_key|apikey|secretKey|secret_key|"
    r"accessKey|access_key|privateKey|private_key|clientSecret|client_secret|authToken|"
    r"auth_token|accessToken|access_token|token|jwtSecret|jwt_secret|sessionSecret)$"
)
_TIMING = re.compile(
    r"(?i)token|signature|\bsig\b|hmac|digest|secret|api_?key|apiKey|csrf|otp|\bmac\b"
)
_CLEAR_URL = re.compile(
    r"^http://(?!localhost\b|127\.0\.0\.1\b|0\.0\.0\.0\b|example\.)[^\s]*"
    r"(login|signin|sign-in|auth|token|oauth|password|passwd|credential|session|account|pay)",
    re.I,
)


class _JS:
    def __init__(self, code: str, grammar: str) -> None:
        self.code = code
        seen = views(code, grammar)
        self.clean, self.nocomm = seen.clean, seen.nocomm
        self.strings, self.regexes = seen.strings, seen.regexes
        self.br = Brackets(self.clean)
        self.nl = [m.start() for m in re.finditer("\n", code)]
        self.out: list[Raw] = []
        self.tainted = self._taint()
        self.funcs = self._functions()

    def line(self, pos: int) -> int:
        lo, hi = 0, len(self.nl)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.nl[mid] < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo + 1

    def add(self, rule: str, pos: int, msg: str) -> None:
        line = self.line(pos)
        col = pos - (self.nl[line - 2] if line > 1 else -1)
        self.out.append((rule, line, col, msg))

    def _taint(self) -> set[str]:
        names: set[str] = set()
        decl = re.compile(r"\b(?:const|let|var)\s+(\w+|\{[^}=]*\}|\[[^\]=]*\])\s*=\s*([^;\n]+)")
        assign = re.compile(r"(?<![\w.$])(\w+)\s*=(?![=>])\s*([^;\n]+)")
        for _ in range(3):
            before = len(names)
            for rx in (decl, assign):
                for m in rx.finditer(self.clean):
                    rhs = self.nocomm[m.start(2) : m.end(2)]
                    if self.is_user(rhs, names):
                        for nm in re.findall(r"[A-Za-z_$][\w$]*", m.group(1)):
                            if nm not in {"const", "let", "var"}:
                                names.add(nm)
            # destructured handler arguments: ({ query }) or ({ body: { url } })
            if len(names) == before:
                break
        return names

    def is_user(self, text: str, names: set[str] | None = None) -> bool:
        names = self.tainted if names is None else names
        if _USER.search(text):
            return True
        return any(w in names for w in re.findall(r"(?<![.\w$])[A-Za-z_$][\w$]*", text))

    def _functions(self) -> list[tuple[int, int, str]]:
        res: list[tuple[int, int, str]] = []
        rx = re.compile(
            r"\bfunction\s*\*?\s*(\w*)\s*\([^)]*\)\s*\{|"
            r"\b(\w+)\s*[:=]\s*(?:async\s+)?(?:function\s*\w*\s*)?\([^)]*\)\s*(?:=>\s*)?\{|"
            r"\b(\w+)\s*[:=]\s*(?:async\s+)?\w+\s*=>\s*\{|"
            r"^[ \t]*(?:async[ \t]+)?(\w+)[ \t]*\([^)]*\)\s*\{",
            re.M,
        )
        for m in rx.finditer(self.clean):
            name = next((g for g in m.groups() if g), "")
            if name in {"if", "for", "while", "switch", "catch", "with"}:
                continue
            start = m.end() - 1
            res.append((start, self.br.match(start) + 1, name))
        return res

    def enclosing(self, pos: int) -> list[tuple[int, int, str]]:
        return [f for f in self.funcs if f[0] <= pos < f[1]]

    def calls(self, pattern: str) -> list[tuple[str, int, list[tuple[int, str]]]]:
        res = []
        for m in re.finditer(r"(?<![\w$])(" + pattern + r")\s*\(", self.clean):
            op = m.end() - 1
            close = self.br.match(op)
            res.append((m.group(1), m.start(), self.br.args(op + 1, close)))
        return res

    def literal(self, arg: str) -> bool:
        return bool(_LITERAL.fullmatch(arg)) or bool(
            re.fullmatch(r"\s*(['\"])\s*\1\s*(\+\s*(['\"])\s*\3\s*)*", arg)
        )

    def raw(self, off: int, arg: str) -> str:
        return self.nocomm[off : off + len(arg)]

    def built(self, off: int, arg: str) -> bool:
        """Concatenation with a non-literal or a template with ``${}``, or a name bound to one."""
        t = arg.strip()
        if "${" in t or (re.search(r"['\"`]\s*\+|\+\s*['\"`]", t) and not self.literal(t)):
            return True
        m = re.fullmatch(r"[A-Za-z_$][\w$]*", t)
        if m:
            d = re.search(
                r"\b(?:const|let|var)?\s*" + re.escape(t) + r"\s*\+?=\s*([^;]+)", self.clean
            )
            if d and (
                "${" in d.group(1) or re.search(r"['\"`]\s*\+|\+\s*['\"`]|\+\s*\w", d.group(1))
            ):
                return True
        return False

    def lit_value(self, off: int, arg: str) -> str | None:
        t = arg.strip()
        if not t or t[0] not in "\"'`":
            return None
        q = off + (len(arg) - len(arg.lstrip()))
        return self.strings.get(q)

    # -----------------------------------------------------------------------
    def run(self) -> list[Raw]:
        s = self.clean
        guard_all = self.nocomm
        sanit = re.compile(r"DOMPurify|sanitize|escapeHtml|escapeHTML|escape\(|encodeURIComponent")
        for m in re.finditer(r"\.(innerHTML|outerHTML)\s*\+?=(?!=)\s*([^;\n]*)", s):
            rhs = m.group(2)
            if (
                rhs.strip()
                and not self.literal(rhs)
                and not sanit.search(self.nocomm[m.start(2) : m.end(2)])
            ) and ("${" in rhs or not re.fullmatch(r"\s*(['\"`])\s*\1\s*", rhs)):
                self.add("js-xss", m.start(), f"{m.group(1)} assigned non-literal HTML")
        for name, pos, args in self.calls(
            r"document\.write(?:ln)?|\w+\.insertAdjacentHTML|\$\([^()]*\)\.html|\w+\.html"
        ):
            idx = 1 if name.endswith("insertAdjacentHTML") else 0
            if (
                len(args) > idx
                and not self.literal(args[idx][1])
                and not sanit.search(self.raw(*args[idx]))
            ):
                self.add("js-xss", pos, f"{name}() with non-literal HTML")
        for m in re.finditer(r"dangerouslySetInnerHTML\s*=\s*\{\{\s*__html\s*:\s*([^}]*)\}", s):
            if not self.literal(m.group(1)) and not sanit.search(
                self.nocomm[m.start(1) : m.end(1)]
            ):
                self.add("js-xss", m.start(), "dangerouslySetInnerHTML with non-literal HTML")
        for _name, pos, args in self.calls(r"res\.send|res\.write|res\.end|ctx\.body\s*="):
            if (
                args
                and self.built(*args[0])
                and self.is_user(self.raw(*args[0]))
                and "<" in self.raw(*args[0])
                and not sanit.search(self.raw(*args[0]))
            ):
                self.add("js-xss", pos, "request data reflected into an HTML response")
        for name, pos, args in self.calls(r"vm\.runIn\w+|vm\.compileFunction|new\s+vm\.Script"):
            if args and not self.literal(args[0][1]):
                self.add("js-function-ctor", pos, f"{name}() of non-literal code")
        self._sql()
        self._proto()
        self._paths_and_redirects()
        self._random_and_crypto()
        self._secrets()
        if re.search(r"rejectUnauthorized\s*:\s*false|strictSSL\s*:\s*false", s):
            m2 = re.search(r"rejectUnauthorized\s*:\s*false|strictSSL\s*:\s*false", s)
            assert m2 is not None
            self.add("js-tls-verify", m2.start(), "TLS certificate verification disabled")
        for m in re.finditer(r"NODE_TLS_REJECT_UNAUTHORIZED['\"]?\]?\s*=\s*['\"]?0", guard_all):
            self.add("js-tls-verify", m.start(), "NODE_TLS_REJECT_UNAUTHORIZED=0")
        self._cors()
        for off, body in self.regexes:
            if nested_quantifier(body):
                self.add("js-redos", off, "nested quantifier: catastrophic backtracking")
        for _name, pos, args in self.calls(r"new\s+RegExp|RegExp"):
            v = self.lit_value(*args[0]) if args else None
            if v is not None and nested_quantifier(v.replace("\\\\", "\\")):
                self.add("js-redos", pos, "nested quantifier: catastrophic backtracking")
        self._timing()
        self._cookies()
        for _name, pos, _ in self.calls(r"(?:serialize\.|\w+\.)?unserialize"):
            self.add("js-deserialize", pos, "unserialize() can execute embedded functions")
        for off, val in self.strings.items():
            if _CLEAR_URL.match(val):
                self.add("js-cleartext-url", off, "credential endpoint over plain http://")
        return self.out

    def _sql(self) -> None:
        sqlkw = re.compile(r"(?i)\b(select|insert|update|delete|where|from|values|order\s+by)\b")
        for _name, pos, args in self.calls(
            r"[\w$.]+\.(?:query|execute|raw|all|get|run|exec|prepare|each)|query|execute"
        ):
            if not args:
                continue
            off, a = args[0]
            raw = self.raw(off, a)
            if self.built(off, a):
                t = a.strip()
                if re.fullmatch(r"[A-Za-z_$][\w$]*", t):
                    d = re.search(r"\b" + re.escape(t) + r"\s*\+?=\s*([^;]+)", self.nocomm)
                    raw = d.group(1) if d else ""
                if sqlkw.search(raw):
                    self.add("js-sql", pos, "SQL built from data; use placeholders")

    def _proto(self) -> None:
        guard = re.compile(
            r"__proto__|['\"]constructor['\"]|\bprototype\b|Object\.create\(null\)|isSafeKey|isPrototypePolluted"
        )
        global_guard = guard.search(self.nocomm) is not None
        for f0, f1, name in self.funcs:
            if f1 - f0 > 3000 or "]" not in self.clean[f0:f1]:  # merge helpers are short
                continue
            body = self.clean[f0:f1]
            rbody = self.nocomm[f0:f1]
            if global_guard or guard.search(rbody):
                continue
            loop = re.search(
                r"for\s*\(\s*(?:const|let|var)?\s*(\w+)\s+(?:in|of)\s+|"
                r"(?:keys|entries)\([^)]*\)\s*\.forEach\(\s*\(?\s*\[?\s*(\w+)|"
                r"\.split\([^)]*\)|\.reduce\(",
                body,
            )
            if loop is None:
                continue
            key = loop.group(1) or loop.group(2)
            recursive = (
                bool(name) and len(re.findall(r"\b" + re.escape(name) + r"\s*\(", body)) >= 1
            )
            mergy = re.search(
                r"(?i)merge|extend|assign|clone|copy|deep|set|put|update|patch", name or ""
            )
            if key:
                write = re.search(r"\w+\s*\[\s*" + re.escape(key) + r"\s*\]\s*=(?!=)", body)
            else:
                write = re.search(r"\w+\s*\[[^;=\n]*\]\s*=(?!=)", body)
            if write and (recursive or mergy):
                self.add(
                    "js-proto-pollution",
                    f0 + write.start(),
                    "user-controlled key written without __proto__ guard",
                )

    def _paths_and_redirects(self) -> None:
        g = self.nocomm
        path_guard = re.search(
            r"startsWith\(|path\.basename|\bbasename\(|\.\.['\"]|normalize\(.*startsWith|isInside|relative\(",
            g,
        )
        url_guard = re.search(
            r"(?i)startsWith\(|allow|whitelist|safeRedirect|isSafe|new URL\(.*host", g
        )
        for name, pos, args in self.calls(
            r"fs\.\w+|(?:fsp|fs\.promises|promises)\.\w+|readFileSync|readFile|createReadStream|res\.sendFile|res\.download|sendFile"
        ):
            if args and self.is_user(self.raw(*args[0])) and not path_guard:
                self.add("js-path-traversal", pos, f"{name}() path from request input")
            elif args and not path_guard:
                t = args[0][1].strip()
                if re.fullmatch(r"[A-Za-z_$][\w$]*", t):
                    d = re.search(
                        r"\b" + re.escape(t) + r"\s*=\s*path\.(join|resolve)\(([^;]*)", self.clean
                    )
                    if d and self.is_user(self.nocomm[d.start(2) : d.end(2)]):
                        self.add("js-path-traversal", pos, f"{name}() path from request input")
                elif re.match(r"path\.(join|resolve)\(", t) and self.is_user(self.raw(*args[0])):
                    self.add("js-path-traversal", pos, f"{name}() path from request input")
        for _name, pos, args in self.calls(
            r"res\.redirect|ctx\.redirect|reply\.redirect|response\.redirect"
        ):
            if args and self.is_user(self.raw(*args[-1])) and not url_guard:
                self.add("js-open-redirect", pos, "redirect target taken from the request")
        for m in re.finditer(
            r"\b(?:window\.)?location(?:\.href)?\s*=(?!=)\s*([^;\n]+)|location\.(?:assign|replace)\(([^)\n]+)",
            self.clean,
        ):
            a, b = m.span(1) if m.group(1) else m.span(2)
            if self.is_user(self.nocomm[a:b]) and not url_guard:
                self.add("js-open-redirect", m.start(), "navigation to a URL from the page URL")
        server = re.search(r"\breq\b|\brequest\b|ctx\.|event\.", self.nocomm) is not None
        for _name, pos, args in self.calls(
            r"fetch|axios(?:\.(?:get|post|put|delete|head|request))?|https?\.(?:get|request)|got|needle|request|superagent\.get"
        ):
            if args and self.is_user(self.raw(*args[0])) and not url_guard and server:
                self.add("js-ssrf", pos, "server fetches a URL taken from the request")

    def _random_and_crypto(self) -> None:
        s = self.clean
        for m in re.finditer(r"\bMath\.random\s*\(", s):
            ls = s.rfind("\n", 0, m.start()) + 1
            le = s.find("\n", m.start())
            ctx = self.nocomm[ls : le if le > 0 else len(s)]
            ctx += " " + " ".join(f[2] for f in self.enclosing(m.start()))
            ctx = re.sub(r"Math\.random|Math\.floor", " ", ctx)
            if _TOKENISH.search(ctx):
                self.add("js-weak-random", m.start(), "Math.random() is predictable; use crypto")
        for _name, pos, args in self.calls(r"(?:crypto\.)?createHash"):
            v = (self.lit_value(*args[0]) or "").lower() if args else ""
            if v in {"md5", "sha1", "md4"}:
                ctx = (
                    " ".join(f[2] for f in self.enclosing(pos))
                    + self.nocomm[max(0, pos - 150) : pos + 200]
                )
                if re.search(r"(?i)passw|pwd", ctx):
                    self.add("js-weak-crypto", pos, f"{v} for a password; use scrypt/argon2/bcrypt")
        for name, pos, args in self.calls(
            r"(?:crypto\.)?createCipher(?:iv)?|(?:crypto\.)?createDecipher"
        ):
            v = (self.lit_value(*args[0]) or "").lower() if args else ""
            if name.endswith(("createCipher", "createDecipher")) or re.search(
                r"des|rc4|ecb|rc2|bf-", v
            ):
                self.add("js-weak-crypto", pos, "weak cipher, ECB mode or createCipher without IV")

    def _secrets(self) -> None:
        for m in re.finditer(r"(?<![\w$])([\w$]+)['\"]?\s*(?::|=(?![=>]))\s*(['\"`])", self.clean):
            name = m.group(1)
            val = self.strings.get(m.end() - 1, "")
            if _SECRET_NAME.match(name) and _looks_secret(val):
                self.add("js-hardcoded-secret", m.start(), f"hard-coded credential in {name}")
        for _name, pos, args in self.calls(r"jwt\.sign|jwt\.verify|jsonwebtoken\.sign"):
            if len(args) > 1 and _looks_secret(self.lit_value(*args[1]) or ""):
                self.add("js-hardcoded-secret", pos, "JWT secret hard-coded")
        for m in re.finditer(r"(?:===|==|!==|!=)\s*(['\"])", self.clean):
            val = self.strings.get(m.end() - 1, "")
            left = self.clean[max(0, m.start() - 60) : m.start()]
            lm = re.search(r"([\w$.\]\[]+)\s*$", left)
            if lm and re.search(r"(?i)passw|pwd", lm.group(1)) and _looks_secret(val):
                self.add("js-hardcoded-secret", m.start(), "password compared with a literal")

    def _cors(self) -> None:
        g = self.nocomm
        anyorigin = re.search(
            r"origin\s*:\s*(['\"]\*['\"]|true)|Allow-Origin['\"]\s*,\s*(['\"]\*['\"]|req\.headers\.origin|req\.header\(['\"]origin)",
            g,
            re.I,
        )
        creds = re.search(
            r"credentials\s*:\s*true|Allow-Credentials['\"]\s*,\s*['\"]?true", g, re.I
        )
        if anyorigin and creds:
            self.add("js-cors", anyorigin.start(), "any origin allowed together with credentials")

    def _timing(self) -> None:
        s = self.clean
        left_rx = re.compile(r"((['\"`])[ ]*\2|[\w$.\[\]()]+)\s*$")
        right_rx = re.compile(r"\s*((['\"`])[ ]*\2|[\w$.\[\]()]+)")
        for m in re.finditer(r"===|!==|==|!=", s):
            lm = left_rx.search(s, max(0, m.start() - 80), m.start())
            rm = right_rx.match(s, m.end(), m.end() + 80)
            if lm is None or rm is None:
                continue
            a, b = lm.group(1), rm.group(1)
            if (
                self.literal(a)
                or self.literal(b)
                or re.fullmatch(r"\d+|null|undefined|true|false|['\"]\s*['\"]", b.strip())
            ):
                continue
            if "typeof" in s[max(0, lm.start() - 8) : lm.start()] or b.endswith("length"):
                continue
            raw = self.nocomm[lm.start(1) : rm.end(1)]
            if _TIMING.search(raw) and not re.search(r"(?i)\btype\b|length|role|status", raw):
                self.add(
                    "js-timing-compare",
                    lm.start(1),
                    "secret compared with ===; use timingSafeEqual",
                )

    def _cookies(self) -> None:
        for _name, pos, args in self.calls(r"res\.cookie|ctx\.cookies\.set|reply\.setCookie"):
            if not args:
                continue
            cname = self.lit_value(*args[0]) or ""
            if not re.search(r"(?i)sess|token|auth|sid|jwt|remember|login|user", cname):
                continue
            opts = (
                self.nocomm[args[-1][0] : args[-1][0] + len(args[-1][1])] if len(args) > 2 else ""
            )
            if not re.search(r"httpOnly\s*:\s*true", opts):
                self.add("js-cookie-httponly", pos, "session cookie without httpOnly")
            if not re.search(r"secure\s*:\s*true", opts):
                self.add("js-cookie-secure", pos, "session cookie without secure")


def _looks_secret(value: str) -> bool:
    v = value.strip()
    if len(v) < 4 or len(v.split()) > 3 or "${" in v:
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+", v):  # an environment variable's name
        return False
    low = v.lower()
    if low.startswith(("$", "{", "<", "process.env")) or "your" in low:
        return False
    return not set(low) <= {"x", "*", ".", "-", "_"}


def analyze_js(code: str, grammar: str = "javascript") -> list[Raw]:
    """Token rules (this module) plus the rules over the tree-sitter tree (``_jsflow``)."""
    return _JS(code, grammar).run() + analyze_js_tree(code, grammar)
