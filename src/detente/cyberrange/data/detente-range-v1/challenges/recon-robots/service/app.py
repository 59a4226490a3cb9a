import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

def app(req):
    if req.path == "/robots.txt":
        return 200, "User-agent: *\nDisallow: /staff-1d945c/\n", {}
    if req.path == "/staff-1d945c/":
        return 200, "staff portal. bootstrap token: " + FLAG, {}
    if req.path == "/":
        return 200, "<h1>Acme Widgets</h1>", {}
    return 404, "not found", {}
rangekit.serve_http(8487, app)
