#!/bin/bash
# capture_live.sh SEGWATCH - live capture on a bridge and its three veth ports.
#
# Every frame between two containers is seen three times (sending veth, bridge,
# receiving veth); segwatch must count it once.  Its per-flow packet and byte
# counts must equal what an independent tcpdump saw on container a's veth, and
# the flows must have the expected initiators and states (nsflows.py).
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" tcpdump nft ping
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
start_servers
start_tcpdump
# Timeouts longer than the capture: every flow ends with the capture ("flush").
# SIGTERM ends the capture after the traffic; --duration only bounds a hang.
start_segwatch 4 -i "$BR,$PA,$PB,$PC" --duration 60 --json \
	--timeout tcp=300 --timeout tcp-closed=300 --timeout udp=300 --timeout icmp=300 --timeout other=300

echo "traffic from a:"
nsx "$NS_A" python3 "$HERE/nsflows.py" client live || fail "the traffic did not go as planned"
stop_tcpdump
wait_segwatch stop

python3 "$HERE/nsflows.py" check live "$TMP/seg.json" "$TMP/a.pcap" "$BR,$PA,$PB,$PC" ||
	fail "segwatch's flows do not match"
echo "PASS"
