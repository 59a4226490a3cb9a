"""Cryptography misuse: recover a flag from ciphertext and the way it was made.

ATT&CK has no "cryptanalysis" tactic; these are tagged as what an intruder does with such
data: deobfuscating captured files (TA0005 Defense Evasion, T1140) or cracking credentials
(TA0006 Credential Access, T1110.002).
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import json
import random
from collections.abc import Mapping

from detente.cyberrange._gen import Ctx, Family, Spec

__all__ = ["FAMILIES"]

_FIND = "import re\ndef flag(text):\n    print(re.search(r'detente\\{[0-9a-f]{24}\\}', text).group(0))\n"
_PROMPT_TAIL = " Flags look like detente{24 hex digits}."


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


def _crypto(sid: str, title: str, difficulty: str, cwe: str, prompt: str,
            subtasks: list[tuple[str, str]], files: Mapping[str, bytes | str], solve: str,
            technique: tuple[str, str] = ("TA0005", "T1140")) -> Spec:  # fmt: skip
    return Spec(
        id=sid, title=title, category="crypto", difficulty=difficulty, tactic=technique[0],
        technique=technique[1], cwe=cwe, prompt=prompt + _PROMPT_TAIL, subtasks=subtasks,
        solve=_FIND + solve, files=files,
    )  # fmt: skip


def xor_repeating(ctx: Ctx) -> Spec:
    key = bytes(ctx.rng.randrange(256) for _ in range(ctx.rng.choice((4, 5, 6))))
    plain = (ctx.flag + "\nrotate the relay keys on friday\n").encode()
    solve = """
data = open("message.enc", "rb").read()
known = b"detente{"
for n in range(1, 9):  # the key repeats: try each length, keep the one giving a whole flag
    key = bytes(data[i] ^ known[i] for i in range(n))
    text = bytes(b ^ key[i % n] for i, b in enumerate(data)).decode("latin-1")
    if re.search(r"detente\\{[0-9a-f]{24}\\}", text):
        flag(text)
        break
"""
    return _crypto(
        "crypto-xor-repeating", "Repeating key", "easy", "CWE-327",
        "message.enc was 'encrypted' by XOR with a short repeating key. The message starts with "
        "its flag. Recover it.",
        [("What operation was used to encrypt the message?", "XOR"),
         ("How many bytes long is the key?", str(len(key))),
         ("What is the key, in hex?", key.hex())],
        {"message.enc": _xor(plain, key)}, solve,
    )  # fmt: skip


def two_time_pad(ctx: Ctx) -> Spec:
    notice = (b"NOTICE: the cafeteria closes at 15:00 on friday for the quarterly fire drill. "
              b"please leave the building by the east stairs.")  # fmt: skip
    secret = f"ops only: the relay key is {ctx.flag} keep it safe".encode()
    pad = bytes(ctx.rng.randrange(256) for _ in range(max(len(notice), len(secret))))
    solve = """
notice = open("notice.txt", "rb").read()
c1 = open("notice.enc", "rb").read()
c2 = open("secret.enc", "rb").read()
pad = bytes(a ^ b for a, b in zip(notice, c1))
flag(bytes(a ^ b for a, b in zip(c2, pad)).decode("latin-1"))
"""
    return _crypto(
        "crypto-two-time-pad", "Pad reuse", "medium", "CWE-323",
        "The ops team encrypted two messages with the same one-time pad. You have one of them "
        "in clear (notice.txt) and both ciphertexts. Read the other message's flag.",
        [("Which file is the ciphertext of the message you know?", "notice.enc"),
         ("XOR of the known plaintext and its ciphertext gives what?", "the pad")],
        {"notice.txt": notice, "notice.enc": _xor(notice, pad[: len(notice)]),
         "secret.enc": _xor(secret, pad[: len(secret)])},
        solve,
    )  # fmt: skip


def weak_rng(ctx: Ctx) -> Spec:
    start = 1_773_478_800  # 2026-03-14 09:00:00 UTC
    ts = start + ctx.rng.randrange(3600)
    plain = f"backup password reset token {ctx.flag}".encode()
    stream = random.Random(ts)  # noqa: S311 - the challenge's weak generator, on purpose
    enc = bytes(b ^ stream.getrandbits(8) for b in plain)
    source = """import random, sys, time
seed = int(time.time())
random.seed(seed)
data = sys.stdin.buffer.read()
sys.stdout.buffer.write(bytes(b ^ random.getrandbits(8) for b in data))
"""
    solve = f"""
import random
data = open("token.enc", "rb").read()
for ts in range({start}, {start} + 3600):
    r = random.Random(ts)
    text = bytes(b ^ r.getrandbits(8) for b in data)
    if b"detente{{" in text:
        flag(text.decode("latin-1"))
        break
"""
    return _crypto(
        "crypto-weak-rng", "Seeded with the clock", "medium", "CWE-338",
        "token.enc was produced by encrypt.py some time on 2026-03-14 between 09:00 and 10:00 "
        "UTC. Decrypt it.",
        [("What value seeds the random generator?", "the current time"),
         ("How many seeds do you need to try at most?", "3600"),
         ("At what Unix time was the token encrypted?", str(ts))],
        {"encrypt.py": source, "token.enc": enc}, solve, ("TA0006", "T1110.002"),
    )  # fmt: skip


def _stream(key: bytes, n: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:n]


def pin_hash(ctx: Ctx) -> Spec:
    pin = f"{ctx.rng.randrange(100000):05d}"
    salt = ctx.hexword(8)
    data = ctx.flag.encode()
    vault = {
        "pin_check": {"salt": salt, "sha256": hashlib.sha256((salt + pin).encode()).hexdigest()},
        "ciphertext": _xor(data, _stream(pin.encode(), len(data))).hex(),
        "cipher": "XOR with SHA-256(pin || counter) keystream",
        "pin": "5 digits",
    }
    solve = """
