#!/bin/bash
# report_nflog.sh SEGWATCH - the kernel's log in `segwatch report`: with a
# policy enforced (client -> api tcp/8080 allowed, the rest denied), a
# capture with -w and --nflog (no --alerts) records the denied SYNs of
# client -> db:5432 as kernel_log records; the report shows the violation
# edge and the packets the kernel dropped for it, and nothing for the allowed
# edge. Then the same policy in monitor mode: the traffic passes, and the
# report shows monitor packets and nothing dropped.
#   client = $NS_A, api = $NS_B, db = $NS_C (lib.sh)
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
N=5	# denied connection attempts

ns_require "$SEGWATCH" nft
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# listen NS PORT - a TCP server that accepts and closes, in the background
listen() {
	ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()' "$2" >"$TMP/listen-$2.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_for_file "$TMP/listen-$2.log" ready 5 || fail "server on port $2 in $1 did not start"
}

# connect NS ADDR PORT COUNT TIMEOUT - COUNT connection attempts; prints how many succeeded
connect() {
	nsx "$1" python3 -c '
import socket, sys
addr, port, n, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ok = 0
for _ in range(n):
    try:
        socket.create_connection((addr, port), timeout=t).close()
        ok += 1
    except OSError:
        pass
print(ok)' "$2" "$3" "$4" "$5"
}

# policy MODE - the lab's policy, written to $TMP/p-MODE.json
policy() {
	cat >"$TMP/p-$1.json" <<JSON
{ "version": 1, "name": "report-nflog", "default": "deny", "mode": "$1",
  "groups": { "client": { "names": ["$NS_A"] }, "api": { "names": ["$NS_B"] },
              "db": { "names": ["$NS_C"] } },
  "rules": [ { "name": "client-to-api", "from": "client", "to": "api", "proto": "tcp",
               "ports": [8080], "action": "allow" } ] }
JSON
}

