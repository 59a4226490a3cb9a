"""C (and C++) rules of the code-vulnerability detector: token patterns over the tree's views.

The patterns read the code with comments and the contents of string and character literals
blanked (``_views``: the tree-sitter tree decides what is a comment or a literal; length and
every newline kept), so offsets map to the original lines and no pattern can match inside a
literal. String literal contents are kept aside by their opening-quote offset for the rules
that read formats. The data-flow rules (``_cflow``) read the tree itself. The code is never
compiled or run.
"""

from __future__ import annotations

import bisect
import re

from detente.codevuln._cflow import analyze_c_flow
from detente.codevuln._rules import Raw
from detente.codevuln._views import views

__all__ = ["Brackets", "analyze_c"]


_SECRETISH = re.compile(r"(?i)(pass(word|wd)?|pwd|secret|api_?key|private_?key|auth_?token)$")
_KEYISH = re.compile(r"(?i)key|token|passw|pwd|secret|nonce|salt|session|otp|iv\b|seed_crypto")
_IDENT = r"[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*"


class Brackets:
    """Matching brackets of a blanked text, computed once (linear), for O(1) look-ups."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.close: dict[int, int] = {}
        stack: list[int] = []
        for m in re.finditer(r"[()\[\]{}]", s):
            c, j = m.group(), m.start()
            if c in "([{":
                stack.append(j)
            elif stack:
                self.close[stack.pop()] = j
        for j in stack:
            self.close[j] = len(s)

    def match(self, open_pos: int) -> int:
        """Offset of the bracket closing the one at open_pos, or len(s)."""
        return self.close.get(open_pos, len(self.s))

    def args(self, start: int, end: int) -> list[tuple[int, str]]:
        """Top-level comma-separated arguments of s[start:end] as (offset, text)."""
        s = self.s
        out: list[tuple[int, str]] = []
        cur = j = start
        while j < end:
            c = s[j]
            if c in "([{":
                j = self.match(j) + 1
                continue
            if c == ",":
                out.append((cur, s[cur:j]))
                cur = j + 1
            j += 1
        end = min(end, len(s))
        if s[cur:end].strip():
            out.append((cur, s[cur:end]))
        return out


class _C:
    def __init__(self, code: str, grammar: str) -> None:
        self.code = code
        seen = views(code, grammar)
        self.clean, self.lits, self.call_list = seen.clean, seen.strings, seen.calls
        self.br = Brackets(self.clean)
        self.nl = [m.start() for m in re.finditer("\n", code)]
        self.out: list[Raw] = []
        self.defines: dict[str, str] = {}
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+([^\n]+)", self.clean, re.M):
            self.defines[m.group(1)] = m.group(2).strip()
        self.arrays: dict[str, str] = {}
        for m in re.finditer(r"\b(\w+)\s*\[\s*(\w+)\s*\]\s*(?:[;=,)]|\[)", self.clean):
            if m.group(1) not in {"return", "sizeof"}:
                self.arrays.setdefault(m.group(1), m.group(2))
        self.funcs = self._functions()

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.nl, pos - 1) + 1 if pos > 0 else 1

    def add(self, rule: str, pos: int, msg: str) -> None:
        line = self.line(pos)
        col = pos - (self.nl[line - 2] if line > 1 else -1)
        self.out.append((rule, line, col, msg))

    def _functions(self) -> list[tuple[int, int, str]]:
        """(body start, body end, name) for each top-level braced body; whole text if none."""
        res: list[tuple[int, int, str]] = []
        depth = 0
        start = -1
        name = ""
        s = self.clean
        for m in re.finditer(r"[{}]", s):
            if m.group() == "{":
                if depth == 0:
                    start = m.start()
                    head = s[max(0, start - 300) : start]
                    nm = re.search(
                        r"(\w+)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*(?:const\s*)?$", head
                    )
                    name = nm.group(1) if nm else ""
                depth += 1
            else:
                depth -= 1
                if depth == 0 and start >= 0:
                    res.append((start, m.end(), name))
                    start = -1
                depth = max(depth, 0)
        if start >= 0:
            res.append((start, len(s), name))
        return res or [(0, len(s), "")]

    def func_at(self, pos: int) -> tuple[int, int, str]:
        for f in self.funcs:
            if f[0] <= pos < f[1]:
                return f
        return (0, len(self.clean), "")

    def literal(self, arg_off: int, arg: str) -> str | None:
        """Contents of the string literal that ``arg`` is (possibly wrapped in _()), else None."""
        stripped = arg.strip()
        lead = len(arg) - len(arg.lstrip())
        m = re.match(r'(?:_|N_|gettext|TEXT|L)?\s*\(?\s*(?:L|u8|u|U)?"', stripped)
        if m is None:
            if re.fullmatch(r"[A-Z][A-Z0-9_]*", stripped):
                val = self.defines.get(stripped, "")
                return self.lits.get(self.clean.find('"', self.clean.find(val)), "") if val else ""
            return None
        q = arg_off + lead + m.end() - 1
        parts: list[str] = []
        for mm in re.finditer(r'"', self.clean[q : arg_off + len(arg)]):
            off = q + mm.start()
            if off in self.lits:
                parts.append(self.lits[off])
        return "".join(parts)

    def calls(self, names: str) -> list[tuple[str, int, list[tuple[int, str]]]]:
        """The tree's calls of the functions ``names`` (a regex alternation) as (name, offset,
        [(offset, blanked text) of each argument]); declarations are not calls in the tree."""
        want = re.compile(names)
        out = []
        for name, pos, spans in self.call_list:
            # an alias macro names the function (Juliet's ``#define MKTEMP mktemp``)
            real = self.defines.get(name, name)
            if want.fullmatch(real):
                out.append((real, pos, [(a, self.clean[a:b]) for a, b in spans]))
        return out

    # -----------------------------------------------------------------------
    def run(self) -> list[Raw]:
        s = self.clean
        for name, pos, _ in self.calls("gets"):
            self.add("c-gets", pos, f"{name}() cannot limit input length; use fgets")
        # swprintf takes the buffer's size (C99 7.24.2.3), so it is bounded, unlike sprintf
        for name, pos, args in self.calls("sprintf|vsprintf"):
            fmt = self.literal(*args[1]) if len(args) > 1 else None
            if fmt is None or re.search(r"%(?!\.\d|\.\*)[-+ #0]*\d*[sS\[]", fmt):
                self.add("c-unbounded-copy", pos, f"{name}() can overflow its buffer; use snprintf")
        for name, pos, args in self.calls("scanf|fscanf|sscanf|wscanf|vscanf"):
            idx = 0 if name in {"scanf", "wscanf", "vscanf"} else 1
            fmt = self.literal(*args[idx]) if len(args) > idx else None
            if fmt is not None and re.search(r"%[sS\[]", fmt):
                self.add("c-unbounded-copy", pos, f"{name}() %s without a field width")
        self._frees()
        for name, pos, _ in self.calls("strtok|atoi|atol|atoll|atof"):
            self.add(
                "c-dangerous-func", pos, f"{name}() has no error reporting or is not reentrant"
            )
        self._off_by_one()
        for m in re.finditer(r"\baccess\s*\(\s*(" + _IDENT + r")\s*,", s):
            rest = s[m.end() : self.func_at(m.start())[1]]
            path = re.escape(m.group(1))
            o = re.search(r"\b(open|fopen|creat|unlink|remove|rename)\s*\(\s*" + path + r"\b", rest)
            if o is not None:
                self.add("c-toctou", m.start(), "access() check races with the later open()")
        for name, pos, _ in self.calls("tmpnam|tempnam|mktemp|_mktemp|tmpnam_r"):
            # the name opened with O_CREAT|O_EXCL later in the function: open fails if anyone
            # created it first, so the race is closed (POSIX open(), O_EXCL)
            if "O_EXCL" not in s[pos : self.func_at(pos)[1]]:
                self.add("c-tmpname", pos, f"{name}() race: use mkstemp")
        for m in re.finditer(r"\b(rand|random|drand48|lrand48)\s*\(\s*\)", s):
            f0, _f1, fname = self.func_at(m.start())
            st = s.rfind(";", f0, m.start())
            stmt_start = max(st, s.rfind("{", f0, m.start()), f0)
            end = s.find(";", m.end())
            ctx = fname + " " + s[stmt_start : end if end > 0 else len(s)]
            if _KEYISH.search(ctx):
                self.add("c-weak-random", m.start(), f"{m.group(1)}() is predictable; use a CSPRNG")
        for name, pos, args in self.calls("chmod|fchmod|mkdir|open|umask"):
            for _, a in args[1:]:
                t = a.strip()
                world = re.fullmatch(r"0[0-7]*[2367]", t) or "S_IWOTH" in t or "S_IRWXO" in t
                if world and name != "umask":
                    self.add("c-chmod", pos, f"{name}() grants write access to everyone")
        self._secrets()
        self._crypto()
        return self.out

    def _frees(self) -> None:
        s = self.clean
        for m in re.finditer(r"(?<![\w.>])free\s*\(\s*(" + _IDENT + r")\s*\)", s):
            var = m.group(1)
            f0, f1, _ = self.func_at(m.start())
            depth = 0
            j = m.end()
            tok = re.compile(
                r"[{}]|\belse\b|\b(return|goto|break|continue|exit|abort)\b|(?<![\w>.])"
                + re.escape(var)
                + r"(?!\w)"
            )
            while True:
                t = tok.search(s, j, f1)
                if t is None:
                    break
                j = t.end()
                g = t.group()
                if g == "{":
                    depth += 1
                elif g == "}":
                    depth -= 1
                    if depth < 0:
                        depth = 0
                        e = re.match(r"\s*else\b\s*", s[j:f1])
                        if e is not None:
                            j += e.end()
                            if s[j : j + 1] == "{":
                                j = self.br.match(j) + 1
                            else:
                                semi = s.find(";", j)
                                j = semi + 1 if semi >= 0 else f1
                elif g == "else":
                    continue
                elif t.group(1):
                    if depth == 0:
                        break
                else:
                    before = s[max(f0, t.start() - 12) : t.start()]
                    after = s[t.end() : t.end() + 12]
                    if re.match(r"\s*=(?!=)", after):
                        break
                    if re.search(r"\bfree\s*\(\s*$", before):
                        self.add("c-double-free", t.start(), f"{var} freed twice")
                        break
                    if re.search(r"sizeof\s*\(?\s*$|&\s*$", before) or re.match(
                        r"\s*[=!]=\s*(NULL|0|nullptr)", after
                    ):
                        continue
                    if re.search(r"(if|while)\s*\(\s*!?\s*$", before) and re.match(r"\s*\)", after):
                        continue
                    self.add("c-use-after-free", t.start(), f"{var} used after free()")
                    break

    def _off_by_one(self) -> None:
        s = self.clean
        rx = re.compile(
            r"\bfor\s*\(\s*(?:\w+\s+)?(\w+)\s*=\s*0\s*;\s*\1\s*<=\s*"
            r"(sizeof\s*\(?\s*(\w+)\s*\)?(?:\s*/\s*sizeof[^;]*)?|\w+)\s*;"
        )
        for m in rx.finditer(s):
            i, bound, sz_arr = m.group(1), m.group(2), m.group(3)
            close = self.br.match(s.find("(", m.start()))
            k = close + 1
            while k < len(s) and s[k].isspace():
                k += 1
            body_end = self.br.match(k) if k < len(s) and s[k] == "{" else s.find(";", k)
            body = s[k : body_end if body_end > 0 else len(s)]
            for w in re.finditer(r"(\w+)\s*\[\s*" + re.escape(i) + r"\s*\]\s*=(?!=)", body):
                arr = w.group(1)
                size = self.arrays.get(arr)
                if (sz_arr is not None and sz_arr == arr) or (size is not None and size == bound):
                    self.add("c-off-by-one", m.start(), f"loop runs to {i} <= size of {arr}")
                    break

    def _secrets(self) -> None:
        s = self.clean
        rx = re.compile(r"\b(\w+)\s*(?:\[\s*\w*\s*\])?\s*=\s*\"|#\s*define\s+(\w+)\s+\"")
        for m in rx.finditer(s):
            name = m.group(1) or m.group(2)
            q = m.end() - 1
            val = self.lits.get(q, "")
            env_name = re.fullmatch(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+", val) is not None
            if (
                _SECRETISH.search(name)
                and len(val) >= 4
                and not env_name
                and "%" not in val
                and " " not in val
            ):
                self.add("c-hardcoded-secret", m.start(), f"hard-coded credential in {name}")
        for _name, pos, args in self.calls("strcmp|strncmp|memcmp|strcasecmp"):
            if len(args) < 2:
                continue
            a, b = args[0][1], args[1][1]
            la, lb = self.literal(*args[0]), self.literal(*args[1])
            for nm, lit in ((a, lb), (b, la)):
                if lit and len(lit) >= 4 and _SECRETISH.search(nm.strip()):
                    self.add("c-hardcoded-secret", pos, "credential compared with a literal")

    def _crypto(self) -> None:
        s = self.clean
        for m in re.finditer(r"\b(MD5|SHA1|MD5_Init|SHA1_Init|EVP_md5|EVP_sha1)\s*\(", s):
            f0, _f1, fname = self.func_at(m.start())
            ctx = fname + s[max(f0, m.start() - 200) : m.start() + 200]
            if re.search(r"(?i)passw|pwd", ctx):
                self.add("c-weak-crypto", m.start(), "fast unsalted hash for a password")
        for m in re.finditer(
            r"\b(DES_\w+|EVP_des_\w+|EVP_rc4\w*|RC4|EVP_\w+_ecb|AES_ecb_encrypt)\s*\(", s
        ):
            self.add("c-weak-crypto", m.start(), f"{m.group(1)}: broken cipher or ECB mode")


def analyze_c(code: str, grammar: str = "c") -> list[Raw]:
    """Token rules (this module) plus the data-flow rules over the tree-sitter tree."""
    return _C(code, grammar).run() + analyze_c_flow(code, grammar)
