import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import posixpath
PAGES = {"/public/index": "welcome", "/admin/flag": "admin flag: " + FLAG}
def app(req):
    if req.path.startswith("/admin"):
        return 403, "admin area is blocked", {}
    page = posixpath.normpath(req.path)
    return (200, PAGES[page], {}) if page in PAGES else (404, "not found", {})
rangekit.serve_http(8850, app)
