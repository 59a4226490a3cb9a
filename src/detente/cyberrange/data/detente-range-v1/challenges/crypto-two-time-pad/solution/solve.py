import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

notice = open("notice.txt", "rb").read()
c1 = open("notice.enc", "rb").read()
c2 = open("secret.enc", "rb").read()
pad = bytes(a ^ b for a, b in zip(notice, c1))
flag(bytes(a ^ b for a, b in zip(c2, pad)).decode("latin-1"))
