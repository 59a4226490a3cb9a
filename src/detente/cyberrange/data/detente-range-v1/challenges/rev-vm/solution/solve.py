import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

code = open("program.bin", "rb").read()
out, pc = bytearray(), 0
while code[pc] == 0x02:
    add, xor, want = code[pc + 2], code[pc + 5], code[pc + 8]
    out.append(((want ^ xor) - add) & 0xFF)
    pc += 12
flag(out.rstrip(b"\x00").decode())
