#!/bin/bash
# capture_signals.sh SEGWATCH - a live capture's -w file under signals and a reader.
#
#   1. While the capture runs, a reader follows the -w file (as tail -f does):
#      flows that end (idle timeout 1 s) reach the file during the capture, and
#      the reader never sees a partial line that stays (each write(2) ends at a
#      line boundary; the old stdio buffer showed nothing, then cut lines).
#   2. SIGHUP ends the capture like SIGTERM: exit 0, every flow still live is
#      in the file, the counters line last (docs/flows.md, "Signals").
#
# Two namespaces joined by a veth pair; the capture runs in the first.
set -u
SEGWATCH=${1:-${SEGWATCH:-}}
SKIP=77
ID=$$
NA=swsig$ID-a NB=swsig$ID-b
TMP= SW_PID= RD_PID=

skip() { echo "SKIP: $*"; exit $SKIP; }
fail() {
	echo "FAIL: $*"
	for f in "$TMP"/*.err "$TMP"/reader.log; do [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
	exit 1
}
cleanup() {
	trap - EXIT INT TERM
	[ -n "$SW_PID" ] && kill "$SW_PID" 2>/dev/null
	[ -n "$RD_PID" ] && kill "$RD_PID" 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
}

[ -x "$SEGWATCH" ] || fail "no segwatch binary: '$SEGWATCH'"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, packet capture)"
command -v python3 >/dev/null || skip "python3 is not installed"
ip netns add "$NA" 2>/dev/null || skip "cannot create network namespaces here"
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
ip netns add "$NB" || fail "ip netns add $NB"
ip -n "$NA" link add eth0 type veth peer name eth0 netns "$NB" 2>/dev/null || skip "no veth support"
ip -n "$NA" addr add 10.79.0.1/24 dev eth0
ip -n "$NB" addr add 10.79.0.2/24 dev eth0
ip -n "$NA" link set eth0 up
ip -n "$NB" link set eth0 up
ip -n "$NA" link set lo up
TMP=$(mktemp -d /tmp/segwatch-sig.XXXXXX)
OUT=$TMP/flows.jsonl

# UDP idles out after 1 s (written during the capture); the long-lived flow
# (port 7999, a packet every 0.2 s) only ends with the capture.
ip netns exec "$NA" "$SEGWATCH" capture -i eth0 --no-engine -q -w "$OUT" \
	--timeout udp=1 >"$TMP/seg.out" 2>"$TMP/seg.err" &
SW_PID=$!
for _ in $(seq 100); do
	[ "$(ip netns exec "$NA" cat /proc/net/packet | tail -n +2 | wc -l)" -ge 1 ] && break
	kill -0 "$SW_PID" 2>/dev/null || fail "segwatch exited at start"
	sleep 0.1
done
sleep 0.3

# The reader: every 2 ms, what the file holds now must end with a newline,
# or do so 50 ms later (a write(2) being copied); it reports the flow lines
# it saw before being told the capture is over.
python3 - "$OUT" "$TMP/stop" >"$TMP/reader.log" 2>&1 <<'EOF' &
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
seen = 0
while not os.path.exists(stop):
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        data = b""
    if data and not data.endswith(b"\n"):
        time.sleep(0.05)
        again = open(path, "rb").read()
        if again[:len(data)] == data and not again.endswith(b"\n") and len(again) == len(data):
            print("PARTIAL: the file ends in the middle of a line: %r" % data[-80:])
            sys.exit(1)
    seen = max(seen, data.count(b'"type":"flow"'))
    time.sleep(0.002)
print("seen %d" % seen)
EOF
RD_PID=$!

ip netns exec "$NB" python3 - <<'EOF' || fail "traffic"
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 3.5
port = 8000
while time.time() < end:
    for _ in range(20):
        s.sendto(b"x" * 100, ("10.79.0.1", port))
        port += 1
    s.sendto(b"keep", ("10.79.0.1", 7999))
    time.sleep(0.2)
EOF

during=$(grep -c '"type":"flow"' "$OUT")
kill -HUP "$SW_PID"
wait "$SW_PID"
rc=$?
SW_PID=
touch "$TMP/stop"
wait "$RD_PID" || fail "the reader saw a partial line"
RD_PID=
seen=$(sed -n 's/^seen //p' "$TMP/reader.log")

[ "$rc" = 0 ] || fail "SIGHUP: segwatch exited with status $rc, want 0"
[ "$during" -ge 20 ] || fail "only $during flows in -w while the capture ran (not flushed?)"
[ "${seen:-0}" -ge 20 ] || fail "the reader saw ${seen:-0} flows during the capture"
python3 - "$OUT" <<'EOF' || fail "the -w file after SIGHUP"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "the file does not end with a newline"
recs = [json.loads(l) for l in lines[:-1]]
assert recs[-1]["type"] == "counters", "the counters line is not last"
flows = [r for r in recs if r["type"] == "flow"]
keep = [f for f in flows if f["dport"] == 7999 or f["sport"] == 7999]
assert keep and keep[-1]["end"] == "flush", "the live flow was not written at SIGHUP"
assert len(flows) >= 300, "only %d flows" % len(flows)
print("%d flows, the live one flushed at SIGHUP" % len(flows))
EOF
echo "PASS ($during flows in the file while the capture ran, reader saw $seen)"
