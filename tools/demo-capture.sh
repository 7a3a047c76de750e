#!/bin/bash
# demo-capture.sh - watch segwatch capture east-west traffic in a namespace lab.
#
#   SEGWATCH=./build/segwatch DURATION=12 tools/demo-capture.sh
#
# Builds nothing: it takes the segwatch binary from $SEGWATCH (default
# ./build/segwatch).  It brings up a lab (tools/lab.sh: a bridge and five
# "containers" in network namespaces), runs `segwatch capture` without -i in the
# lab's host namespace, so segwatch finds the bridge and its veth ports itself,
# runs one round of traffic, then prints the flow table.  The lab is torn down
# on exit, also on Ctrl-C.  Needs root.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab.sh"
segwatch=${SEGWATCH:-./build/segwatch}
duration=${DURATION:-12}
# "demo": tools/examples/inventory.json describes this lab (labels for each container)
name=${LAB_NAME:-demo}
tmp=
sw_pid=

heading() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || heading() { printf '\n== %s\n' "$*"; }

die() { echo "demo-capture: $*" >&2; exit 1; }

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$sw_pid" ] && kill -0 "$sw_pid" 2>/dev/null; then
		kill -TERM "$sw_pid" 2>/dev/null
		wait "$sw_pid" 2>/dev/null
	fi
	"$lab" down "$name" >/dev/null 2>&1
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo; echo "interrupted: tearing the lab down"; exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, packet capture)"
[ -x "$segwatch" ] || die "no segwatch binary at '$segwatch' (build first, or set SEGWATCH)"
segwatch=$(cd "$(dirname "$segwatch")" && pwd)/$(basename "$segwatch")
if ! [[ $duration =~ ^[0-9]+$ ]] || [ "$duration" -lt 6 ]; then
	die "DURATION must be a number of seconds >= 6"
fi
tmp=$(mktemp -d /tmp/segwatch-demo.XXXXXX)

heading "Lab: a bridge and five containers (network namespaces)"
"$lab" down "$name" >/dev/null 2>&1 # leftovers of an interrupted run
"$lab" up "$name" || die "could not bring the lab up"
"$lab" status "$name"
hns=$("$lab" ns "$name")

# Identity: the kernel's view names each namespace; the inventory adds labels.
inventory=$(cd "$(dirname "$0")" && pwd)/examples/inventory.json
inv_args=()
[ "$name" = demo ] && [ -f "$inventory" ] && inv_args=(--inventory "$inventory")
heading "Workloads: who is behind which address (segwatch workloads ${inv_args[*]:+--inventory ...})"
ip netns exec "$hns" "$segwatch" workloads --no-engine "${inv_args[@]}" || die "segwatch workloads failed"

heading "Capture: segwatch capture --duration $duration (no -i: finds the bridge and its ports)"
echo "  ip netns exec $hns $segwatch capture --duration $duration ${inv_args[*]}"
ip netns exec "$hns" "$segwatch" capture --duration "$duration" --no-engine "${inv_args[@]}" \
	>"$tmp/flows.txt" 2>"$tmp/counters.txt" &
sw_pid=$!
# Ready once it holds a packet socket per interface (bridge + 5 ports).
for _ in $(seq 50); do
	n=$(ip netns exec "$hns" cat /proc/net/packet 2>/dev/null | tail -n +2 | wc -l)
	[ "$n" -ge 6 ] && break
	kill -0 "$sw_pid" 2>/dev/null || break
	sleep 0.1
done
sleep 0.5
kill -0 "$sw_pid" 2>/dev/null || { cat "$tmp/counters.txt" >&2; die "segwatch exited early"; }

heading "Traffic: what the containers do"
start=$SECONDS
"$lab" traffic "$name"
left=$((duration - (SECONDS - start)))
[ "$left" -gt 0 ] || left=0
heading "Waiting for the capture to end (about ${left}s)"
wait "$sw_pid"
rc=$?
sw_pid=

heading "Flow table (initiator -> responder; packets and bytes each way)"
cat "$tmp/flows.txt"
if [ -s "$tmp/counters.txt" ]; then
	heading "Counters"
	cat "$tmp/counters.txt"
fi
[ "$rc" = 0 ] || die "segwatch exited with status $rc"
heading "Reading it"
cat <<'EOF'
  * Every frame crossed three interfaces (sending veth, bridge, receiving veth):
    segwatch counted each packet once; the extra copies are the "duplicates".
  * refused = answered by a TCP reset or an ICMP port unreachable;
    attempted = nobody answered (the db container drops tcp/9000 and udp/9001).
  * The kernel's own IPv6 neighbour discovery, multicast listener reports,
    IGMP and DHCP are counted in the "infrastructure:" line, not listed
    (--all lists them; docs/flows.md, "Infrastructure traffic").
EOF
