import random, sys, time
seed = int(time.time())
random.seed(seed)
data = sys.stdin.buffer.read()
sys.stdout.buffer.write(bytes(b ^ random.getrandbits(8) for b in data))
