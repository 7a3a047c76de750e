#!/usr/bin/env bash
# policy_whatif.sh SEGWATCH - `segwatch policy test` replays recorded flows
# against a candidate policy: it lists exactly the connections the policy
# would deny, by rule, and exits 1 when there are any (a CI gate), 0 when none.
set -u
SEGWATCH=${1:?usage: policy_whatif.sh SEGWATCH}
tmp=$(mktemp -d)
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
grep -q "denied by default .*web-1 -> db-1 tcp/5432 (1 flows)" <<<"$out" || fail "denial: $out"
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
"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/nope.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "missing flows file"
echo '{"version":1,"rules":[{"from":"x","to":"any","action":"allow"}]}' >"$tmp/bad.json"
err=$("$SEGWATCH" policy check "$tmp/bad.json" 2>&1); [ $? -eq 2 ] || fail "bad policy check exit"
grep -q 'bad.json: /rules/0/from' <<<"$err" || fail "bad policy message: $err"
echo "policy_whatif: 1 passed, 0 failed"
