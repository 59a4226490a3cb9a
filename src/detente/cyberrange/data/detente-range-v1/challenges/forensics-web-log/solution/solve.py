import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

for line in open("access.log"):
    m = re.search(r"x%27([0-9a-f]+)%27", line)
    if m:
        flag(bytes.fromhex(m.group(1)).decode())
