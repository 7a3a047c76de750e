#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_fixtures - write the small, deterministic pcap files the golden tests read.

Usage: gen_fixtures.py OUTDIR [NAME...]

Every frame is built byte by byte with struct (no scapy: the fixtures must be
reproducible on a bare Debian with python3 only) and carries correct IPv4,
TCP, UDP, ICMP and ICMPv6 checksums, so that the files also read cleanly in
tcpdump/wireshark when a golden diff needs a human look. Timestamps are fixed,
so the expected JSON never changes unless segwatch does.

Fixtures are registered in FIXTURES (name -> builder). tools/make_fuzz_corpus.py
imports this module to turn the same frames into the fuzzer's seed corpus.
"""

import os
import struct
import sys

# 2026-11-22T13:52:03Z: any fixed instant will do; this one matches docs/flows.md.
T0 = 1795355523

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_USER0 = 147  # a link type segwatch has no decoder for

ETH_IPV4 = 0x0800
ETH_ARP = 0x0806
ETH_8021Q = 0x8100
ETH_8021AD = 0x88A8
ETH_IPV6 = 0x86DD
ETH_LLDP = 0x88CC

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ICMPV6 = 58
V6_HOPOPTS = 0
V6_ROUTING = 43
V6_FRAGMENT = 44
V6_DSTOPTS = 60

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# --------------------------------------------------------------- addresses

def ip4(text):
    return bytes(int(x) for x in text.split("."))


def ip6(text):
    """Parse an IPv6 address with at most one '::' (enough for fixtures)."""
    head, _, tail = text.partition("::")
    hw = [int(x, 16) for x in head.split(":") if x]
    tw = [int(x, 16) for x in tail.split(":") if x]
    words = hw + [0] * (8 - len(hw) - len(tw)) + tw
    return struct.pack("!8H", *words)


def mac(last):
    """Docker-style locally administered MAC ending in @last."""
    return bytes([0x02, 0x42, 0x0A, 0x4D, 0x00, last])


BCAST = b"\xff" * 6
A4, B4, C4, D4 = ip4("10.77.0.2"), ip4("10.77.0.3"), ip4("10.77.0.4"), ip4("10.77.0.10")
A6, B6 = ip6("fd00:77::2"), ip6("fd00:77::3")
MAC_A, MAC_B, MAC_C, MAC_D = mac(2), mac(3), mac(4), mac(10)


# --------------------------------------------------------------- checksums

def csum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!I3xB", length, proto)


def with_csum(hdr_and_payload, offset, src, dst, proto):
    """Fill the 16-bit checksum at @offset of a transport segment."""
    seg = bytearray(hdr_and_payload)
    seg[offset:offset + 2] = b"\0\0"
    value = csum(pseudo(src, dst, proto, len(seg)) + bytes(seg)) if src else csum(bytes(seg))
    if proto == PROTO_UDP and value == 0:
        value = 0xFFFF  # RFC 768: a computed zero is sent as all ones
    seg[offset:offset + 2] = struct.pack("!H", value)
    return bytes(seg)


# --------------------------------------------------------------- transport

def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=64240, options=b""):
    if len(options) % 4:
        options += b"\x01" * (4 - len(options) % 4)  # NOP padding
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, window, 0, 0) + options
    return with_csum(hdr + payload, 16, src, dst, PROTO_TCP)


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return with_csum(seg, 6, src, dst, PROTO_UDP)


def icmp(itype, code, rest, body=b""):
    """ICMPv4 message: @rest is the 4-byte field after the checksum."""
    msg = struct.pack("!BBH", itype, code, 0) + rest + body
    return with_csum(msg, 2, None, None, PROTO_ICMP)


def icmp6(src, dst, itype, code, rest, body=b""):
    msg = struct.pack("!BBH", itype, code, 0) + rest + body
    return with_csum(msg, 2, src, dst, PROTO_ICMPV6)


def echo_rest(ident, seq):
    return struct.pack("!HH", ident, seq)


# --------------------------------------------------------------- network

def ipv4(src, dst, proto, payload, ident=0x1000, ttl=64, df=True, mf=False,
         frag_off=0, options=b"", total_len=None, version=4, ihl=None):
    """IPv4 packet. Overrides (@total_len, @version, @ihl) build broken headers."""
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    hl = 20 + len(options)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    tl = hl + len(payload) if total_len is None else total_len
    vihl = (version << 4) | ((hl // 4) if ihl is None else ihl)
    hdr = struct.pack("!BBHHHBBH4s4s", vihl, 0, tl, ident, flags, ttl, proto, 0, src, dst)
    hdr += options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hlim=64, plen=None, version=6):
    pl = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", version << 28, pl, nh, hlim, src, dst) + payload


def v6_opts(nh, pad_to=8):
    """Hop-by-hop or destination options header holding one PadN option."""
    body = struct.pack("!BB", 1, pad_to - 4) + b"\0" * (pad_to - 4)
    return struct.pack("!BB", nh, pad_to // 8 - 1) + body


def v6_routing0(nh, addr):
    """Type 0 routing header, segments left 0: the destination is already final."""
    return struct.pack("!BBBB4x", nh, 2, 0, 0) + addr


def v6_frag(nh, offset, more, ident):
    return struct.pack("!BBHI", nh, 0, offset | (1 if more else 0), ident)


def tcp4(src, dst, sport, dport, seq, ack, flags, payload=b"", ident=0x1000, **kw):
    seg = tcp(src, dst, sport, dport, seq, ack, flags, payload)
    return ipv4(src, dst, PROTO_TCP, seg, ident=ident, **kw)


def udp4(src, dst, sport, dport, payload, ident=0x2000, **kw):
    return ipv4(src, dst, PROTO_UDP, udp(src, dst, sport, dport, payload), ident=ident, **kw)


def udp6(src, dst, sport, dport, payload):
    return ipv6(src, dst, PROTO_UDP, udp(src, dst, sport, dport, payload))


# --------------------------------------------------------------- link layer

def eth(dst, src, ethertype, payload, pad=True):
    """Ethernet II frame; @pad adds the trailer a NIC adds below 60 bytes, which
    must not count in flow bytes (those are IP lengths)."""
    frame = dst + src + struct.pack("!H", ethertype) + payload
    if pad and len(frame) < 60:
        frame += b"\0" * (60 - len(frame))
    return frame


def vlan_tags(tags, ethertype, payload):
    """Stack (tpid, vid) tags in front of @ethertype/@payload (after the MACs)."""
    # Each tag is TPID + TCI: the first TPID sits where the ethertype would be,
    # and every TCI is followed by the next TPID or, last, the real ethertype.
    body = b""
    for i, (tpid, vid) in enumerate(tags):
        nxt = tags[i + 1][0] if i + 1 < len(tags) else ethertype
        body += struct.pack("!HH", vid & 0x0FFF, nxt)
    return struct.pack("!H", tags[0][0]), body + payload


def eth_vlan(dst, src, tags, ethertype, payload):
    first, rest = vlan_tags(tags, ethertype, payload)
    frame = dst + src + first + rest
    if len(frame) < 60:
        frame += b"\0" * (60 - len(frame))
    return frame


def eth_ip(src_mac, dst_mac, packet):
    et = ETH_IPV4 if packet[0] >> 4 == 4 else ETH_IPV6
    return eth(dst_mac, src_mac, et, packet)


def sll1(packet, pkttype=0, addr=MAC_A, proto=None):
    """Linux cooked v1 header (16 bytes), as `tcpdump -i any` wrote before 2020."""
    if proto is None:
        proto = ETH_IPV4 if packet[0] >> 4 == 4 else ETH_IPV6
    return struct.pack("!HHH8sH", pkttype, 1, 6, addr + b"\0\0", proto) + packet


def sll2(packet, ifindex, pkttype=0, addr=MAC_A, proto=None):
    """Linux cooked v2 header (20 bytes): carries the interface index."""
    if proto is None:
        proto = ETH_IPV4 if packet[0] >> 4 == 4 else ETH_IPV6
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, 1, pkttype, 6, addr + b"\0\0") + packet


# --------------------------------------------------------------- pcap files

class Capture:
    """Frames of one fixture. @ts is microseconds after T0."""

    def __init__(self, linktype=LINKTYPE_ETHERNET, snaplen=262144, fmt="pcap"):
        self.linktype = linktype
        self.snaplen = snaplen
        self.fmt = fmt  # "pcap", "pcap-ns" or "pcapng"
        self.frames = []  # (ts_us, bytes, orig_len)

    def add(self, ts_us, frame, orig_len=None):
        if orig_len is None:
            orig_len = len(frame)
        if len(frame) > self.snaplen:
            frame = frame[:self.snaplen]
        self.frames.append((ts_us, frame, orig_len))

    def to_bytes(self):
        if self.fmt == "pcapng":
            return self._pcapng()
        nsec = self.fmt == "pcap-ns"
        out = [struct.pack("<IHHiIII", 0xA1B23C4D if nsec else 0xA1B2C3D4, 2, 4, 0, 0,
                           self.snaplen, self.linktype)]
        for ts, frame, orig in self.frames:
            sec, usec = divmod(ts, 1000000)
            frac = usec * 1000 + 7 if nsec else usec  # +7 ns: must be cut, not rounded
            out.append(struct.pack("<IIII", T0 + sec, frac, len(frame), orig) + frame)
        return b"".join(out)

    def _pcapng(self):
        def block(btype, body):
            body += b"\0" * (-len(body) % 4)
            n = 12 + len(body)
            return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

        out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
               block(1, struct.pack("<HHI", self.linktype, 0, self.snaplen))]
        for ts, frame, orig in self.frames:
            t = T0 * 1000000 + ts
            out.append(block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF,
                                            len(frame), orig) + frame))
        return b"".join(out)


# --------------------------------------------------------------- conversations

class Tcp:
    """Both ends of one TCP connection; tracks sequence numbers so that every
    segment is what a real stack would send. Returns IP packets."""

    def __init__(self, csrc, sport, ssrc, dport, cseq=1000, sseq=5000, ident=0x1000):
        self.c = [csrc, sport, cseq]
        self.s = [ssrc, dport, sseq]
        self.ident = ident
        self.cack = 0  # what the client acknowledges
        self.sack = 0

    def _send(self, me, peer, flags, data, ack_val):
        src, sport, seq = me
        dst, dport, _ = peer
        seg = tcp(src, dst, sport, dport, seq, ack_val if flags & ACK else 0, flags, data)
        self.ident += 1
        if len(src) == 4:
            pkt = ipv4(src, dst, PROTO_TCP, seg, ident=self.ident)
        else:
            pkt = ipv6(src, dst, PROTO_TCP, seg)
        me[2] = (seq + len(data) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        return pkt

    def client(self, flags, data=b""):
        pkt = self._send(self.c, self.s, flags, data, self.s[2])
        return pkt

    def server(self, flags, data=b""):
        return self._send(self.s, self.c, flags, data, self.c[2])

    def handshake(self):
        return [("c", self.client(SYN)), ("s", self.server(SYN | ACK)), ("c", self.client(ACK))]


def put_eth(cap, t, steps, cmac=MAC_A, smac=MAC_B, gap=100):
    """Add (side, packet) steps to @cap as Ethernet frames, @gap µs apart."""
    for side, pkt in steps:
        src, dst = (cmac, smac) if side == "c" else (smac, cmac)
        cap.add(t, eth_ip(src, dst, pkt))
        t += gap
    return t


def full_tcp(conn, req=b"GET / HTTP/1.1\r\nHost: b\r\n\r\n", resp=b"HTTP/1.1 200 OK\r\n\r\nhello"):
    """Handshake, one request/response, FIN from client, FIN from server, last ACK."""
    return conn.handshake() + [
        ("c", conn.client(PSH | ACK, req)),
        ("s", conn.server(ACK)),
        ("s", conn.server(PSH | ACK, resp)),
        ("c", conn.client(ACK)),
        ("c", conn.client(FIN | ACK)),
        ("s", conn.server(FIN | ACK)),
        ("c", conn.client(ACK)),
    ]


# --------------------------------------------------------------- fixtures: TCP

def f_tcp_handshake_close():
    cap = Capture()
    put_eth(cap, 0, full_tcp(Tcp(A4, 43210, B4, 80)), gap=1000)
    return cap


def f_tcp_refused():
    cap = Capture()
    conn = Tcp(A4, 43211, B4, 81)
    put_eth(cap, 0, [("c", conn.client(SYN)), ("s", conn.server(RST | ACK))])
    return cap


def f_tcp_unanswered():
    """One SYN and its three retransmissions (1 s, 2 s, 4 s backoff)."""
    cap = Capture()
    for t in (0, 1000000, 3000000, 7000000):
        conn = Tcp(A4, 43212, B4, 8080)
        cap.add(t, eth_ip(MAC_A, MAC_B, conn.client(SYN)))
    return cap


def f_tcp_midstream():
    """Two connections already open when the capture starts.
    Flow 1: the client speaks first.  Flow 2: the server speaks first, then
    both sides close: initiator is the first sender (documented rule)."""
    cap = Capture()
    c1 = Tcp(A4, 43213, B4, 5432, cseq=70000, sseq=90000)
    t = put_eth(cap, 0, [
        ("c", c1.client(PSH | ACK, b"Q" * 30)),
        ("s", c1.server(PSH | ACK, b"R" * 60)),
        ("c", c1.client(ACK)),
    ])
    c2 = Tcp(C4, 43214, B4, 6379, cseq=10, sseq=20)
    put_eth(cap, t + 1000, [
        ("s", c2.server(PSH | ACK, b"+PONG\r\n")),
        ("c", c2.client(PSH | ACK, b"PING\r\n")),
        ("s", c2.server(ACK)),
        ("c", c2.client(FIN | ACK)),
        ("s", c2.server(FIN | ACK)),
        ("c", c2.client(ACK)),
    ], cmac=MAC_C)
    return cap


def f_tcp_synack_first():
    """Capture starts between SYN and SYN-ACK: the SYN-ACK comes from port 80."""
    cap = Capture()
    conn = Tcp(A4, 43215, B4, 80)
    conn.client(SYN)  # sent before the capture began: advances the client's seq
    put_eth(cap, 0, [
        ("s", conn.server(SYN | ACK)),
        ("c", conn.client(ACK)),
        ("c", conn.client(PSH | ACK, b"GET / HTTP/1.1\r\n\r\n")),
        ("s", conn.server(PSH | ACK, b"HTTP/1.1 204 No Content\r\n\r\n")),
        ("c", conn.client(ACK)),
    ])
    return cap


def f_tcp_port_reuse():
    """A closed connection, then half a second later a new SYN on the same tuple."""
    cap = Capture()
    t = put_eth(cap, 0, full_tcp(Tcp(A4, 43216, B4, 80, cseq=1000)))
    conn = Tcp(A4, 43216, B4, 80, cseq=900000, sseq=777000)
    put_eth(cap, t + 500000, conn.handshake() + [
        ("c", conn.client(PSH | ACK, b"again")),
        ("s", conn.server(ACK)),
    ])
    return cap


def f_tcp_rst_after_established():
    cap = Capture()
    conn = Tcp(A4, 43217, B4, 443)
    put_eth(cap, 0, conn.handshake() + [
        ("c", conn.client(PSH | ACK, b"\x16\x03\x01")),
        ("s", conn.server(RST | ACK)),
    ])
    return cap


# --------------------------------------------------------------- fixtures: UDP/ICMP

def f_udp_request_response():
    """Two DNS-style exchanges from different source ports."""
    cap = Capture()
    t = 0
    for sport, qid in ((53001, 1), (53002, 2)):
        q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\x03web\x00\x00\x01\x00\x01"
        r = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01" + q[8:] + b"\xc0\x0c\x00\x01\x00\x01" \
            b"\x00\x00\x00\x3c\x00\x04" + B4
        cap.add(t, eth_ip(MAC_A, MAC_D, udp4(A4, D4, sport, 53, q, ident=0x2000 + qid)))
        cap.add(t + 300, eth_ip(MAC_D, MAC_A, udp4(D4, A4, 53, sport, r, ident=0x3000 + qid)))
        t += 10000
    return cap


def f_udp_unanswered():
    cap = Capture()
    for i in range(3):
        cap.add(i * 1000000, eth_ip(MAC_A, MAC_B, udp4(A4, B4, 40001, 9999, b"ping%d" % i,
                                                       ident=0x2100 + i)))
    return cap


def icmp_quote(pkt, n=8):
    """What a router quotes: the IP header plus the first @n payload bytes."""
    hl = (pkt[0] & 0x0F) * 4
    return pkt[:hl + n]


def f_udp_port_unreachable():
    """A UDP datagram refused by ICMP port unreachable, then an unreachable about
    a datagram we never saw (becomes an ICMP flow of its own)."""
    cap = Capture()
    dgram = udp4(A4, B4, 40002, 7777, b"hello?", ident=0x2200)
    err = ipv4(B4, A4, PROTO_ICMP, icmp(3, 3, b"\0" * 4, dgram), ident=0x4000, df=False)
    cap.add(0, eth_ip(MAC_A, MAC_B, dgram))
    cap.add(150, eth_ip(MAC_B, MAC_A, err))
    ghost = udp4(A4, C4, 40003, 7778, b"never captured", ident=0x2201)
    err2 = ipv4(C4, A4, PROTO_ICMP, icmp(3, 3, b"\0" * 4, icmp_quote(ghost)), ident=0x4001,
                df=False)
    cap.add(20000, eth_ip(MAC_C, MAC_A, err2))
    return cap


def f_icmp_echo():
    cap = Capture()
    t = 0
    for ident, count in ((0x1234, 2), (0x5678, 1)):
        for seq in range(1, count + 1):
            data = bytes(range(16))
            req = ipv4(A4, B4, PROTO_ICMP, icmp(8, 0, echo_rest(ident, seq), data), ident=seq)
            rep = ipv4(B4, A4, PROTO_ICMP, icmp(0, 0, echo_rest(ident, seq), data),
                       ident=0x100 + seq)
            cap.add(t, eth_ip(MAC_A, MAC_B, req))
            cap.add(t + 80, eth_ip(MAC_B, MAC_A, rep))
            t += 1000000
    return cap


def f_icmpv6_echo():
    cap = Capture()
    for seq in (1, 2):
        data = b"segwatch" * 2
        req = ipv6(A6, B6, PROTO_ICMPV6, icmp6(A6, B6, 128, 0, echo_rest(0x0777, seq), data))
        rep = ipv6(B6, A6, PROTO_ICMPV6, icmp6(B6, A6, 129, 0, echo_rest(0x0777, seq), data))
        t = (seq - 1) * 1000000
        cap.add(t, eth_ip(MAC_A, MAC_B, req))
        cap.add(t + 90, eth_ip(MAC_B, MAC_A, rep))
    return cap


def f_icmp_timestamp():
    """Timestamp request and reply (not echo): keyed by type and code, the reply
    mapped to its request type, so one flow."""
    cap = Capture()
    stamps = struct.pack("!III", 1000, 0, 0)
    answer = struct.pack("!III", 1000, 1001, 1001)
    cap.add(0, eth_ip(MAC_A, MAC_B, ipv4(A4, B4, PROTO_ICMP, icmp(13, 0, echo_rest(7, 1), stamps),
                                        ident=0x4300)))
    cap.add(100, eth_ip(MAC_B, MAC_A, ipv4(B4, A4, PROTO_ICMP,
                                          icmp(14, 0, echo_rest(7, 1), answer), ident=0x4301)))
    return cap


# --------------------------------------------------------------- fixtures: IPv6

def f_ipv6_tcp():
    cap = Capture()
    put_eth(cap, 0, full_tcp(Tcp(A6, 50000, B6, 443)))
    return cap


def f_ipv6_ext_headers():
    """SYN behind hop-by-hop + destination options + routing headers; the answer
    has none; the client's ACK carries one destination options header."""
    cap = Capture()
    conn = Tcp(A6, 50001, B6, 8443)
    syn = conn.client(SYN)
    seg = syn[40:]
    chain = v6_opts(V6_DSTOPTS) + v6_opts(V6_ROUTING, 16) + v6_routing0(PROTO_TCP, B6)
    cap.add(0, eth_ip(MAC_A, MAC_B, ipv6(A6, B6, V6_HOPOPTS, chain + seg)))
    cap.add(100, eth_ip(MAC_B, MAC_A, conn.server(SYN | ACK)))
    ack = conn.client(ACK)
    cap.add(200, eth_ip(MAC_A, MAC_B, ipv6(A6, B6, V6_DSTOPTS, v6_opts(PROTO_TCP) + ack[40:])))
    return cap


