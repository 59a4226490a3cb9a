import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import ast
src = open("check.py").read()
secret = ast.literal_eval(re.search(r"SECRET = (\[.*?\])", src).group(1))
key = int(re.search(r"b \^ (\d+)", src).group(1))
flag(bytes(b ^ key for b in secret).decode())
