
import re, socket
for port in range(20000, 21000):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            banner = s.recv(200).decode()
            print(re.search(r"detente\{[0-9a-f]{24}\}", banner).group(0))
            break
    except OSError:
        continue
