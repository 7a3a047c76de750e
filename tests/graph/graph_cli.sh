#!/usr/bin/env bash
# graph_cli.sh SEGWATCH - `segwatch graph`, `graph merge` and `report` on
# small hand-written flow files: the JSON output is compared with what the
# flows say, the report's verdicts and exit codes are checked.
set -u
SEGWATCH=${1:?usage: graph_cli.sh SEGWATCH}
command -v python3 >/dev/null || { echo "skipped: python3 not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

flow() { # flow SRC SNAME SAPP DST DNAME DAPP PORT STATE FIRST
	printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"%s","sport":40000,"dst":"%s","dport":%s,"initiator":"observed","state":"%s","first_seen":"2026-11-22T10:00:%s.000000Z","last_seen":"2026-11-22T10:00:%s.500000Z","fwd":{"packets":3,"bytes":200},"rev":{"packets":2,"bytes":100},"src_kind":"workload","src_workload":{"name":"%s","id":"id-%s","source":"inventory","labels":{"app":"%s"}},"dst_kind":"workload","dst_workload":{"name":"%s","id":"id-%s","source":"inventory","labels":{"app":"%s"}}}\n' \
		"$1" "$4" "$7" "$8" "$9" "$9" "$2" "$2" "$3" "$5" "$5" "$6"
}
{
	flow 10.0.0.1 web-1 web 10.0.0.2 api-1 api 8080 established 01
	flow 10.0.0.1 web-1 web 10.0.0.2 api-1 api 8080 closed 02
	flow 10.0.0.1 web-1 web 10.0.0.3 db-1 db 5432 refused 03
	printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"10.0.0.1","sport":40001,"dst":"192.0.2.9","dport":443,"state":"attempted","first_seen":"2026-11-22T10:00:04.000000Z","last_seen":"2026-11-22T10:00:04.000000Z","fwd":{"packets":1,"bytes":60},"rev":{"packets":0,"bytes":0},"src_kind":"workload","src_workload":{"name":"web-1","id":"id-web-1","source":"inventory","labels":{"app":"web"}},"dst_kind":"external"}\n'
	echo '{"type":"counters","packets_seen":30,"decoded":30,"duplicates":0,"malformed":0,"kernel_drops":2}'
} >"$tmp/a.jsonl"
{
	flow 10.0.0.2 api-1 api 10.0.0.3 db-1 db 5432 established 05
	flow 10.0.0.1 web-1 web 10.0.0.2 api-1 api 8080 established 00
	echo '{"type":"counters","packets_seen":10,"decoded":10,"duplicates":1,"malformed":0,"kernel_drops":0}'
} >"$tmp/b.jsonl"
cat >"$tmp/policy.json" <<'JSON'
{ "version": 1, "name": "shop", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "api": { "labels": { "app": "api" } },
              "db": { "labels": { "app": "db" } } },
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [8080], "action": "allow" },
    { "name": "api-to-db", "from": "api", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" } ] }
JSON

# one graph per "host", then merged: the same as a graph of both files
"$SEGWATCH" graph "$tmp/a.jsonl" --json -o "$tmp/ga.json" || fail "graph a: exit $?"
"$SEGWATCH" graph "$tmp/b.jsonl" --json >"$tmp/gb.json" || fail "graph b: exit $?"
"$SEGWATCH" graph merge "$tmp/ga.json" "$tmp/gb.json" -o "$tmp/merged.json" || fail "merge: exit $?"
"$SEGWATCH" graph "$tmp/a.jsonl" "$tmp/b.jsonl" --json >"$tmp/both.json" || fail "graph both"
cmp -s "$tmp/merged.json" "$tmp/both.json" || fail "merge differs: $(diff "$tmp/merged.json" "$tmp/both.json")"
python3 - "$tmp/merged.json" <<'PY' || fail "graph JSON"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["type"] == "graph" and g["version"] == 1, g
ids = [n["id"] for n in g["nodes"]]
assert ids == ["ext:192.0.2.9", "wl:inventory:id-api-1", "wl:inventory:id-db-1",
               "wl:inventory:id-web-1"], ids
e = {x["id"]: x for x in g["edges"]}
wa = e["wl:inventory:id-web-1 -> wl:inventory:id-api-1 tcp/8080"]
assert wa["flows"] == 3 and wa["states"]["established"] == 2 and wa["states"]["closed"] == 1, wa
assert wa["fwd"] == {"packets": 9, "bytes": 600} and wa["rev"] == {"packets": 6, "bytes": 300}, wa
assert wa["first_seen"] == "2026-11-22T10:00:00.000000Z", wa
assert wa["last_seen"] == "2026-11-22T10:00:02.500000Z", wa
assert len(g["edges"]) == 4, g["edges"]
c = g["completeness"]
assert (c["files"], c["packets_seen"], c["kernel_drops"], c["duplicates"]) == (2, 40, 2, 1), c
PY

# --group-by app: label values are nodes; external peers stay themselves
"$SEGWATCH" graph "$tmp/a.jsonl" --group-by app --json >"$tmp/app.json" || fail "group-by app"
python3 - "$tmp/app.json" <<'PY' || fail "group-by JSON"
import json, sys
g = json.load(open(sys.argv[1]))
assert sorted(n["id"] for n in g["nodes"]) == ["ext:192.0.2.9", "label:app=api", "label:app=db",
                                               "label:app=web"], g["nodes"]
PY
"$SEGWATCH" graph "$tmp/a.jsonl" --group-by group 2>/dev/null && fail "group-by group without a policy"
"$SEGWATCH" graph "$tmp/a.jsonl" --format dot | grep -q 'digraph segwatch' || fail "dot"
"$SEGWATCH" graph "$tmp/a.jsonl" | grep -q '4 nodes, 3 edges' || fail "table"

# report: web -> db is a violation (default deny), web -> external unmanaged
out=$("$SEGWATCH" report --policy "$tmp/policy.json" "$tmp/a.jsonl")
rc=$?
[ "$rc" -eq 1 ] || fail "report exit $rc, want 1: $out"
grep -q "3 edges: 1 allowed, 1 violation, 0 monitor (would be denied), 1 unmanaged" <<<"$out" || fail "summary: $out"
grep -Eq "^web-1 +db-1 +tcp/5432 +1 +refused +default$" <<<"$out" || fail "violation line: $out"
grep -q "^violation (1 edge):" <<<"$out" || fail "violation title: $out"
# each edge says what became of its packets (docs/graph.md "delivery")
"$SEGWATCH" report --policy "$tmp/policy.json" "$tmp/a.jsonl" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["edges"]
got = {k: [e.get("delivery") for e in v] for k, v in r.items() if v}
assert got == {"violation": ["refused"], "unmanaged": ["unanswered"], "allowed": ["answered"]}, got
' || fail "report delivery"
grep -q "kernel dropped packets" <<<"$out" || fail "completeness: $out"
"$SEGWATCH" report --policy "$tmp/policy.json" "$tmp/b.jsonl" --since "$tmp/ga.json" --json >"$tmp/r.json"
rc=$?
[ "$rc" -eq 0 ] || fail "report b exit $rc, want 0"
python3 - "$tmp/r.json" <<'PY' || fail "report JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["allowed"] == 2 and r["summary"]["violation"] == 0, r["summary"]
new = [e["id"] for e in r["since"]["new_edges"]]
gone = [e["id"] for e in r["since"]["vanished_edges"]]
assert new == ["wl:inventory:id-api-1 -> wl:inventory:id-db-1 tcp/5432"], new
assert len(gone) == 2, gone
assert r["unused_rules"] == [], r["unused_rules"]
PY
"$SEGWATCH" report --policy "$tmp/policy.json" "$tmp/a.jsonl" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["unused_rules"] == [{"rule": "/rules/1", "rule_name": "api-to-db"}], r["unused_rules"]' || fail "unused rules"

# errors: unreadable file, bad JSON with file:line:col, missing --policy
"$SEGWATCH" graph "$tmp/nope.jsonl" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 3 ] && grep -q "nope.jsonl: cannot read" "$tmp/err" || fail "unreadable: $rc $(cat "$tmp/err")"
{ head -1 "$tmp/a.jsonl"; echo '{"type":"flow",'; } >"$tmp/bad.jsonl"
"$SEGWATCH" graph "$tmp/bad.jsonl" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "bad.jsonl:2:" "$tmp/err" || fail "bad JSON: $rc $(cat "$tmp/err")"
"$SEGWATCH" report "$tmp/a.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "report without --policy"
"$SEGWATCH" graph --help | grep -q "graph merge" || fail "graph --help"
"$SEGWATCH" report --help | grep -q -- "--since" || fail "report --help"
echo "ok"
