# stream cipher from our in-house generator; the seed is 31 bits, so brute force is out
A, C, M = 1103515245, 12345, 2**31
def encrypt(data, seed):
    x, out = seed, bytearray()
    for b in data:
        x = (A * x + C) % M
        out.append(b ^ (x & 0xFF))
    return bytes(out)
