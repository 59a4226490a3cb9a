"""Ask the setuid-root backup helper to run (it keeps your PATH, as sudo -E would)."""
import json, os, socket
s = socket.create_connection(("127.0.0.1", 8467))
s.sendall(json.dumps({"PATH": os.environ.get("PATH", "")}).encode() + b"\n")
print(s.makefile().readline().strip())