def v6_fragments(src, dst, payload_proto, payload, ident, sizes):
    """Split @payload (an upper-layer segment) into IPv6 fragments of @sizes bytes."""
    out, off = [], 0
    for i, n in enumerate(sizes):
        more = i + 1 < len(sizes)
        chunk = payload[off:off + n]
        out.append(ipv6(src, dst, V6_FRAGMENT, v6_frag(payload_proto, off, more, ident) + chunk))
        off += n
    return out


def f_ipv6_fragments():
    """A 152-byte UDP datagram in three fragments (48+48+56), then the reply."""
    cap = Capture()
    seg = udp(A6, B6, 50002, 4789, bytes(range(144)))
    for i, frag in enumerate(v6_fragments(A6, B6, PROTO_UDP, seg, 0xCAFE0001, (48, 48, 56))):
        cap.add(i * 10, eth_ip(MAC_A, MAC_B, frag))
    cap.add(500, eth_ip(MAC_B, MAC_A, udp6(B6, A6, 4789, 50002, b"ok")))
    return cap


def v4_fragments(src, dst, proto, payload, ident, sizes):
    out, off = [], 0
    for i, n in enumerate(sizes):
        more = i + 1 < len(sizes)
        out.append(ipv4(src, dst, proto, payload[off:off + n], ident=ident, df=False,
                        mf=more, frag_off=off))
        off += n
    return out


