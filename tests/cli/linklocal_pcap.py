#!/usr/bin/env python3
# linklocal_pcap.py FILE - a pcap of two containers on one bridge that talk
# over IPv4 and over their IPv6 link-local addresses (what neighbour
# discovery, mDNS or a service on fe80:: would send), checksums right:
#   api 02:00:00:00:00:10 10.0.0.10 fe80::10  ->  db 02:00:00:00:00:20 10.0.0.20 fe80::20
# TCP 10.0.0.10:40000 -> 10.0.0.20:5432 (SYN, SYN-ACK), UDP fe80::10:5353 ->
# fe80::20:5353 and back, ICMPv6 echo fe80::20 -> fe80::10 and its reply.
import ipaddress
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import pcapgen  # noqa: E402
from pcapgen import csum  # noqa: E402


MAC = {"api": b"\x02\0\0\0\0\x10", "db": b"\x02\0\0\0\0\x20"}
V4 = {"api": ipaddress.ip_address("10.0.0.10").packed, "db": ipaddress.ip_address("10.0.0.20").packed}
LL = {"api": ipaddress.ip_address("fe80::10").packed, "db": ipaddress.ip_address("fe80::20").packed}


def eth(src, dst, etype, payload):
    return MAC[dst] + MAC[src] + struct.pack("!H", etype) + payload


def tcp4(src, dst, sport, dport, flags, seq, ack):
    s, d = V4[src], V4[dst]
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return eth(src, dst, 0x0800, ip + tcp)


def ip6(src, dst, nh, l4, ck_at):
    s, d = LL[src], LL[dst]
    pseudo = s + d + struct.pack("!IxxxB", len(l4), nh)
    l4 = l4[:ck_at] + struct.pack("!H", csum(pseudo + l4)) + l4[ck_at + 2:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(l4), nh, 255, s, d)
    return eth(src, dst, 0x86dd, hdr + l4)


def udp6(src, dst, sport, dport, data):
    return ip6(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data, 6)


def echo6(src, dst, typ):
    return ip6(src, dst, 58, struct.pack("!BBHHH", typ, 0, 0, 7, 1) + b"ping", 2)


frames = [
    tcp4("api", "db", 40000, 5432, 0x02, 1, 0),
    tcp4("db", "api", 5432, 40000, 0x12, 100, 2),
    udp6("api", "db", 5353, 5353, b"query"),
    udp6("db", "api", 5353, 5353, b"answer"),
    echo6("db", "api", 128),
    echo6("api", "db", 129),
]
pcapgen.write(sys.argv[1], frames)
