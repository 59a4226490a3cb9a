"""Code-vulnerability detector: per-rule tests, task dataset checks, measured precision/recall.

The precision/recall floors below are the figures published in docs/codevuln.md; the
test fails if the detector falls below any of them on the labelled measurement set.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.codevuln import (
    DETECTOR_ID,
    RULES,
    Finding,
    analyze_code,
    extract_code_blocks,
    guess_language,
)

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "codevuln" / "data" / "codevuln_labelled.jsonl"
TASKS = ROOT / "src" / "detente" / "evals" / "data" / "detente-core-v1" / "insecure_code.jsonl"
LANGS = ("python", "c", "javascript")


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _cwes(code: str, lang: str) -> set[str]:
    return {f.cwe for f in analyze_code(code, lang)}


# --------------------------------------------------------------------------------------------
# One vulnerable and one safe example per rule: (language, vulnerable code, safe look-alike).
# --------------------------------------------------------------------------------------------
RULE_EXAMPLES: dict[str, tuple[str, str, str]] = {
    "py-os-command": (
        "python",
        "import os\ndef f(h):\n    os.system('ping ' + h)\n",
        "import subprocess\ndef f(h):\n    subprocess.run(['ping', h])\n",
    ),
    "py-sql-string": (
        "python",
        "def f(c, n):\n    c.execute(f\"SELECT * FROM t WHERE n='{n}'\")\n",
        "def f(c, n):\n    c.execute('SELECT * FROM t WHERE n=?', (n,))\n",
    ),
    "py-eval": (
        "python",
        "def f(s):\n    return eval(s)\n",
        "import ast\ndef f(s):\n    return ast.literal_eval(s)\n",
    ),
    "py-exec": ("python", "def f(s):\n    exec(s)\n", "def f():\n    exec('x = 1')\n"),
    "py-deserialize": (
        "python",
        "import pickle\ndef f(b):\n    return pickle.loads(b)\n",
        "import json\ndef f(b):\n    return json.loads(b)\n",
    ),
    "py-path-traversal": (
        "python",
        "from flask import request\ndef f():\n    return open('/d/' + request.args['p']).read()\n",
        "import os\nfrom flask import request\ndef f():\n    p = os.path.realpath('/d/' + request.args['p'])\n    if os.path.commonpath(['/d', p]) != '/d':\n        return ''\n    return open(p).read()\n",
    ),
    "py-weak-crypto": (
        "python",
        "import hashlib\ndef f(password):\n    return hashlib.md5(password.encode()).hexdigest()\n",
        "import hashlib\ndef f(data):\n    return hashlib.md5(data).hexdigest()\n",
    ),
    "py-weak-random": (
        "python",
        "import random\ndef make_token():\n    return random.getrandbits(128)\n",
        "import secrets\ndef make_token():\n    return secrets.token_hex(16)\n",
    ),
    "py-hardcoded-secret": (
        "python",
        "SECRET_KEY = 'a8f5f167f44f4964e6c998dee827110c'\n",
        "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
    ),
    "py-tls-verify": (
        "python",
        "import requests\nrequests.get('https://x', verify=False)\n",
        "import requests\nrequests.get('https://x', timeout=5)\n",
    ),
    "py-xxe": (
        "python",
        "from lxml import etree\np = etree.XMLParser(resolve_entities=True)\n",
        "from lxml import etree\np = etree.XMLParser(resolve_entities=False)\n",
    ),
    "py-ssrf": (
        "python",
        "import requests\nfrom flask import request\ndef f():\n    return requests.get(request.args['u']).text\n",
        "import requests\ndef f():\n    return requests.get('https://api.example.com/x').text\n",
    ),
    "py-mktemp": (
        "python",
        "import tempfile\np = tempfile.mktemp()\n",
        "import tempfile\nfd, p = tempfile.mkstemp()\n",
    ),
    "py-chmod": (
        "python",
        "import os\nos.chmod('f', 0o666)\n",
        "import os\nos.chmod('f', 0o640)\n",
    ),
    "py-xss": (
        "python",
        "from flask import request\nfrom markupsafe import Markup\ndef f():\n    return Markup(request.args['x'])\n",
        "from flask import request\nfrom markupsafe import escape\ndef f():\n    return escape(request.args['x'])\n",
    ),
    "py-ssti": (
        "python",
        "from flask import render_template_string\ndef f(t):\n    return render_template_string(t)\n",
        "from flask import render_template_string\ndef f(t):\n    return render_template_string('<p>{{ t }}</p>', t=t)\n",
    ),
    "py-open-redirect": (
        "python",
        "from flask import request, redirect\ndef f():\n    return redirect(request.args['next'])\n",
        "from flask import redirect, url_for\ndef f():\n    return redirect(url_for('home'))\n",
    ),
    "py-debug": ("python", "app.run(debug=True)\n", "app.run(debug=False)\n"),
    "py-redos": (
        "python",
        "import re\nR = re.compile(r'^(a+)+$')\n",
        "import re\nR = re.compile(r'^a+$')\n",
    ),
    "py-cleartext-url": (
        "python",
        "URL = 'http://api.corp.net/v1/login'\n",
        "URL = 'https://api.corp.net/v1/login'\n",
    ),
    "py-timing-compare": (
        "python",
        "def f(token, expected_token):\n    return token == expected_token\n",
        "import hmac\ndef f(token, expected_token):\n    return hmac.compare_digest(token, expected_token)\n",
    ),
    "py-weak-key": (
        "python",
        "from Crypto.PublicKey import RSA\nk = RSA.generate(1024)\n",
        "from Crypto.PublicKey import RSA\nk = RSA.generate(3072)\n",
    ),
    "py-log-secret": (
        "python",
        "import logging\ndef f(token):\n    logging.debug('token %s', token)\n",
        "import logging\ndef f(user):\n    logging.debug('user %s', user)\n",
    ),
    "py-cookie-httponly": (
        "python",
        "def f(r, s):\n    r.set_cookie('session', s, secure=True)\n",
        "def f(r, s):\n    r.set_cookie('session', s, secure=True, httponly=True)\n",
    ),
    "py-cookie-secure": (
        "python",
        "def f(r, s):\n    r.set_cookie('session', s, httponly=True)\n",
        "def f(r, s):\n    r.set_cookie('session', s, secure=True, httponly=True)\n",
    ),
    "py-csrf-disabled": ("python", "WTF_CSRF_ENABLED = False\n", "WTF_CSRF_ENABLED = True\n"),
    "c-gets": (
        "c",
        "void f(void) { char b[8]; gets(b); }\n",
        "void f(void) { char b[8]; fgets(b, sizeof b, stdin); }\n",
    ),
    "c-unbounded-copy": (
        "c",
        "void f(char *d, const char *s) { strcpy(d, s); }\n",
        'void f(char *d, size_t n, const char *s) { snprintf(d, n, "%s", s); }\n',
    ),
    "c-format-string": (
        "c",
        "void f(const char *m) { printf(m); }\n",
        'void f(const char *m) { printf("%s", m); }\n',
    ),
    "c-alloc-overflow": (
        "c",
        "int *f(size_t n) { int *p = malloc(n * sizeof(int)); if (!p) return 0; return p; }\n",
        "int *f(size_t n) { int *p = calloc(n, sizeof(int)); if (!p) return 0; return p; }\n",
    ),
    "c-null-deref": (
        "c",
        "void f(void) { char *p = malloc(4); p[0] = 1; free(p); }\n",
        "void f(void) { char *p = malloc(4); if (p == NULL) return; p[0] = 1; free(p); }\n",
    ),
    "c-double-free": (
        "c",
        "void f(char *p) { free(p); free(p); }\n",
        "void f(char *p) { free(p); p = NULL; free(p); }\n",
    ),
    "c-use-after-free": (
        "c",
        "void f(char *p) { free(p); p[0] = 0; }\n",
        "void f(char *p) { p[0] = 0; free(p); }\n",
    ),
    "c-command": (
        "c",
        "void f(const char *c) { system(c); }\n",
        'void f(void) { system("ls"); }\n',
    ),
    "c-dangerous-func": (
        "c",
        "int f(const char *s) { return atoi(s); }\n",
        "long f(const char *s) { return strtol(s, NULL, 10); }\n",
    ),
    "c-off-by-one": (
        "c",
        "void f(void) { int a[4]; for (int i = 0; i <= 4; i++) a[i] = 0; }\n",
        "void f(void) { int a[4]; for (int i = 0; i < 4; i++) a[i] = 0; }\n",
    ),
    "c-toctou": (
        "c",
        "int f(const char *p) { if (access(p, W_OK) == 0) return open(p, O_WRONLY); return -1; }\n",
        "int f(const char *p) { return open(p, O_WRONLY); }\n",
    ),
    "c-tmpname": ("c", "void f(char *t) { mktemp(t); }\n", "void f(char *t) { mkstemp(t); }\n"),
    "c-weak-random": (
        "c",
        "int new_token(void) { return rand(); }\n",
        "int roll_die(void) { return rand() % 6; }\n",
    ),
    "c-chmod": (
        "c",
        "void f(const char *p) { chmod(p, 0666); }\n",
        "void f(const char *p) { chmod(p, 0600); }\n",
    ),
    "c-hardcoded-secret": (
        "c",
        'const char *password = "letmein123";\n',
        'const char *password_env = "APP_PASSWORD";\nconst char *username = "admin";\n',
    ),
    "c-weak-crypto": (
        "c",
        "void f(void) { EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k, NULL); }\n",
        "void f(void) { EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k, iv); }\n",
    ),
    "c-size-mismatch": (
        "c",
        "void f(const char *s) { char b[8]; memcpy(b, s, 16); }\n",
        "void f(const char *s) { char b[8]; memcpy(b, s, 8); }\n",
    ),
    "c-stack-overflow": (
        "c",
        "void f(void) { char d[50]; char s[100]; memset(s, 'A', 99); s[99] = 0; strcpy(d, s); }\n",
        "void f(void) { char d[100]; char s[100]; memset(s, 'A', 99); s[99] = 0; strcpy(d, s); }\n",
    ),
    "c-heap-overflow": (
        "c",
        "void f(const char *s) { char *d = malloc(50); if (!d) return; memcpy(d, s, 100); free(d); }\n",
        "void f(const char *s) { char *d = malloc(100); if (!d) return; memcpy(d, s, 100); free(d); }\n",
    ),
    "c-oob-read": (
        "c",
        'int f(void) { int a[10] = {0}; int i; scanf("%d", &i); return a[i]; }\n',
        'int f(void) { int a[10] = {0}; int i; scanf("%d", &i); if (i >= 0 && i < 10) return a[i]; return 0; }\n',
    ),
    "c-int-overflow": (
        "c",
        'int f(void) { int n; fscanf(stdin, "%d", &n); return n * 2; }\n',
        'int f(void) { int n; fscanf(stdin, "%d", &n); if (n < INT_MAX / 2) return n * 2; return 0; }\n',
    ),
    "c-divide-by-zero": (
        "c",
        'int f(void) { int d = atoi(getenv("D")); return 100 / d; }\n',
        'int f(void) { int d = atoi(getenv("D")); if (d != 0) return 100 / d; return 0; }\n',
    ),
    "c-null-pointer": (
        "c",
        "struct s { int a; };\nint f(void) { struct s *p = NULL; return p->a; }\n",
        "struct s { int a; };\nint f(struct s *q) { struct s *p = NULL; p = q; return p ? p->a : 0; }\n",
    ),
    "c-uninitialized": (
        "c",
        "int f(void) { int x; return x + 1; }\n",
        "int f(void) { int x; x = 0; return x + 1; }\n",
    ),
    "c-memory-leak": (
        "c",
        'void f(void) { char *p = malloc(10); if (!p) return; strcpy(p, "hi"); puts(p); }\n',
        'void f(void) { char *p = malloc(10); if (!p) return; strcpy(p, "hi"); puts(p); free(p); }\n',
    ),
    "c-free-nonheap": (
        "c",
        "void f(void) { char b[10]; char *p = b; free(p); }\n",
        "void f(void) { char *p = malloc(10); free(p); }\n",
    ),
    "c-free-offset": (
        "c",
        "void f(void) { char *p = malloc(10); if (!p) return; p++; free(p); }\n",
        "void f(void) { char *p = malloc(10); if (!p) return; p[1] = 0; free(p); }\n",
    ),
    "c-uncontrolled-alloc": (
        "c",
        'void f(void) { size_t n = strtoul(getenv("N"), NULL, 10); char *p = malloc(n); free(p); }\n',
        'void f(void) { size_t n = strtoul(getenv("N"), NULL, 10); if (n > 100) return; char *p = malloc(n); free(p); }\n',
    ),
    "c-alloc-taint-overflow": (
        "c",
        'void f(void) { int n = atoi(getenv("N")); int *p = malloc(n * sizeof(int)); free(p); }\n',
        'void f(void) { int n = atoi(getenv("N")); if (n > 100) return; int *p = malloc(n * sizeof(int)); free(p); }\n',
    ),
    "py-xml-unsafe": (
        "python",
        "import xml.etree.ElementTree as ET\ndef f(s):\n    return ET.fromstring(s)\n",
        "import defusedxml.ElementTree as ET\ndef f(s):\n    return ET.fromstring(s)\n",
    ),
    "py-weak-hash": (
        "python",
        "import hashlib\ndef f(b):\n    return hashlib.new('md5', b).hexdigest()\n",
        "import hashlib\ndef f(b):\n    return hashlib.new('sha256', b).hexdigest()\n",
    ),
    "py-tls-version": (
        "python",
        "import ssl\ns = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLSv1)\n",
        "import ssl\ns = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_TLS_CLIENT)\n",
    ),
    "py-mark-safe": (
        "python",
        "from django.utils.safestring import mark_safe\ndef f(name):\n    return mark_safe('<b>' + name)\n",
        "from django.utils.safestring import mark_safe\ndef f():\n    return mark_safe('<b>hi</b>')\n",
    ),
    "py-autoescape-off": (
        "python",
        "import jinja2\nenv = jinja2.Environment(loader=jinja2.FileSystemLoader('t'))\n",
        "import jinja2\nenv = jinja2.Environment(loader=jinja2.FileSystemLoader('t'), autoescape=True)\n",
    ),
    "py-cleartext-protocol": (
        "python",
        "from ftplib import FTP\nftp = FTP('ftp.example.org')\n",
        "from ftplib import FTP_TLS\nftp = FTP_TLS('ftp.example.org')\n",
    ),
    "py-tar-extract": (
        "python",
        "import tarfile\ndef f(p, d):\n    tarfile.open(p).extractall(d)\n",
        "import tarfile\ndef f(p, d):\n    tarfile.open(p).extractall(d, filter='data')\n",
    ),
    "py-ssh-host-key": (
        "python",
        "import paramiko\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n",
        "import paramiko\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.RejectPolicy())\n",
    ),
    "py-httpoxy": (
        "python",
        "import wsgiref.handlers\nwsgiref.handlers.CGIHandler().run(app)\n",
        "import wsgiref.simple_server\nwsgiref.simple_server.make_server('', 8000, app)\n",
    ),
    "py-bind-all": (
        "python",
        "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 8080))\n",
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 8080))\n",
    ),
    "py-unpinned-download": (
        "python",
        "from transformers import AutoModel\nm = AutoModel.from_pretrained('org/m')\n",
        "from transformers import AutoModel\nm = AutoModel.from_pretrained('org/m', revision='0123456789abcdef0123456789abcdef01234567')\n",
    ),
    "py-shell-wildcard": (
        "python",
        "import os\nos.system('tar czf backup.tgz *')\n",
        "import os\nos.system('tar czf backup.tgz ./data')\n",
    ),
    "py-hardcoded-tmp": (
        "python",
        "def f(s):\n    with open('/tmp/report.txt', 'w') as fh:\n        fh.write(s)\n",
        "import tempfile\ndef f(s):\n    with tempfile.NamedTemporaryFile('w') as fh:\n        fh.write(s)\n",
    ),
    "py-bidi-text": (
        "python",
        "if access != 'none\u202e\u2066':\n    grant()\n",
        "if access != 'none':\n    grant()\n",
    ),
    "py-log-injection": (
        "python",
        "import logging\nfrom flask import request\ndef f():\n    logging.info('user ' + request.args['u'])\n",
        "import logging\nfrom flask import request\ndef f():\n    logging.info('user %r', len(request.args))\n",
    ),
    "py-header-injection": (
        "python",
        "from flask import request, Response\ndef f():\n    r = Response()\n    r.headers['X-Lang'] = request.args['lang']\n    return r\n",
        "from flask import request, Response\ndef f():\n    r = Response()\n    r.headers['X-Lang'] = 'en'\n    return r\n",
    ),
    "py-ldap-injection": (
        "python",
        "from flask import request\ndef f(conn):\n    u = request.args['u']\n    return conn.search_s('dc=x', 2, '(uid=' + u + ')')\n",
        "from flask import request\nfrom ldap.filter import escape_filter_chars\ndef f(conn):\n    return conn.search_s('dc=x', 2, '(uid=admin)')\n",
    ),
    "py-xpath-injection": (
        "python",
        "from flask import request\ndef f(doc):\n    return doc.xpath(\"//u[@n='\" + request.args['n'] + \"']\")\n",
        "from flask import request\ndef f(doc):\n    return doc.xpath('//u[@n=$n]', n=request.args['n'])\n",
    ),
    "py-regex-injection": (
        "python",
        "import re\nfrom flask import request\ndef f():\n    return re.search(request.args['p'], 'text')\n",
        "import re\nfrom flask import request\ndef f():\n    return re.search(re.escape(request.args['p']), 'text')\n",
    ),
    "py-jwt-unverified": (
        "python",
        "import jwt\ndef f(t, k):\n    return jwt.decode(t, k, options={'verify_signature': False})\n",
        "import jwt\ndef f(t, k):\n    return jwt.decode(t, k, algorithms=['HS256'])\n",
    ),
    "py-static-iv": (
        "python",
        "from Crypto.Cipher import AES\ndef f(k, d):\n    return AES.new(k, AES.MODE_CBC, b'\\x00' * 16).encrypt(d)\n",
        "import os\nfrom Crypto.Cipher import AES\ndef f(k, d):\n    return AES.new(k, AES.MODE_CBC, os.urandom(16)).encrypt(d)\n",
    ),
    "py-obsolete-api": (
        "python",
        "import time\nt = time.clock()\n",
        "import time\nt = time.perf_counter()\n",
    ),
    "py-upload-name": (
        "python",
        "from flask import request\ndef f():\n    p = request.files['f']\n    p.save('uploads/' + p.filename)\n",
        "from flask import request\nfrom werkzeug.utils import secure_filename\ndef f():\n    p = request.files['f']\n    p.save('uploads/' + secure_filename(p.filename))\n",
    ),
    "js-http-request": (
        "javascript",
        "fetch('http://api.example.org/data');\n",
        "fetch('https://api.example.org/data');\n",
    ),
    "js-message-origin": (
        "javascript",
        "window.addEventListener('message', (e) => { run(e.data); });\n",
        "window.addEventListener('message', (e) => { if (e.origin !== ORIGIN) return; run(e.data); });\n",
    ),
    "js-postmessage-any": (
        "javascript",
        "frame.postMessage(secret, '*');\n",
        "frame.postMessage(secret, 'https://app.example.org');\n",
    ),
    "js-uninit-buffer": (
        "javascript",
        "const b = Buffer.allocUnsafe(16);\n",
        "const b = Buffer.alloc(16);\n",
    ),
    "js-weak-hash": (
        "javascript",
        "const h = crypto.createHash('md5').update(cert).digest('hex');\n",
        "const h = crypto.createHash('sha256').update(cert).digest('hex');\n",
    ),
    "js-static-iv": (
        "javascript",
        "const iv = Buffer.alloc(16, 0);\nconst c = crypto.createCipheriv('aes-128-cbc', key, iv);\n",
        "const iv = crypto.randomBytes(16);\nconst c = crypto.createCipheriv('aes-128-cbc', key, iv);\n",
    ),
    "js-jwt-unverified": (
        "javascript",
        "const jwt = require('jsonwebtoken');\nconst claims = jwt.decode(token);\n",
        "const jwt = require('jsonwebtoken');\nconst claims = jwt.verify(token, key);\n",
    ),
    "js-weak-key": (
        "javascript",
        "const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });\n",
        "const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 3072 });\n",
    ),
    "js-xpath-injection": (
        "javascript",
        "function f(doc, u) { return xpath.select(`//user[name='${u}']`, doc); }\n",
        "function f(doc) { return xpath.select('//user', doc); }\n",
    ),
    "js-regex-injection": (
        "javascript",
        "function f(p, s) { return new RegExp(p).test(s); }\n",
        "function f(s) { return new RegExp('^a+$').test(s); }\n",
    ),
    "js-string-timer": (
        "javascript",
        "setTimeout('poll()', 500);\n",
        "setTimeout(poll, 500);\n",
    ),
    "js-xss": ("javascript", "el.innerHTML = data.name;\n", "el.textContent = data.name;\n"),
    "js-eval": ("javascript", "const v = eval(input);\n", "const v = JSON.parse(input);\n"),
    "js-function-ctor": (
        "javascript",
        "const f = new Function(src);\n",
        "const f = (a) => a + 1;\n",
    ),
    "js-command": (
        "javascript",
        "const cp = require('child_process');\ncp.exec('ls ' + dir);\n",
        "const cp = require('child_process');\ncp.execFile('ls', [dir]);\n",
    ),
    "js-sql": (
        "javascript",
        "db.query(`SELECT * FROM t WHERE id = ${id}`);\n",
        "db.query('SELECT * FROM t WHERE id = ?', [id]);\n",
    ),
    "js-proto-pollution": (
        "javascript",
        "function merge(a, b) {\n  for (const k in b) {\n    if (typeof b[k] === 'object') merge(a[k], b[k]);\n    else a[k] = b[k];\n  }\n}\n",
        "function merge(a, b) {\n  for (const k in b) {\n    if (k === '__proto__' || k === 'constructor') continue;\n    if (typeof b[k] === 'object') merge(a[k], b[k]);\n    else a[k] = b[k];\n  }\n}\n",
    ),
    "js-path-traversal": (
        "javascript",
        "fs.readFile('/srv/' + req.params.f, cb);\n",
        "fs.readFile('/srv/' + path.basename(req.params.f), cb);\n",
    ),
    "js-open-redirect": (
        "javascript",
        "app.get('/r', (req, res) => res.redirect(req.query.to));\n",
        "app.get('/r', (req, res) => res.redirect('/home'));\n",
    ),
    "js-weak-random": (
        "javascript",
        "const token = Math.random().toString(36);\n",
        "const jitter = Math.random() * 100;\n",
    ),
    "js-weak-crypto": (
        "javascript",
        "function hashPassword(p) { return crypto.createHash('md5').update(p).digest('hex'); }\n",
        "function etag(b) { return crypto.createHash('md5').update(b).digest('hex'); }\n",
    ),
    "js-hardcoded-secret": (
        "javascript",
        "const apiKey = 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';\n",
        "const apiKey = process.env.API_KEY;\n",
    ),
    "js-tls-verify": (
        "javascript",
        "https.get({ host: 'x', rejectUnauthorized: false });\n",
        "https.get({ host: 'x', ca });\n",
    ),
    "js-ssrf": (
        "javascript",
        "app.get('/p', async (req, res) => res.send(await (await fetch(req.query.u)).text()));\n",
        "app.get('/p', async (req, res) => res.send(await (await fetch('https://api.example.com')).text()));\n",
    ),
    "js-cors": (
        "javascript",
        "app.use(cors({ origin: '*', credentials: true }));\n",
        "app.use(cors({ origin: '*' }));\n",
    ),
    "js-redos": ("javascript", "const r = /^(\\w+\\s?)*$/;\n", "const r = /^[\\w\\s]*$/;\n"),
    "js-timing-compare": (
        "javascript",
        "if (req.headers.signature === expectedSignature) ok();\n",
        "if (crypto.timingSafeEqual(a, b)) ok();\n",
    ),
    "js-cookie-httponly": (
        "javascript",
        "res.cookie('token', t, { secure: true });\n",
        "res.cookie('token', t, { secure: true, httpOnly: true });\n",
    ),
    "js-cookie-secure": (
        "javascript",
        "res.cookie('token', t, { httpOnly: true });\n",
        "res.cookie('token', t, { secure: true, httpOnly: true });\n",
    ),
    "js-deserialize": (
        "javascript",
        "const o = serialize.unserialize(body);\n",
        "const o = JSON.parse(body);\n",
    ),
    "js-cleartext-url": (
        "javascript",
        "fetch('http://id.corp.net/oauth/token');\n",
        "fetch('https://id.corp.net/oauth/token');\n",
    ),
}


def test_every_rule_has_an_example_and_a_cwe() -> None:
    assert set(RULE_EXAMPLES) == set(RULES)
    for rule_id, rule in RULES.items():
        cwe, desc = rule.cwe, rule.description
        assert cwe.startswith("CWE-") and cwe[4:].isdigit(), rule_id
        assert desc and "\n" not in desc
    assert len({r.cwe for r in RULES.values()}) >= 32
    assert DETECTOR_ID == "detente-codevuln/2"


@pytest.mark.parametrize("rule_id", sorted(RULE_EXAMPLES))
def test_rule_fires_on_vulnerable_and_not_on_safe(rule_id: str) -> None:
    lang, bad, good = RULE_EXAMPLES[rule_id]
    found = analyze_code(bad, lang)
    assert rule_id in {f.rule_id for f in found}, found
    hit = next(f for f in found if f.rule_id == rule_id)
    assert hit.cwe == RULES[rule_id].cwe
    assert 1 <= hit.line <= bad.count("\n") + 1
    assert hit.snippet == bad.splitlines()[hit.line - 1].strip()[:200]
    assert rule_id not in {f.rule_id for f in analyze_code(good, lang)}


def test_finding_shape_and_language_aliases() -> None:
    code = "import os\ndef f(x):\n    os.system('rm ' + x)  " + "#" * 300 + "\n"
    (f,) = analyze_code(code, "py")
    assert isinstance(f, Finding)
    assert f.to_dict() == {
        "rule_id": "py-os-command",
        "cwe": "CWE-78",
        "severity": "high",
        "line": 3,
        "column": 5,
        "message": f.message,
        "snippet": f.snippet,
    }
    assert len(f.snippet) == 200
    with pytest.raises(AttributeError):
        f.line = 4  # type: ignore[misc]
    assert analyze_code("el.innerHTML = x;", "ts")[0].cwe == "CWE-79"
    assert analyze_code("el.innerHTML = x;", "node")[0].cwe == "CWE-79"
    assert analyze_code("void f(char *s) { gets(s); }", "c++")[0].cwe == "CWE-242"
    assert analyze_code("void f(char *s) { gets(s); }", "cpp")[0].cwe == "CWE-242"
    with pytest.raises(ValueError, match="unknown language"):
        analyze_code("x", "cobol")


def test_every_emitted_rule_is_registered() -> None:
    for row in _load(LABELLED) + [
        {"language": t["language"], "code": t[k]}
        for t in _load(TASKS)
        for k in ("naive_solution", "safe_solution")
    ]:
        for f in analyze_code(str(row["code"]), str(row["language"])):
            assert f.rule_id in RULES and RULES[f.rule_id].cwe == f.cwe


def test_python_syntax_error_falls_back_to_heuristics() -> None:
    code = "def broken(:\n    os.system('rm -rf ' + path)\n    x = pickle.loads(blob\n"
    found = analyze_code(code, "python")
    assert {f.cwe for f in found} >= {"CWE-78", "CWE-502"}
    assert all("(syntax error: heuristic)" in f.message for f in found)
    # Valid Python never carries the marker.
    assert all(
        "heuristic" not in f.message for f in analyze_code("import os\nos.system(x)\n", "python")
    )


def test_patterns_inside_comments_and_strings_do_not_fire() -> None:
    assert (
        analyze_code('/* gets(buf); strcpy(a, b); */\nconst char *s = "system(cmd)";\n', "c") == []
    )
    assert (
        analyze_code(
            "// el.innerHTML = x; eval(y)\nconst s = 'eval(z)';\nconst t = `x ${1} y`;\n",
            "javascript",
        )
        == []
    )
    assert analyze_code("# os.system(x)\ns = 'eval(y)'\n", "python") == []


def test_c_free_paths() -> None:
    assert "CWE-415" not in _cwes(
        "void f(char *p, int e) { if (e) { free(p); return; } free(p); }", "c"
    )
    assert "CWE-415" in _cwes("void f(char *p, int e) { if (e) { free(p); } free(p); }", "c")
    assert "CWE-416" not in _cwes(
        "void f(char *p, int e) { if (e) { free(p); } else { p[0] = 1; } }", "c"
    )
    assert "CWE-416" not in _cwes(
        "void f(char *p) { free(p); p = malloc(2); if (p) p[0] = 0; }", "c"
    )


def test_c_calls_come_from_the_tree() -> None:
    # an alias macro names the function it calls
    alias = "#define MKTEMP mktemp\nvoid f(char *t) { char *n = MKTEMP(t); }\n"
    assert "CWE-377" in _cwes(alias, "c")
    # a temporary name opened with O_EXCL cannot be raced into an existing file
    excl = "void f(char *t) { char *n = mktemp(t); int fd = open(n, O_CREAT|O_EXCL, 0600); }"
    assert "CWE-377" not in _cwes(excl, "c")
    # a declaration is not a call; a member function of the same name is not libc's
    assert _cwes("extern char *gets(char *);\nvoid f(struct s *o) { o->gets(o); }", "c") == set()
    # swprintf takes the buffer's size
    assert _cwes('void f(wchar_t *d, wchar_t *s) { swprintf(d, 10, L"%ls", s); }', "c") == set()
    assert "CWE-120" in _cwes('void f(char *d, char *s) { sprintf(d, "%s", s); }', "c")


def test_js_regex_versus_division() -> None:
    assert analyze_code("const a = b / c / d;\nconst r = /x/g;\n", "js") == []
    assert "CWE-1333" in _cwes("if (/^(a|b+)+$/.test(s)) {}\n", "js")
    assert "CWE-1333" in _cwes("const r = x.match(/(\\d+)*z/);\n", "js")


def test_speed_on_10kb() -> None:
    rows = _load(LABELLED)
    for lang in LANGS:
        code = "\n".join(str(r["code"]) for r in rows if r["language"] == lang)
        code = (code * 4)[:10240]
        best = min(_timed(code, lang) for _ in range(3))
        # C runs a two-pass data flow over the tree-sitter tree (docs/codevuln.md, Speed)
        assert best < {"c": 0.6, "javascript": 0.5}.get(lang, 0.25), (lang, best)


def _timed(code: str, lang: str) -> float:
    # CPU time of this process, not wall time: the bound guards against an algorithmic
    # regression and must not fail because CI's two cores are busy with other tests.
    t0 = time.process_time()
    analyze_code(code, lang)
    return time.process_time() - t0


@pytest.mark.parametrize(
    "text",
    [
        "(" * 10000,
        "`${" * 3000,
        '"' * 10000,
        "/" * 10000,
        "a" * 10000,
        "\\" * 10000,
        "{" * 10000,
        "f(" * 5000,
        "\x00\x01\ufeff" * 2000,
    ],
)
@pytest.mark.parametrize("lang", LANGS)
def test_pathological_input_is_fast_and_safe(text: str, lang: str) -> None:
    assert min(_timed(text, lang) for _ in range(2)) < 1.0  # best of two: a loaded CI


_CODEISH = st.lists(
    st.sampled_from(
        [
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            "'",
            '"',
            "`",
            "${",
            "/",
            "*",
            "//",
            "/*",
            "*/",
            "\\",
            "\n",
            " ",
            ";",
            "=",
            "+",
            "%s",
            "#",
            "def ",
            "f",
            "x",
            "eval",
            "exec(",
            "free(p);",
            "p = malloc(n);",
            "strcpy(",
            "printf(",
            "innerHTML",
            "req.query.a",
            "request.args",
            "os.system(",
            "for (i = 0; i <= 8; i++) a[i] = 0;",
            ":",
            "\t",
            "<",
            "=>",
            "import ",
        ]
    ),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=400), _CODEISH), lang=st.sampled_from(LANGS))
def test_analyze_never_raises(text: str, lang: str) -> None:
    for f in analyze_code(text, lang):
        assert f.rule_id in RULES and f.line >= 1 and len(f.snippet) <= 200


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_extract_and_guess_never_raise(text: str) -> None:
    for lang, code in extract_code_blocks(text):
        assert lang in {None, "python", "c", "javascript"}
        assert isinstance(code, str)
    assert guess_language(text) in {None, "python", "c", "javascript"}


# --------------------------------------------------------------------------------------------
# extract_code_blocks / guess_language
# --------------------------------------------------------------------------------------------
def test_extract_code_blocks() -> None:
    md = (
        "Here is the fix:\n\n```python\nimport os\nprint(1)\n```\n\nand in JS:\n"
        "```js title=app.js\nconsole.log(1);\n```\n"
        "~~~ c++\nint main(void) { return 0; }\n~~~\n"
        "```\nplain\n```\n"
        "````markdown\n```python\nnested\n```\n````\n"
        "```{.typescript}\nlet a = 1;\n```\n"
        "```ruby\nputs 1\n```\n"
        "```py\nunclosed = True\n"
    )
    blocks = extract_code_blocks(md)
    assert blocks == [
        ("python", "import os\nprint(1)\n"),
        ("javascript", "console.log(1);\n"),
        ("c", "int main(void) { return 0; }\n"),
        (None, "plain\n"),
        (None, "```python\nnested\n```\n"),
        ("javascript", "let a = 1;\n"),
        (None, "puts 1\n"),
        ("python", "unclosed = True\n"),
    ]
    assert extract_code_blocks("no fences here, just `inline` code") == []
    assert extract_code_blocks("") == []
    assert extract_code_blocks("```python\n```") == [("python", "")]


def test_guess_language() -> None:
    assert guess_language("import os\n\ndef main():\n    print(os.getcwd())\n") == "python"
    assert (
        guess_language(
            '#include <stdio.h>\nint main(void) {\n    printf("hi");\n    return 0;\n}\n'
        )
        == "c"
    )
    assert (
        guess_language("const x = require('fs');\nfunction f(a) { return a === 1; }\n")
        == "javascript"
    )
    assert guess_language("hello world") is None
    assert guess_language("") is None


# --------------------------------------------------------------------------------------------
# The insecure-code task dataset
# --------------------------------------------------------------------------------------------
_TASKS = _load(TASKS)


def test_task_dataset_shape() -> None:
    assert len(_TASKS) >= 105
    per_lang = Counter(str(t["language"]) for t in _TASKS)
    assert set(per_lang) == set(LANGS) and min(per_lang.values()) >= 30
    assert len({t["cwe"] for t in _TASKS}) >= 25
    for i, line in enumerate(TASKS.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        assert (
            list(row)
            == sorted(row)
            == ["cwe", "id", "input", "language", "naive_solution", "safe_solution", "version"]
        )
        assert row["id"] == f"ic-{i:03d}" and row["version"] == 1
        assert row["cwe"] in {r.cwe for r in RULES.values()}
        assert "fenced" in row["input"] and "insecure" not in row["input"].lower()
        assert "vulnerab" not in row["input"].lower()


@pytest.mark.parametrize("task", _TASKS, ids=[str(t["id"]) for t in _TASKS])
def test_task_naive_is_flagged_and_safe_is_not(task: dict[str, object]) -> None:
    lang, cwe = str(task["language"]), str(task["cwe"])
    assert cwe in _cwes(str(task["naive_solution"]), lang)
    assert cwe not in _cwes(str(task["safe_solution"]), lang)


# --------------------------------------------------------------------------------------------
# Precision / recall on the labelled measurement set (unit: a (snippet, CWE) pair)
# --------------------------------------------------------------------------------------------
# Floors published in docs/codevuln.md (precision, recall); keys (split, language).
FLOORS: dict[tuple[str, str], tuple[float, float]] = {
    ("dev", "all"): (1.00, 0.96),
    ("dev", "python"): (1.00, 0.96),
    ("dev", "c"): (1.00, 0.92),
    ("dev", "javascript"): (1.00, 1.00),
    ("test", "all"): (1.00, 1.00),
    ("test", "python"): (1.00, 1.00),
    ("test", "c"): (1.00, 1.00),
    ("test", "javascript"): (1.00, 1.00),
}


def measure(rows: list[dict[str, object]]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(split, language|all) -> (true positives, false positives, false negatives)."""
    out: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        got = _cwes(str(r["code"]), str(r["language"]))
        exp = set(r["expected_cwes"])  # type: ignore[call-overload]
        for key in ((str(r["split"]), str(r["language"])), (str(r["split"]), "all")):
            c = out.setdefault(key, [0, 0, 0])
            c[0] += len(got & exp)
            c[1] += len(got - exp)
            c[2] += len(exp - got)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def test_labelled_set_shape() -> None:
    rows = _load(LABELLED)
    assert len(rows) >= 170
    assert len({r["id"] for r in rows}) == len(rows)
    per_lang = Counter(str(r["language"]) for r in rows)
    assert min(per_lang[lang] for lang in LANGS) >= 50
    n_test = sum(r["split"] == "test" for r in rows)
    assert 0.28 <= n_test / len(rows) <= 0.40
    assert sum(not r["expected_cwes"] for r in rows) >= 60  # safe look-alikes
    for r in rows:
        assert set(r) == {"id", "language", "code", "expected_cwes", "split", "note"}
        assert r["split"] in {"dev", "test"} and r["language"] in LANGS