def f_ipv4_fragments():
    """Flow 1: a datagram in 3 in-order fragments, then the reply.
    Flow 2: a datagram whose middle fragment arrives before the first one;
    it is the first packet of its flow."""
    cap = Capture()
    seg = udp(A4, B4, 5000, 6000, bytes(range(100)))  # 108 bytes: 40 + 40 + 28
    for i, frag in enumerate(v4_fragments(A4, B4, PROTO_UDP, seg, 0x5001, (40, 40, 28))):
        cap.add(i * 10, eth_ip(MAC_A, MAC_B, frag))
    cap.add(1000, eth_ip(MAC_B, MAC_A, udp4(B4, A4, 6000, 5000, b"ack", ident=0x6001)))
    seg2 = udp(A4, B4, 5001, 6001, bytes(range(100, 200)))
    f1, f2, f3 = v4_fragments(A4, B4, PROTO_UDP, seg2, 0x5002, (40, 40, 28))
    for i, frag in enumerate((f2, f1, f3)):
        cap.add(100000 + i * 10, eth_ip(MAC_A, MAC_B, frag))
    return cap


def f_ipv4_frag_orphan():
    """A last fragment whose first fragment never comes, plus an ordinary datagram."""
    cap = Capture()
    seg = udp(A4, B4, 5002, 6002, bytes(64))
    _, last = v4_fragments(A4, B4, PROTO_UDP, seg, 0x5003, (40, 32))
    cap.add(0, eth_ip(MAC_A, MAC_B, last))
    cap.add(1000, eth_ip(MAC_A, MAC_B, udp4(A4, B4, 5003, 6003, b"x", ident=0x5004)))
    return cap


