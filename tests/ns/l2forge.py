#!/usr/bin/env python3
"""l2forge.py - forged frames for the L2 guard test (stdlib only: AF_PACKET).

  l2forge.py arp IFACE ETH_SRC SENDER_MAC SENDER_IP TARGET_MAC TARGET_IP COUNT
        ARP replies (op 2) from ETH_SRC claiming SENDER_IP is at SENDER_MAC
  l2forge.py udp4 IFACE ETH_SRC ETH_DST SRC DST PORT COUNT
  l2forge.py udp6 IFACE ETH_SRC ETH_DST SRC DST PORT COUNT
        UDP datagrams with payload b"l2forge" (find them in a capture)
  l2forge.py na IFACE ETH_SRC ETH_DST SRC DST TARGET TLL_MAC COUNT
        neighbour advertisements (solicited, override) saying TARGET is at TLL_MAC

Every frame is built here byte by byte (RFC 826, RFC 791, RFC 8200, RFC 768,
RFC 4861 4.4), so nothing in the sender's stack corrects the forgery.
"""
import socket
import struct
import sys
import time


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, src, etype):
    return mac(dst) + mac(src) + struct.pack("!H", etype)


def arp(a):
    iface, eth_src, s_mac, s_ip, t_mac, t_ip, n = a
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac(s_mac) + socket.inet_aton(s_ip) \
        + mac(t_mac) + socket.inet_aton(t_ip)
    return iface, eth(t_mac, eth_src, 0x0806) + body, int(n)


def udp4(a):
    iface, eth_src, eth_dst, src, dst, port, n = a
    payload = b"l2forge"
    udp = struct.pack("!HHHH", 40999, int(port), 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 4242, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return iface, eth(eth_dst, eth_src, 0x0800) + ip + udp, int(n)


def ip6(src, dst, nh, payload, hops=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hops) + \
        socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + payload


def pseudo6(src, dst, nh, body):
    return socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
        struct.pack("!IxxxB", len(body), nh) + body


def udp6(a):
    iface, eth_src, eth_dst, src, dst, port, n = a
    payload = b"l2forge"
    udp = struct.pack("!HHHH", 40999, int(port), 8 + len(payload), 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo6(src, dst, 17, udp))) + udp[8:]
    return iface, eth(eth_dst, eth_src, 0x86DD) + ip6(src, dst, 17, udp), int(n)


def na(a):
    iface, eth_src, eth_dst, src, dst, target, tll, n = a
    # type 136, code 0, checksum, flags R=0 S=1 O=1, target, option 2 (target link-layer)
    body = struct.pack("!BBHI", 136, 0, 0, 0x60000000) + socket.inet_pton(socket.AF_INET6, target) \
        + struct.pack("!BB", 2, 1) + mac(tll)
    body = body[:2] + struct.pack("!H", csum(pseudo6(src, dst, 58, body))) + body[4:]
    return iface, eth(eth_dst, eth_src, 0x86DD) + ip6(src, dst, 58, body, 255), int(n)


def main():
    kinds = {"arp": (arp, 7), "udp4": (udp4, 7), "udp6": (udp6, 7), "na": (na, 8)}
    if len(sys.argv) < 2 or sys.argv[1] not in kinds or len(sys.argv) != 2 + kinds[sys.argv[1]][1]:
        sys.exit(__doc__)
    iface, frame, n = kinds[sys.argv[1]][0](sys.argv[2:])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for _ in range(n):
        s.send(frame)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
