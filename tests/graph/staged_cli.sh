#!/usr/bin/env bash
# staged_cli.sh SEGWATCH - `segwatch report --policy ENFORCED --staged
# CANDIDATE` over flows captured from a generated pcap (staged_pcap.py,
# named by an inventory). The differences expected below are worked out by
# hand from the two policies, not copied from segwatch's output:
#   web -> api tcp/8080   allowed by both (rule 0 of each)
#   api -> db  tcp/5432   allowed by both (rule 1 of each), two flows
#   web -> db  tcp/5432   allowed now (legacy-web-to-db), denied by the candidate's rule 4: newly denied
#   api -> cache udp/6379 allowed now (api-to-cache), the candidate allows tcp only: newly denied (default)
#   web -> cache tcp/6379 denied now (default), the candidate's rule 3 allows it: newly allowed
#   unused: the candidate's rules 2 (no tcp from api to cache) and 5; the enforced rule 4
# The exit code stays the enforced policy's: 1 (web -> cache is a violation now).
set -u
SEGWATCH=${1:?usage: staged_cli.sh SEGWATCH}
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "skipped: python3 not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$here/staged_pcap.py" "$tmp/s.pcap" || fail "staged_pcap.py"
cat >"$tmp/inv.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "shop/web-1", "namespace": "shop", "labels": { "app": "web" }, "ips": ["10.0.0.1"] },
  { "name": "shop/api-1", "namespace": "shop", "labels": { "app": "api" }, "ips": ["10.0.0.2"] },
  { "name": "shop/db-1", "namespace": "shop", "labels": { "app": "db" }, "ips": ["10.0.0.3"] },
  { "name": "shop/cache-1", "namespace": "shop", "labels": { "app": "cache" }, "ips": ["10.0.0.4"] } ] }
JSON
groups='"groups": { "web": { "labels": { "app": "web" } }, "api": { "labels": { "app": "api" } },
              "db": { "labels": { "app": "db" } }, "cache": { "labels": { "app": "cache" } } }'
cat >"$tmp/enforced.json" <<JSON
{ "version": 1, "name": "shop", "default": "deny", $groups,
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [8080], "action": "allow" },
    { "name": "api-to-db", "from": "api", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" },
    { "name": "api-to-cache", "from": "api", "to": "cache", "proto": "udp", "ports": [6379], "action": "allow" },
    { "name": "legacy-web-to-db", "from": "web", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" },
    { "name": "ops-ssh", "from": "any", "to": "db", "proto": "tcp", "ports": [22], "action": "allow" } ] }
JSON
cat >"$tmp/candidate.json" <<JSON
{ "version": 1, "name": "shop-next", "default": "deny", $groups,
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [8080], "action": "allow" },
    { "name": "api-to-db", "from": "api", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" },
    { "name": "api-to-cache-tcp", "from": "api", "to": "cache", "proto": "tcp", "ports": [6379], "action": "allow" },
    { "name": "web-to-cache", "from": "web", "to": "cache", "proto": "tcp", "ports": [6379], "action": "allow" },
    { "name": "no-web-to-db", "from": "web", "to": "db", "proto": "tcp", "ports": [5432], "action": "deny" },
    { "name": "cache-callback", "from": "cache", "to": "web", "proto": "tcp", "ports": [1], "action": "allow" } ] }
JSON
"$SEGWATCH" capture -r "$tmp/s.pcap" --inventory "$tmp/inv.json" -w "$tmp/flows.jsonl" -q \
	>/dev/null 2>"$tmp/capture.err" || fail "capture: $(cat "$tmp/capture.err")"
[ "$(grep -c '"type":"flow"' "$tmp/flows.jsonl")" = 6 ] || fail "the pcap did not make 6 flows"

"$SEGWATCH" report --policy "$tmp/enforced.json" --staged "$tmp/candidate.json" "$tmp/flows.jsonl" \
	--json >"$tmp/r.json"
rc=$?
[ "$rc" = 1 ] || fail "report --staged exited $rc, not 1 (the enforced policy's violation)"
python3 - "$tmp/r.json" <<'PY' || fail "report --staged JSON"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["staged"]
key = lambda e: (e["src_name"], e["dst_name"], e["proto"], e["port"])
assert s["policy"] == "shop-next", s["policy"]
assert (s["flows"], s["edges"]) == (6, 5), (s["flows"], s["edges"])
assert sorted(map(key, s["newly_denied"])) == [
    ("shop/api-1", "shop/cache-1", "udp", 6379), ("shop/web-1", "shop/db-1", "tcp", 5432)], s["newly_denied"]
