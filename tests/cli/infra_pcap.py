#!/usr/bin/env python3
# infra_pcap.py PCAP INVENTORY - real traffic between two workloads (web
# 10.0.0.2/fd00::2, api 10.0.0.3/fd00::3: TCP over IPv4 and IPv6) mixed with
# the link's infrastructure traffic: neighbour solicitation and advertisement,
# router solicitation, DAD (a solicitation from ::), MLDv2 reports behind a
# hop-by-hop header, an IGMPv3 report with the router alert option, a DHCP
# discover from 0.0.0.0 and a unicast renewal, DHCPv6 solicit, and two ARP frames. Checksums right.
import json
import socket
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import pcapgen  # noqa: E402
from pcapgen import csum  # noqa: E402


def a4(t):
    return socket.inet_pton(socket.AF_INET, t)


def a6(t):
    return socket.inet_pton(socket.AF_INET6, t)


MAC = {"web": b"\x02\0\0\0\0\x02", "api": b"\x02\0\0\0\0\x03"}
BCAST = b"\xff" * 6
frames = []


def eth(dst, src, etype, payload):
    frames.append(dst + src + struct.pack("!H", etype) + payload)


def ip4(src, dst, proto, payload, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), len(frames), 0x4000,
                    1 if proto == 2 else 64, proto, 0, a4(src), a4(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload, hbh=False):
    upper = nh
    if hbh:  # hop-by-hop: router alert (MLD), padded to 8 octets
        payload = struct.pack("!BB", nh, 0) + b"\x05\x02\x00\x00" + b"\x01\x00" + payload
        nh = 0
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 255 if upper == 58 else 64,
                       a6(src), a6(dst)) + payload


def pseudo6(src, dst, nh, body):
    return a6(src) + a6(dst) + struct.pack("!IxxxB", len(body), nh) + body


def icmp6(src, dst, typ, body, hbh=False):
    m = struct.pack("!BBH", typ, 0, 0) + body
    m = m[:2] + struct.pack("!H", csum(pseudo6(src, dst, 58, m))) + m[4:]
    return ip6(src, dst, 58, m, hbh)


def tcp(src, dst, sport, dport, flags, v6=False):
    t = struct.pack("!HHIIBBHHH", sport, dport, 1, 1 if flags & 0x10 else 0, 5 << 4, flags,
                    64240, 0, 0)
    if v6:
        c = csum(pseudo6(src, dst, 6, t))
    else:
        c = csum(a4(src) + a4(dst) + struct.pack("!BBH", 0, 6, len(t)) + t)
    return t[:16] + struct.pack("!H", c) + t[18:]


def udp(src, dst, sport, dport, body, v6=False):
    u = struct.pack("!HHHH", sport, dport, 8 + len(body), 0) + body
    if v6:
        c = csum(pseudo6(src, dst, 17, u))
    else:
        c = csum(a4(src) + a4(dst) + struct.pack("!BBH", 0, 17, len(u)) + u)
    return u[:6] + struct.pack("!H", c or 0xffff) + u[8:]


def mc6(addr):  # the Ethernet address of an IPv6 multicast group
    return b"\x33\x33" + a6(addr)[12:]


# real traffic: web -> api tcp/80 over IPv4, tcp/443 over IPv6 (handshakes)
for (s, d, sp, dp, fl, v6) in [("10.0.0.2", "10.0.0.3", 40000, 80, 0x02, False),
                               ("10.0.0.3", "10.0.0.2", 80, 40000, 0x12, False),
                               ("10.0.0.2", "10.0.0.3", 40000, 80, 0x10, False),
                               ("fd00::2", "fd00::3", 40001, 443, 0x02, True),
                               ("fd00::3", "fd00::2", 443, 40001, 0x12, True),
                               ("fd00::2", "fd00::3", 40001, 443, 0x10, True)]:
    seg = tcp(s, d, sp, dp, fl, v6)
    a, b = ("web", "api") if s.endswith("2") else ("api", "web")
    eth(MAC[b], MAC[a], 0x86dd if v6 else 0x0800, ip6(s, d, 6, seg) if v6 else ip4(s, d, 6, seg))
