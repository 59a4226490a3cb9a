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

import base64
chunks = {}
for frame in packets("dns.pcap"):
    proto, src, dst, seg = ip_payload(frame)
    if proto != 17:
        continue
    msg, pos, labels = seg[8:], 12, []
    while msg[pos]:
        labels.append(msg[pos + 1:pos + 1 + msg[pos]].decode()); pos += msg[pos] + 1
    m = re.fullmatch(r"(\d+)-([a-z2-7]+)", labels[0])
    if m and labels[1] == "x":
        chunks[int(m.group(1))] = m.group(2)
data = "".join(chunks[i] for i in sorted(chunks)).upper()
flag(base64.b32decode(data + "=" * (-len(data) % 8)).decode())
