#!/usr/bin/env python3
"""A small IPFIX-over-TCP collector for the tests, and what ipfixDump reads
in what it kept.

Shared by tests/ipfix/tcp_restart.py (imported) and
tests/ns/agent_ipfix_restart.sh (run):

  ipfixcoll.py serve HOST PORT FILE   accept one connection, append what it
                                      sends to FILE; "listening", "accepted"
                                      and "closed" (the exporter closed) on
                                      stdout; SIGTERM closes both sockets
  ipfixcoll.py records FILE           the flow data records in FILE as JSON
                                      lines (ipfixDump --rfc5610 decodes them),
                                      after checking the templates come first

nfcapd and nfacctd do not listen on TCP (docs/ipfix.md): this one does.
"""
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading

FLOW_TIDS = (256, 257)  # IPv4 and IPv6 flow templates (docs/ipfix.md)


class Collector(threading.Thread):
    """Accept one connection, keep what it sends until the peer closes or we are stopped."""

    def __init__(self, port, host="127.0.0.1", sink=None):
        super().__init__(daemon=True)
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((host, port))
        self.srv.listen(1)
        self.data = bytearray()
        self.sink = sink  # a file object: each chunk also goes there, at once
        self.accepted = threading.Event()
        self.closed = threading.Event()
        self.conn = None
        self.start()

    def run(self):
        try:
            self.conn, _ = self.srv.accept()
        except OSError:
            return
        self.accepted.set()
        try:
            while chunk := self.conn.recv(65536):
                self.data += chunk
                if self.sink:
                    self.sink.write(chunk)
                    self.sink.flush()
        except OSError:
            pass
        self.closed.set()

    def stop(self):
        for s in (self.conn, self.srv):
            if s:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def dump(blob, rfc5610=False):
    """ipfixDump's text for an IPFIX stream (bytes)."""
    with tempfile.NamedTemporaryFile(suffix=".ipfix") as f:
        f.write(blob)
        f.flush()
        cmd = ["ipfixDump", "--in", f.name] + (["--rfc5610"] if rfc5610 else [])
        return subprocess.run(cmd, capture_output=True, text=True).stdout


def data_records(blob, tids=(256,)):
    """How many data records of these templates (not template records) the stream holds."""
    want = {"(0x%04x)" % t for t in tids}
    return sum(1 for l in dump(blob).splitlines()
               if "count:" in l and "field count" not in l and any(w in l for w in want))


_FIELD = re.compile(r"^\s*\(([0-9/]+)\)\s+(?:\(S\)\s+)?(\w+) : (.*)$")
_TID = re.compile(r"tid:\s+(\d+)")


def records(blob):
    """The flow data records of a stream as dicts (element name -> text), and
    the problems found: a flow data record before its template."""
    out, problems, known = [], [], set()
    cur = kind = None
    for line in dump(blob, rfc5610=True).splitlines():
        if line.startswith("--- "):
            kind = "data" if line.startswith("--- data record") else \
                "template" if "template record" in line else None
            cur = None
            continue
        m = _TID.search(line)
        if m and kind == "template" and "field count" in line:
            known.add(int(m.group(1)))
            continue
        if m and kind == "data" and "count:" in line:
            tid = int(m.group(1))
            if tid in FLOW_TIDS:
                if tid not in known:
                    problems.append("a data record of template %d before the template" % tid)
                cur = {"tid": tid}
                out.append(cur)
            continue
        m = _FIELD.match(line)
        if m and cur is not None:
            val = m.group(3).strip()
            if val.startswith("(len:"):
                val = val.split(")", 1)[1].strip()
            cur[m.group(2)] = val
    return out, problems


def _addr(text):
    return ipaddress.ip_address(text).compressed


def flow_key(r):
    """A record's key, as ipfixcmp's and history_key's: addresses, ports (not
    for ICMP), protocol number, packets and bytes each way."""
    proto = int(r["protocolIdentifier"])
    icmp = proto in (1, 58)
    # ipfixDump writes IPv6 groups with leading zeros (ff02::0016): the canonical form
    src = _addr(r.get("sourceIPv4Address") or r.get("sourceIPv6Address"))
    dst = _addr(r.get("destinationIPv4Address") or r.get("destinationIPv6Address"))
    return (src, dst, None if icmp else int(r["sourceTransportPort"]),
            None if icmp else int(r["destinationTransportPort"]), proto,
            int(r["packetDeltaCount"]), int(r["octetDeltaCount"]),
            int(r.get("reversePacketDeltaCount", 0)), int(r.get("reverseOctetDeltaCount", 0)))


def history_key(f):
    """The same key for a flow record of segwatch's JSON lines (biflow: one IPFIX record)."""
    icmp = f["proto_num"] in (1, 58)
    return (_addr(f["src"]), _addr(f["dst"]), None if icmp else f["sport"], None if icmp else f["dport"],
            f["proto_num"], f["fwd"]["packets"], f["fwd"]["bytes"], f["rev"]["packets"],
            f["rev"]["bytes"])


def serve(host, port, path):
    with open(path, "ab") as sink:
        c = Collector(int(port), host, sink)
        signal.signal(signal.SIGTERM, lambda *_: (c.stop(), os._exit(0)))
        print("listening", flush=True)
        c.accepted.wait()
        print("accepted", flush=True)
        c.closed.wait()
        print("closed %d bytes" % len(c.data), flush=True)
        c.stop()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(*sys.argv[2:5])
    elif len(sys.argv) == 3 and sys.argv[1] == "records":
        with open(sys.argv[2], "rb") as f:
            recs, problems = records(f.read())
        for p in problems:
            print("FAIL: %s: %s" % (sys.argv[2], p), file=sys.stderr)
        for r in recs:
            print(json.dumps(r))
        sys.exit(1 if problems else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
