#!/usr/bin/env python3
# replay_pcap.py NORMAL FULL - pcaps for the history replay test (alerts_replay.sh),
# frames stamped at chosen times over six seconds, checksums right. NORMAL is
# what a policy and a baseline are learned from: web-1 -> db-0 over TCP 5432
# (handshake) and UDP 53 (answered). FULL is NORMAL and then: web-1 -> cache
# 6379 answered (a new edge the policy does not allow), a 30-port SYN scan by
# tool-1 of db-0 refused by RST (fan_out), a UDP probe refused by ICMP port
# unreachable, a ping answered, a second web-1 -> db-0 connection (allowed).
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from pcapgen import T0, csum  # noqa: E402

WEB, DB, CACHE, TOOL = ([10, 77, 0, n] for n in (10, 30, 40, 50))
WEB, DB, CACHE, TOOL = (bytes(a) for a in (WEB, DB, CACHE, TOOL))
SYN, RST, ACK = 0x02, 0x04, 0x10


def ip(src, dst, proto, payload, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def tcp(src, dst, sport, dport, flags):
    t = struct.pack("!HHIIBBHHH", sport, dport, 1, 1 if flags & ACK else 0, 5 << 4, flags,
                    64240, 0, 0)
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(t)) + t)
    return ip(src, dst, 6, t[:16] + struct.pack("!H", c) + t[18:])


def udp(src, dst, sport, dport, data=b"q"):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(u)) + u)
    return ip(src, dst, 17, u[:6] + struct.pack("!H", c) + u[8:])


def icmp(src, dst, typ, code, rest):
    m = struct.pack("!BBH", typ, code, 0) + rest
    return ip(src, dst, 1, m[:2] + struct.pack("!H", csum(m)) + m[4:])


def normal():
    return [(0.000, tcp(WEB, DB, 41000, 5432, SYN)),
            (0.001, tcp(DB, WEB, 5432, 41000, SYN | ACK)),
            (0.002, tcp(WEB, DB, 41000, 5432, ACK)),
            (0.300, udp(WEB, DB, 42000, 53)),
            (0.301, udp(DB, WEB, 53, 42000, b"answer"))]


def full():
    pk = normal()
    pk += [(1.200, tcp(WEB, CACHE, 43000, 6379, SYN)),
           (1.201, tcp(CACHE, WEB, 6379, 43000, SYN | ACK))]
    for i in range(30):
        t = 2.500 + i * 0.002
        pk += [(t, tcp(TOOL, DB, 44000 + i, 1000 + i, SYN)),
               (t + 0.001, tcp(DB, TOOL, 1000 + i, 44000 + i, RST | ACK))]
    probe = udp(WEB, DB, 45000, 9999)
    pk += [(3.700, probe), (3.701, icmp(DB, WEB, 3, 3, b"\0\0\0\0" + probe[:28]))]
    pk += [(4.100, icmp(TOOL, CACHE, 8, 0, struct.pack("!HH", 0x77, 1))),
           (4.101, icmp(CACHE, TOOL, 0, 0, struct.pack("!HH", 0x77, 1)))]
    pk += [(5.000, tcp(WEB, DB, 41001, 5432, SYN)),
           (5.001, tcp(DB, WEB, 5432, 41001, SYN | ACK))]
    return pk


def write(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, pkt in sorted(packets, key=lambda p: p[0]):
            frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + pkt
            us = int(round(t * 1e6))
            f.write(struct.pack("<IIII", T0 + us // 1000000, us % 1000000, len(frame),
                                len(frame)))
            f.write(frame)


write(sys.argv[1], normal())
write(sys.argv[2], full())
