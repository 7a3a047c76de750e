#!/bin/bash
# capture_routed.sh SEGWATCH - a packet routed between two bridges is seen four
# times (sending veth, first bridge, second bridge, receiving veth) with its
# TTL lowered and its MACs changed after the router: it must count once.
set -u
SEGWATCH=${1:?usage: capture_routed.sh SEGWATCH}
ID=$$
H=swr$ID-h A=swr$ID-a B=swr$ID-b
TMP=$(mktemp -d /tmp/segwatch-routed.XXXXXX)
SW_PID=
cleanup() {
	[ -n "$SW_PID" ] && kill "$SW_PID" 2>/dev/null
	for ns in $A $B $H; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
fail() { echo "FAIL: $*"; tail -5 "$TMP/seg.err" 2>/dev/null; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
ip netns add "$H" 2>/dev/null || { echo "SKIP: no network namespaces"; exit 77; }
n() { ip netns exec "$@"; }

# the host namespace routes between two bridges
n "$H" ip link set lo up
n "$H" sysctl -qw net.ipv4.ip_forward=1
for i in 1 2; do
	n "$H" ip link add "swrbr$i" type bridge || fail "bridge"
	n "$H" ip addr add "10.81.$i.254/24" dev "swrbr$i"
	n "$H" ip link set "swrbr$i" up
done
i=1
for c in $A $B; do
	ip netns add "$c"
	n "$H" ip link add "swrv$i$ID" type veth peer name eth0 netns "$c" || fail "veth"
	n "$H" ip link set "swrv$i$ID" master "swrbr$i" up
	n "$c" ip link set lo up
	n "$c" ip addr add "10.81.$i.1/24" dev eth0
	n "$c" ip link set eth0 up
	n "$c" ip route add default via "10.81.$i.254"
	i=$((i + 1))
done

ip netns exec "$H" "$SEGWATCH" capture -i "swrv1$ID,swrbr1,swrbr2,swrv2$ID" --json --duration 30 \
	--no-engine --no-kernel >"$TMP/seg.json" 2>"$TMP/seg.err" &
SW_PID=$!
for _ in $(seq 50); do
	[ "$(n "$H" cat /proc/net/packet | tail -n +2 | wc -l)" -ge 4 ] && break
	sleep 0.1
done
sleep 0.3
n "$A" ping -c 4 -i 0.2 -W 1 10.81.2.1 >/dev/null || fail "ping across the router"
n "$B" sh -c 'timeout 5 nc -l -p 7100 >/dev/null' &
sleep 0.3
echo hello | n "$A" nc -q 1 -w 2 10.81.2.1 7100 || fail "tcp across the router"
sleep 0.5
kill -TERM "$SW_PID"
wait "$SW_PID" || fail "segwatch exited with $?"
SW_PID=

python3 - "$TMP/seg.json" <<'PY' || fail "routed packets were not counted exactly once"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counters"]
echo = [f for f in d["flows"] if f["proto"] == "icmp" and f.get("icmp_type") == 8]
assert len(echo) == 1 and (echo[0]["fwd"]["packets"], echo[0]["rev"]["packets"]) == (4, 4), echo
assert echo[0]["fwd"]["bytes"] == 4 * 84, echo
tcp = [f for f in d["flows"] if f["proto"] == "tcp" and f["dport"] == 7100]
assert len(tcp) == 1 and tcp[0]["state"] == "closed" and tcp[0]["initiator"] == "observed", tcp
# each echo and TCP packet crossed 4 capture points: at least 3 copies each were dropped
routed = sum(f["fwd"]["packets"] + f["rev"]["packets"] for f in echo + tcp)
assert c["duplicates"] >= 3 * routed, (routed, c["duplicates"])
# and no other flow between the two containers (a copy counted as a flow of its own)
pair = {"10.81.1.1", "10.81.2.1"}
others = [f for f in d["flows"] if {f["src"], f["dst"]} == pair and f not in echo + tcp]
assert not others, others
assert sum(f["fwd"]["packets"] + f["rev"]["packets"] for f in d["flows"]) == c["decoded"]
print("routed: %d packets across the router, each counted once" % routed)
PY
echo "PASS"
