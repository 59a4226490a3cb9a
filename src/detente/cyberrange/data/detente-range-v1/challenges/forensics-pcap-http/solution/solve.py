import re
def flag(text):
    print(re.search(r'detente\{[0-9a-f]{24}\}', text).group(0))

import struct
def packets(path):
    data = open(path, "rb").read()
    off = 24
    while off < len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl
def ip_payload(frame):
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    return ip[9], ip[12:16], ip[16:20], ip[ihl:]

streams = {}
for frame in packets("capture.pcap"):
    proto, src, dst, seg = ip_payload(frame)
    if proto != 6:
        continue
    sport, dport, seq = struct.unpack("!HHI", seg[:8])
    offset = (seg[12] >> 4) * 4
    streams.setdefault((src, sport), []).append((seq, seg[offset:]))
for parts in streams.values():
    data = b"".join(d for _, d in sorted(parts))
    if data.startswith(b"POST"):
        value = re.search(rb"=([0-9a-f]{40,})", data).group(1)
        flag(bytes.fromhex(value.decode()).decode())
