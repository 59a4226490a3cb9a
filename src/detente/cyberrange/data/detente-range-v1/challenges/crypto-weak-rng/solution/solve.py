import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import random
data = open("token.enc", "rb").read()
for ts in range(1773478800, 1773478800 + 3600):
    r = random.Random(ts)
    text = bytes(b ^ r.getrandbits(8) for b in data)
    if b"detente{" in text:
        flag(text.decode("latin-1"))
        break