# run MODE - apply the policy, capture the traffic, build the report (JSON and text)
run() {
	local mode=$1
	policy "$mode"
	nsx "$NS_H" "$SEGWATCH" policy apply "$TMP/p-$mode.json" --no-engine >/dev/null ||
		fail "apply ($mode)"
	if [ "$(nsx "$NS_H" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != 1 ]; then
		echo "SKIP: br_netfilter is not available here: bridged traffic cannot be judged"
		exit 77
	fi
	start_segwatch 4 --duration 60 --json --no-engine -w "$TMP/flows-$mode.jsonl" --nflog
	ok=$(connect "$NS_A" "$SWT_B4" 8080 3 2)
	[ "$ok" = 3 ] || fail "$mode: allowed client -> api passed $ok of 3 times"
	ok=$(connect "$NS_A" "$SWT_C4" 5432 "$N" 0.5)
	if [ "$mode" = enforce ]; then
		[ "$ok" = 0 ] || fail "enforce: denied client -> db passed $ok of $N times"
	else
		[ "$ok" = "$N" ] || fail "monitor: client -> db passed $ok of $N times, not all"
	fi
	sleep 0.5
	wait_segwatch stop
	cp "$TMP/seg.json" "$TMP/capture-$mode.json"
	nsx "$NS_H" "$SEGWATCH" report --policy "$TMP/p-$mode.json" "$TMP/flows-$mode.jsonl" \
		--json >"$TMP/report-$mode.json" 2>"$TMP/report-$mode.err"
	rc=$?
	want=$([ "$mode" = enforce ] && echo 1 || echo 0)
	[ "$rc" = "$want" ] || fail "$mode: report exit $rc, want $want: $(cat "$TMP/report-$mode.err")"
	nsx "$NS_H" "$SEGWATCH" report --policy "$TMP/p-$mode.json" "$TMP/flows-$mode.jsonl" \
		>"$TMP/report-$mode.txt" 2>&1
	grep -q "^kernel log (NFLOG): " "$TMP/report-$mode.txt" ||
		fail "$mode: no kernel log section: $(cat "$TMP/report-$mode.txt")"
	# the kernel_log records are the same whichever way the flows are read
	nsx "$NS_H" "$SEGWATCH" report --policy "$TMP/p-$mode.json" "$TMP/capture-$mode.json" \
		--json >"$TMP/report-doc-$mode.json" 2>&1
	[ $? = "$want" ] || fail "$mode: report of the --json document failed"
}

topo_up
listen "$NS_B" 8080
listen "$NS_C" 5432

run enforce
python3 - "$TMP" "$NS_A" "$NS_B" "$NS_C" "$N" <<'PY' || fail "enforce: the report does not show the kernel's drops"
import json, sys
tmp, client, api, db, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
recs = [json.loads(l) for l in open(f"{tmp}/flows-enforce.jsonl") if l.strip()]
assert recs[-1]["type"] == "counters" and recs[-1]["nflog"]["group"] == 42, recs[-1]
assert recs[-1]["nflog"]["messages"] >= n, recs[-1]["nflog"]
klog = [r for r in recs if r["type"] == "kernel_log"]
assert any(r["action"] == "deny" and r["dport"] == 5432 and r["src_workload"]["name"] == client
           and r["dst_workload"]["name"] == db for r in klog), klog
r = json.load(open(f"{tmp}/report-enforce.json"))
viol = r["edges"]["violation"]
assert any(e["src_name"] == client and e["dst_name"] == db and e["port"] == 5432 for e in viol), viol
# the kernel's log says the SYNs were dropped (docs/graph.md "delivery")
assert any(e["dst_name"] == db and e["port"] == 5432 and e.get("delivery") == "dropped"
           for e in viol), viol
allowed = r["edges"]["allowed"]
assert any(e["src_name"] == client and e["dst_name"] == api and e["port"] == 8080
           for e in allowed), allowed
k = r["kernel_log"]
assert k["recorded"] and k["dropped"] >= n and k["monitor"] == 0, k
pairs = [p for p in k["pairs"] if p["src_name"] == client and p["dst_name"] == db]
assert pairs and sum(p["packets"] for p in pairs) >= n, k["pairs"]
assert all(p["action"] == "deny" and p["rule"] == "default" and p["port"] == 5432
           and p["edge_verdict"] == "violation" for p in pairs), pairs
assert not [p for p in k["pairs"] if p["dst_name"] == api], f"allowed traffic logged: {k['pairs']}"
assert any(b["action"] == "deny" and b["rule"] == "default" and b["packets"] >= n
           for b in k["by_rule"]), k["by_rule"]
peers = [p for p in k["peers"] if p["src_name"] == client and p["dst_name"] == db]
assert len(peers) == 1 and peers[0]["ports"] == 1 and peers[0]["protos"] == ["tcp"], k["peers"]
assert peers[0]["port_min"] == peers[0]["port_max"] == 5432 and peers[0]["packets"] >= n, peers
assert r["completeness"]["nflog"]["files"] == 1, r["completeness"]
d = json.load(open(f"{tmp}/report-doc-enforce.json"))
assert d["kernel_log"]["dropped"] == k["dropped"], (d["kernel_log"], k)
print(f"enforce: {k['dropped']} packets dropped, logged for {client} -> {db}")
PY
grep -Eq "^    .+ -> .+: [0-9]+ packets, 1 port \(tcp 5432\), dropped by default$" \
	"$TMP/report-enforce.txt" || fail "enforce: text report: $(cat "$TMP/report-enforce.txt")"
grep -Eq " tcp/5432 +[0-9]+ +dropped by kernel +default$" "$TMP/report-enforce.txt" ||
	fail "enforce: the violation's row does not say dropped: $(cat "$TMP/report-enforce.txt")"

run monitor
python3 - "$TMP" "$NS_A" "$NS_B" "$NS_C" "$N" <<'PY' || fail "monitor: the report does not show what monitor mode logged"
import json, sys
tmp, client, api, db, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
r = json.load(open(f"{tmp}/report-monitor.json"))
assert not r["edges"]["violation"], r["edges"]["violation"]
mon = r["edges"]["monitor"]
assert any(e["src_name"] == client and e["dst_name"] == db and e["port"] == 5432
           and e["states"]["established"] + e["states"]["closed"] >= n for e in mon), mon
k = r["kernel_log"]
assert k["dropped"] == 0 and k["monitor"] >= n, k
pairs = [p for p in k["pairs"] if p["src_name"] == client and p["dst_name"] == db]
assert pairs and all(p["action"] == "monitor" and p["edge_verdict"] == "monitor" for p in pairs), pairs
assert not [p for p in k["pairs"] if p["dst_name"] == api], k["pairs"]
doc = json.load(open(f"{tmp}/capture-monitor.json"))
assert doc["counters"]["nflog"]["messages"] >= n and doc["kernel_log"], doc.get("kernel_log")
print(f"monitor: {k['monitor']} packets monitored, none dropped")
PY
nsx "$NS_H" "$SEGWATCH" policy remove >/dev/null
echo "PASS"
