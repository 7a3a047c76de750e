#!/bin/bash
# capture_spoof.sh SEGWATCH - a container that sends packets with a source
# address not its own is reported: counted once (not once per interface the
# frame crosses), with its interface, its name and the address it used.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
FORGED=10.78.0.99

ns_require "$SEGWATCH" ping
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
start_segwatch 4 --duration 30 --json --no-engine --alerts "$TMP/alerts.jsonl"
# 5 UDP datagrams from a, with a forged source, through a raw socket
nsx "$NS_A" python3 - "$FORGED" "$SWT_B4" <<'PY' || fail "could not send forged packets"
import socket, struct, sys
src, dst = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(5):
    payload = b"forged %d" % i
    udp = struct.pack("!HHHH", 40000 + i, 7003, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1000 + i, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
PY
# and honest traffic, which must not be counted
nsx "$NS_A" ping -c 2 -i 0.2 -W 1 "$SWT_B4" >/dev/null || fail "ping a -> b"
sleep 0.5
wait_segwatch stop

python3 - "$TMP/seg.json" "$NS_A" "$PA" "$FORGED" <<'PY' || fail "spoofing not reported as expected"
import json, sys
doc = json.load(open(sys.argv[1]))
ns_a, pa, forged = sys.argv[2:]
c = doc["counters"]
assert c["spoofed"] == 5, f"spoofed = {c['spoofed']}, want 5"
assert len(c["spoofed_sources"]) == 1, c["spoofed_sources"]
sp = c["spoofed_sources"][0]
assert (sp["interface"], sp["workload"], sp["src"], sp["packets"]) == (pa, ns_a, forged, 5), sp
print("5 forged datagrams reported once, on", pa, "from", ns_a)
PY
python3 - "$TMP/alerts.jsonl" "$NS_A" "$FORGED" <<'PY' || fail "no spoofed_source alert"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sp = [a for a in alerts if a["kind"] == "spoofed_source"]
assert sp and sp[0]["src"].get("name") == sys.argv[2], alerts
assert sys.argv[3] in json.dumps(sp[0]), sp[0]
print("spoofed_source alert:", sp[0]["src"].get("name"))
PY
echo "PASS"
