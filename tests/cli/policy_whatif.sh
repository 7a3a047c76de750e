#!/usr/bin/env bash
# policy_whatif.sh SEGWATCH - `segwatch policy test` replays recorded flows
# against a candidate policy: it lists exactly the connections the policy
# would deny, by rule, and exits 1 when there are any (a CI gate), 0 when none.
set -u
SEGWATCH=${1:?usage: policy_whatif.sh SEGWATCH}
tmp=$(mktemp -d)
top=$(cd "$(dirname "$0")/../.." && pwd)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

flow() { # flow SRC SNAME SAPP DST DNAME DAPP PORT
	printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"%s","sport":40000,"dst":"%s","dport":%s,"initiator":"observed","state":"established","src_kind":"workload","src_workload":{"name":"%s","id":"x","source":"inventory","labels":{"app":"%s"}},"dst_kind":"workload","dst_workload":{"name":"%s","id":"y","source":"inventory","labels":{"app":"%s"}}}\n' \
		"$1" "$4" "$7" "$2" "$3" "$5" "$6"
}
{
	flow 10.0.0.1 web-1 web 10.0.0.2 api-1 api 8080
	flow 10.0.0.1 web-1 web 10.0.0.2 api-1 api 8080
	flow 10.0.0.1 web-1 web 10.0.0.3 db-1 db 5432
	flow 10.0.0.2 api-1 api 10.0.0.3 db-1 db 5432
	flow 10.0.0.1 web-1 web 192.0.2.9 ext ext 443
	echo '{"type":"counters","packets_seen":10}'
} >"$tmp/flows.jsonl"
cat >"$tmp/policy.json" <<'JSON'
{
  "version": 1,
  "name": "shop",
  "default": "deny",
  "groups": {
    "web": { "labels": { "app": "web" } },
    "api": { "labels": { "app": "api" } },
    "db":  { "labels": { "app": "db" } }
  },
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [8080], "action": "allow" },
    { "name": "api-to-db", "from": "api", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" }
  ]
}
JSON
out=$("$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/flows.jsonl")
rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, want 1 (a connection would be denied): $out"
grep -q "5 flows: 3 allowed, 1 denied, 0 monitored (would be denied), 1 unmanaged" <<<"$out" || fail "tally: $out"
grep -Eq "^default +web-1 +db-1 +tcp/5432 +1$" <<<"$out" || fail "denial: $out"
"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/flows.jsonl" --json >"$tmp/out.json"
python3 - "$tmp/out.json" <<'PY' || fail "JSON output"
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["flows"], d["allowed"], d["denied"], d["unmanaged"]) == (5, 3, 1, 1), d
assert d["denials"] == [{"rule": "default", "src": "web-1", "dst": "db-1", "proto": "tcp",
                         "dport": 5432, "flows": 1}], d["denials"]
PY
# allow web -> db too: nothing would be denied, exit 0
python3 - "$tmp/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["rules"].append({"name": "web-to-db", "from": "web", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow"})
json.dump(p, open(sys.argv[1], "w"))
PY
"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/flows.jsonl" >/dev/null || fail "exit $?, want 0 once allowed"
# errors: missing --flows, unreadable flows, a bad policy
"$SEGWATCH" policy test "$tmp/policy.json" 2>/dev/null; [ $? -eq 2 ] || fail "missing --flows"
"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/nope.jsonl" 2>/dev/null; [ $? -eq 3 ] || fail "missing flows file"
echo '{"version":1,"rules":[{"from":"x","to":"any","action":"allow"}]}' >"$tmp/bad.json"
err=$("$SEGWATCH" policy check "$tmp/bad.json" 2>&1); [ $? -eq 2 ] || fail "bad policy check exit"
grep -q 'bad.json: /rules/0/from' <<<"$err" || fail "bad policy message: $err"
# a pcap instead of saved flows, named through an inventory: web-1 opens tcp/5432
# to db-0, which only api may reach, and api-0 does the same, which is allowed
python3 - "$tmp/t.pcap" <<'PY'
import struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def syn(src, dst, sport):
    s, d = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    tcp = struct.pack("!HHIIBBHHH", sport, 5432, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, (src, sport) in enumerate([("10.77.0.10", 41000), ("10.77.0.20", 42000)]):
        fr = syn(src, "10.77.0.30", sport)
        f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)
PY
out=$("$SEGWATCH" policy test "$top/policy/examples/demo.json" --flows "$tmp/t.pcap" \
	--inventory "$top/tools/examples/inventory.json")
rc=$?
[ "$rc" -eq 1 ] || fail "pcap: exit $rc, want 1: $out"
grep -q "2 flows: 1 allowed, 1 denied" <<<"$out" || fail "pcap tally: $out"
grep -Eq "^default +shop/web-1 +shop/db-0 +tcp/5432 +1$" <<<"$out" || fail "pcap denial: $out"
echo "policy_whatif: 1 passed, 0 failed"
