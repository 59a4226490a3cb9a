import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import base64, zlib
code = open("tool.py").read()
while "exec(" in code:
    blob = re.search(r"b64decode\('([^']+)'\)", code).group(1)
    code = zlib.decompress(base64.b64decode(blob)).decode()
k = int(re.search(r"- (\d+) \* i", code).group(1))
data = eval(re.search(r"D = (\[.*?\])", code).group(1))
flag(bytes((d - k * i) % 256 for i, d in enumerate(data)).decode())
