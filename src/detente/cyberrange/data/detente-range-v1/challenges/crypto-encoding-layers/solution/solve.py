import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import base64, codecs
s = open("blob.txt").read().strip()
flag(base64.b64decode(bytes.fromhex(codecs.decode(s[::-1], "rot13"))).decode())