def f_ipv4_options():
    """TCP handshake whose SYN carries a Router Alert option (IHL 6) and whose
    SYN-ACK carries a Record Route option (IHL 8)."""
    cap = Capture()
    conn = Tcp(A4, 43218, B4, 80)
    syn = conn.client(SYN)
    synack = conn.server(SYN | ACK)
    ack = conn.client(ACK)
    ra = b"\x94\x04\x00\x00"
    rr = b"\x07\x0b\x04" + b"\0" * 8 + b"\x00"  # type, len 11, ptr 4, two slots, EOL
    cap.add(0, eth_ip(MAC_A, MAC_B, ipv4(A4, B4, PROTO_TCP, syn[20:], ident=0x1101, options=ra)))
    cap.add(100, eth_ip(MAC_B, MAC_A, ipv4(B4, A4, PROTO_TCP, synack[20:], ident=0x1102,
                                          options=rr)))
    cap.add(200, eth_ip(MAC_A, MAC_B, ack))
    return cap


# --------------------------------------------------------------- fixtures: link layers

def f_vlan_8021q():
    cap = Capture()
    conn = Tcp(A4, 43219, B4, 80)
    t = 0
    for side, pkt in conn.handshake() + [("c", conn.client(RST | ACK))]:
        s, d = (MAC_A, MAC_B) if side == "c" else (MAC_B, MAC_A)
        cap.add(t, eth_vlan(d, s, [(ETH_8021Q, 100)], ETH_IPV4, pkt))
        t += 100
    q = udp6(A6, B6, 50003, 53, b"\x00\x01query")
    cap.add(t, eth_vlan(MAC_B, MAC_A, [(ETH_8021Q, 100)], ETH_IPV6, q))
    return cap


