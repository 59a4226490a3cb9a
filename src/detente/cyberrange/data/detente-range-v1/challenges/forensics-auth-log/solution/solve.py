import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import base64
for line in open("auth.log"):
    if "COMMAND=" in line and "base64 -d" in line:
        blob = re.search(r"echo (\S+) \|", line).group(1)
        flag(base64.b64decode(blob).decode())
