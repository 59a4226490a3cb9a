import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import json, secrets as _s
USERS = {}
def app(req):
    if req.path == "/register" and req.method == "POST":
        user = {"name": "anonymous", "role": "user"}
        user.update(req.form())
        token = _s.token_hex(8)
        USERS[token] = user
        return 200, json.dumps({"token": token, "user": user}), {}
    if req.path == "/flag":
        user = USERS.get(req.arg("token"))
        if not user or user.get("role") != "admin":
            return 403, "admins only", {}
        return 200, FLAG, {}
    return 200, "POST /register (JSON body {\"name\": ...}); GET /flag?token=...", {}
rangekit.serve_http(8843, app)
