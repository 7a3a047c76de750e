#!/bin/bash
# agent_multihost.sh SEGWATCH - two hosts, one collector (docs/multihost.md):
#
#   lab 1: host netns $H1, bridge + containers a b c in 10.81.0.0/24, fd00:81::/64
#   lab 2: host netns $H2, bridge + containers a b c in 10.82.0.0/24, fd00:82::/64
#   collector netns $NS_K: 10.83.0.1 (on lo), routed from each lab host over a
#          veth of its own (10.83.1.0/24 to lab 1, 10.83.2.0/24 to lab 2);
#          nfcapd listens on udp 10.83.0.1:4739
#
# A `segwatch agent` in each lab host, with its own history, exports its
# flows to the one collector while both labs talk (nsflows.py's scripted
# traffic: TCP, UDP, ICMP, v4 and v6, answered, refused, dropped). After
# SIGTERM (the agents write and export the flows still open):
#   - nfdump lists exactly the union of the two histories' flow records
#     (addresses, ports, protocol, packets and bytes each way);
#   - the rows nfcapd got from each exporter address are exactly that lab's
#     history, and carry only that lab's addresses (or link-local and
#     multicast ones, which no lab owns);
#   - the totals (flows, packets, bytes) per lab and summed are printed.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
export PYTHONDONTWRITEBYTECODE=1
NS_K=swt$ID-k COLL=10.83.0.1 PORT=4739

ns_require "$SEGWATCH" nft ss
if ! command -v nfcapd >/dev/null || ! command -v nfdump >/dev/null; then
	skip "nfcapd/nfdump (the nfdump package) is not installed (tools/deps.sh)"
fi
AGENT_PIDS=
NFCAPD_PID=
multi_cleanup() {
	local p
	for p in $AGENT_PIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$NFCAPD_PID" ] && kill -KILL -- "-$NFCAPD_PID" 2>/dev/null
	ip netns del "$NS_K" 2>/dev/null
	cleanup
}
trap multi_cleanup EXIT
trap 'multi_cleanup; exit 130' INT TERM

# the collector's namespace, before the labs link to it
ip netns add "$NS_K" || fail "ip netns add $NS_K"
nsx "$NS_K" ip link set lo up
nsx "$NS_K" ip addr add "$COLL/32" dev lo

# lab_up N: lab N (10.8N.0.0/24), its servers, its link to the collector
lab_up() {
	lab_names "$1" "8$1"
	topo_up
	start_servers
	nsx "$NS_H" ip link add "swu$ID$1" type veth peer name "swk$ID$1" netns "$NS_K" ||
		fail "veth lab $1 - collector"
	nsx "$NS_H" ip addr add "10.83.$1.2/24" dev "swu$ID$1"
	nsx "$NS_H" ip link set "swu$ID$1" up
	nsx "$NS_K" ip addr add "10.83.$1.1/24" dev "swk$ID$1"
	nsx "$NS_K" ip link set "swk$ID$1" up
	nsx "$NS_H" ip route add "$COLL/32" via "10.83.$1.1" || fail "route to the collector from lab $1"
	mkdir -p "$TMP/lab$1"
	cat >"$TMP/lab$1/agent.json" <<-JSON
	{
	  "ipfix": { "collector": "udp://$COLL:$PORT", "observation_domain": $1 },
	  "identity": { "engine": "off" },
	  "history": { "dir": "history", "compress": false },
	  "capture": { "timeouts": { "tcp": "2s", "tcp_closed": "1s", "udp": "1s", "icmp": "1s" } },
	  "metrics": false,
	  "log": { "target": "stderr", "level": "info" }
	}
	JSON
	nsx "$NS_H" "$SEGWATCH" agent check "$TMP/lab$1/agent.json" >"$TMP/check$1.out" 2>&1 ||
		fail "agent check, lab $1: $(cat "$TMP/check$1.out")"
	eval "H$1=\$NS_H A$1=\$NS_A"
}
lab_up 1
lab_up 2
nsx "$H1" ping -c 1 -W 2 "$COLL" >/dev/null || fail "lab 1's host does not reach the collector"
nsx "$H2" ping -c 1 -W 2 "$COLL" >/dev/null || fail "lab 2's host does not reach the collector"

mkdir -p "$TMP/nfcapd"
ip netns exec "$NS_K" setsid nfcapd -b "$COLL" -p "$PORT" -w "$TMP/nfcapd" -t 3600 \
	>"$TMP/nfcapd.log" 2>&1 &
NFCAPD_PID=$!
for _ in $(seq 50); do
	nsx "$NS_K" ss -Huln "sport = :$PORT" | grep -q . && break
	sleep 0.1
done
nsx "$NS_K" ss -Huln "sport = :$PORT" | grep -q . || fail "nfcapd does not listen on $COLL:$PORT"

