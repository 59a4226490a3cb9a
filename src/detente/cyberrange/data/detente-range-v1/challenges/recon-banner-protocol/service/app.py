import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

def handle(line):
    words = line.split()
    if not words:
        return "?"
    cmd = words[0].upper()
    if cmd == "HELP":
        return "commands: HELP VERSION TIME QUIT"
    if cmd == "VERSION":
        return "ctl-daemon 0.9 (build 476ef4); undocumented: DIAG <build>"
    if cmd == "TIME":
        return "12:00"
    if cmd == "DIAG" and words[1:] == ["476ef4"]:
        return "maintenance token " + FLAG
    if cmd == "QUIT":
        return None
    return "unknown command"
rangekit.serve_lines(8358, handle, banner="ctl-daemon ready, type HELP")
