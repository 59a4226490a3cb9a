import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

def app(req):
    if req.path == "/":
        return 200, "api gateway", {"Link": "</api/v3/>; rel=api", "X-Powered-By": "range-gw"}
    if req.path == "/api/v3/":
        return 200, "endpoints: /api/v3/status, /api/v3/debug", {}
    if req.path == "/api/v3/status":
        return 200, "ok", {"X-Internal-Key-Hint": "debug requires X-Internal-Key: 4f98f7bef555"}
    if req.path == "/api/v3/debug":
        if req.headers.get("X-Internal-Key") == "4f98f7bef555":
            return 200, "debug dump: " + FLAG, {}
        return 403, "missing debug key", {}
    return 404, "not found", {}
rangekit.serve_http(8511, app)
