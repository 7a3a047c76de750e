#!/bin/bash
# scan_live.sh SEGWATCH - a live slow scan is caught by its outcomes (issue
# 15): while a talks to b's servers as usual, c tries one closed port of b
# every 0.5 s (each refused by RST), too slowly for fan_out's 20 targets in
# 10 s to matter. `segwatch capture --alerts` on the bridge must raise a
# "scan" alert with method "trw" naming c within 6 failed first contacts
# (its "failures" evidence) and no scan alert for a or b. Bounded: the alert
# must come within 60 s of the scan's start, and the test ends within 90 s.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" timeout
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
start_servers
start_segwatch 4 --duration 85 -q --no-engine --alerts "$TMP/alerts.jsonl"

# normal traffic a -> b: a request and its answer on tcp 7001, a datagram to udp 7003
ip netns exec "$NS_A" python3 - "$SWT_B4" >"$TMP/normal.log" 2>&1 <<'PY' &
import socket, sys, time
dst = sys.argv[1]
said = False
while True:
    try:
        c = socket.create_connection((dst, 7001), timeout=2)
        c.sendall(b"q" * 100)
        got = b""
        while len(got) < 300:
            d = c.recv(300 - len(got))
            if not d:
                break
            got += d
        c.close()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(1)
        u.sendto(b"ping", (dst, 7003))
        u.recvfrom(2048)
        u.close()
        if not said:
            print("ok", flush=True)
            said = True
    except OSError as e:
        print("error", e, flush=True)
    time.sleep(0.3)
PY
BG_PIDS="$BG_PIDS $!"
wait_for_file "$TMP/normal.log" ok 5 || fail "normal traffic a -> b does not work"

# the scan: c, one closed port of b every 0.5 s (b listens on 7001 only)
# shellcheck disable=SC2016 # expanded by the inner bash
ip netns exec "$NS_C" bash -c '
for port in $(seq 2000 2200); do
	timeout 0.4 bash -c "exec 3<>/dev/tcp/$1/$port" 2>/dev/null
	echo "tried $port"
	sleep 0.5
done' scan "$SWT_B4" >"$TMP/scan.log" 2>&1 &
SCAN=$!
BG_PIDS="$BG_PIDS $SCAN"
start=$(date +%s)

found=0
while [ "$(date +%s)" -lt $((start + 60)) ]; do
	if [ -s "$TMP/alerts.jsonl" ] && grep '"kind": *"scan"' "$TMP/alerts.jsonl" |
		grep -q "$SWT_C4"; then
		found=1
		break
	fi
	kill -0 "$SW_PID" 2>/dev/null || break
	sleep 0.2
done
seen=$(($(date +%s) - start))
kill "$SCAN" 2>/dev/null
wait "$SCAN" 2>/dev/null
[ "$found" = 1 ] || fail "no scan alert naming $SWT_C4 within 60 s; alerts: $(cut -c1-300 "$TMP/alerts.jsonl" 2>/dev/null | head -5)"
sleep 1	# a's traffic goes on under the capture: still no alert for it
wait_segwatch stop

python3 - "$TMP/alerts.jsonl" "$SWT_A4" "$SWT_B4" "$SWT_C4" "$seen" <<'PY' || fail "the scan was not alerted as expected"
import json, sys
path, a, b, c, seen = sys.argv[1:]
alerts = [json.loads(l) for l in open(path) if l.strip()]
def src(x): return (x.get("src") or {}).get("address")
def ev(x, k):
    e = x.get("evidence")
    return e[k] if isinstance(e, dict) and k in e else x.get(k)
trw = [x for x in alerts if x.get("kind") == "scan" and src(x) == c and ev(x, "method") == "trw"]
assert trw, f"no scan alert with method trw from {c}: {[(x.get('kind'), ev(x, 'method'), src(x)) for x in alerts]}"
f = ev(trw[0], "failures")
assert isinstance(f, int) and f <= 6, f"trw alert after {f} failed first contacts, want <= 6"
normal = [x for x in alerts if x.get("kind") in ("scan", "fan_out") and src(x) in (a, b)]
assert not normal, f"scan alerts for the normal traffic: {normal[:2]}"
print(f"scan by {c} alerted (trw) after {seen} s and {f} failed first contacts; "
      f"{len(alerts)} alerts in all: {sorted({(x['kind'], str(ev(x, 'method'))) for x in alerts})}")
PY
echo "PASS"
