import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

data = open("message.enc", "rb").read()
known = b"detente{"
for n in range(1, 9):  # the key repeats: try each length, keep the one giving a whole flag
    key = bytes(data[i] ^ known[i] for i in range(n))
    text = bytes(b ^ key[i % n] for i, b in enumerate(data)).decode("latin-1")
    if re.search(r"detente\{[0-9a-f]{24}\}", text):
        flag(text)
        break
