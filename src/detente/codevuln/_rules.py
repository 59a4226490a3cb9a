"""The rule catalog: every rule the detector can report, in one place.

Findings, SARIF ``rules[]`` (SARIF 2.1.0 §3.49, reportingDescriptor) and the documentation all
read this table; analysers refer to rules by id only. A rule's title is the name of its CWE
(MITRE CWE 4.x short names), so two rules for one weakness in two languages read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from detente.taxonomy import Severity

__all__ = ["CWE_TITLES", "LANGUAGES", "RULES", "Raw", "Rule"]

# Severities are detente.taxonomy.Severity. INFO marks hygiene notes (a function with no error
# reporting), not a vulnerability by itself; ``detente code scan`` shows them only with
# ``--min-severity info``.
_Level = Literal["info", "low", "medium", "high", "critical"]

LANGUAGES: tuple[str, ...] = ("python", "c", "javascript")

CWE_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "CWE-20": "Improper input validation",
        "CWE-22": "Path traversal",
        "CWE-78": "OS command injection",
        "CWE-79": "Cross-site scripting",
        "CWE-89": "SQL injection",
        "CWE-90": "LDAP injection",
        "CWE-94": "Code injection",
        "CWE-95": "Eval injection",
        "CWE-113": "HTTP response splitting",
        "CWE-117": "Improper output neutralization for logs",
        "CWE-120": "Buffer copy without checking size of input",
        "CWE-121": "Stack-based buffer overflow",
        "CWE-122": "Heap-based buffer overflow",
        "CWE-125": "Out-of-bounds read",
        "CWE-134": "Externally-controlled format string",
        "CWE-190": "Integer overflow or wraparound",
        "CWE-193": "Off-by-one error",
        "CWE-208": "Observable timing discrepancy",
        "CWE-242": "Use of inherently dangerous function",
        "CWE-295": "Improper certificate validation",
        "CWE-319": "Cleartext transmission of sensitive information",
        "CWE-326": "Inadequate encryption strength",
        "CWE-327": "Broken or risky cryptographic algorithm",
        "CWE-328": "Use of weak hash",
        "CWE-329": "Not using an unpredictable IV with CBC mode",
        "CWE-338": "Cryptographically weak PRNG",
        "CWE-345": "Insufficient verification of data authenticity",
        "CWE-347": "Improper verification of cryptographic signature",
        "CWE-369": "Divide by zero",
        "CWE-401": "Missing release of memory (memory leak)",
        "CWE-352": "Cross-site request forgery",
        "CWE-367": "Time-of-check time-of-use race",
        "CWE-377": "Insecure temporary file",
        "CWE-415": "Double free",
        "CWE-416": "Use after free",
        "CWE-434": "Unrestricted upload of file with dangerous type",
        "CWE-457": "Use of uninitialized variable",
        "CWE-477": "Use of obsolete function",
        "CWE-476": "NULL pointer dereference",
        "CWE-489": "Active debug code",
        "CWE-494": "Download of code without integrity check",
        "CWE-502": "Deserialization of untrusted data",
        "CWE-532": "Sensitive information in a log file",
        "CWE-590": "Free of memory not on the heap",
        "CWE-601": "Open redirect",
        "CWE-605": "Multiple binds to the same port",
        "CWE-611": "XML external entity reference",
        "CWE-643": "XPath injection",
        "CWE-614": "Sensitive cookie without the Secure attribute",
        "CWE-676": "Use of potentially dangerous function",
        "CWE-680": "Integer overflow to buffer overflow",
        "CWE-730": "Regular expression injection (denial of service)",
        "CWE-732": "Incorrect permission assignment",
        "CWE-761": "Free of pointer not at start of buffer",
        "CWE-787": "Out-of-bounds write",
        "CWE-789": "Memory allocation with excessive size value",
        "CWE-798": "Hard-coded credentials",
        "CWE-838": "Inappropriate encoding for output context",
        "CWE-908": "Use of uninitialized resource",
        "CWE-918": "Server-side request forgery",
        "CWE-940": "Improper verification of source of a communication channel",
        "CWE-942": "Permissive cross-domain policy",
        "CWE-1004": "Sensitive cookie without the HttpOnly flag",
        "CWE-1321": "Prototype pollution",
        "CWE-1333": "Inefficient regular expression (ReDoS)",
        "CWE-1336": "Server-side template injection",
    }
)

_LANG_OF_PREFIX = {"py": "python", "c": "c", "js": "javascript"}


@dataclass(frozen=True)
class Rule:
    """One detection rule: its id, the weakness it reports and how bad that usually is."""

    id: str
    cwe: str
    severity: Severity
    title: str
    description: str
    language: str

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "cwe": self.cwe,
            "severity": str(self.severity),
            "title": self.title,
            "description": self.description,
            "language": self.language,
        }


# (id, CWE, default severity, description); the language is the id's prefix.
_TABLE: tuple[tuple[str, str, _Level, str], ...] = (
    # python
    (
        "py-os-command",
        "CWE-78",
        "high",
        "os.system/os.popen/subprocess(shell=True) with a non-literal command",
    ),
    (
        "py-sql-string",
        "CWE-89",
        "high",
        "SQL passed to execute() built by f-string, +, % or .format",
    ),
    ("py-eval", "CWE-95", "high", "eval() of a non-literal expression"),
    ("py-exec", "CWE-94", "high", "exec() of non-literal code"),
    (
        "py-deserialize",
        "CWE-502",
        "high",
        "pickle/marshal/shelve/dill/yaml.load/torch.load of data",
    ),
    (
        "py-path-traversal",
        "CWE-22",
        "high",
        "file path built from request data without a containment check",
    ),
    ("py-weak-crypto", "CWE-327", "medium", "md5/sha1 for passwords, DES/RC4/Blowfish or ECB mode"),
    ("py-weak-random", "CWE-338", "medium", "random module used for tokens, passwords or keys"),
    ("py-hardcoded-secret", "CWE-798", "high", "hard-coded password, secret or API key literal"),
    ("py-tls-verify", "CWE-295", "high", "TLS certificate verification disabled"),
    ("py-xxe", "CWE-611", "high", "XML parser resolving external entities"),
    ("py-ssrf", "CWE-918", "high", "server-side fetch of a URL taken from the request"),
    (
        "py-mktemp",
        "CWE-377",
        "medium",
        "insecure temporary file name (tempfile.mktemp, os.tempnam)",
    ),
    ("py-chmod", "CWE-732", "medium", "world-writable permission bits (0o777, 0o666)"),
    ("py-xss", "CWE-79", "high", "request data returned as HTML or marked safe without escaping"),
    ("py-ssti", "CWE-1336", "high", "render_template_string/Template built from non-literal text"),
    ("py-open-redirect", "CWE-601", "medium", "redirect() to a URL taken from the request"),
    ("py-debug", "CWE-489", "medium", "web application run with debug=True"),
    ("py-redos", "CWE-1333", "medium", "regular expression with nested quantifiers (ReDoS)"),
    (
        "py-cleartext-url",
        "CWE-319",
        "medium",
        "http:// URL for a login, token or credential endpoint",
    ),
    (
        "py-timing-compare",
        "CWE-208",
        "medium",
        "secret, token or MAC compared with == instead of compare_digest",
    ),
    ("py-weak-key", "CWE-326", "medium", "RSA/DSA key shorter than 2048 bits"),
    ("py-log-secret", "CWE-532", "medium", "password, token or secret written to a log"),
    ("py-cookie-httponly", "CWE-1004", "low", "session cookie set without httponly=True"),
    ("py-cookie-secure", "CWE-614", "low", "session cookie set without secure=True"),
    ("py-xml-unsafe", "CWE-611", "medium", "stdlib/lxml XML parsing of data: XXE, entity bombs"),
    ("py-weak-hash", "CWE-328", "medium", "MD5/SHA-1/MD4 hash without usedforsecurity=False"),
    ("py-tls-version", "CWE-327", "high", "SSLv2/SSLv3/TLS 1.0/1.1 protocol selected"),
    ("py-mark-safe", "CWE-79", "medium", "mark_safe/Markup/literal of non-constant text"),
    ("py-autoescape-off", "CWE-79", "medium", "Jinja2 autoescape off or Mako without filters"),
    ("py-cleartext-protocol", "CWE-319", "medium", "FTP/Telnet/SNMPv1-2c/plain SMTP clients"),
    ("py-tar-extract", "CWE-22", "high", "tarfile extractall() without members or filter"),
    ("py-ssh-host-key", "CWE-295", "high", "paramiko AutoAddPolicy/WarningPolicy"),
    ("py-httpoxy", "CWE-20", "medium", "CGI handler exposing the Proxy header (httpoxy)"),
    ("py-bind-all", "CWE-605", "low", "socket bound to 0.0.0.0 / all interfaces"),
    ("py-unpinned-download", "CWE-494", "medium", "model/dataset download without a commit"),
    ("py-shell-wildcard", "CWE-78", "medium", "shell command with a wildcard (argument injection)"),
    ("py-hardcoded-tmp", "CWE-377", "medium", "file under /tmp with a predictable name"),
    (
        "py-bidi-text",
        "CWE-838",
        "high",
        "bidirectional control character in source (Trojan Source)",
    ),
    ("py-log-injection", "CWE-117", "medium", "request input written to a log unescaped"),
    ("py-header-injection", "CWE-113", "medium", "response header set from request input"),
    ("py-ldap-injection", "CWE-90", "high", "LDAP filter built from request input"),
    ("py-xpath-injection", "CWE-643", "high", "XPath expression built from request input"),
    ("py-regex-injection", "CWE-730", "medium", "regular expression taken from request input"),
    ("py-jwt-unverified", "CWE-347", "high", "JWT decoded without verifying its signature"),
    ("py-static-iv", "CWE-329", "medium", "constant initialisation vector for a block cipher"),
    ("py-obsolete-api", "CWE-477", "low", "deprecated or removed API (time.clock, cgi.escape)"),
    ("py-upload-name", "CWE-434", "high", "upload saved under the client-supplied file name"),
    ("py-csrf-disabled", "CWE-352", "medium", "CSRF protection disabled"),
    # c
    ("c-gets", "CWE-242", "critical", "gets() cannot bound its input"),
    (
        "c-unbounded-copy",
        "CWE-120",
        "high",
        "strcpy/strcat/sprintf/vsprintf or scanf %s without a bound",
    ),
    ("c-format-string", "CWE-134", "high", "printf-family call with a non-literal format"),
    (
        "c-alloc-overflow",
        "CWE-190",
        "high",
        "malloc/realloc size multiplication without overflow check",
    ),
    ("c-null-deref", "CWE-476", "medium", "malloc/calloc/realloc result used before a NULL check"),
    ("c-double-free", "CWE-415", "high", "pointer freed twice without reassignment"),
    ("c-use-after-free", "CWE-416", "high", "pointer used after free() without reassignment"),
    ("c-command", "CWE-78", "high", "system/popen/exec with a non-literal command"),
    (
        "c-dangerous-func",
        "CWE-676",
        "info",
        "strtok/atoi/atol/atof: no error reporting or not reentrant",
    ),
    ("c-off-by-one", "CWE-193", "high", "loop bound <= array size writes one past the end"),
    ("c-toctou", "CWE-367", "medium", "access() check then open() of the same path"),
    ("c-tmpname", "CWE-377", "medium", "tmpnam/tempnam/mktemp race on temporary file names"),
    ("c-weak-random", "CWE-338", "medium", "rand()/random() used for keys, tokens or passwords"),
    ("c-chmod", "CWE-732", "medium", "world-writable permission bits"),
    ("c-hardcoded-secret", "CWE-798", "high", "hard-coded password or key literal"),
    ("c-weak-crypto", "CWE-327", "medium", "MD5/SHA1 for passwords, DES/RC4 or ECB mode"),
    ("c-size-mismatch", "CWE-787", "high", "write length larger than the destination array"),
    ("c-stack-overflow", "CWE-121", "high", "write past the end of a stack buffer"),
    ("c-heap-overflow", "CWE-122", "high", "write past the end of a heap buffer"),
    ("c-oob-read", "CWE-125", "medium", "read past the end of a buffer (index from input)"),
    ("c-int-overflow", "CWE-190", "medium", "arithmetic on external input with no bound check"),
    ("c-divide-by-zero", "CWE-369", "medium", "division by zero or by unchecked external input"),
    ("c-null-pointer", "CWE-476", "high", "pointer dereferenced where it is NULL"),
    ("c-uninitialized", "CWE-457", "medium", "variable read before it is given a value"),
    ("c-memory-leak", "CWE-401", "low", "heap allocation never freed, returned or stored"),
    ("c-free-nonheap", "CWE-590", "high", "free() of stack, static or literal memory"),
    ("c-free-offset", "CWE-761", "high", "free() of a pointer moved off its allocation's start"),
    ("c-uncontrolled-alloc", "CWE-789", "medium", "allocation size from external input, unbounded"),
    ("c-alloc-taint-overflow", "CWE-680", "high", "allocation size multiplies external input"),
    # javascript
    (
        "js-xss",
        "CWE-79",
        "high",
        "innerHTML/outerHTML/document.write/insertAdjacentHTML/dangerouslySetInnerHTML with non-literal HTML",
    ),
    ("js-eval", "CWE-95", "high", "eval() or setTimeout/setInterval with a string of code"),
    ("js-function-ctor", "CWE-94", "high", "new Function() or vm.run* with non-literal code"),
    ("js-command", "CWE-78", "high", "child_process exec/execSync with a built command string"),
    ("js-sql", "CWE-89", "high", "SQL query built by concatenation or template interpolation"),
    (
        "js-proto-pollution",
        "CWE-1321",
        "high",
        "recursive merge / path set of user keys without __proto__ guard",
    ),
    (
        "js-path-traversal",
        "CWE-22",
        "high",
        "file path built from request input without containment check",
    ),
    ("js-open-redirect", "CWE-601", "medium", "redirect to a URL taken from the request"),
    ("js-weak-random", "CWE-338", "medium", "Math.random() for tokens, passwords or ids"),
    ("js-weak-crypto", "CWE-327", "medium", "md5/sha1 for passwords, createCipher, DES/RC4/ECB"),
    ("js-hardcoded-secret", "CWE-798", "high", "hard-coded password, secret or API key literal"),
    ("js-tls-verify", "CWE-295", "high", "TLS verification disabled (rejectUnauthorized: false)"),
    ("js-ssrf", "CWE-918", "high", "server-side fetch of a URL taken from the request"),
    ("js-cors", "CWE-942", "medium", "CORS allowing any origin together with credentials"),
    ("js-redos", "CWE-1333", "medium", "regular expression with nested quantifiers (ReDoS)"),
    (
        "js-timing-compare",
        "CWE-208",
        "medium",
        "token/signature compared with === instead of timingSafeEqual",
    ),
    ("js-cookie-httponly", "CWE-1004", "low", "session cookie set without httpOnly: true"),
    ("js-cookie-secure", "CWE-614", "low", "session cookie set without secure: true"),
    ("js-deserialize", "CWE-502", "high", "node-serialize unserialize() of data"),
    ("js-string-timer", "CWE-95", "info", "setTimeout/setInterval with a constant code string"),
    ("js-http-request", "CWE-319", "medium", "request to a plain http:// or ws:// URL"),
    ("js-message-origin", "CWE-940", "medium", "message event handler without an origin check"),
    ("js-postmessage-any", "CWE-345", "medium", "postMessage() to any origin ('*')"),
    ("js-uninit-buffer", "CWE-908", "low", "Buffer.allocUnsafe(): uninitialised memory"),
    ("js-weak-hash", "CWE-328", "medium", "createHash('md5' / 'sha1')"),
    ("js-static-iv", "CWE-329", "medium", "constant initialisation vector for a block cipher"),
    ("js-jwt-unverified", "CWE-347", "high", "jsonwebtoken decode() without verify()"),
    ("js-weak-key", "CWE-326", "medium", "RSA/DSA key shorter than 2048 bits"),
    ("js-xpath-injection", "CWE-643", "high", "XPath query built from input"),
    ("js-regex-injection", "CWE-730", "medium", "RegExp built from a parameter"),
    (
        "js-cleartext-url",
        "CWE-319",
        "medium",
        "http:// URL for a login, token or credential endpoint",
    ),
)


def _build() -> Mapping[str, Rule]:
    out: dict[str, Rule] = {}
    for rule_id, cwe, severity, description in _TABLE:
        language = _LANG_OF_PREFIX[rule_id.split("-", 1)[0]]
        level = Severity.parse(severity)
        out[rule_id] = Rule(rule_id, cwe, level, CWE_TITLES[cwe], description, language)
    return MappingProxyType(out)


RULES: Mapping[str, Rule] = _build()

# What an analyser reports before the catalog is applied: (rule id, line, column, message),
# line and column 1-based.
Raw = tuple[str, int, int, str]
