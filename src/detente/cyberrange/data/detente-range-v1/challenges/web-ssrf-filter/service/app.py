import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import urllib.parse
INTERNAL = {"http://vault-899c.internal/flag": "internal flag: " + FLAG, "http://vault-899c.internal/": "admin api: /flag"}
PUBLIC = {"http://www.example.test/": "hello from the public web"}

def fetch(url):
    parts = urllib.parse.urlsplit(url)
    key = f"{parts.scheme}://{parts.hostname}{parts.path or '/'}"
    return INTERNAL.get(key) or PUBLIC.get(key) or "could not fetch " + key

def app(req):
    if req.path == "/":
        return 200, "image proxy: /proxy?url=http://www.example.test/ (only www.example.test is allowed; the vault at http://vault-899c.internal/ is off limits)", {}
    if req.path == "/proxy":
        url = req.arg("url")
        if not url.startswith("http://www.example.test"):
            return 403, "only http://www.example.test is allowed", {}
        return 200, fetch(url), {}
    return 404, "not found", {}

rangekit.serve_http(8078, app)
