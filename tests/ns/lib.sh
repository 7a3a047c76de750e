# shellcheck shell=bash
# lib.sh - shared by the namespace tests (sourced, not run).
#
# Topology, all in namespaces this test creates (nothing touches the root
# namespace's links):
#
#   netns $NS_H: bridge $BR, ports $PA $PB $PC (+ $PX, a veth on no bridge)
#   netns $NS_A: eth0 10.78.0.1 fd00:78::1   tcpdump, the clients
#   netns $NS_B: eth0 10.78.0.2 fd00:78::2   servers: tcp 7001, udp 7003
#   netns $NS_C: eth0 10.78.0.3 fd00:78::3   nft drops tcp and udp port 9
#
# Names carry the test's pid, so concurrent runs do not collide.  A missing
# kernel feature or tool means skip (exit 77), not fail.
#
# A test that needs more than one lab calls lab_names TAG NET before each
# topo_up: the same topology under other names (a TAG letter after the pid)
# and in 10.NET.0.0/24, fd00:NET::/64.  cleanup removes every lab built.

SKIP=77
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ID=$$
TMP=
BG_PIDS=
LAB_NS=()	# every namespace topo_up and add_container made, the latest first

# lab_names TAG NET - the names and addresses topo_up and the helpers use
lab_names() {
	LAB_TAG=$1
	NS_H=swt$ID$1-h NS_A=swt$ID$1-a NS_B=swt$ID$1-b NS_C=swt$ID$1-c
	BR=swbr$ID$1 PA=swpa$ID$1 PB=swpb$ID$1 PC=swpc$ID$1 PX=swpx$ID$1
	export SWT_A4=10.$2.0.1 SWT_B4=10.$2.0.2 SWT_C4=10.$2.0.3
	export SWT_A6=fd00:$2::1 SWT_B6=fd00:$2::2 SWT_C6=fd00:$2::3
}
lab_names "" 78