def f_qinq_8021ad():
    cap = Capture()
    tags = [(ETH_8021AD, 200), (ETH_8021Q, 100)]
    req = udp4(A4, B4, 40004, 161, b"get sysName", ident=0x2300)
    rep = udp4(B4, A4, 161, 40004, b"sysName=b", ident=0x2301)
    cap.add(0, eth_vlan(MAC_B, MAC_A, tags, ETH_IPV4, req))
    cap.add(120, eth_vlan(MAC_A, MAC_B, tags, ETH_IPV4, rep))
    return cap


def f_vlan_too_deep():
    """4 tags (the limit: decoded), then 5 and 6 tags (vlan_too_deep)."""
    cap = Capture()
    for i, depth in enumerate((4, 5, 6)):
        tags = [(ETH_8021AD, 10 + k) for k in range(depth - 1)] + [(ETH_8021Q, 100)]
        pkt = udp4(A4, B4, 40010 + depth, 9000, b"deep", ident=0x2400 + i)
        cap.add(i * 100, eth_vlan(MAC_B, MAC_A, tags, ETH_IPV4, pkt))
    return cap


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IPV4, 6, 4, op, smac, sip, tmac, tip)


def f_arp():
    """Two who-has/is-at exchanges: counted as not_tracked.arp, no flow."""
    cap = Capture()
    t = 0
    for smac, sip, tmac, tip in ((MAC_A, A4, MAC_B, B4), (MAC_C, C4, MAC_D, D4)):
        cap.add(t, eth(BCAST, smac, ETH_ARP, arp(1, smac, sip, b"\0" * 6, tip)))
        cap.add(t + 50, eth(smac, tmac, ETH_ARP, arp(2, tmac, tip, smac, sip)))
        t += 1000
    return cap


def f_non_ip():
    """An LLDP frame and an 802.3 length frame: not_tracked.non_ip, no flow."""
    cap = Capture()
    lldp = b"\x02\x07\x04" + MAC_A + b"\x04\x03\x05ab" + b"\x06\x02\x00\x78" + b"\x00\x00"
    cap.add(0, eth(b"\x01\x80\xc2\x00\x00\x0e", MAC_A, ETH_LLDP, lldp))
    llc = b"\x42\x42\x03" + b"\0" * 35  # STP BPDU over 802.2 LLC
    cap.add(100, eth(b"\x01\x80\xc2\x00\x00\x00", MAC_B, len(llc), llc))
    return cap


def f_sll_v1():
    cap = Capture(LINKTYPE_LINUX_SLL)
    conn = Tcp(A4, 43220, B4, 80)
    t = 0
    for side, pkt in full_tcp(conn):
        cap.add(t, sll1(pkt, pkttype=4 if side == "c" else 0))
        t += 100
    return cap


def f_sll_v2():
    cap = Capture(LINKTYPE_LINUX_SLL2)
    conn = Tcp(A4, 43221, B4, 80)
    t = 0
    for side, pkt in full_tcp(conn):
        cap.add(t, sll2(pkt, ifindex=11, pkttype=0 if side == "c" else 4))
        t += 100
    return cap


def f_sll_v2_duplicates():
    """One connection crossing a bridge, seen by `-i any` three times per packet:
    on veth-a (ifindex 11), on br0 (3) and on veth-b (13), microseconds apart.
    Then two genuine retransmissions within 50 ms of the original, which must
    count: the client's data segment (seen again on all three interfaces) and the
    server's answer (seen again only on veth-b, where the server sits)."""
    cap = Capture(LINKTYPE_LINUX_SLL2)
    path_c = ((11, 0), (3, 0), (13, 4))  # client -> server: in on veth-a, out on veth-b
    path_s = ((13, 0), (3, 0), (11, 4))

    def cross(t, side, pkt, path=None):
        path = path or (path_c if side == "c" else path_s)
        for k, (ifindex, pkttype) in enumerate(path):
            cap.add(t + 3 * k, sll2(pkt, ifindex, pkttype, MAC_A if side == "c" else MAC_B))

    conn = Tcp(A4, 43222, B4, 8080)
    steps = full_tcp(conn, req=b"POST /x HTTP/1.1\r\n\r\nbody", resp=b"HTTP/1.1 201\r\n\r\n")
    t = 0
    for i, (side, pkt) in enumerate(steps):
        cross(t, side, pkt)
        if i == 3:  # the client's request, lost after veth-b: resent 20 ms later
            cross(t + 20000, side, pkt)
            t += 20000
        if i == 5:  # the server's response, resent at once; only veth-b saw it again
            cross(t + 15000, side, pkt, path=((13, 0),))
            t += 15000
        t += 1000
    return cap


def f_raw_ip():
    cap = Capture(LINKTYPE_RAW)
    conn = Tcp(A4, 43223, B4, 80)
    t = 0
    for _, pkt in conn.handshake():
        cap.add(t, pkt)
        t += 100
    cap.add(t, udp6(A6, B6, 50004, 123, b"\x23" + b"\0" * 47))
    cap.add(t + 100, udp6(B6, A6, 123, 50004, b"\x24" + b"\0" * 47))
    return cap


