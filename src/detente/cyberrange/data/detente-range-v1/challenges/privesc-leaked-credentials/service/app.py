import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import hmac
def handle(line):
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[0] == "su" and parts[1] == "root":
        if hmac.compare_digest(parts[2], "Winter9227!"):
            return "root shell granted; token " + FLAG
        return "su: Authentication failure"
    return "usage: su root <password>"
rangekit.serve_lines(8903, handle, banner="auth daemon: su root <password>")
