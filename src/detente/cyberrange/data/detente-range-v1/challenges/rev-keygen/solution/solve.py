
import re, socket
def checksum(text):
    h = 0
    for ch in text:
        h = (h * 31 + ord(ch)) % 9973
    return h
head = format(checksum("admin"), "04x")
serial = head + "-" + format(checksum(head), "04x")
s = socket.create_connection(("127.0.0.1", 8000), timeout=5)
f = s.makefile("rw")
f.readline()
f.write("admin " + serial + "\n"); f.flush()
print(re.search(r"detente\{[0-9a-f]{24}\}", f.readline()).group(0))
