import sys
SECRET = [216, 217, 200, 217, 210, 200, 217, 199, 139, 133, 138, 223, 142, 223, 142, 138, 217, 139, 132, 142, 133, 132, 132, 141, 143, 218, 218, 217, 132, 142, 223, 140, 193]
def check(candidate):
    return [b ^ 188 for b in candidate.encode()] == SECRET
if __name__ == "__main__":
    print("access granted" if check(sys.argv[1] if len(sys.argv) > 1 else "") else "access denied")
