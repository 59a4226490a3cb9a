"""Forensics on logs, packet captures and files (TA0009 Collection, TA0010 Exfiltration,
TA0005 Defense Evasion). Packet captures are written byte by byte (libpcap format, Ethernet /
IPv4 / TCP or UDP) so they are deterministic and need no capture library."""

from __future__ import annotations

import base64
import io
import struct
import tarfile
import zlib
from collections.abc import Mapping

from detente.cyberrange._gen import Ctx, Family, Spec

__all__ = ["FAMILIES"]

_FIND = "import re\ndef flag(text):\n    print(re.search(r'detente\\{[0-9a-f]{24}\\}', text).group(0))\n"
_TAIL = " Flags look like detente{24 hex digits}."
_PCAP_READER = """
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
"""


def _spec(sid: str, title: str, difficulty: str, tactic: str, technique: str, prompt: str,
          subtasks: list[tuple[str, str]], files: Mapping[str, bytes | str], solve: str,
          cwe: str | None = None) -> Spec:  # fmt: skip
    return Spec(
        id=sid, title=title, category="forensics", difficulty=difficulty, tactic=tactic,
        technique=technique, cwe=cwe, prompt=prompt + _TAIL, subtasks=subtasks,
        solve=_FIND + solve, files=files,
    )  # fmt: skip


def _ip(ctx: Ctx) -> str:
    return f"{ctx.rng.choice((45, 91, 185, 203))}.{ctx.rng.randrange(1, 255)}.{ctx.rng.randrange(1, 255)}.{ctx.rng.randrange(1, 255)}"


def _checksum(header: bytes) -> int:
    total = int(sum(struct.unpack(f"!{len(header) // 2}H", header)))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _frame(src: str, dst: str, proto: int, payload: bytes, ident: int) -> bytes:
    s, d = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0, s, d)
    head = head[:10] + struct.pack("!H", _checksum(head)) + head[12:]
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    return eth + head + payload


def _tcp(sport: int, dport: int, seq: int, data: bytes) -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 0x50, 0x18, 65535, 0, 0) + data


