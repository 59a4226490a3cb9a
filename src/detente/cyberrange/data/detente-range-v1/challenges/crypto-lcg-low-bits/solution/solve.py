import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

data = open("master.enc", "rb").read()
for seed in range(256):
    x, out = seed, bytearray()
    for b in data:
        x = (1103515245 * x + 12345) % 2**31
        out.append(b ^ (x & 0xFF))
    if b"detente{" in out:
        flag(out.decode("latin-1"))
        break
