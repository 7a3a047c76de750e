#!/bin/bash
# capture_follow.sh SEGWATCH - a live capture that discovers its interfaces
# follows the bridge: a container (netns + veth) added while it runs is
# captured within a second and named from the kernel's view; a veth removed
# while it runs is dropped and the capture goes on.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
NS_D=swt$ID-d PD=swpd$ID
SWT_D4=10.78.0.4 SWT_D6=fd00:78::4

ns_require "$SEGWATCH" ping
follow_cleanup() {
	ip netns del "$NS_D" 2>/dev/null
	cleanup
}
trap follow_cleanup EXIT
trap 'follow_cleanup; exit 130' INT TERM

topo_up
start_segwatch 4 --duration 30 --json --no-engine \
	--timeout icmp=300 --timeout tcp=300 --timeout udp=300 --timeout other=300

# a new container joins the bridge while the capture runs
add_container "$NS_D" "$PD" "$SWT_D4" "$SWT_D6"
sleep 1 # the target: captured within one second of joining
nsx "$NS_D" ping -c 3 -i 0.2 -W 1 "$SWT_B4" >/dev/null || fail "ping d -> b"

# a container leaves: its veth goes away under the capture
nsx "$NS_H" ip link del "$PC" || fail "ip link del $PC"
sleep 0.5
nsx "$NS_A" ping -c 3 -i 0.2 -W 1 "$SWT_B4" >/dev/null || fail "ping a -> b after the removal"
sleep 0.5
wait_segwatch stop

python3 - "$TMP/seg.json" "$NS_D" "$NS_A" "$NS_B" "$PD" "$PC" <<'PY' || fail "flows or interfaces are not as expected"
import json, sys
doc = json.load(open(sys.argv[1]))
ns_d, ns_a, ns_b, pd, pc = sys.argv[2:]
c = doc["counters"]
names = {i["name"]: i for i in c["interfaces"]}
assert pd in names and names[pd]["received"] >= 6, f"new veth {pd} not captured: {names.get(pd)}"
assert pc in names, f"removed veth {pc} lost from the counters"
def echo(src_ns):
    found = [f for f in doc["flows"] if f["proto"] == "icmp" and f.get("icmp_type") == 8
             and f.get("src_workload", {}).get("name") == src_ns]
    assert len(found) == 1, f"echo flows from {src_ns}: {found}"
    f = found[0]
    assert f["src_kind"] == "workload" and f["dst_kind"] == "workload", f
    assert f["dst_workload"]["name"] == ns_b, f
    assert f["src_workload"]["source"] == "kernel", f
    assert (f["fwd"]["packets"], f["rev"]["packets"]) == (3, 3), f
    return f
echo(ns_d)   # all 3 pings of the new container: captured within 1 s
echo(ns_a)   # the capture went on after a veth disappeared
assert c["kernel_drops"] == 0 and c["malformed"] == 0, c
print("new container named and counted; removal survived")
PY
echo "PASS"
