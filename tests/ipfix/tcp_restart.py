#!/usr/bin/env python3
"""A TCP collector stopped and restarted in the middle of a capture.

segwatch reads a pcap from a pipe we feed in three phases of UDP flows, an
hour of packet time apart, so the flows of each phase end (idle timeout) when
the next phase begins:
  A: collector 1 is up: its flows reach collector 1;
  B: collector 1 is gone: its flows are counted lost, capture goes on;
  C: collector 2 listens on the same port: segwatch reconnects by itself
     (backoff) and sends C's flows, templates first.
Checked with segwatch's counters and ipfixDump reading what each collector got.
    tcp_restart.py SEGWATCH
"""
import json, os, shutil, socket, struct, subprocess, sys, time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ipfixcoll import Collector, data_records  # noqa: E402  (shared with tests/ns)

SW = sys.argv[1]
if not shutil.which("ipfixDump"):
    print("skipped: ipfixDump not installed (tools/deps.sh)")
    sys.exit(77)
N_A, N_B, N_C = 20, 30, 40


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(i, sport):
    payload = b"x" * 20
    udp = struct.pack("!HHHH", sport, 9000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 88, 0, 2]), bytes([10, 88, 0, 3]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x03" + b"\x02\0\0\0\0\x02" + b"\x08\x00" + ip + udp


def rec(ts, frame):
    return struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(frame), len(frame)) + frame


def phase(t0, n, base):
    return b"".join(rec(t0 + i * 0.001, udp_frame(base + i, base + i)) for i in range(n))


def main():
    proc = None
    try:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        c1 = Collector(port)
        proc = subprocess.Popen([SW, "capture", "-r", "-", "--timeout", "udp=5", "--ipfix",
                                 "tcp://127.0.0.1:%d" % port, "--json", "-q"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
        a, b, c = phase(1e9, N_A, 1000), phase(1e9 + 3600, N_B, 2000), phase(1e9 + 7200, N_C, 3000)
        first_b, rest_b = b[:16 + 62], b[16 + 62:]
        first_c, rest_c = c[:16 + 62], c[16 + 62:]
        proc.stdin.write(hdr + a + first_b)  # A ends: to collector 1
        proc.stdin.flush()
        assert c1.accepted.wait(5), "segwatch never connected to collector 1"
        time.sleep(1.0)
        c1.stop()  # collector 1 goes away
        time.sleep(0.3)
        proc.stdin.write(rest_b + first_c)  # B ends: nobody to take it
        proc.stdin.flush()
        time.sleep(1.2)  # a retry (0.5 s after the loss) finds nobody
        c2 = Collector(port)  # collector 2 on the same port
        assert c2.accepted.wait(10), "segwatch did not reconnect within 10 s"
        # C ends at the end of input: to collector 2
        out, _ = proc.communicate(input=rest_c, timeout=20)
        c2.join(5)
        c2.stop()
        doc = json.loads(out)
        ipx, flows = doc["counters"]["ipfix"], doc["counters"]["flow"]["flows"]
        # data records of the IPv4 flow template (not the template record itself)
        got1 = data_records(bytes(c1.data))
        got2 = data_records(bytes(c2.data))
        print("counters:", json.dumps(ipx))
        print("collector 1: %d records, collector 2: %d records" % (got1, got2))
        ok = (flows == N_A + N_B + N_C and ipx["flows"] == flows and
              ipx["records_lost"] == N_B and ipx["records_sent"] == N_A + N_C and
              ipx["connects"] == 2 and ipx["connect_failures"] >= 1 and
              got1 == N_A and got2 == N_C and proc.returncode == 0)
        if not ok:
            print("FAIL: want %d flows, %d to collector 1, %d lost, %d to collector 2 after a reconnect"
                  % (N_A + N_B + N_C, N_A, N_B, N_C))
            return 1
        print("ok: capture went on, %d records lost and counted, export resumed after reconnect" % N_B)
        return 0
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()


sys.exit(main())
