#!/usr/bin/env python3
# scan_pcap.py FILE - a pcap of a port scan for the alert tests: 30 SYNs from
# 10.0.0.2 to 30 ports of 10.0.0.3 within 30 ms, checksums right (a fan_out).
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


src, dst = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 3])
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for i in range(30):
    tcp = struct.pack("!HHIIBBHHH", 40000 + i, 1000 + i, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = b"\x02\0\0\0\0\x03" + b"\x02\0\0\0\0\x02" + b"\x08\x00" + ip + tcp
    out.append(struct.pack("<IIII", 1764676800, i * 1000, len(frame), len(frame)) + frame)
open(sys.argv[1], "wb").write(b"".join(out))
