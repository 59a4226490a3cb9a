"""A tiny stack machine. Usage: python3 vm.py program.bin INPUT"""
import sys

def run(code, data):
    stack, pc, i = [], 0, 0
    while pc < len(code):
        op = code[pc]; pc += 1
        if op == 0x01:   # PUSH imm8
            stack.append(code[pc]); pc += 1
        elif op == 0x02: # READ next input byte (0 at the end)
            stack.append(data[i] if i < len(data) else 0); i += 1
        elif op == 0x03: # ADD
            b, a = stack.pop(), stack.pop(); stack.append((a + b) & 0xFF)
        elif op == 0x04: # XOR
            b, a = stack.pop(), stack.pop(); stack.append(a ^ b)
        elif op == 0x05: # JNE imm16: pop two, jump if different
            b, a = stack.pop(), stack.pop()
            target = code[pc] << 8 | code[pc + 1]; pc += 2
            if a != b:
                pc = target
        elif op == 0x06: # OK
            return True
        elif op == 0x07: # FAIL
            return False
        else:
            raise ValueError(f"bad opcode {op:#x} at {pc - 1}")
    return False

if __name__ == "__main__":
    code = open(sys.argv[1], "rb").read()
    print("correct" if run(code, sys.argv[2].encode()) else "wrong")