def f_linktype_ipv4():
    cap = Capture(LINKTYPE_IPV4)
    cap.add(0, udp4(A4, B4, 40005, 514, b"<13>hello", ident=0x2500))
    return cap


def f_linktype_ipv6():
    cap = Capture(LINKTYPE_IPV6)
    cap.add(0, udp6(A6, B6, 50005, 514, b"<13>hello"))
    return cap


def f_unsupported_linktype():
    cap = Capture(LINKTYPE_USER0)
    cap.add(0, b"\x00" * 40)
    cap.add(100, b"\x01" * 40)
    return cap


# --------------------------------------------------------------- fixtures: file formats

def f_pcapng_basic():
    cap = Capture(fmt="pcapng")
    put_eth(cap, 0, full_tcp(Tcp(A4, 43224, B4, 80)))
    return cap


def f_pcap_nsec():
    """Nanosecond pcap: times must come out with microseconds, truncated."""
    cap = Capture(fmt="pcap-ns")
    conn = Tcp(A4, 43225, B4, 80)
    put_eth(cap, 123456, [("c", conn.client(SYN)), ("s", conn.server(RST | ACK))])
    return cap


def f_snaplen_cut():
    """Snap length 96: big segments are cut; lengths come from the IP header and
    a cut packet is not malformed."""
    cap = Capture(snaplen=96)
    conn = Tcp(A4, 43226, B4, 80)
    put_eth(cap, 0, conn.handshake() + [
        ("c", conn.client(PSH | ACK, b"G" * 1000)),
        ("s", conn.server(ACK)),
        ("s", conn.server(PSH | ACK, b"H" * 1400)),
    ])
    return cap


# --------------------------------------------------------------- fixtures: malformed

def one(frames, linktype=LINKTYPE_ETHERNET):
    cap = Capture(linktype)
    for i, frame in enumerate(frames):
        cap.add(i * 100, frame)
    return cap


def bad_link_truncated():
    return eth(MAC_B, MAC_A, ETH_IPV4, b"", pad=False)[:10]


def bad_vlan_truncated():
    return MAC_B + MAC_A + struct.pack("!HH", ETH_8021Q, 100)


def bad_ipv4_version():
    return eth(MAC_B, MAC_A, ETH_IPV4, udp4(A4, B4, 1, 2, b"v", version=7), pad=False)


def bad_ipv4_ihl():
    return eth(MAC_B, MAC_A, ETH_IPV4, udp4(A4, B4, 1, 2, b"ihl", ihl=4), pad=False)


def bad_ipv4_total_length():
    return eth(MAC_B, MAC_A, ETH_IPV4, udp4(A4, B4, 1, 2, b"tl", total_len=16), pad=False)


def bad_ipv4_truncated():
    return eth(MAC_B, MAC_A, ETH_IPV4, udp4(A4, B4, 1, 2, b"")[:10], pad=False)


def bad_tcp_offset():
    seg = bytearray(tcp(A4, B4, 43230, 80, 1, 0, SYN))
    seg[12] = 4 << 4
    return eth(MAC_B, MAC_A, ETH_IPV4, ipv4(A4, B4, PROTO_TCP, bytes(seg)), pad=False)


def bad_tcp_truncated():
    seg = tcp(A4, B4, 43231, 80, 1, 0, SYN)[:12]
    return eth(MAC_B, MAC_A, ETH_IPV4, ipv4(A4, B4, PROTO_TCP, seg), pad=False)


def bad_udp_length():
    seg = bytearray(udp(A4, B4, 40020, 53, b"abcd"))
    seg[4:6] = struct.pack("!H", 4)
    return eth(MAC_B, MAC_A, ETH_IPV4, ipv4(A4, B4, PROTO_UDP, bytes(seg)), pad=False)


def bad_udp_truncated():
    seg = udp(A4, B4, 40021, 53, b"")[:6]
    return eth(MAC_B, MAC_A, ETH_IPV4, ipv4(A4, B4, PROTO_UDP, seg), pad=False)


def bad_ipv6_truncated():
    return eth(MAC_B, MAC_A, ETH_IPV6, udp6(A6, B6, 1, 2, b"")[:30], pad=False)


def bad_ipv6_version():
    return eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, PROTO_UDP, udp(A6, B6, 1, 2, b"v"),
                                            version=4), pad=False)


def bad_ipv6_ext_truncated():
    """Hop-by-hop header that says 16 bytes in an 8-byte payload."""
    hbh = bytearray(v6_opts(PROTO_UDP))
    hbh[1] = 1
    return eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, V6_HOPOPTS, bytes(hbh)), pad=False)


def v6_dstopts_chain(count, seg):
    chain = b""
    for i in range(count):
        chain += v6_opts(V6_DSTOPTS if i + 1 < count else PROTO_UDP)
    return chain + seg


def bad_ipv6_ext_too_many():
    seg = udp(A6, B6, 50010, 9, b"nine")
    return eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, V6_DSTOPTS, v6_dstopts_chain(9, seg)),
               pad=False)


def bad_icmp_truncated():
    return eth(MAC_B, MAC_A, ETH_IPV4, ipv4(A4, B4, PROTO_ICMP, b"\x08\x00\xf7"), pad=False)


def bad_ip_truncated_by_capture():
    """Total length 100, only 60 bytes of IP in a frame that was not snap-cut."""
    pkt = udp4(A4, B4, 40022, 53, b"z" * 72)[:60]
    return eth(MAC_B, MAC_A, ETH_IPV4, pkt, pad=False)


MALFORMED = {
    "link_truncated": bad_link_truncated,
    "vlan_truncated": bad_vlan_truncated,
    "ipv4_bad_version": bad_ipv4_version,
    "ipv4_bad_ihl": bad_ipv4_ihl,
    "ipv4_bad_total_length": bad_ipv4_total_length,
    "ipv4_truncated": bad_ipv4_truncated,
    "tcp_bad_offset": bad_tcp_offset,
    "tcp_truncated": bad_tcp_truncated,
    "udp_bad_length": bad_udp_length,
    "udp_truncated": bad_udp_truncated,
    "ipv6_truncated": bad_ipv6_truncated,
    "ipv6_bad_version": bad_ipv6_version,
    "ipv6_ext_truncated": bad_ipv6_ext_truncated,
    "ipv6_ext_too_many": bad_ipv6_ext_too_many,
    "icmp_truncated": bad_icmp_truncated,
    "ip_truncated_by_capture": bad_ip_truncated_by_capture,
}


