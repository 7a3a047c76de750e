#!/usr/bin/env python3
"""nsflows.py - traffic and checks for the segwatch namespace tests (stdlib only).

  nsflows.py serve                      servers for container b (TCP 7001, UDP 7003)
  nsflows.py client live|discover       the scripted traffic, run in container a
  nsflows.py check live|discover SEG.json A.pcap IFACES
                                        compare segwatch's --json document with
                                        the expected flows and with tcpdump's view
                                        of container a's veth

Addresses come from the environment set by lib.sh (SWT_A4, SWT_B6, ...).
Every client uses a fixed source port, so each expected flow has an exact tuple.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

ENV = os.environ
A4, B4, C4 = ENV.get("SWT_A4", "10.78.0.1"), ENV.get("SWT_B4", "10.78.0.2"), ENV.get("SWT_C4", "10.78.0.3")
HOST4 = ENV.get("SWT_H4", "10.78.0.254")  # the bridge's address, where a test gives it one
A6, B6, C6 = ENV.get("SWT_A6", "fd00:78::1"), ENV.get("SWT_B6", "fd00:78::2"), ENV.get("SWT_C6", "fd00:78::3")

TCP_PORT, UDP_PORT = 7001, 7003      # served by b
CLOSED_TCP, CLOSED_UDP = 7002, 7004  # nothing listens on b
DROP_PORT = 9                        # c's nft table drops tcp and udp to it
REQ, RESP = 100, 300                 # TCP exchange payloads (bytes)
UREQ, URESP = 50, 70                 # UDP exchange payloads
PROBE = 20                           # payload of the unanswered datagrams
PINGS = 3

# name -> expected record.  Counts that are exact by construction are given;
# None means "whatever tcpdump saw on a's veth" (TCP segment counts depend on
# delayed ACKs).  Byte counts are sums of IP lengths.
def expected(mode):
    tcp4_syn = 60      # 20 IP + 40 TCP (mss, sackOK, TS, nop, wscale)
    e = {
        "tcp4 exchange": dict(family=4, proto="tcp", src=A4, sport=40001, dst=B4, dport=TCP_PORT,
                              state="closed", fwd=(None, None), rev=(None, None), flags=("FSPA", "FSPA")),
        "icmp echo": dict(family=4, proto="icmp", src=A4, dst=C4, state="established",
                          fwd=(PINGS, PINGS * 84), rev=(PINGS, PINGS * 84)),
    }
    if mode == "discover":
        return e
    e.update({
        "tcp6 exchange": dict(family=6, proto="tcp", src=A6, sport=40011, dst=B6, dport=TCP_PORT,
                              state="closed", fwd=(None, None), rev=(None, None), flags=("FSPA", "FSPA")),
        "tcp4 refused": dict(family=4, proto="tcp", src=A4, sport=40002, dst=B4, dport=CLOSED_TCP,
                             state="refused", fwd=(1, tcp4_syn), rev=(1, 40), flags=("S", "RA")),
        "tcp4 unanswered": dict(family=4, proto="tcp", src=A4, sport=40003, dst=C4, dport=DROP_PORT,
                                state="attempted", fwd=(1, tcp4_syn), rev=(0, 0), flags=("S", "")),
        "udp4 exchange": dict(family=4, proto="udp", src=A4, sport=40004, dst=B4, dport=UDP_PORT,
                              state="established", fwd=(1, 28 + UREQ), rev=(1, 28 + URESP)),
        "udp6 exchange": dict(family=6, proto="udp", src=A6, sport=40014, dst=B6, dport=UDP_PORT,
                              state="established", fwd=(1, 48 + UREQ), rev=(1, 48 + URESP)),
        # the ICMP port unreachable quotes the whole 48-byte datagram: 20 + 8 + 48
        "udp4 refused": dict(family=4, proto="udp", src=A4, sport=40005, dst=B4, dport=CLOSED_UDP,
                             state="refused", fwd=(1, 28 + PROBE), rev=(1, 28 + 28 + PROBE),
                             icmp_error=True),
        "udp4 unanswered": dict(family=4, proto="udp", src=A4, sport=40006, dst=C4, dport=DROP_PORT,
                                state="attempted", fwd=(1, 28 + PROBE), rev=(0, 0)),
        "icmp6 echo": dict(family=6, proto="icmpv6", src=A6, dst=B6, state="established",
                           fwd=(2, 2 * 104), rev=(2, 2 * 104)),
    })
    return e


# ---------------------------------------------------------------- traffic

def sock(fam, kind, sport=None):
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sport:
        s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", sport))
    return s


def recv_exactly(c, n):
    buf = b""
    while len(buf) < n:
        d = c.recv(n - len(buf))
        if not d:
            break
        buf += d
    return buf


def serve():
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("::", TCP_PORT))
    t.listen(16)
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    u.bind(("::", UDP_PORT))

    def tcp_one(c):
        with c:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.settimeout(10)
            if len(recv_exactly(c, REQ)) == REQ:
                c.sendall(b"r" * RESP)
                recv_exactly(c, 1)          # wait for the client's FIN, then close
    def tcp_loop():
        while True:
            c, _ = t.accept()
            threading.Thread(target=tcp_one, args=(c,), daemon=True).start()
    threading.Thread(target=tcp_loop, daemon=True).start()
    print("ready", flush=True)
    while True:
        d, peer = u.recvfrom(2048)
        u.sendto(b"u" * URESP, peer)


def tcp_exchange(fam, dst, sport):
    c = sock(fam, socket.SOCK_STREAM, sport)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.settimeout(5)
    c.connect((dst, TCP_PORT))
    c.sendall(b"q" * REQ)
    got = recv_exactly(c, RESP)
    c.close()
    return "ok" if len(got) == RESP else "short reply %d" % len(got)


def tcp_try(dst, port, sport, timeout):
    c = sock(socket.AF_INET, socket.SOCK_STREAM, sport)
    c.settimeout(timeout)
    try:
        c.connect((dst, port))
        return "connected"
    except ConnectionRefusedError:
        return "refused"
    except (socket.timeout, TimeoutError):
        return "no answer"
    finally:
        c.close()


def udp_ask(fam, dst, port, sport, size, timeout):
    c = sock(fam, socket.SOCK_DGRAM, sport)
    c.settimeout(timeout)
    c.connect((dst, port))
    try:
        c.send(b"p" * size)
        return "reply %d" % len(c.recv(2048))
    except ConnectionRefusedError:
        return "refused"
    except (socket.timeout, TimeoutError):
        return "no answer"
    finally:
        c.close()


def ping(args):
    r = subprocess.run(["ping"] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return "ok" if r.returncode == 0 else "failed: " + r.stdout.strip().splitlines()[-1]


def client(mode):
    steps = [
        ("tcp4 exchange", lambda: tcp_exchange(socket.AF_INET, B4, 40001), "ok"),
        ("icmp echo", lambda: ping(["-c", str(PINGS), "-i", "0.2", "-W", "2", C4]), "ok"),
    ]
    if mode == "live":
        steps += [
            ("tcp6 exchange", lambda: tcp_exchange(socket.AF_INET6, B6, 40011), "ok"),
            ("tcp4 refused", lambda: tcp_try(B4, CLOSED_TCP, 40002, 2), "refused"),
            # shorter than the 1 s initial RTO: exactly one SYN
            ("tcp4 unanswered", lambda: tcp_try(C4, DROP_PORT, 40003, 0.5), "no answer"),
            ("udp4 exchange", lambda: udp_ask(socket.AF_INET, B4, UDP_PORT, 40004, UREQ, 2), "reply %d" % URESP),
            ("udp6 exchange", lambda: udp_ask(socket.AF_INET6, B6, UDP_PORT, 40014, UREQ, 2), "reply %d" % URESP),
            ("udp4 refused", lambda: udp_ask(socket.AF_INET, B4, CLOSED_UDP, 40005, PROBE, 2), "refused"),
            ("udp4 unanswered", lambda: udp_ask(socket.AF_INET, C4, DROP_PORT, 40006, PROBE, 0.5), "no answer"),
            ("icmp6 echo", lambda: ping(["-6", "-c", "2", "-i", "0.2", "-W", "2", B6]), "ok"),
        ]
    bad = 0
    for name, fn, want in steps:
        try:
            got = fn()
        except OSError as e:
            got = "error: %s" % e
        print("  %-16s %s" % (name, got))
        if got != want:
            print("  ^ expected %r" % want)
            bad += 1
        time.sleep(0.05)
    return 1 if bad else 0


# ---------------------------------------------------------------- the oracle: a's pcap

def ip_str(fam, b):
    return socket.inet_ntop(socket.AF_INET if fam == 4 else socket.AF_INET6, b)


def parse_l3(d, off):
    """-> (family, proto, src, dst, iplen, l4 offset, is_first_fragment) or None"""
    if len(d) < off + 1:
        return None
    v = d[off] >> 4
    if v == 4 and len(d) >= off + 20:
        ihl = (d[off] & 15) * 4
        iplen, = struct.unpack_from("!H", d, off + 2)
        frag, = struct.unpack_from("!H", d, off + 6)
        return 4, d[off + 9], ip_str(4, d[off + 12:off + 16]), ip_str(4, d[off + 16:off + 20]), \
            iplen, off + ihl, (frag & 0x1fff) == 0
    if v == 6 and len(d) >= off + 40:
        plen, = struct.unpack_from("!H", d, off + 4)
        return 6, d[off + 6], ip_str(6, d[off + 8:off + 24]), ip_str(6, d[off + 24:off + 40]), \
            40 + plen, off + 40, True
    return None


def flow_key(fam, proto, src, dst, l4, d):
    """canonical key + direction ('a' when src is the lower endpoint)"""
    if proto in (6, 17) and len(d) >= l4 + 4:
        sp, dp = struct.unpack_from("!HH", d, l4)
        a, b = (src, sp), (dst, dp)
    elif (proto == 1 and d[l4] in (0, 8)) or (proto == 58 and d[l4] in (128, 129)):
        ident, = struct.unpack_from("!H", d, l4 + 4)
        a, b = (src, ident), (dst, ident)
    else:
        return None, None
    lo, hi = sorted([a, b])
    return (fam, proto, lo, hi), (a == lo)


def pcap_flows(path):
    """Per-flow packet and byte counts of TCP, UDP and ICMP echo seen in a pcap
    (Ethernet).  ICMP destination-unreachable errors count in the quoted flow."""
    flows = {}
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link, = struct.unpack_from(endian + "I", data, 20)
    if link != 1:
        raise SystemExit("tcpdump pcap: link type %d, expected Ethernet" % link)
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(endian + "IIII", data, off)
        d = data[off + 16:off + 16 + incl]
        off += 16 + incl
        et, = struct.unpack_from("!H", d, 12)
        l3 = 14
        while et == 0x8100 and len(d) >= l3 + 4:
            et, = struct.unpack_from("!H", d, l3 + 2)
            l3 += 4
        if et not in (0x0800, 0x86DD):
            continue
        p = parse_l3(d, l3)
        if not p or not p[6]:
            continue
        fam, proto, src, dst, iplen, l4, _ = p
        if len(d) < l4 + 8:
            continue
        key, lower_sent = flow_key(fam, proto, src, dst, l4, d)
        is_err = (proto == 1 and d[l4] == 3) or (proto == 58 and d[l4] == 1)
        if key is None and is_err:
            q = parse_l3(d, l4 + 8)
            if q and len(d) >= q[5] + 4:
                key, lower_sent = flow_key(q[0], q[1], q[2], q[3], q[5], d)
                lower_sent = not lower_sent   # the error travels back
        if key is None:
            continue
        fl = flows.setdefault(key, {"first_lower": lower_sent, "lo": [0, 0], "hi": [0, 0], "err": False})
        side = fl["lo"] if lower_sent else fl["hi"]
        side[0] += 1
        side[1] += iplen
        fl["err"] |= is_err
    out = {}
    for key, fl in flows.items():
        fwd, rev = (fl["lo"], fl["hi"]) if fl["first_lower"] else (fl["hi"], fl["lo"])
        out[key] = {"fwd": tuple(fwd), "rev": tuple(rev), "icmp_error": fl["err"]}
    return out


# ---------------------------------------------------------------- checks

class Checker:
    def __init__(self):
        self.failures = 0

    def eq(self, what, got, want):
        if got != want:
            print("FAIL %s: got %r, expected %r" % (what, got, want))
            self.failures += 1
            return False
        return True

    def true(self, what, cond, detail=""):
        if not cond:
            print("FAIL %s %s" % (what, detail))
            self.failures += 1
        return cond


def seg_key(f):
    proto = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}.get(f["proto"])
    if proto in (6, 17):
        a, b = (f["src"], f["sport"]), (f["dst"], f["dport"])
    elif proto in (1, 58) and "icmp_id" in f:
        a, b = (f["src"], f["icmp_id"]), (f["dst"], f["icmp_id"])
    else:
        return None
    lo, hi = sorted([a, b])
    return (f["family"], proto, lo, hi)


def side(f, d):
    s = f.get(d) or {}
    return (s.get("packets", 0), s.get("bytes", 0))


def describe(f):
    return "%s %s:%s -> %s:%s" % (f["proto"], f["src"], f.get("sport"), f["dst"], f.get("dport"))


def check(mode, seg_path, pcap_path, ifaces):
    ck = Checker()
    with open(seg_path) as fh:
        doc = json.load(fh)
    ck.eq("document type", doc.get("type"), "capture")
    ck.eq("document version", doc.get("version"), 1)
    flows, c = doc.get("flows", []), doc.get("counters", {})
    oracle = pcap_flows(pcap_path)
    ours = {A4, A6, B4, B6, C4, C6}

    # 1. the expected flows, exactly
    for name, e in expected(mode).items():
        match = [f for f in flows if f["family"] == e["family"] and f["proto"] == e["proto"]
                 and f["src"] == e["src"] and f["dst"] == e["dst"]
                 and ("sport" not in e or (f["sport"], f["dport"]) == (e["sport"], e["dport"]))
                 and (e["proto"] not in ("icmp", "icmpv6") or f.get("icmp_type") in (8, 128))]
        if not ck.eq("%s: number of flow records" % name, len(match), 1):
            for f in flows:
                if f.get("src") in ours and f.get("dst") in ours:
                    print("     seen: %s %s %s" % (describe(f), f.get("state"), f.get("end")))
            continue
        f = match[0]
        ck.eq(name + ": initiator", f["initiator"], "observed")
        ck.eq(name + ": state", f["state"], e["state"])
        ck.eq(name + ": end", f["end"], "flush")
        ck.eq(name + ": icmp_error", f.get("icmp_error"), e.get("icmp_error", False))
        ck.eq(name + ": continued", f.get("continued"), False)
        ck.eq(name + ": fragments", f.get("fragments"), False)
        o = oracle.get(seg_key(f))
        if ck.true(name + ": tcpdump on a's veth saw the flow", o is not None):
            ck.eq(name + ": fwd (packets, bytes) vs tcpdump", side(f, "fwd"), o["fwd"])
            ck.eq(name + ": rev (packets, bytes) vs tcpdump", side(f, "rev"), o["rev"])
        for d, want in zip(("fwd", "rev"), (e["fwd"], e["rev"])):
            got = side(f, d)
            if want[0] is not None:
                ck.eq("%s: %s packets" % (name, d), got[0], want[0])
            if want[1] is not None:
                ck.eq("%s: %s bytes" % (name, d), got[1], want[1])
        if "flags" in e:
            for d, want in zip(("fwd", "rev"), e["flags"]):
                got = (f.get(d) or {}).get("tcp_flags", "")
                ck.eq("%s: %s tcp_flags" % (name, d), "".join(sorted(got)), "".join(sorted(want)))
        if e["proto"] == "tcp" and e["state"] == "closed":
            # every segment after the SYN carries 32 bytes of TCP header (timestamps)
            hdr = 20 if e["family"] == 4 else 40
            for d, payload in (("fwd", REQ), ("rev", RESP)):
                n, b = side(f, d)
                ck.eq("%s: %s bytes = SYN + headers + payload" % (name, d),
                      b, (hdr + 40) + (n - 1) * (hdr + 32) + payload)

    # 2. every TCP/UDP/echo flow of container a equals tcpdump's view, and vice versa
    seen = set()
    for f in flows:
        k = seg_key(f)
        if k is None or not ({f["src"], f["dst"]} & {A4, A6}):
            continue
        seen.add(k)
        o = oracle.get(k)
        if ck.true("flow %s is in tcpdump's capture" % describe(f), o is not None):
            ck.eq("flow %s: fwd vs tcpdump" % describe(f), side(f, "fwd"), o["fwd"])
            ck.eq("flow %s: rev vs tcpdump" % describe(f), side(f, "rev"), o["rev"])
    for k in oracle:
        ck.true("tcpdump flow %r is in segwatch's output" % (k,), k in seen)

    # 3. counters
    names = sorted(i["name"] for i in c.get("interfaces", []))
    ck.eq("counters.interfaces", names, sorted(ifaces))
    ck.eq("counters.kernel_drops", c.get("kernel_drops"), 0)
    bridge = ifaces[0]
    for i in c.get("interfaces", []):
        ck.eq("interface %s kernel_drops" % i["name"], i.get("kernel_drops"), 0)
        ck.true("interface %s received packets" % i["name"], i.get("received", 0) > 0)
        # discovered: the bridge outbound, its ports inbound; named: everything
        want = "both" if mode == "live" else "out" if i["name"] == bridge else "in"
        ck.eq("interface %s direction" % i["name"], i.get("direction"), want)
    dec, dup = c.get("decoded", 0), c.get("duplicates", 0)
    ck.eq("decoded = sum of the flows' packets", dec,
          sum(side(f, "fwd")[0] + side(f, "rev")[0] for f in flows))
    ck.eq("flow.flows = number of records", c.get("flow", {}).get("flows"), len(flows))
    ck.eq("malformed", c.get("malformed"), 0)
    # Unicast crosses 3 interfaces (2 duplicates), multicast 4 here (3 duplicates).
    # A packet in flight when the capture stops may be seen on fewer interfaces
    # (the kernel's own IPv6 neighbour probes come at any time): a little slack.
    # Whether deduplication is exact is checked above, flow by flow, against tcpdump.
    if mode == "live":
        ck.true("duplicates between 2x and 3x decoded", dec > 0 and 2 * dec - 4 <= dup <= 3 * dec,
                "(decoded %d, duplicates %d)" % (dec, dup))
    else:
        # Each bridged packet is captured once, where it enters the bridge: no
        # copy is taken, so none is thrown away.
        ck.eq("duplicates (each packet captured once)", dup, 0)
        host = [f for f in flows if f["src"] == HOST4 and f["dst"] == A4 and f["proto"] == "icmp"]
        ck.eq("host -> a ping (the bridge outbound): records", len(host), 1)
        if host:
            ck.eq("host -> a ping: fwd packets", side(host[0], "fwd")[0], PINGS)
            ck.eq("host -> a ping: rev packets", side(host[0], "rev")[0], PINGS)
    # every frame read is decoded, a duplicate, not tracked or malformed
    nt = sum(c.get("not_tracked", {}).values())
    ck.eq("packets_seen = decoded + duplicates + not_tracked + malformed",
          c.get("packets_seen"), dec + dup + nt + c.get("malformed", 0))
    print("segwatch: %d flows, %d packets decoded, %d duplicates (%.2fx), kernel_drops %s"
          % (len(flows), dec, dup, dup / dec if dec else 0, c.get("kernel_drops")))
    if ck.failures:
        print("%d check(s) failed" % ck.failures)
        return 1
    print("all checks passed")
    return 0


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "serve":
        serve()
    elif cmd == "client":
        sys.exit(client(sys.argv[2]))
    elif cmd == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
