#!/bin/bash
# capture_discover.sh SEGWATCH - live capture without -i: segwatch must find the
# bridge and its veth ports through libnl (and leave out a veth on no bridge),
# then count the flows exactly as on an explicit interface list.
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
start_segwatch 4 --duration 6 --json \
	--timeout tcp=300 --timeout tcp-closed=300 --timeout udp=300 --timeout icmp=300 --timeout other=300

echo "traffic from a:"
nsx "$NS_A" python3 "$HERE/nsflows.py" client discover || fail "the traffic did not go as planned"
stop_tcpdump
wait_segwatch wait

python3 "$HERE/nsflows.py" check discover "$TMP/seg.json" "$TMP/a.pcap" "$BR,$PA,$PB,$PC" ||
	fail "segwatch's flows do not match (or it found other interfaces)"
echo "PASS"