assert sorted(map(key, s["newly_allowed"])) == [("shop/web-1", "shop/cache-1", "tcp", 6379)], s["newly_allowed"]
nd = {key(e): e for e in s["newly_denied"]}
e = nd[("shop/web-1", "shop/db-1", "tcp", 5432)]
assert (e["verdict"], e["rule"], e["staged"]["verdict"], e["staged"]["rule"], e["staged"]["rule_name"]) == \
    ("allowed", "/rules/3", "violation", "/rules/4", "no-web-to-db"), e
e = nd[("shop/api-1", "shop/cache-1", "udp", 6379)]
assert (e["rule"], e["staged"]["rule"]) == ("/rules/2", "default"), e
assert s["summary"] == {"newly_denied": {"edges": 2, "flows": 2}, "newly_allowed": {"edges": 1, "flows": 1},
                        "unchanged_edges": 2}, s["summary"]
assert s["verdicts"] == {"allowed": 3, "unmanaged": 0, "monitor": 0, "violation": 2}, s["verdicts"]
assert [u["rule"] for u in s["unused_rules"]] == ["/rules/2", "/rules/5"], s["unused_rules"]
assert [u["rule_name"] for u in s["unused_rules"]] == ["api-to-cache-tcp", "cache-callback"], s["unused_rules"]
assert [u["rule"] for u in s["enforced_unused_rules"]] == ["/rules/4"], s["enforced_unused_rules"]
ch = sorted((c["from"]["verdict"], c["from"].get("rule"), c["to"]["verdict"], c["to"].get("rule"),
             c["flows"], c["edges"]) for c in s["changes"])
assert ch == [("allowed", "/rules/2", "violation", "default", 1, 1),
              ("allowed", "/rules/3", "violation", "/rules/4", 1, 1),
              ("violation", "default", "allowed", "/rules/3", 1, 1)], ch
# the enforced side is the report without --staged, plus the edges' "staged" objects
assert r["summary"]["violation"] == 1 and r["summary"]["allowed"] == 4, r["summary"]
PY

# without --staged: no section; the text names the sections
"$SEGWATCH" report --policy "$tmp/enforced.json" "$tmp/flows.jsonl" --json >"$tmp/plain.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert "staged" not in r' "$tmp/plain.json" ||
	fail "a report without --staged has a staged section"
COLUMNS=132 NO_COLOR=1 "$SEGWATCH" report --policy "$tmp/enforced.json" --staged "$tmp/candidate.json" \
	"$tmp/flows.jsonl" >"$tmp/r.txt"
for want in "staged policy shop-next (a candidate, not enforced): 6 flows on 5 edges judged" \
	"  2 edges newly denied (2 flows), 1 newly allowed (1 flow), 2 unchanged" \
	"newly denied (2 edges):" "newly allowed (1 edge):" "candidate rules never used:" \
	"  /rules/5 (cache-callback): allow" "enforced rules never used:" "  /rules/4 (ops-ssh): allow"; do
	grep -qxF -- "$want" "$tmp/r.txt" || fail "the text has no line \"$want\": $(cat "$tmp/r.txt")"
done

# bad input: a missing or bad candidate is refused before anything is read
"$SEGWATCH" report --policy "$tmp/enforced.json" --staged "$tmp/missing.json" "$tmp/flows.jsonl" \
	>/dev/null 2>"$tmp/err"
[ $? = 3 ] || fail "a missing candidate is not exit 3"
echo '{"version": 1, "groups": {}, "rules": [{"name": "x", "from": "nope", "to": "any", "action": "allow"}]}' \
	>"$tmp/bad.json"
"$SEGWATCH" report --policy "$tmp/enforced.json" --staged "$tmp/bad.json" "$tmp/flows.jsonl" \
	>/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "a bad candidate is not exit 2"
grep -q 'bad.json: /rules/0/from.*unknown group "nope"' "$tmp/err" || fail "the candidate's error: $(cat "$tmp/err")"
"$SEGWATCH" report --staged "$tmp/candidate.json" "$tmp/flows.jsonl" >/dev/null 2>&1
[ $? = 2 ] || fail "--staged without --policy is not a usage error"
echo "report --staged: newly denied, newly allowed, changes and unused rules as the policies say"