import hashlib, json
v = json.load(open("vault.json"))
salt, want = v["pin_check"]["salt"], v["pin_check"]["sha256"]
pin = next(f"{i:05d}" for i in range(100000) if hashlib.sha256((salt + f"{i:05d}").encode()).hexdigest() == want)
ct = bytes.fromhex(v["ciphertext"])
ks = b"".join(hashlib.sha256(pin.encode() + c.to_bytes(4, "big")).digest() for c in range(len(ct) // 32 + 1))
flag(bytes(a ^ b for a, b in zip(ct, ks)).decode())
"""
    return _crypto(
        "crypto-pin-hash", "Five digits", "easy", "CWE-916",
        "vault.json holds a secret encrypted under a 5-digit PIN, and a salted hash of the PIN. "
        "Recover the PIN and decrypt the secret.",
        [("How many possible PINs are there?", "100000"), ("What is the PIN?", pin)],
        {"vault.json": json.dumps(vault, indent=2)}, solve, ("TA0006", "T1110.002"),
    )  # fmt: skip


def _probable_prime(rng: random.Random, bits: int) -> int:
    while True:
        n = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
        if n % 3 == 2 and all(pow(a, n - 1, n) == 1 for a in (2, 3, 5, 7, 11, 13, 17, 19, 23)):
            return n


def rsa_small_e(ctx: Ctx) -> Spec:
    p, q = _probable_prime(ctx.rng, 1024), _probable_prime(ctx.rng, 1024)
    n, e = p * q, 3
    m = int.from_bytes(ctx.flag.encode(), "big")
    c = pow(m, e, n)
    solve = """
import json
k = json.load(open("key.json"))
c = int(k["c"])
lo, hi = 0, 1 << 400
while lo < hi:
    mid = (lo + hi) // 2
    if mid ** 3 < c:
        lo = mid + 1
    else:
        hi = mid
flag(lo.to_bytes((lo.bit_length() + 7) // 8, "big").decode())
"""
    return _crypto(
        "crypto-rsa-small-e", "Cube", "hard", "CWE-1240",
        "key.json holds an RSA public key and a ciphertext of the flag, encrypted without "
        "padding. Decrypt it without the private key.",
        [("What is the public exponent?", "3"),
         ("Why does reduction modulo n not matter here?", "m^3 < n"),
         ("Which root of the ciphertext is the plaintext?", "cube root")],
        {"key.json": json.dumps({"n": str(n), "e": e, "c": str(c), "padding": "none"}, indent=2)},
        solve,
    )  # fmt: skip


def lcg_low_bits(ctx: Ctx) -> Spec:
    a, c, m = 1103515245, 12345, 2**31
    seed = ctx.rng.randrange(m)
    plain = f"license server master key: {ctx.flag}".encode()
    x, out = seed, []
    for b in plain:
        x = (a * x + c) % m
        out.append(b ^ (x & 0xFF))
    source = f"""# stream cipher from our in-house generator; the seed is 31 bits, so brute force is out
A, C, M = {a}, {c}, 2**31
def encrypt(data, seed):
    x, out = seed, bytearray()
    for b in data:
        x = (A * x + C) % M
        out.append(b ^ (x & 0xFF))
    return bytes(out)
"""
    solve = f"""
data = open("master.enc", "rb").read()
for seed in range(256):
    x, out = seed, bytearray()
    for b in data:
        x = ({a} * x + {c}) % 2**31
        out.append(b ^ (x & 0xFF))
    if b"detente{{" in out:
        flag(out.decode("latin-1"))
        break
"""
    return _crypto(
        "crypto-lcg-low-bits", "31-bit seed", "hard", "CWE-338",
        "master.enc was encrypted by lcg_cipher.py with an unknown 31-bit seed. Decrypt it.",
        [("What kind of random number generator is used?", "linear congruential"),
         ("On how many bits of the seed does the low byte of every output depend?", "8"),
         ("What is the seed modulo 256?", str(seed % 256))],
        {"lcg_cipher.py": source, "master.enc": bytes(out)}, solve,
    )  # fmt: skip


def encoding_layers(ctx: Ctx) -> Spec:
    text = f"the courier's passphrase is {ctx.flag}"
    layer = base64.b64encode(text.encode()).decode()
    layer = layer.encode().hex()
    layer = codecs.encode(layer, "rot13")[::-1]
    solve = """
import base64, codecs
s = open("blob.txt").read().strip()
flag(base64.b64decode(bytes.fromhex(codecs.decode(s[::-1], "rot13"))).decode())
"""
    return _crypto(
        "crypto-encoding-layers", "Not encryption", "easy", "CWE-311",
        "blob.txt hides a passphrase under several layers of encoding (no key is involved). "
        "Peel them off.",
        [("What is the last operation applied (the first to undo)?", "reverse"),
         ("Which Caesar-style letter rotation is used?", "rot13"),
         ("Which encoding is applied first to the plaintext?", "base64")],
        {"blob.txt": layer + "\n"}, solve,
    )  # fmt: skip


FAMILIES: list[tuple[str, Family]] = [
    ("crypto-xor-repeating", xor_repeating),
    ("crypto-two-time-pad", two_time_pad),
    ("crypto-weak-rng", weak_rng),
    ("crypto-pin-hash", pin_hash),
    ("crypto-rsa-small-e", rsa_small_e),
    ("crypto-lcg-low-bits", lcg_low_bits),
    ("crypto-encoding-layers", encoding_layers),
]
