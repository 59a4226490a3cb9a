import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import urllib.parse
INTERNAL = {"http://admin-c744.internal/flag": "internal flag: " + FLAG, "http://admin-c744.internal/": "admin api: /flag"}
PUBLIC = {"http://www.example.test/": "hello from the public web"}

def fetch(url):
    parts = urllib.parse.urlsplit(url)
    key = f"{parts.scheme}://{parts.hostname}{parts.path or '/'}"
    return INTERNAL.get(key) or PUBLIC.get(key) or "could not fetch " + key

def app(req):
    if req.path == "/":
        return 200, "link preview: /preview?url=http://www.example.test/  (staff: the admin api is at http://admin-c744.internal/)", {}
    if req.path == "/preview":
        return 200, "preview: " + fetch(req.arg("url")), {}
    return 404, "not found", {}

rangekit.serve_http(8230, app)