def f_ipv6_ext_eight():
    """Exactly 8 extension headers: the limit, still decoded."""
    seg = udp(A6, B6, 50011, 9, b"eight")
    return one([eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, V6_DSTOPTS, v6_dstopts_chain(8, seg)))])


def f_mixed_malformed():
    """A good TCP connection with a broken frame after every good one."""
    cap = Capture()
    good = full_tcp(Tcp(A4, 43232, B4, 80))
    bad = list(MALFORMED.values())
    t = 0
    for i, (side, pkt) in enumerate(good):
        s, d = (MAC_A, MAC_B) if side == "c" else (MAC_B, MAC_A)
        cap.add(t, eth_ip(s, d, pkt))
        cap.add(t + 10, bad[i % len(bad)]())
        t += 100
    return cap


def malformed_builder(fn):
    return lambda: one([fn()])


# --------------------------------------------------------------- fixtures: timeouts

def f_udp_idle_gap():
    """Same UDP tuple talking again after 100 s: past the default 60 s UDP idle
    timeout this is two records, the first ended `idle`; with
    `--timeout udp=200` it is one."""
    cap = Capture()
    for i, t in enumerate((0, 2000000, 102000000)):
        cap.add(t, eth_ip(MAC_A, MAC_B, udp4(A4, B4, 40030, 8125, b"metric:%d|c" % i,
                                            ident=0x2600 + i)))
        cap.add(t + 200, eth_ip(MAC_B, MAC_A, udp4(B4, A4, 8125, 40030, b"ok",
                                                  ident=0x2700 + i)))
    return cap


def f_udp_active_cut():
    """A request/response every second for 10 s: `--timeout active=4` cuts it
    into records, the later ones `continued`."""
    cap = Capture()
    for i in range(10):
        t = i * 1000000
        cap.add(t, eth_ip(MAC_A, MAC_B, udp4(A4, B4, 40050, 8000, b"tick", ident=0x2900 + i)))
        cap.add(t + 100, eth_ip(MAC_B, MAC_A, udp4(B4, A4, 8000, 40050, b"tock",
                                                  ident=0x2A00 + i)))
    return cap


# --------------------------------------------------------------- fixtures: first packet is an answer

def f_tcp_midstream_oneway():
    """Mid-stream data one way only (an asymmetric capture): nothing answers."""
    cap = Capture()
    conn = Tcp(A4, 43250, B4, 9200, cseq=4000, sseq=8000)
    put_eth(cap, 0, [("c", conn.client(PSH | ACK, b"x" * 20)) for _ in range(3)], gap=1000)
    return cap


def f_udp_response_first():
    """A DNS response whose query was not captured, then a full exchange."""
    cap = Capture()
    q = b"\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01"
    r = q[:2] + b"\x81\x80" + q[4:]
    cap.add(0, eth_ip(MAC_D, MAC_A, udp4(D4, A4, 53, 53005, r, ident=0x3100)))
    cap.add(1000, eth_ip(MAC_A, MAC_D, udp4(A4, D4, 53005, 53, q, ident=0x3101)))
    cap.add(1300, eth_ip(MAC_D, MAC_A, udp4(D4, A4, 53, 53005, r, ident=0x3102)))
    return cap


def f_icmp_reply_first():
    """An echo reply whose request was not captured, then a full exchange."""
    cap = Capture()
    for t, seq in ((0, 1), (1000000, 2)):
        req = ipv4(A4, B4, PROTO_ICMP, icmp(8, 0, echo_rest(0x4242, seq), b"abcd"), ident=seq)
        rep = ipv4(B4, A4, PROTO_ICMP, icmp(0, 0, echo_rest(0x4242, seq), b"abcd"),
                   ident=0x200 + seq)
        if seq > 1:
            cap.add(t - 80, eth_ip(MAC_A, MAC_B, req))
        cap.add(t, eth_ip(MAC_B, MAC_A, rep))
    return cap


# --------------------------------------------------------------- fixtures: ICMP errors

R4 = ip4("10.77.0.1")  # the bridge's address: a router on the path
R6 = ip6("fd00:77::1")


def icmp6_error(src, dst, itype, code, invoking, rest=b"\0" * 4):
    return ipv6(src, dst, PROTO_ICMPV6, icmp6(src, dst, itype, code, rest, invoking))


def f_icmp_errors():
    """ICMP and ICMPv6 errors about known flows: each counts in the flow's rev;
    port/protocol unreachable and administratively prohibited make it
    `refused`, the others (time exceeded, host unreachable, packet too big)
    leave it `attempted`."""
    cap = Capture()
    t = 0

    def pair(pkt, err, smac=MAC_A, emac=MAC_B):
        nonlocal t
        cap.add(t, eth_ip(smac, emac, pkt))
        cap.add(t + 200, eth_ip(emac, smac, err))
        t += 10000

    syn = tcp4(A4, B4, 43240, 80, 1000, 0, SYN, ident=0x1200, ttl=1)
    pair(syn, ipv4(R4, A4, PROTO_ICMP, icmp(11, 0, b"\0" * 4, icmp_quote(syn)), ident=0x4100))
    for sport, code in ((40043, 13), (40044, 2)):
        dg = udp4(A4, C4, sport, 5000, b"data", ident=0x2B00 + code)
        pair(dg, ipv4(C4, A4, PROTO_ICMP, icmp(3, code, b"\0" * 4, icmp_quote(dg)),
                      ident=0x4100 + code), emac=MAC_C)
    dg = udp4(A4, D4, 40045, 6000, b"data", ident=0x2B20)
    pair(dg, ipv4(R4, A4, PROTO_ICMP, icmp(3, 1, b"\0" * 4, icmp_quote(dg)), ident=0x4120),
         emac=MAC_D)
    for sport, code in ((50043, 4), (50044, 1)):
        dg6 = udp6(A6, B6, sport, 7000, b"data6")
        pair(dg6, icmp6_error(B6, A6, 1, code, dg6))
    syn6 = Tcp(A6, 50045, B6, 443).client(SYN)
    pair(syn6, icmp6_error(R6, A6, 2, 0, syn6, rest=struct.pack("!I", 1280)))
    return cap


