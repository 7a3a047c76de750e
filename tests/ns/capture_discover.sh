#!/bin/bash
# capture_discover.sh SEGWATCH - live capture without -i: segwatch must find the
# bridge and its veth ports through libnl (and leave out a veth on no bridge),
# capture the bridge outbound and its ports inbound, and count the flows
# exactly as on an explicit interface list, with each packet captured once.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" tcpdump nft ping
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
# the host gets an address on the bridge: what it sends into the bridge is
# captured there (outbound), once
export SWT_H4=10.78.0.254
nsx "$NS_H" ip addr add "$SWT_H4/24" dev "$BR" || fail "address on $BR"
start_servers
start_tcpdump
start_segwatch 4 --duration 6 --json \
	--timeout tcp=300 --timeout tcp-closed=300 --timeout udp=300 --timeout icmp=300 --timeout other=300

echo "traffic from a:"
nsx "$NS_A" python3 "$HERE/nsflows.py" client discover || fail "the traffic did not go as planned"
echo "the host pings a through the bridge:"
nsx "$NS_H" ping -c 3 -i 0.2 -W 2 "$SWT_A4" >/dev/null || fail "the host cannot ping a"
stop_tcpdump
wait_segwatch wait

python3 "$HERE/nsflows.py" check discover "$TMP/seg.json" "$TMP/a.pcap" "$BR,$PA,$PB,$PC" ||
	fail "segwatch's flows do not match (or it found other interfaces)"
echo "PASS"
