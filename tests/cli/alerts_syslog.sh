#!/usr/bin/env bash
# alerts_syslog.sh SEGWATCH - alerts leave as RFC 5424 syslog: a scan read
# from a pcap, alerted to a local datagram socket (as rsyslog's /dev/log) and
# to a UDP receiver on loopback; each message parses as RFC 5424, its
# structured data names the scanner, and its MSG is the very JSON line the
# file destination writes. journald: where its socket exists, the alert is
# found by its SEGWATCH_KIND field; skipped with a message where it does not.
set -u
SEGWATCH=${1:?usage: alerts_syslog.sh SEGWATCH}
tmp=$(mktemp -d)
RECV_PIDS=
trap 'for p in $RECV_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$(dirname "$0")/scan_pcap.py" "$tmp/scan.pcap" || fail "cannot write the scan pcap"

"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "$tmp/alerts.jsonl" >/dev/null 2>"$tmp/err" ||
	fail "file destination: $(cat "$tmp/err")"
[ -s "$tmp/alerts.jsonl" ] || fail "no alert for a scan of 30 ports"

# receivers: a unix datagram socket and a UDP port on loopback, each writing what it gets
python3 - "$tmp" <<'PY' &
import os, socket, sys, time
tmp = sys.argv[1]
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); u.bind(os.path.join(tmp, "log.sock"))
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); d.bind(("127.0.0.1", 0))
open(os.path.join(tmp, "udp.port.tmp"), "w").write(str(d.getsockname()[1]))
os.rename(os.path.join(tmp, "udp.port.tmp"), os.path.join(tmp, "udp.port"))
u.settimeout(0.1); d.settimeout(0.1)
deadline = time.time() + 20
with open(os.path.join(tmp, "unix.msgs"), "ab") as fu, open(os.path.join(tmp, "udp.msgs"), "ab") as fd:
    while time.time() < deadline:
        for s, f in ((u, fu), (d, fd)):
            try:
                f.write(s.recv(65536) + b"\n"); f.flush()
            except socket.timeout:
                pass
PY
RECV_PIDS="$RECV_PIDS $!"
for _ in $(seq 50); do [ -f "$tmp/udp.port" ] && break; sleep 0.1; done
[ -f "$tmp/udp.port" ] || fail "the receivers did not start"

"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "syslog+unix://$tmp/log.sock" >/dev/null 2>"$tmp/err" ||
	fail "syslog+unix: $(cat "$tmp/err")"
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "syslog+udp://127.0.0.1:$(cat "$tmp/udp.port")" \
	>/dev/null 2>"$tmp/err" || fail "syslog+udp: $(cat "$tmp/err")"
sleep 0.5

python3 - "$tmp" <<'PY' || fail "the syslog messages are not what they should be"
import json, os, re, sys
tmp = sys.argv[1]
want = [json.loads(l) for l in open(os.path.join(tmp, "alerts.jsonl"))]
hdr = re.compile(r'<(\d+)>1 (\S+) (\S+) segwatch (\d+) (\S+) \[segwatch@32473((?: [a-z_]+="(?:[^"\\\]]|\\["\\\]])*")+)\] (.*)$')
for kind in ("unix", "udp"):
    msgs = [l.rstrip("\n") for l in open(os.path.join(tmp, kind + ".msgs")) if l.strip()]
    assert len(msgs) == len(want), (kind, len(msgs), len(want))
    for m, w in zip(msgs, want):
        r = hdr.match(m)
        assert r, (kind, m)
        pri, ts, host, pid, msgid, sd, body = r.groups()
        sev = {"high": 1, "medium": 4, "low": 5}[w["severity"]]
        assert int(pri) == 3 * 8 + sev, (pri, w["severity"])
        assert msgid == w["kind"] and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", ts), m
        params = dict(re.findall(r' ([a-z_]+)="((?:[^"\\\]]|\\["\\\]])*)"', sd))
        assert params["kind"] == w["kind"] and params["src"] == w["src"]["address"] == "10.0.0.2", params
        assert params.get("community_id") == w.get("community_id"), params
        got = json.loads(body)
        got.pop("time", None); w = dict(w); w.pop("time", None)
        assert got == w, (got, w)
print("syslog: %d alert(s) over unix and udp as RFC 5424" % len(want))
PY

# a malformed URL is a usage error naming it
"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts "syslog+udp://127.0.0.1" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "HOST:PORT" "$tmp/err" || fail "bad syslog URL: $(cat "$tmp/err")"

if [ -S /run/systemd/journal/socket ] && command -v journalctl >/dev/null; then
	"$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts journald >/dev/null 2>"$tmp/err" ||
		fail "journald: $(cat "$tmp/err")"
	sleep 1
	journalctl --since "-1min" SEGWATCH_KIND=fan_out SEGWATCH_SRC=10.0.0.2 -o json | grep -q community_id ||
		fail "no journal entry with SEGWATCH_KIND=fan_out"
	echo "journald: found by its fields"
else
	echo "journald: skipped (no journal socket here)"
fi
echo "alerts_syslog: passed"
