#!/usr/bin/env python3
# scan_pcap.py FILE - a pcap of a port scan for the alert tests: 30 SYNs from
# 10.0.0.2 to 30 ports of 10.0.0.3 within 30 ms, checksums right (a fan_out).
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import pcapgen  # noqa: E402
from pcapgen import csum  # noqa: E402


src, dst = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 3])
frames = []
for i in range(30):
    tcp = struct.pack("!HHIIBBHHH", 40000 + i, 1000 + i, 1, 0, 5 << 4, 0x02, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = b"\x02\0\0\0\0\x03" + b"\x02\0\0\0\0\x02" + b"\x08\x00" + ip + tcp
    frames.append(frame)
pcapgen.write(sys.argv[1], frames)
