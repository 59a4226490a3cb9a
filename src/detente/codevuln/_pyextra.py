"""More Python rules, resolved through the module's imports (``import x as y``, ``from m import f``).

Each call's dotted name is rewritten to what it was imported as, so ``badET.fromstring`` after
``import xml.etree.ElementTree as badET`` is ``xml.etree.ElementTree.fromstring`` and
``mark_safe`` after ``from django.utils.safestring import mark_safe`` is the Django function.
The rules are table-driven: an API and the condition under which using it is a weakness.
"""

from __future__ import annotations

import ast
import re

from detente.codevuln._rules import Raw

__all__ = ["extra_python_rules"]

# stdlib XML parsers expand entities (billion laughs) and, before 3.7.1 or with expat
# options, resolve external ones (Python docs, "XML vulnerabilities"); defusedxml does not.
_XML_MODULES = (
    "xml.etree.ElementTree",
    "xml.etree.cElementTree",
    "xml.dom.minidom",
    "xml.dom.pulldom",
    "xml.dom.expatbuilder",
    "xml.sax",
    "xml.sax.expatreader",
    "lxml.etree",
    "xmlrpc.server",
    "SimpleXMLRPCServer",
    "xmlrpclib",
    "xmlrpc.client",
)
_XML_FUNCS = {"parse", "fromstring", "iterparse", "XMLParser", "parseString", "XML"}
_XML_FUNCS |= {"create_parser", "make_parser", "SimpleXMLRPCServer", "XMLID", "ServerProxy"}
_WEAK_HASHES = {"md5", "md4", "md2", "sha", "sha1", "ripemd160"}
_WEAK_HASH_MODULES = ("Crypto.Hash.", "Cryptodome.Hash.")
_OLD_TLS = re.compile(
    r"(PROTOCOL_SSLv2|PROTOCOL_SSLv3|PROTOCOL_TLSv1(_1)?|SSLv2_METHOD|"
    r"SSLv3_METHOD|SSLv23_METHOD|TLSv1_METHOD|TLSv1_1_METHOD)$"
)
_MARKUP = {"django.utils.safestring.mark_safe", "django.utils.safestring.SafeString"}
_MARKUP |= {"markupsafe.Markup", "flask.Markup", "jinja2.Markup", "webhelpers.html.literal"}
_MARKUP |= {"django.utils.html.format_html_join"}
_CLEARTEXT = {"ftplib.FTP", "telnetlib.Telnet", "pysnmp.hlapi.CommunityData", "smtplib.SMTP"}
_CLEARTEXT |= {"poplib.POP3", "imaplib.IMAP4", "nntplib.NNTP"}
_HF_LOADERS = {"from_pretrained", "hf_hub_download", "snapshot_download", "load_dataset"}
_TMP = re.compile(r"^(/tmp|/var/tmp|/dev/shm)/")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# a digest for integrity against accidents, not adversaries (RFC 9110 §8.8.3 entity tags)
_NOT_SECURITY = re.compile(r"(?i)checksum|etag|cache_?key|fingerprint_file|dedup")
_PASSWORDISH = re.compile(r"(?i)pass(word|wd)?|pwd")
_ALL_INTERFACES = {"0.0.0.0", "", "::"}  # noqa: S104 (what the rule looks for)
_SHA = re.compile(r"^[0-9a-f]{40}$")


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.alias: dict[str, str] = {}

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self.alias[a.asname or a.name.split(".")[0]] = (
                a.name if a.asname else a.name.split(".")[0]
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for a in node.names:
            self.alias[a.asname or a.name] = f"{node.module or ''}.{a.name}".lstrip(".")


def _dotted(node: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    else:
        return ""
    return ".".join(reversed(parts))


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _const(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


class _Rules:
    def __init__(self, alias: dict[str, str]) -> None:
        self.alias = alias
        self.out: list[Raw] = []
        self.quiet: set[int] = set()  # hash calls whose result is named a checksum or etag

    def add(self, rule: str, node: ast.AST, msg: str) -> None:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1
        self.out.append((rule, line, col, msg))

    def qual(self, node: ast.AST) -> str:
        name = _dotted(node)
        head, _, rest = name.partition(".")
        full = self.alias.get(head)
        return f"{full}.{rest}".rstrip(".") if full else name

    def call(self, call: ast.Call) -> None:
        q = self.qual(call.func)
        last = q.rsplit(".", 1)[-1]
        arg0 = call.args[0] if call.args else None
        self._xml(call, q, last)
        self._hashes(call, q, last)
        if last == "ECB" and ("modes" in q or q == "ECB"):
            self.add("py-weak-crypto", call, "ECB mode leaks plaintext structure")
        for k in call.keywords:
            if k.arg in {"ssl_version", "method"} and _OLD_TLS.search(_dotted(k.value)):
                self.add("py-tls-version", call, f"{_dotted(k.value)}: a broken protocol version")
        if q in _MARKUP and arg0 is not None and not isinstance(arg0, ast.Constant):
            self.add("py-mark-safe", call, f"{last}() marks non-constant text as safe HTML")
        self._templates(call, q, last)
        if q in _CLEARTEXT or (q == "pysnmp.hlapi.UsmUserData" and len(call.args) < 3):
            self.add("py-cleartext-protocol", call, f"{last}: credentials and data in clear text")
        if (
            last == "extractall"
            and not (_kw(call, "members") or _kw(call, "filter"))
            and ("tarfile" in self.alias.values() or "tarfile" in q)
        ):
            self.add("py-tar-extract", call, "tar extractall() without a member filter")
        if last == "set_missing_host_key_policy" and re.search(
            r"(AutoAddPolicy|WarningPolicy)", _dotted(arg0) if arg0 is not None else ""
        ):
            self.add("py-ssh-host-key", call, "unknown SSH host keys are accepted")
        if last in {"CGIHandler", "CGIScript", "CGIDirectory"}:
            self.add("py-httpoxy", call, f"{last}: CGI exposes the Proxy header as HTTP_PROXY")
        if (
            last == "bind"
            and isinstance(arg0, ast.Tuple)
            and arg0.elts
            and _const(arg0.elts[0]) in _ALL_INTERFACES
        ):
            self.add("py-bind-all", call, "socket bound to every interface")
        path = _const(arg0)
        if (
            last in {"open", "Path", "FileHandler", "mkdir", "makedirs"}
            and isinstance(path, str)
            and _TMP.match(path)
        ):
            self.add("py-hardcoded-tmp", call, f"predictable temporary path {path!r}")
        if last in _HF_LOADERS:
            rev = _const(_kw(call, "revision"))
            if not (isinstance(rev, str) and _SHA.match(rev)):
                self.add("py-unpinned-download", call, f"{last}() without a pinned commit")
        if q in {"os.popen2", "os.popen3", "os.popen4", "popen2.popen2"} and arg0 is not None:
            self.add("py-os-command", call, f"{last}() starts a shell")
        if q in {"os.system", "os.popen", "os.popen2"} or (
            _const(_kw(call, "shell")) is True and last in {"Popen", "run", "call", "check_output"}
        ):
            cmd = _const(arg0)
            if isinstance(cmd, str) and "*" in cmd:
                self.add("py-shell-wildcard", call, "a shell wildcard in the command (injection)")

    def _xml(self, call: ast.Call, q: str, last: str) -> None:
        module = q.rsplit(".", 1)[0]
        if last in _XML_FUNCS and (module in _XML_MODULES or q in _XML_MODULES):
            if module == "lxml.etree" and (
                last == "XMLParser" or len(call.args) > 1 or _kw(call, "parser") is not None
            ):
                return  # lxml with its own parser: the parser's options are judged by py-xxe
            self.add("py-xml-unsafe", call, f"{q}: entity expansion / XXE; use defusedxml")

    def _hashes(self, call: ast.Call, q: str, last: str) -> None:
        if _const(_kw(call, "usedforsecurity")) is False or id(call) in self.quiet:
            return
        if any(_PASSWORDISH.search(ast.unparse(a)) for a in call.args):
            return  # a password: py-weak-crypto's (CWE-327) finding, not a second one
        name = last.lower()
        if q.startswith("hashlib.") and name in _WEAK_HASHES:
            self.add("py-weak-hash", call, f"{last}: a broken hash")
        elif q == "hashlib.new":
            algo = _const(call.args[0]) if call.args else _const(_kw(call, "name"))
            if isinstance(algo, str) and algo.lower() in _WEAK_HASHES:
                self.add("py-weak-hash", call, f"hashlib.new({algo!r}): a broken hash")
        elif q.startswith(_WEAK_HASH_MODULES) and q.split(".")[2].lower() in _WEAK_HASHES:
            self.add("py-weak-hash", call, f"{q}: a broken hash")

    def _templates(self, call: ast.Call, q: str, last: str) -> None:
        if last == "Environment" and q.startswith(("jinja2", "Environment")):
            auto = _kw(call, "autoescape")
            if auto is None or _const(auto) is False:
                self.add("py-autoescape-off", call, "Jinja2 Environment without autoescaping")
        elif q in {"mako.template.Template", "mako.lookup.TemplateLookup"} and (
            _kw(call, "default_filters") is None
        ):
            self.add("py-autoescape-off", call, "Mako templates do not escape by default")


def extra_python_rules(tree: ast.Module, source: str) -> list[Raw]:
    imports = _Imports()
    imports.visit(tree)
    rules = _Rules(imports.alias)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _NOT_SECURITY.search(
            " ".join(_dotted(t) for t in node.targets)
        ):
            rules.quiet |= {id(n) for n in ast.walk(node.value)}
        if isinstance(node, ast.Call):
            rules.call(node)
    for i, line in enumerate(source.splitlines(), 1):
        if _BIDI.search(line):
            rules.out.append(
                ("py-bidi-text", i, 1, "bidirectional control character (CVE-2021-42574)")
            )
    return rules.out
