#!/bin/bash
# kernel_view.sh PROBE - the kernel view against namespaces built here.
#
#   netns $NS_H (the "host" the probe runs in): bridge $BR, ports $VA $VB
#     (+ a veth pair $VX/${VX}y on no bridge, whose peer stays in $NS_H)
#   netns $NS_A (named, /run/netns):   eth0 $MAC_A $A4 $A6, peer of $VA
#   unnamed netns of `unshare --net sleep` (found through /proc/PID/ns/net):
#                                      eth0 $MAC_B $B4 $B6, peer of $VB
#   later, while the probe polls: netns $NS_C, eth0 $MAC_C, peer of $VC,
#   enslaved while the probe polls, addresses added after it came up; and
#   netns $NS_D, whose eth0 is created in $NS_H and moved in afterwards (the
#   way Docker does it).
#
# Checks: a scan reports each namespace with its name, MACs, addresses and
# host veth, and the bridge and its up ports (not $VX); then, while the probe
# polls every 100 ms: $VC is reported within 1 s of being enslaved (the
# latency is printed), its namespace's workload follows with the addresses
# added later; $VD's workload appears once its peer moves; $VA released from
# the bridge and enslaved again is reported removed then added, its workload
# untouched; deleting $VB and deleting $NS_C report port_removed and
# workload_down; no error at any point. Names carry $$; nothing touches the root
# namespace's links. Skips (77) without root or namespace/bridge/veth support.
set -u
PROBE=${1:-}
SKIP=77
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ID=$$
NS_H=swk$ID-h NS_A=swk$ID-a NS_C=swk$ID-c NS_D=swk$ID-d
BR=swkbr$ID VA=swka$ID VB=swkb$ID VC=swkc$ID VD=swkd$ID VX=swkx$ID
MAC_A=02:5a:00:00:00:0a MAC_B=02:5a:00:00:00:0b MAC_C=02:5a:00:00:00:0c MAC_D=02:5a:00:00:00:0d
A4=10.79.0.1 A6=fd00:79::1 B4=10.79.0.2 B6=fd00:79::2 C4=10.79.0.3 C6=fd00:79::3
D4=10.79.0.4 D6=fd00:79::4
TMP='' B_PID='' PROBE_PID=''

