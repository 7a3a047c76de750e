#!/usr/bin/env python3
"""nsprobe.py - the pods of tests/ns/netpol_matrix.sh.

  nsprobe.py serve TCP_PORTS UDP_PORTS      listen (tcp: accept and close;
                                            udp: echo), print "ready"
  nsprobe.py probe NAME TARGETS.json        try every target of TARGETS
                                            ({"dst": name, "ip": addr, "proto":
                                            "tcp"|"udp", "port": n}) at once,
                                            print one JSON line per target with
                                            "ok" (answered in time)
"""
import json
import selectors
import socket
import sys
import threading

TIMEOUT = 1.0


def serve(tcp_ports, udp_ports):
    sel = selectors.DefaultSelector()
    for p in tcp_ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", p))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ, "tcp")
    for p in udp_ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", p))
        sel.register(s, selectors.EVENT_READ, "udp")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == "tcp":
                c, _ = s.accept()
                c.close()
            else:
                data, addr = s.recvfrom(512)
                s.sendto(data, addr)


def probe_one(t, out, i):
    ok = False
    try:
        if t["proto"] == "tcp":
            s = socket.create_connection((t["ip"], t["port"]), timeout=TIMEOUT)
            s.close()
            ok = True
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(TIMEOUT)
            s.sendto(b"probe", (t["ip"], t["port"]))
            ok = s.recvfrom(512)[0] == b"probe"
            s.close()
    except (OSError, socket.timeout):
        ok = False
    out[i] = ok


def probe(name, targets_path):
    with open(targets_path) as f:
        targets = json.load(f)
    out = [False] * len(targets)
    threads = [threading.Thread(target=probe_one, args=(t, out, i)) for i, t in enumerate(targets)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for t, ok in zip(targets, out):
        print(json.dumps({"src": name, "dst": t["dst"], "proto": t["proto"], "port": t["port"],
                          "ok": ok}))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve([int(x) for x in sys.argv[2].split(",") if x], [int(x) for x in sys.argv[3].split(",") if x])
    else:
        probe(sys.argv[2], sys.argv[3])
