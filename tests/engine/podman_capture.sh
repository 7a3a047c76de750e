#!/usr/bin/env bash
# podman_capture.sh SEGWATCH - real containers (podman, runc) with labels talk
# to each other while `segwatch capture --engine` watches their bridge: every
# flow must name both ends with their container names and labels, including a
# container started after the capture began.
set -u
SEGWATCH=${1:?usage: podman_capture.sh SEGWATCH}
LAB=$(cd "$(dirname "$0")/../../tools" && pwd)/podman-lab.sh
export SW_PODMAN_DIR=/tmp/sw-pcap-$$ SW_PODMAN_NETNS=sw-pcap-$$
TMP=$(mktemp -d /tmp/sw-pcap-out.XXXXXX)
SW_PID=

cleanup() {
	[ -n "$SW_PID" ] && kill "$SW_PID" 2>/dev/null
	"$LAB" down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
fail() { echo "FAIL: $*"; cat "$TMP/seg.err" 2>/dev/null | tail -5; exit 1; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
"$LAB" deps || exit $?
"$LAB" up || exit $?
ip_of() { "$LAB" podman inspect -f '{{(index .NetworkSettings.Networks "swlab").IPAddress}}' "$1"; }

"$LAB" run web1 --label app=web --label tier=front -- httpd -f -p 80 >/dev/null || fail "run web1"
"$LAB" run client1 --label app=client -- sleep 600 >/dev/null || fail "run client1"
WEB1=$(ip_of web1)
sleep 0.5

# the capture: bridge and ports discovered in the lab's namespace, identity from the engine
nsenter --net="/run/netns/$SW_PODMAN_NETNS" "$SEGWATCH" capture --engine "$SW_PODMAN_DIR/podman.sock" \
	--json --duration 120 --timeout tcp-closed=300 >"$TMP/seg.json" 2>"$TMP/seg.err" &
SW_PID=$!
for _ in $(seq 50); do
	n=$(nsenter --net="/run/netns/$SW_PODMAN_NETNS" cat /proc/net/packet | tail -n +2 | wc -l)
	[ "$n" -ge 3 ] && break
	kill -0 "$SW_PID" 2>/dev/null || fail "segwatch exited at start"
	sleep 0.1
done
sleep 0.5

"$LAB" podman exec client1 wget -q -O /dev/null "http://$WEB1/" 2>/dev/null
# a container started after the capture began, talking both ways
"$LAB" run late1 --label app=late --label team=blue -- httpd -f -p 80 >/dev/null || fail "run late1"
LATE1=$(ip_of late1)
sleep 1.5 # its veth joins the bridge, its start event names it
"$LAB" podman exec client1 wget -q -O /dev/null "http://$LATE1/" 2>/dev/null
"$LAB" podman exec late1 wget -q -O /dev/null "http://$WEB1/" 2>/dev/null
sleep 0.5
kill -TERM "$SW_PID"
wait "$SW_PID" || fail "segwatch exited with $?"
SW_PID=

python3 - "$TMP/seg.json" "$WEB1" "$LATE1" <<'PY' || fail "flows are not named as expected"
import json, sys
doc = json.load(open(sys.argv[1]))
web1, late1 = sys.argv[2:]
def flow(src, dst_ip):
    got = [f for f in doc["flows"] if f["proto"] == "tcp" and f["dport"] == 80 and f["dst"] == dst_ip
           and f.get("src_workload", {}).get("name") == src]
    assert len(got) == 1, f"{src} -> {dst_ip}:80: {len(got)} flows"
    return got[0]
def named(f, end, name, labels):
    wl = f[end + "_workload"]
    assert f[end + "_kind"] == "workload" and wl["source"] == "engine", f
    assert wl["name"] == name, (end, wl)
    assert all(wl["labels"].get(k) == v for k, v in labels.items()), (end, wl["labels"], labels)
for src, dst_ip, dst, dst_labels, src_labels in [
        ("client1", web1, "web1", {"app": "web", "tier": "front"}, {"app": "client"}),
        ("client1", late1, "late1", {"app": "late", "team": "blue"}, {"app": "client"}),
        ("late1", web1, "web1", {"app": "web", "tier": "front"}, {"app": "late", "team": "blue"})]:
    f = flow(src, dst_ip)
    named(f, "src", src, src_labels)
    named(f, "dst", dst, dst_labels)
    assert f["state"] == "closed" and f["initiator"] == "observed", f
    print(f"{src} -> {dst}: named with labels, {f['fwd']['packets']}/{f['rev']['packets']} packets")
c = doc["counters"]
assert c["kernel_drops"] == 0 and c["malformed"] == 0, c
PY
echo "PASS"
