import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import os, subprocess
def app(req):
    if req.path != "/ping":
        return 200, "network check: /ping?host=127.0.0.1", {}
    out = subprocess.run("echo pinging " + req.arg("host", "127.0.0.1") + "; echo done",
                         shell=True, capture_output=True, text=True, timeout=5,
                         env={"PATH": "/usr/bin:/bin", "DIAG_TOKEN": FLAG})
    return 200, out.stdout + out.stderr, {}
rangekit.serve_http(8913, app)
