import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

import subprocess, threading, time
def cron(command, cwd="/work"):
    while True:
        subprocess.run(command, shell=True, cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/root", "ROOT_TOKEN": FLAG})
        time.sleep(0.2)

threading.Thread(target=cron, args=("sh /work/opt/jobs/sync.sh",), daemon=True).start()
rangekit.serve_lines(8118, lambda line: "cron ok", banner="crond status")