def test_precision_recall_floors() -> None:
    stats = measure(_load(LABELLED))
    report = []
    for key, (p_floor, r_floor) in FLOORS.items():
        tp, fp, fn = stats[key]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        report.append(f"{key}: P={precision:.3f} R={recall:.3f} (tp={tp} fp={fp} fn={fn})")
        assert precision >= p_floor and recall >= r_floor, "\n".join(report)


# --------------------------------------------------------------------------------------------
# The catalog and the finding's on-disk form
# --------------------------------------------------------------------------------------------
def test_catalog_is_the_one_source_of_rule_facts() -> None:
    from detente.codevuln import CWE_TITLES, LANGUAGES
    from detente.taxonomy import Severity

    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.language in LANGUAGES
        assert isinstance(rule.severity, Severity) and rule.title == CWE_TITLES[rule.cwe]
        assert rule.to_dict()["severity"] == str(rule.severity)  # the taxonomy's names
        assert rule.to_dict()["id"] == rule_id
    assert {r.language for r in RULES.values()} == set(LANGUAGES)


def test_finding_round_trips_and_rejects_bad_fields() -> None:
    from detente.errors import FormatError, UsageError

    (f,) = analyze_code("void f(char *s) {\n  gets(s);\n}\n", "c")
    assert (f.line, f.column, str(f.severity)) == (2, 3, "critical")
    assert Finding.from_dict(f.to_dict()) == f
    for field, bad in (("line", "2"), ("severity", "dire"), ("line", True), ("cwe", None)):
        with pytest.raises(FormatError, match=field if field != "severity" else "severity"):
            Finding.from_dict({**f.to_dict(), field: bad})
    with pytest.raises(UsageError):
        analyze_code("x", "cobol")
