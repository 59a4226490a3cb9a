import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import base64, hashlib, hmac, json, secrets as _s
KEY = _s.token_bytes(32)
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
def unb64(text): return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
def issue(claims):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"
def check(token):
    head, body, sig = token.split(".")
    alg = json.loads(unb64(head)).get("alg")
    if alg == "HS256":
        want = b64(hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, sig):
            raise ValueError("bad signature")
    elif alg.lower() != "none":
        raise ValueError("unsupported alg")
    return json.loads(unb64(body))
def app(req):
    if req.path == "/login":
        return 200, issue({"user": "eli", "role": "user"}), {}
    if req.path == "/admin":
        try:
            claims = check(req.headers.get("Authorization", "").removeprefix("Bearer "))
        except Exception as exc:
            return 401, "unauthorised: " + str(exc), {}
        if claims.get("role") != "admin":
            return 403, "admins only", {}
        return 200, "admin console: " + FLAG, {}
    return 200, "GET /login for a token; GET /admin with Authorization: Bearer <token>", {}
rangekit.serve_http(8908, app)