# ARP: who has 10.0.0.3, and its answer (never flows)
for (op, sm, si, tm, ti, dst) in [(1, MAC["web"], "10.0.0.2", b"\0" * 6, "10.0.0.3", BCAST),
                                  (2, MAC["api"], "10.0.0.3", MAC["web"], "10.0.0.2", MAC["web"])]:
    eth(dst, sm, 0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sm, a4(si), tm, a4(ti)))
# neighbour discovery: web solicits api, api advertises; web solicits a router
eth(mc6("ff02::1:ff00:3"), MAC["web"], 0x86dd,
    icmp6("fd00::2", "ff02::1:ff00:3", 135, b"\0" * 4 + a6("fd00::3") + b"\x01\x01" + MAC["web"]))
eth(MAC["web"], MAC["api"], 0x86dd,
    icmp6("fd00::3", "fd00::2", 136, b"\x60\0\0\0" + a6("fd00::3") + b"\x02\x01" + MAC["api"]))
eth(mc6("ff02::2"), MAC["web"], 0x86dd, icmp6("fe80::2", "ff02::2", 133, b"\0" * 4))
# DAD: api checks its new address from ::
eth(mc6("ff02::1:ff00:30"), MAC["api"], 0x86dd,
    icmp6("::", "ff02::1:ff00:30", 135, b"\0" * 4 + a6("fd00::30")))
# MLDv2 reports (type 143) to ff02::16, from :: and from web's link-local address
for src, m in [("::", MAC["api"]), ("fe80::2", MAC["web"])]:
    rec = struct.pack("!BBH16s", 4, 0, 0, a6("ff02::1:ff00:30"))
    eth(mc6("ff02::16"), m, 0x86dd, icmp6(src, "ff02::16", 143, struct.pack("!HH", 0, 1) + rec, True))
# IGMPv3 report to 224.0.0.22 with the router alert option
rep = struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + struct.pack("!BBH4s", 4, 0, 0, a4("239.1.1.1"))
rep = rep[:2] + struct.pack("!H", csum(rep)) + rep[4:]
eth(b"\x01\x00\x5e\x00\x00\x16", MAC["web"], 0x0800,
    ip4("10.0.0.2", "224.0.0.22", 2, rep, options=b"\x94\x04\x00\x00"))
# DHCP discover from 0.0.0.0, DHCPv6 solicit to ff02::1:2
bootp = struct.pack("!BBBBIHH4s4s4s4s16s", 1, 1, 6, 0, 0x1234, 0, 0x8000, b"\0" * 4, b"\0" * 4,
                    b"\0" * 4, b"\0" * 4, MAC["web"] + b"\0" * 10) + b"\0" * 192 + b"\x63\x82\x53\x63\x35\x01\x01\xff"
eth(BCAST, MAC["web"], 0x0800, ip4("0.0.0.0", "255.255.255.255", 17, udp("0.0.0.0", "255.255.255.255", 68, 67, bootp)))
# a unicast DHCP request (a renewal) from web to api, as if api served DHCP
eth(MAC["api"], MAC["web"], 0x0800, ip4("10.0.0.2", "10.0.0.3", 17, udp("10.0.0.2", "10.0.0.3", 68, 67, bootp)))
eth(mc6("ff02::1:2"), MAC["api"], 0x86dd,
    ip6("fe80::3", "ff02::1:2", 17, udp("fe80::3", "ff02::1:2", 546, 547, b"\x01\x00\x00\x01", True)))

pcapgen.write(sys.argv[1], frames)
inv = {"version": 1, "workloads": [
    {"name": "shop/web-1", "labels": {"app": "web"}, "ips": ["10.0.0.2", "fd00::2", "fe80::2"],
     "macs": ["02:00:00:00:00:02"]},
    {"name": "shop/api-1", "labels": {"app": "api"}, "ips": ["10.0.0.3", "fd00::3", "fe80::3"],
     "macs": ["02:00:00:00:00:03"]}]}
open(sys.argv[2], "w").write(json.dumps(inv))
