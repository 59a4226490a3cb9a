import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import hashlib, json
v = json.load(open("vault.json"))
salt, want = v["pin_check"]["salt"], v["pin_check"]["sha256"]
pin = next(f"{i:05d}" for i in range(100000) if hashlib.sha256((salt + f"{i:05d}").encode()).hexdigest() == want)
ct = bytes.fromhex(v["ciphertext"])
ks = b"".join(hashlib.sha256(pin.encode() + c.to_bytes(4, "big")).digest() for c in range(len(ct) // 32 + 1))
flag(bytes(a ^ b for a, b in zip(ct, ks)).decode())