def _udp(sport: int, dport: int, data: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def _pcap(frames: list[bytes], start: int) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, frame in enumerate(frames):
        out += struct.pack("<IIII", start + i // 10, (i % 10) * 100000, len(frame), len(frame))
        out += frame
    return out


def auth_log(ctx: Ctx) -> Spec:
    attacker, user = _ip(ctx), ctx.word(("deploy", "backup", "jenkins", "svc-mon"))
    lines = []
    t = 0
    for i in range(40):
        t += ctx.rng.randrange(1, 4)
        who = ctx.word(("root", "admin", "test", "oracle", user))
        port = 40000 + ctx.rng.randrange(20000)
        lines.append(
            f"Mar 14 03:{t // 60:02d}:{t % 60:02d} gw sshd[{900 + i}]: Failed password for {who} from {attacker} port {port} ssh2"
        )
        if i % 7 == 3:
            lines.append(
                f"Mar 14 03:{t // 60:02d}:{t % 60:02d} gw sshd[{950 + i}]: Accepted publickey for alice from 10.0.0.{i} port 5{i:04d} ssh2"
            )
    t += 5
    lines.append(
        f"Mar 14 03:{t // 60:02d}:{t % 60:02d} gw sshd[1999]: Accepted password for {user} from {attacker} port 51515 ssh2"
    )
    blob = base64.b64encode(f"stage2 key {ctx.flag}".encode()).decode()
    lines.append(
        f"Mar 14 03:{t // 60:02d}:{(t + 9) % 60:02d} gw sudo: {user} : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh -c echo {blob} | base64 -d > /tmp/.k"
    )
    lines.append(
        f"Mar 14 03:{(t + 1) // 60:02d}:{(t + 1) % 60:02d} gw CRON[2001]: (root) CMD (run-parts /etc/cron.hourly)"
    )
    solve = """
import base64
for line in open("auth.log"):
    if "COMMAND=" in line and "base64 -d" in line:
        blob = re.search(r"echo (\\S+) \\|", line).group(1)
        flag(base64.b64decode(blob).decode())
"""
    return _spec(
        "forensics-auth-log", "Break-in", "easy", "TA0006", "T1110.001",
        "auth.log is from a gateway that was broken into. Find how the intruder got in and "
        "what they ran as root; it contains the flag.",
        [("From which IP address did the brute-force attack come?", attacker),
         ("Which account was compromised?", user),
         ("Which program decoded the intruder's payload?", "base64")],
        {"auth.log": "\n".join(lines) + "\n"}, solve, cwe="CWE-307",
    )  # fmt: skip


def web_log(ctx: Ctx) -> Spec:
    attacker = _ip(ctx)
    param = ctx.word(("id", "item", "cat", "page"))
    lines = []
    for i in range(60):
        ip = f"10.1.{i % 7}.{i % 250 + 1}"
        lines.append(
            f'{ip} - - [14/Mar/2026:10:{i // 2:02d}:{i % 60:02d} +0000] "GET /shop?{param}={i % 9} HTTP/1.1" 200 {900 + i} "-" "Mozilla/5.0"'
        )
        if i % 9 == 4:
            payload = ctx.word(("'", "1 OR 1=1", "1' --", "1 UNION SELECT NULL"))
            lines.append(
                f'{attacker} - - [14/Mar/2026:10:{i // 2:02d}:{i % 60:02d} +0000] "GET /shop?{param}={payload.replace(" ", "%20")} HTTP/1.1" 500 87 "-" "sqlmap/1.8"'
            )
    hexed = ctx.flag.encode().hex()
    lines.append(
        f'{attacker} - - [14/Mar/2026:10:59:59 +0000] "GET /shop?{param}=0%20UNION%20SELECT%20x%27{hexed}%27 HTTP/1.1" 200 412 "-" "sqlmap/1.8"'
    )
    solve = """
for line in open("access.log"):
    m = re.search(r"x%27([0-9a-f]+)%27", line)
    if m:
        flag(bytes.fromhex(m.group(1)).decode())
"""
    return _spec(
        "forensics-web-log", "Shop logs", "medium", "TA0009", "T1005",
        "access.log is a web shop's log during an attack. Find the attacker, the injectable "
        "parameter, and the value the attacker smuggled in their last request: the flag.",
        [("Which IP address is the attacker?", attacker),
         ("Which tool did the attacker use (user agent)?", "sqlmap"),
         ("Which query parameter was injected?", param),
         ("How is the smuggled value encoded?", "hex")],
        {"access.log": "\n".join(lines) + "\n"}, solve, cwe="CWE-89",
    )  # fmt: skip


def pcap_http(ctx: Ctx) -> Spec:
    client, server = "192.168.7.23", _ip(ctx)
    field = ctx.word(("blob", "report", "payload", "telemetry"))
    body = f"host=ws-23&{field}={ctx.flag.encode().hex()}".encode()
    post = (f"POST /upload HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body  # fmt: skip
    frames = []
    for i, path in enumerate(("/", "/favicon.ico", "/news")):
        req = f"GET {path} HTTP/1.1\r\nHost: www.example.test\r\n\r\n".encode()
        frames.append(_frame(client, "93.184.216.34", 6, _tcp(50100 + i, 80, 1000, req), 10 + i))
    cut = len(post) - len(body) // 2
    frames.append(_frame(client, server, 6, _tcp(50555, 80, 5000, post[:cut]), 20))
    frames.append(_frame(client, server, 6, _tcp(50555, 80, 5000 + cut, post[cut:]), 21))
    solve = (
        _PCAP_READER
        + """
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
"""
    )
    return _spec(
        "forensics-pcap-http", "Upload", "medium", "TA0010", "T1048.003",
        "capture.pcap was recorded on a workstation that leaked data over HTTP. Find what was "
        "uploaded (there is no tshark here; Python's struct module reads pcap).",
        [("To which IP address was the data uploaded?", server),
         ("Which HTTP method carried the data?", "POST"),
         ("Which form field holds the leaked value?", field)],
        {"capture.pcap": _pcap(frames, 1773478800)}, solve, cwe="CWE-319",
    )  # fmt: skip


def _dns_query(ident: int, name: str) -> bytes:
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)


def pcap_dns(ctx: Ctx) -> Spec:
    domain = f"cdn-{ctx.hexword(4)}.test"
    encoded = base64.b32encode(f"exfil {ctx.flag}".encode()).decode().rstrip("=").lower()
    chunks = [encoded[i : i + 12] for i in range(0, len(encoded), 12)]
    names = [f"{i:02d}-{c}.x.{domain}" for i, c in enumerate(chunks)]
    noise = ["www.example.test", "updates.example.test", "mail.example.test", "time.example.test"]
    names += [ctx.rng.choice(noise) for _ in range(12)]
    ctx.rng.shuffle(names)
    frames = [_frame("192.168.7.40", "192.168.7.1", 17, _udp(53000 + i, 53, _dns_query(i, n)), i)
              for i, n in enumerate(names)]  # fmt: skip
    solve = (
        _PCAP_READER
        + """
import base64
chunks = {}
for frame in packets("dns.pcap"):
    proto, src, dst, seg = ip_payload(frame)
    if proto != 17:
        continue
    msg, pos, labels = seg[8:], 12, []
    while msg[pos]:
        labels.append(msg[pos + 1:pos + 1 + msg[pos]].decode()); pos += msg[pos] + 1
    m = re.fullmatch(r"(\\d+)-([a-z2-7]+)", labels[0])
    if m and labels[1] == "x":
        chunks[int(m.group(1))] = m.group(2)
data = "".join(chunks[i] for i in sorted(chunks)).upper()
flag(base64.b32decode(data + "=" * (-len(data) % 8)).decode())
"""
    )
    return _spec(
        "forensics-pcap-dns", "Quiet channel", "hard", "TA0010", "T1048.003",
        "dns.pcap holds a host's DNS queries while it exfiltrated a secret. Reassemble it.",
        [("Under which domain were the exfiltration queries made?", domain),
         ("Which encoding carries the data in the labels?", "base32"),
         ("What orders the chunks?", "the numeric prefix")],
        {"dns.pcap": _pcap(frames, 1773478800)}, solve, cwe="CWE-200",
    )  # fmt: skip


def tar_overwritten(ctx: Ctx) -> Spec:
    name = ctx.word(("notes.txt", "todo.txt", "creds.txt"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        secret = base64.b64encode(f"vpn key {ctx.flag}".encode()).decode()
        for content in (f"remember: {secret}\n", "nothing to see here\n"):
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uname, info.gname = len(data), 1773478800, "ops", "ops"
            tar.addfile(info, io.BytesIO(data))
    solve = """
import base64, tarfile
with tarfile.open("backup.tar") as tar:
    for member in tar.getmembers():
        text = tar.extractfile(member).read().decode()
        m = re.search(r"remember: (\\S+)", text)
        if m:
            flag(base64.b64decode(m.group(1)).decode())
"""
    return _spec(
        "forensics-tar-overwritten", "Second copy", "medium", "TA0005", "T1070.004",
        f"backup.tar contains {name}, which looks empty of secrets. Someone overwrote it, but "
        "archives remember. Recover the secret.",
        [("How many members named " + name + " does the archive hold?", "2"),
         ("Which encoding hides the secret in the older copy?", "base64")],
        {"backup.tar": buf.getvalue()}, solve,
    )  # fmt: skip


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_trailer(ctx: Ctx) -> Spec:
    w, h = 8, 8
    raw = b"".join(b"\x00" + bytes([ctx.rng.randrange(256)] * (w * 3)) for _ in range(h))
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += _png_chunk(b"tEXt", b"Comment\x00nothing here, try harder")
    png += _png_chunk(b"IDAT", zlib.compress(raw, 0)) + _png_chunk(b"IEND", b"")
    png += b"PK-ish:" + base64.b85encode(f"hidden {ctx.flag}".encode())
    solve = """
import base64
data = open("logo.png", "rb").read()
tail = data[data.index(b"IEND") + 8:]
flag(base64.b85decode(tail.split(b":", 1)[1]).decode())
"""
    return _spec(
        "forensics-png-trailer", "After the end", "medium", "TA0005", "T1027.003",
        "logo.png displays fine, but it is larger than an 8x8 image should be. Find what it "
        "hides.",
        [("Which PNG chunk marks the end of the image?", "IEND"),
         ("Which encoding is the hidden data in?", "base85")],
        {"logo.png": png}, solve,
    )  # fmt: skip


FAMILIES: list[tuple[str, Family]] = [
    ("forensics-auth-log", auth_log),
    ("forensics-web-log", web_log),
    ("forensics-pcap-http", pcap_http),
    ("forensics-pcap-dns", pcap_dns),
    ("forensics-tar-overwritten", tar_overwritten),
    ("forensics-png-trailer", png_trailer),
]