# --------------------------------------------------------------- fixtures: routed duplicates

E4 = ip4("10.88.0.5")
MAC_E = bytes([0x02, 0x42, 0x0A, 0x58, 0x00, 0x05])


def f_sll_v2_routed():
    """A packet routed between two bridges, seen by `-i any` on veth-a (11),
    br0 (3), br1 (4) and veth-e (15), its TTL lowered after the router: one
    packet. The last request's copy on br1 comes 80 ms after the one on br0,
    past the 50 ms window: two packets."""
    cap = Capture(LINKTYPE_LINUX_SLL2)

    def routed(t, src, dst, sport, dport, payload, ident, late_us=0):
        before = udp4(src, dst, sport, dport, payload, ident=ident, ttl=64)
        after = udp4(src, dst, sport, dport, payload, ident=ident, ttl=63)
        path = ((11, 3), (3, 3)) if src == A4 else ((15, 4), (4, 4))
        path2 = ((4, 4), (15, 4)) if src == A4 else ((3, 4), (11, 4))
        k = 0
        for ifindex, pkttype in path:
            cap.add(t + 2 * k, sll2(before, ifindex, pkttype=0))
            k += 1
        for ifindex, pkttype in path2:
            cap.add(t + 2 * k + late_us, sll2(after, ifindex, pkttype=4))
            k += 1

    routed(0, A4, E4, 40060, 8080, b"req1", 0x2C00)
    routed(1000, E4, A4, 8080, 40060, b"resp1", 0x2C01)
    routed(200000, A4, E4, 40060, 8080, b"req2", 0x2C02, late_us=80000)
    return cap


def f_many_flows():
    """Ten UDP flows, one packet each, 1 ms apart: `--max-flows 4` must evict."""
    cap = Capture()
    for i in range(10):
        cap.add(i * 1000, eth_ip(MAC_A, MAC_B, udp4(A4, B4, 41000 + i, 9000, b"n",
                                                    ident=0x2800 + i)))
    return cap


class RawFile:
    """A file that is not a capture at all."""

    def __init__(self, data):
        self.data = data
        self.frames = []
        self.linktype = LINKTYPE_ETHERNET

    def to_bytes(self):
        return self.data


def f_not_a_pcap():
    """Text where a capture should be: segwatch must fail with exit code 3."""
    return RawFile(b"this is not a capture file\n" * 4)


FIXTURES = {
    "tcp_handshake_close": f_tcp_handshake_close,
    "tcp_refused": f_tcp_refused,
    "tcp_unanswered": f_tcp_unanswered,
    "tcp_midstream": f_tcp_midstream,
    "tcp_synack_first": f_tcp_synack_first,
    "tcp_port_reuse": f_tcp_port_reuse,
    "tcp_rst_after_established": f_tcp_rst_after_established,
    "udp_request_response": f_udp_request_response,
    "udp_unanswered": f_udp_unanswered,
    "udp_port_unreachable": f_udp_port_unreachable,
    "icmp_echo": f_icmp_echo,
    "icmpv6_echo": f_icmpv6_echo,
    "icmp_timestamp": f_icmp_timestamp,
    "ipv6_tcp": f_ipv6_tcp,
    "ipv6_ext_headers": f_ipv6_ext_headers,
    "ipv6_ext_eight": f_ipv6_ext_eight,
    "ipv6_fragments": f_ipv6_fragments,
    "ipv4_fragments": f_ipv4_fragments,
    "ipv4_frag_orphan": f_ipv4_frag_orphan,
    "ipv4_options": f_ipv4_options,
    "vlan_8021q": f_vlan_8021q,
    "qinq_8021ad": f_qinq_8021ad,
    "vlan_too_deep": f_vlan_too_deep,
    "arp": f_arp,
    "non_ip": f_non_ip,
    "sll_v1": f_sll_v1,
    "sll_v2": f_sll_v2,
    "sll_v2_duplicates": f_sll_v2_duplicates,
    "raw_ip": f_raw_ip,
    "linktype_ipv4": f_linktype_ipv4,
    "linktype_ipv6": f_linktype_ipv6,
    "unsupported_linktype": f_unsupported_linktype,
    "pcapng_basic": f_pcapng_basic,
    "pcap_nsec": f_pcap_nsec,
    "snaplen_cut": f_snaplen_cut,
    "mixed_malformed": f_mixed_malformed,
    "udp_idle_gap": f_udp_idle_gap,
    "many_flows": f_many_flows,
    "udp_active_cut": f_udp_active_cut,
    "tcp_midstream_oneway": f_tcp_midstream_oneway,
    "udp_response_first": f_udp_response_first,
    "icmp_reply_first": f_icmp_reply_first,
    "icmp_errors": f_icmp_errors,
    "sll_v2_routed": f_sll_v2_routed,
    "not_a_pcap": f_not_a_pcap,
}
FIXTURES.update({"malformed_" + k: malformed_builder(v) for k, v in MALFORMED.items()})


def file_name(name):
    return name + (".pcapng" if name == "pcapng_basic" else ".pcap")


def write_all(outdir, names=None):
    os.makedirs(outdir, exist_ok=True)
    for name in names or FIXTURES:
        data = FIXTURES[name]().to_bytes()
        path = os.path.join(outdir, file_name(name))
        # Rewrite only on change so that make/ctest timestamps stay meaningful.
        if os.path.exists(path):
            with open(path, "rb") as f:
                if f.read() == data:
                    continue
        with open(path, "wb") as f:
            f.write(data)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nfixtures: " + " ".join(sorted(FIXTURES)))
        return 0 if len(argv) >= 2 else 2
    unknown = [n for n in argv[2:] if n not in FIXTURES]
    if unknown:
        print("gen_fixtures: unknown fixture(s): " + " ".join(unknown), file=sys.stderr)
        return 2
    write_all(argv[1], argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
