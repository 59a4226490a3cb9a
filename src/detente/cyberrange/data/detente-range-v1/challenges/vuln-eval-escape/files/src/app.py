import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

BLOCKED = ("import", "open", "exec", "eval", "FLAG")
def app(req):
    if req.path != "/calc":
        return 200, "calculator: /calc?expr=6*7", {}
    expr = req.arg("expr")
    if any(word in expr for word in BLOCKED):
        return 400, "blocked", {}
    try:
        return 200, str(eval(expr, {"__builtins__": {}}, {})), {}
    except Exception as exc:
        return 400, f"error: {type(exc).__name__}: {exc}", {}
rangekit.serve_http(8637, app)
