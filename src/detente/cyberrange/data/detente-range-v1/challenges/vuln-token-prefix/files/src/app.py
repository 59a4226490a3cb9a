import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import secrets as _s
API_TOKEN = _s.token_hex(24)
def app(req):
    if req.path != "/secret":
        return 200, "GET /secret with header X-Service-Token", {}
    given = req.headers.get("X-Service-Token")
    if given is None:
        return 401, "missing token", {}
    if not API_TOKEN.startswith(given):
        return 403, "wrong token", {}
    return 200, "secret: " + FLAG, {}
rangekit.serve_http(8368, app)
