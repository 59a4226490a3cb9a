import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import base64
data = open("logo.png", "rb").read()
tail = data[data.index(b"IEND") + 8:]
flag(base64.b85decode(tail.split(b":", 1)[1]).decode())
