#!/bin/bash
# policy_routed.sh SEGWATCH - the same policy judges traffic routed between two
# bridges and traffic bridged inside one, over IPv4 and IPv6, each packet once:
# an allowed connection's SYN is counted once by its rule, whether it was
# routed (bridge -> router -> bridge) or bridged.
set -u
SEGWATCH=${1:?usage: policy_routed.sh SEGWATCH}
ID=$$
H=swq$ID-h A=swq$ID-a B=swq$ID-b C=swq$ID-c
TMP=$(mktemp -d /tmp/segwatch-proute.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for ns in $A $B $C $H; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }
ip netns add "$H" 2>/dev/null || { echo "SKIP: no network namespaces"; exit 77; }
n() { ip netns exec "$@"; }

n "$H" ip link set lo up
n "$H" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
for i in 1 2; do
	n "$H" ip link add "swqbr$i" type bridge
	n "$H" ip addr add "10.82.$i.254/24" dev "swqbr$i"
	n "$H" ip -6 addr add "fd82:$i::fe/64" dev "swqbr$i" nodad
	n "$H" ip link set "swqbr$i" up
done
add() { # add NS BRIDGE-NUMBER HOST-NUMBER VETH
	ip netns add "$1"
	n "$H" ip link add "$4" type veth peer name eth0 netns "$1"
	n "$H" ip link set "$4" master "swqbr$2" up
	n "$1" ip link set lo up
	n "$1" ip addr add "10.82.$2.$3/24" dev eth0
	n "$1" ip -6 addr add "fd82:$2::$3/64" dev eth0 nodad
	n "$1" ip link set eth0 up
	n "$1" ip route add default via "10.82.$2.254"
	n "$1" ip -6 route add default via "fd82:$2::fe"
}
add "$A" 1 1 "swqa$ID"
add "$C" 1 3 "swqc$ID"
add "$B" 2 2 "swqb$ID"
serve() { # serve NS PORT
	ip netns exec "$1" python3 -c '
import socket, sys, threading
def run(fam, addr):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, int(sys.argv[1]))); s.listen(16)
    while True:
        c, _ = s.accept(); c.close()
threading.Thread(target=run, args=(socket.AF_INET6, "::"), daemon=True).start()
run(socket.AF_INET, "0.0.0.0")' "$2" &
	PIDS="$PIDS $!"
}
serve "$B" 7001
serve "$C" 7001
sleep 0.5
cat >"$TMP/p.json" <<JSON
{ "version": 1, "name": "routed", "default": "deny",
  "groups": { "a": { "names": ["$A"] }, "b": { "names": ["$B"] }, "c": { "names": ["$C"] } },
  "rules": [ { "name": "a-to-b", "from": "a", "to": "b", "proto": "tcp", "ports": [7001], "action": "allow" } ] }
JSON
# neighbours resolved first: a SYN held back by neighbour discovery is sent
# again a second later, and that retransmission would be judged (and counted) too
for dst in 10.82.2.2 fd82:2::2 10.82.1.3 fd82:1::3; do
	n "$A" ping -c 1 -W 2 "$dst" >/dev/null 2>&1
	n "$C" ping -c 1 -W 2 "$dst" >/dev/null 2>&1
done
n "$H" "$SEGWATCH" policy apply "$TMP/p.json" --no-engine >/dev/null || fail "apply"
# bridged frames reach the inet forward hook only through br_netfilter
if [ "$(ip netns exec "$H" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != 1 ]; then
	echo "SKIP: br_netfilter is not available here: bridged traffic cannot be judged"
	exit 77
fi
ok() { n "$1" python3 -c "import socket; socket.create_connection(('$2', 7001), timeout=1.5).close()" 2>/dev/null; }
ok "$A" 10.82.2.2 || fail "routed a -> b (IPv4) was dropped"
ok "$A" fd82:2::2 || fail "routed a -> b (IPv6) was dropped"
ok "$C" 10.82.2.2 && fail "routed c -> b (IPv4) passed"
ok "$C" fd82:2::2 && fail "routed c -> b (IPv6) passed"
ok "$A" 10.82.1.3 && fail "bridged a -> c (IPv4) passed"
ok "$A" fd82:1::3 && fail "bridged a -> c (IPv6) passed"
n "$H" "$SEGWATCH" policy status --json >"$TMP/st.json" || fail "status"
python3 - "$TMP/st.json" <<'PY' || fail "a packet was judged more than once (or not at all)"
import json, sys
rules = json.load(open(sys.argv[1]))["rules"]
allow = [r["packets"] for r in rules if r["comment"].startswith("rules/0")]
# one SYN per family, each judged once (IPv4 rule first, then IPv6)
assert allow == [1, 1], allow
print("routed and bridged, IPv4 and IPv6: allowed SYNs judged once each", allow)
PY
n "$H" "$SEGWATCH" policy remove >/dev/null
echo "PASS"
