#!/usr/bin/env python3
# staged_pcap.py FILE - the pcap of staged_cli.sh: real TCP handshakes, a
# refused connection and a UDP exchange between four workloads (web
# 10.0.0.1, api .2, db .3, cache .4), checksums right, 1 ms apart
# (tests/cli/pcapgen.py writes the file).
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import pcapgen  # noqa: E402
from pcapgen import csum  # noqa: E402

SYN, RST, ACK = 0x02, 0x04, 0x10


def ip4(last):
    return bytes([10, 0, 0, last])


def frame(src, dst, proto, payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                     ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return bytes([2, 0, 0, 0, 0, dst]) + bytes([2, 0, 0, 0, 0, src]) + b"\x08\x00" + ip + payload


def tcp(src, dst, sport, dport, flags, seq=1, ack=0):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(t))
    t = t[:16] + struct.pack("!H", csum(pseudo + t)) + t[18:]
    return frame(src, dst, 6, t)


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, len(u))
    u = u[:6] + struct.pack("!H", csum(pseudo + u) or 0xffff) + u[8:]
    return frame(src, dst, 17, u)


def handshake(c, s, sport, dport):
    return [tcp(c, s, sport, dport, SYN, 100), tcp(s, c, dport, sport, SYN | ACK, 500, 101),
            tcp(c, s, sport, dport, ACK, 101, 501)]


frames = []
frames += handshake(1, 2, 40001, 8080)   # web -> api tcp/8080
frames += handshake(1, 3, 40002, 5432)   # web -> db tcp/5432
frames += handshake(2, 3, 40003, 5432)   # api -> db tcp/5432, twice
frames += handshake(2, 3, 40004, 5432)
frames += [udp(2, 4, 40005, 6379, b"ping"), udp(4, 2, 6379, 40005, b"pong")]  # api -> cache udp
frames += [tcp(1, 4, 40006, 6379, SYN, 100), tcp(4, 1, 6379, 40006, RST | ACK, 0, 101)]  # refused
pcapgen.write(sys.argv[1], frames)
