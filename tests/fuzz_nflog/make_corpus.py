#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make_corpus.py - write the fuzz_nflog seeds: NFULNL_MSG_PACKET netlink
messages as the kernel sends them (linux/netfilter/nfnetlink_log.h), plus a
few prefix strings. Run once from anywhere; the output goes to corpus/ next
to this script and is committed.

  nlmsghdr (len, type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET, flags, seq 0, pid 0)
  nfgenmsg (family, version 0, res_id = be16 group)
  attributes (nla_len, nla_type; payload padded to 4 bytes)
"""
import os
import struct

NFNL_SUBSYS_ULOG = 4
NFULNL_MSG_PACKET = 0
NFULA_PACKET_HDR, NFULA_TIMESTAMP, NFULA_IFINDEX_INDEV, NFULA_IFINDEX_OUTDEV = 1, 3, 4, 5
NFULA_PAYLOAD, NFULA_PREFIX, NFULA_UID = 9, 10, 11
AF_INET, AF_INET6 = 2, 10


def attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def msg(family, attrs, group=42, mtype=(NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET):
    body = struct.pack("=BB", family, 0) + struct.pack(">H", group) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), mtype, 0, 0, 0) + body


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, src, dst, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ipv6(proto, src, dst, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, bytes(src), bytes(dst)) + l4


def tcp_syn(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)


def udp(sport, dport, data=b"x"):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp_echo():
    return struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"


def meta(prefix, hwproto=0x0800, indev=3, outdev=None, ts=(1795000000, 123456)):
    a = [attr(NFULA_PACKET_HDR, struct.pack(">HBB", hwproto, 1, 0))]
    if ts:
        a.append(attr(NFULA_TIMESTAMP, struct.pack(">QQ", *ts)))
    if indev:
        a.append(attr(NFULA_IFINDEX_INDEV, struct.pack(">I", indev)))
    if outdev:
        a.append(attr(NFULA_IFINDEX_OUTDEV, struct.pack(">I", outdev)))
    if prefix is not None:
        a.append(attr(NFULA_PREFIX, prefix + b"\0"))
    return a


A4 = [10, 78, 0, 1]
B4 = [10, 78, 0, 3]
A6 = [0xfd, 0, 0, 3] + [0] * 11 + [1]
B6 = [0xfd, 0, 0, 3] + [0] * 11 + [2]

SEEDS = {
    "tcp4_deny_default": msg(AF_INET, meta(b"sw deny default") +
                             [attr(NFULA_PAYLOAD, ipv4(6, A4, B4, tcp_syn(40000, 5432)))]),
    "udp4_monitor_rule": msg(AF_INET, meta(b"sw monitor rules/3", outdev=4) +
                             [attr(NFULA_PAYLOAD, ipv4(17, A4, B4, udp(5353, 53)))]),
    "icmp4_deny_rule": msg(AF_INET, meta(b"sw deny rules/0", ts=None) +
                           [attr(NFULA_PAYLOAD, ipv4(1, A4, B4, icmp_echo()))]),
    "tcp6_deny_rule": msg(AF_INET6, meta(b"sw deny rules/12", hwproto=0x86dd) +
                          [attr(NFULA_PAYLOAD, ipv6(6, A6, B6, tcp_syn(40001, 443)))]),
    "foreign_prefix_uid": msg(AF_INET, meta(b"DROP INPUT ") + [attr(NFULA_UID, struct.pack(">I", 0))] +
                              [attr(NFULA_PAYLOAD, ipv4(17, A4, B4, udp(1, 2)))]),
    "no_payload": msg(AF_INET, meta(b"sw deny default")),
    "cut_payload": msg(AF_INET, meta(b"sw deny default") +
                       [attr(NFULA_PAYLOAD, ipv4(6, A4, B4, tcp_syn(1, 2))[:24])]),
    # recv() often returns several messages at once; other types are skipped
    "batch": (msg(AF_INET, meta(b"sw deny rules/1") +
                  [attr(NFULA_PAYLOAD, ipv4(6, A4, B4, tcp_syn(40002, 8080)))]) +
              msg(AF_INET, [], mtype=(NFNL_SUBSYS_ULOG << 8) | 1) +  # NFULNL_MSG_CONFIG: skipped
              msg(AF_INET6, meta(b"sw monitor default", hwproto=0x86dd) +
                  [attr(NFULA_PAYLOAD, ipv6(58, A6, B6, struct.pack("!BBHHH", 128, 0, 0, 1, 1)))])),
}
# the L2 guard (bridge family): the port in PHYSINDEV, the link header, ARP or IPv6 + NA
NFPROTO_BRIDGE, NFULA_IFINDEX_PHYSINDEV, NFULA_L2HDR = 7, 6, 25
L2HDR = attr(NFULA_L2HDR, bytes([0xff] * 6 + [2, 0, 0, 0, 0, 0xa]) + b"\x08\x06")
ARP = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + bytes([2, 0, 0, 0, 0, 0xa] + B4 + [0] * 6 + A4)
NA = struct.pack("!BBHI", 136, 0, 0, 0x60000000) + bytes(B6)
SEEDS["l2_spoof_arp"] = msg(NFPROTO_BRIDGE, meta(b"sw spoof arp_sender_ip", hwproto=0x0806, ts=None) +
                            [attr(NFULA_IFINDEX_PHYSINDEV, struct.pack(">I", 7)), L2HDR,
                             attr(NFULA_PAYLOAD, ARP)])
SEEDS["l2_spoof_na_monitor"] = msg(NFPROTO_BRIDGE, meta(b"sw spoof na_target monitor", hwproto=0x86dd) +
                                   [attr(NFULA_IFINDEX_PHYSINDEV, struct.pack(">I", 7)), L2HDR,
                                    attr(NFULA_PAYLOAD, ipv6(58, A6, B6, NA))])
SEEDS["truncated_buffer"] = SEEDS["tcp4_deny_default"][:-7]
SEEDS["prefix_deny_rule"] = b"sw deny rules/7  "
SEEDS["prefix_monitor_default"] = b"sw monitor default"
SEEDS["prefix_bad"] = b"sw deny rules/-1"
SEEDS["prefix_deny_unclassified"] = b"sw deny unclassified\t"

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
