import sys
sys.path.insert(0, "/opt/range")
import rangekit

SECRETS = rangekit.load_secrets()
FLAG = SECRETS["FLAG"]

rangekit.serve_lines(20728, lambda line: None, banner="range-ssh-honeypot 2.1 ready; token " + FLAG)