skip() { echo "SKIP: $*"; exit $SKIP; }
fail() { echo "FAIL: $*"; show_logs; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

show_logs() {
	[ -n "$TMP" ] || return 0
	local f
	for f in "$TMP"/*.log "$TMP"/*.err; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f")"
		tail -n 30 "$f"
	done
}

# ns_require SEGWATCH [TOOL...] - skip unless we can build namespaces and have the tools
ns_require() {
	local bin=$1 t probe=swt$ID-probe
	shift
	if [ -z "$bin" ] || ! [ -x "$bin" ]; then fail "no segwatch binary: '$bin'"; fi
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, packet capture)"
	for t in ip python3 "$@"; do
		command -v "$t" >/dev/null || skip "$t is not installed"
	done
	ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here"
	if ! nsx "$probe" ip link add swtbr type bridge 2>/dev/null; then
		ip netns del "$probe"
		skip "no Linux bridge support"
	fi
	if ! nsx "$probe" ip link add swtv0 type veth peer name swtv1 2>/dev/null; then
		ip netns del "$probe"
		skip "no veth support"
	fi
	ip netns del "$probe"
	TMP=$(mktemp -d /tmp/segwatch-ns.XXXXXX)
}

# sysctl_set NS KEY VALUE
sysctl_set() { nsx "$1" sh -c "echo $3 > /proc/sys/${2//.//}" 2>/dev/null; }

# add_container NS PORT V4 V6
add_container() {
	ip netns add "$1" || fail "ip netns add $1"
	LAB_NS=("$1" "${LAB_NS[@]}")
	nsx "$1" ip link set lo up
	sysctl_set "$1" net.ipv6.conf.default.accept_ra 0
	sysctl_set "$1" net.ipv6.conf.default.router_solicitations 0
	nsx "$NS_H" ip link add "$2" type veth peer name eth0 netns "$1" || fail "veth $2"
	nsx "$NS_H" ip link set "$2" master "$BR" up || fail "enslave $2"
	nsx "$1" ip addr add "$3/24" dev eth0
	nsx "$1" ip -6 addr add "$4/64" dev eth0 nodad
	nsx "$1" ip link set eth0 up
}

topo_up() {
	ip netns add "$NS_H" || fail "ip netns add $NS_H"
	LAB_NS=("$NS_H" "${LAB_NS[@]}")
	nsx "$NS_H" ip link set lo up
	# The bridge and its ports carry no addresses and send nothing of their own:
	# no IPv6, and no multicast snooping (with it, the bridge joins the
	# all-snoopers group, 224.0.0.106, and reports it by IGMP from 0.0.0.0 at a
	# random moment in its first second or two: a packet and a flow that
	# tests counting exactly what they sent did not expect).
	sysctl_set "$NS_H" net.ipv6.conf.all.disable_ipv6 1
	sysctl_set "$NS_H" net.ipv6.conf.default.disable_ipv6 1
	nsx "$NS_H" ip link add "$BR" type bridge mcast_snooping 0 || fail "bridge $BR"
	nsx "$NS_H" ip link set "$BR" up
	add_container "$NS_A" "$PA" "$SWT_A4" "$SWT_A6"
	add_container "$NS_B" "$PB" "$SWT_B4" "$SWT_B6"
	add_container "$NS_C" "$PC" "$SWT_C4" "$SWT_C6"
	# A veth pair on no bridge: discovery must leave it out.
	nsx "$NS_H" ip link add "$PX" type veth peer name "${PX}y" || fail "veth $PX"
	nsx "$NS_H" ip link set "$PX" up
	nsx "$NS_H" ip link set "${PX}y" up
	nsx "$NS_C" nft -f - <<-'EOF' || fail "nft in $NS_C"
		table inet swtest {
			chain input {
				type filter hook input priority 0; policy accept;
				tcp dport 9 drop
				udp dport 9 drop
			}
		}
	EOF
}

# start_servers - b's servers, wait until they listen
start_servers() {
	# Background jobs run "ip netns exec" directly (not through nsx): $! is then
	# the pid of the program itself, which ip execs.
	ip netns exec "$NS_B" python3 "$HERE/nsflows.py" serve >"$TMP/servers$LAB_TAG.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_for_file "$TMP/servers$LAB_TAG.log" ready 5 || fail "servers in $NS_B did not start"
}

# serve_db NS - NS answers "db" on tcp 5432 (the "database" policies keep clients from)
serve_db() {
	ip netns exec "$1" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5432)); s.listen(16)
while True:
    c, _ = s.accept(); c.sendall(b"db\n"); c.close()' &
	BG_PIDS="$BG_PIDS $!"
}

# wait_for_file FILE TEXT SECONDS
wait_for_file() {
	local _
	for _ in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# agent_metric NAME - the value of an unlabelled series on /metrics of an
# agent in $NS_H listening on the default 127.0.0.1:9617 (empty: no such series)
agent_metric() {
	nsx "$NS_H" python3 -c "
import sys, urllib.request
page = urllib.request.urlopen('http://127.0.0.1:9617/metrics', timeout=5).read().decode()
print(*[l.split()[1] for l in page.splitlines() if l.startswith(sys.argv[1] + ' ')])" "$1"
}

# start_tcpdump - the independent view: a's veth only, from inside a
start_tcpdump() {
	ip netns exec "$NS_A" tcpdump -Z root -i eth0 -nn -U --immediate-mode -s 256 -w "$TMP/a.pcap" 2>"$TMP/tcpdump.log" &
	TCPDUMP_PID=$!
	BG_PIDS="$BG_PIDS $TCPDUMP_PID"
	wait_for_file "$TMP/tcpdump.log" "listening on" 5 || fail "tcpdump did not start"
}

stop_tcpdump() {
	sleep 0.5
	# not SIGINT: background jobs of a script start with SIGINT ignored
	kill -TERM "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
	[ -s "$TMP/a.pcap" ] || fail "tcpdump wrote no capture"
}

# start_segwatch SOCKETS ARGS... - segwatch capture in $NS_H, in the background;
# ready once it holds SOCKETS packet sockets (one per interface)
start_segwatch() {
	local want=$1 n=0
	shift
	ip netns exec "$NS_H" "$SEGWATCH" capture "$@" >"$TMP/seg.json" 2>"$TMP/seg.err" &
	SW_PID=$!
	BG_PIDS="$BG_PIDS $SW_PID"
	for _ in $(seq 100); do
		n=$(nsx "$NS_H" cat /proc/net/packet | tail -n +2 | wc -l)
		[ "$n" -ge "$want" ] && break
		kill -0 "$SW_PID" 2>/dev/null || fail "segwatch exited at start"
		sleep 0.1
	done
	[ "$n" -ge "$want" ] || fail "segwatch opened $n packet sockets, expected $want"
	sleep 0.3
}

# wait_segwatch wait|stop - the capture must still be running (all the traffic
# fell inside it); then wait for its end (--duration), or end it with SIGTERM
wait_segwatch() {
	local rc
	kill -0 "$SW_PID" 2>/dev/null || fail "the capture ended before the traffic did (slow machine?)"
	[ "$1" = stop ] && kill -TERM "$SW_PID"
	wait "$SW_PID"
	rc=$?
	[ "$rc" = 0 ] || fail "segwatch capture exited with status $rc"
	[ -s "$TMP/seg.json" ] || fail "segwatch printed no JSON"
}

cleanup() {
	local ns pid
	trap - EXIT INT TERM
	for pid in $BG_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for ns in "${LAB_NS[@]}" "$NS_A" "$NS_B" "$NS_C" "$NS_H"; do
		ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF "$ns" || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$TMP" ]; then
		if [ -n "${SWT_KEEP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
	fi
}
