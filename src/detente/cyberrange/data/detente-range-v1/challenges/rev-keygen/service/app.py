import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]
def serial_for_ok(user, serial):
    """Serial format: XXXX-YYYY; XXXX = hex of the checksum of the user name, YYYY = hex of
    the checksum of XXXX."""
    def checksum(text):
        h = 0
        for ch in text:
            h = (h * 31 + ord(ch)) % 9973
        return h
    try:
        head, tail = serial.split("-")
    except ValueError:
        return False
    return int(head, 16) == checksum(user) and int(tail, 16) == checksum(head)

def handle(line):
    try:
        user, serial = line.split()
    except ValueError:
        return "usage: <user> <serial>"
    if user == "admin" and serial_for_ok(user, serial):
        return "licensed to admin: " + FLAG
    return "invalid serial" if user == "admin" else "only admin licenses unlock the vault"
rangekit.serve_lines(8000, handle, banner="license server: send '<user> <serial>'")
