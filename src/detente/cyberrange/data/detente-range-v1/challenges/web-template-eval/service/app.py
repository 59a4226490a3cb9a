import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import re
class Config:
    def __init__(self):
        self.site = "range shop"
        self.theme = "dark"
        self._signing_secret = FLAG

CONFIG = Config()

def render(text):
    def sub(m):
        expr = m.group(1)
        if "secret" in expr or "import" in expr:
            return "[blocked]"
        return str(eval(expr, {"__builtins__": {}}, {"config": CONFIG}))
    return re.sub(r"\{\{(.*?)\}\}", sub, text)

def app(req):
    if req.path != "/preview":
        return 200, "page preview: /preview?page=Welcome+to+{{config.site}}", {}
    return 200, render(req.arg("page")), {}

rangekit.serve_http(8236, app)
