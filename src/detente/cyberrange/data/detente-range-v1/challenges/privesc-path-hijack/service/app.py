import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import json, subprocess
HELPER = """#!/bin/sh
# backup-helper (setuid root): archives /work/data
cd /work
gzip --version >/dev/null 2>&1
echo backup of /work/data done
"""
def handle(line):
    try:
        path = json.loads(line)["PATH"]
    except (ValueError, KeyError, TypeError):
        return "bad request"
    out = subprocess.run(["/bin/sh", "-c", HELPER], capture_output=True, text=True, timeout=10,
                         env={"PATH": path, "ROOT_TOKEN": FLAG})
    return json.dumps(out.stdout + out.stderr)
rangekit.serve_lines(8467, handle)