skip() { echo "SKIP: $*"; exit $SKIP; }
fail() {
	echo "FAIL: $*"
	if [ -n "$TMP" ]; then
		for f in "$TMP"/*.json "$TMP"/*.err; do
			[ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 40 "$f"; }
		done
	fi
	exit 1
}
nsh() { ip -n "$NS_H" "$@"; }

cleanup() {
	trap - EXIT INT TERM
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null && wait "$PROBE_PID" 2>/dev/null
	[ -n "$B_PID" ] && kill "$B_PID" 2>/dev/null
	for ns in "$NS_A" "$NS_C" "$NS_D" "$NS_H"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$TMP" ]; then
		if [ -n "${SWT_KEEP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
	fi
}

require() {
	if [ -z "$PROBE" ] || ! [ -x "$PROBE" ]; then fail "no probe binary: '$PROBE'"; fi
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for t in ip unshare nsenter python3 stat; do
		command -v "$t" >/dev/null || skip "$t is not installed"
	done
	ip netns add "$NS_H" 2>/dev/null || skip "cannot create network namespaces here"
	nsh link add "$BR" type bridge 2>/dev/null || skip "no Linux bridge support"
	nsh link add "$VX" type veth peer name "${VX}y" 2>/dev/null || skip "no veth support"
	TMP=$(mktemp -d /tmp/segwatch-kern.XXXXXX)
}

# inside RUN MAC V4 V6 [noaddr] - configure eth0 in a namespace; RUN: "ip netns exec NS" or nsenter
inside() {
	local run=$1
	$run ip link set lo up
	$run ip link set eth0 address "$2" || fail "mac $2"
	if [ "${5:-}" != noaddr ]; then
		$run ip addr add "$3/24" dev eth0 || fail "addr $3"
		$run ip -6 addr add "$4/64" dev eth0 nodad || fail "addr $4"
	fi
	$run ip link set eth0 up || fail "eth0 up"
}

topo_up() {
	nsh link set lo up
	nsh link set "$BR" up || fail "bridge up"
	nsh link set "$VX" up && nsh link set "${VX}y" up
	# named namespace
	ip netns add "$NS_A" || fail "ip netns add $NS_A"
	nsh link add "$VA" type veth peer name eth0 netns "$NS_A" || fail "veth $VA"
	inside "ip netns exec $NS_A" "$MAC_A" "$A4" "$A6"
	nsh link set "$VA" master "$BR" up || fail "enslave $VA"
	# unnamed namespace: only a process holds it
	unshare --net sleep 600 &
	B_PID=$!
	local self _
	self=$(stat -L -c %i /proc/self/ns/net)
	for _ in $(seq 50); do
		[ "$(stat -L -c %i "/proc/$B_PID/ns/net" 2>/dev/null)" != "$self" ] && break
		sleep 0.1
	done
	B_INO=$(stat -L -c %i "/proc/$B_PID/ns/net") || fail "no unnamed namespace"
	[ "$B_INO" != "$self" ] || fail "unshare --net did not make a namespace"
	nsh link add "$VB" type veth peer name eth0 netns "$B_PID" || fail "veth $VB"
	inside "nsenter --net=/proc/$B_PID/ns/net" "$MAC_B" "$B4" "$B6"
	nsh link set "$VB" master "$BR" up || fail "enslave $VB"
	A_INO=$(stat -c %i "/run/netns/$NS_A") || fail "no inode for $NS_A"
}

# wait_json FILE PYTHON-EXPR SECONDS - until a line e (a dict) satisfies the expression
wait_json() {
	python3 "$HERE/kernel_check.py" wait "$1" "$2" "$3"
}

require
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
topo_up

# 1. one scan
ip netns exec "$NS_H" "$PROBE" scan >"$TMP/scan.json" 2>"$TMP/scan.err" || fail "probe scan failed"
python3 "$HERE/kernel_check.py" scan "$TMP/scan.json" \
	"capture=$BR,$VA,$VB" "absent=$VX,${VX}y" \
	"wl=netns:$A_INO|$NS_A|$VA|$MAC_A|$A4,$A6" \
	"wl=netns:$B_INO|pid:$B_PID/sleep|$VB|$MAC_B|$B4,$B6" || fail "scan results"

# 2. events while polling every 100 ms
ip netns exec "$NS_H" "$PROBE" watch 30 100 >"$TMP/watch.json" 2>"$TMP/watch.err" &
PROBE_PID=$!
wait_json "$TMP/watch.json" "e['event'] == 'ready'" 10 || fail "probe did not start watching"

ip netns add "$NS_C" || fail "ip netns add $NS_C"
nsh link add "$VC" type veth peer name eth0 netns "$NS_C" || fail "veth $VC"
inside "ip netns exec $NS_C" "$MAC_C" "$C4" "$C6" noaddr
C_INO=$(stat -c %i "/run/netns/$NS_C")
sleep 0.3
T0=$(date +%s%6N)
nsh link set "$VC" master "$BR" up || fail "enslave $VC"
wait_json "$TMP/watch.json" "e['event'] == 'port_added' and e['ifname'] == '$VC'" 3 ||
	fail "no port_added for $VC"
python3 "$HERE/kernel_check.py" latency "$TMP/watch.json" "$VC" "$T0" 1000000 ||
	fail "port_added for $VC came too late"
# addresses configured after the port came up: found by the rescans that follow
sleep 0.2
ip -n "$NS_C" addr add "$C4/24" dev eth0
ip -n "$NS_C" -6 addr add "$C6/64" dev eth0 nodad
wait_json "$TMP/watch.json" "e['event'] == 'workload_up' and e['uid'] == 'netns:$C_INO' and \
'$C4' in e['addrs'] and '$C6' in e['addrs'] and '$MAC_C' in e['macs'] and \
e['name'] == '$NS_C' and e['iface'] == '$VC'" 5 || fail "no workload for $NS_C with its addresses"

# a veth created with both ends here, enslaved, then its peer moved into a namespace
ip netns add "$NS_D" || fail "ip netns add $NS_D"
D_INO=$(stat -c %i "/run/netns/$NS_D")
nsh link add "$VD" type veth peer name "${VD}p" || fail "veth $VD"
nsh link set "$VD" master "$BR" up || fail "enslave $VD"
wait_json "$TMP/watch.json" "e['event'] == 'port_added' and e['ifname'] == '$VD'" 3 ||
	fail "no port_added for $VD"
nsh link set "${VD}p" netns "$NS_D" || fail "move ${VD}p"
ip -n "$NS_D" link set "${VD}p" name eth0 || fail "rename in $NS_D"
inside "ip netns exec $NS_D" "$MAC_D" "$D4" "$D6"
wait_json "$TMP/watch.json" "e['event'] == 'workload_up' and e['uid'] == 'netns:$D_INO' and \
'$D4' in e['addrs'] and '$MAC_D' in e['macs'] and e['iface'] == '$VD'" 5 ||
	fail "no workload for $NS_D after its veth peer moved in"

# a port released and enslaved again: reported both ways, the workload stays
nsh link set "$VA" nomaster || fail "nomaster $VA"
wait_json "$TMP/watch.json" "e['event'] == 'port_removed' and e['ifname'] == '$VA'" 3 ||
	fail "no port_removed for $VA released from $BR"
nsh link set "$VA" master "$BR" || fail "enslave $VA again"
# (the scan, not an event, reported it the first time)
wait_json "$TMP/watch.json" "e['event'] == 'port_added' and e['ifname'] == '$VA'" 3 ||
	fail "no port_added for $VA enslaved again"

# 3. removals: a veth deleted, then a whole namespace
nsh link del "$VB" || fail "del $VB"
wait_json "$TMP/watch.json" "e['event'] == 'port_removed' and e['ifname'] == '$VB'" 3 ||
	fail "no port_removed for $VB"
wait_json "$TMP/watch.json" "e['event'] == 'workload_down' and e['uid'] == 'netns:$B_INO'" 3 ||
	fail "no workload_down for the unnamed namespace"
ip netns del "$NS_C" || fail "ip netns del $NS_C"
wait_json "$TMP/watch.json" "e['event'] == 'port_removed' and e['ifname'] == '$VC'" 5 ||
	fail "no port_removed for $VC after its namespace was deleted"
wait_json "$TMP/watch.json" "e['event'] == 'workload_down' and e['uid'] == 'netns:$C_INO'" 3 ||
	fail "no workload_down for $NS_C"

kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
rc=$?
PROBE_PID=
[ "$rc" = 0 ] || fail "probe exited with status $rc"
python3 "$HERE/kernel_check.py" final "$TMP/watch.json" "netns:$A_INO,netns:$D_INO" \
	"netns:$B_INO,netns:$C_INO" || fail "final state"
echo "PASS"
