
import re, socket
s = socket.create_connection(("127.0.0.1", 8358), timeout=5)
f = s.makefile("rw")
f.readline()
def ask(line):
    f.write(line + "\n"); f.flush(); return f.readline()
version = ask("VERSION")
build = re.search(r"build (\w+)", version).group(1)
verb = re.search(r"undocumented: (\w+)", version).group(1)
print(re.search(r"detente\{[0-9a-f]{24}\}", ask(verb + " " + build)).group(0))