for i in 1 2; do
	h=H$i
	ip netns exec "${!h}" "$SEGWATCH" agent --config "$TMP/lab$i/agent.json" \
		>"$TMP/agent$i.out" 2>"$TMP/agent$i.err" &
	AGENT_PIDS="$AGENT_PIDS $!"
done
for i in 1 2; do
	# the bridge and its 3 ports: not the link to the collector
	wait_for_file "$TMP/agent$i.err" "started: capturing on 4 interfaces" 15 ||
		fail "agent $i did not start on its bridge and 3 ports: $(cat "$TMP/agent$i.err")"
done
echo "two agents capturing, exporting to $COLL:$PORT (${SECONDS}s)"

# both labs talk at once, each with its own addresses
for i in 1 2; do
	(
		lab_names "$i" "8$i"
		ip netns exec "$NS_A" python3 "$HERE/nsflows.py" client live >"$TMP/client$i.log" 2>&1
	) &
	eval "CLIENT$i=\$!"
done
wait "$CLIENT1" || fail "lab 1's traffic: $(cat "$TMP/client1.log")"
wait "$CLIENT2" || fail "lab 2's traffic: $(cat "$TMP/client2.log")"
echo "traffic done in both labs (${SECONDS}s)"

# SIGTERM: each agent writes its open flows, exports them and exits 0
for p in $AGENT_PIDS; do kill -TERM "$p"; done
i=0
for p in $AGENT_PIDS; do
	i=$((i + 1))
	wait "$p"
	rc=$?
	[ "$rc" = 0 ] || fail "agent $i exited with $rc on SIGTERM: $(tail "$TMP/agent$i.err")"
done
AGENT_PIDS=
# nfcapd has read every datagram (nothing waits in its socket) before it stops
for _ in $(seq 50); do
	[ "$(nsx "$NS_K" ss -Huln "sport = :$PORT" | awk '{print $2}')" = 0 ] && break
	sleep 0.1
done
kill -TERM -- "-$NFCAPD_PID" 2>/dev/null
for _ in $(seq 50); do kill -0 "$NFCAPD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$NFCAPD_PID" 2>/dev/null
NFCAPD_PID=
nfdump -R "$TMP/nfcapd" -o csv >"$TMP/nfdump.csv" 2>&1 || fail "nfdump: $(cat "$TMP/nfdump.csv")"

python3 - "$TMP" "$HERE/../ipfix" <<'PY' || fail "the collector and the two histories disagree"
import ipaddress, json, os, subprocess, sys
tmp, lib = sys.argv[1:3]
sys.path.insert(0, lib)
import ipfixcmp

def history(i):
    d = os.path.join(tmp, "lab%d" % i, "history")
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if ".jsonl" in f)
    out = subprocess.run(["zstdcat", "-f"] + files, capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]

csv = os.path.join(tmp, "nfdump.csv")
ok = True
want, got_all, lines = {}, ipfixcmp.got(csv), []
for i in (1, 2):
    want[i] = ipfixcmp.want(history(i))
    got = ipfixcmp.got(csv, router="10.83.%d.2" % i)
    ok &= ipfixcmp.report(want[i], got, "lab %d's history (exporter 10.83.%d.2)" % (i, i))
    # what each exporter sent was observed in its own lab
    own = [ipaddress.ip_network(n) for n in ("10.8%d.0.0/24" % i, "fd00:8%d::/64" % i)]
    foreign = []
    for k in got.elements():
        for a in map(ipaddress.ip_address, k[:2]):
            if not (any(a in n for n in own) or a.is_link_local or a.is_multicast or a.is_unspecified):
                foreign.append(k)
    if foreign:
        print("FAIL: exporter 10.83.%d.2 sent flows with addresses not of lab %d:" % (i, i), foreign[:5])
        ok = False
    if not any(k[:5] == ("10.8%d.0.1" % i, "10.8%d.0.2" % i, 40001, 7001, "TCP") for k in got):
        print("FAIL: lab %d's a -> b:7001 exchange is not among its exporter's flows" % i)
        ok = False
    lines.append("lab %d: %d flows, %d packets, %d bytes" % ((i,) + ipfixcmp.totals(want[i])))
both = want[1] + want[2]
ok &= ipfixcmp.report(both, got_all, "the two histories together")
if sum(got_all.values()) != sum(want[1].values()) + sum(want[2].values()):
    print("FAIL: nfdump has %d rows, the histories %d + %d" %
          (sum(got_all.values()), sum(want[1].values()), sum(want[2].values())))
    ok = False
for l in lines:
    print(l)
print("sum:   %d flows, %d packets, %d bytes; the collector: %d flows, %d packets, %d bytes" %
      (ipfixcmp.totals(both) + ipfixcmp.totals(got_all)))
sys.exit(0 if ok else 1)
PY
echo "PASS (${SECONDS}s)"
