#!/bin/bash
# agent_staged.sh SEGWATCH - a staged policy (docs/policy.md "Staged
# policies") in a namespace lab: `segwatch agent` enforces one policy and
# judges every flow by a candidate too. Real connections:
#   a -> b tcp/7001  allowed by both (rule 0 of each)
#   a -> c tcp/5432  allowed now (rule 1), denied by the candidate (its rule 1)
#   a -> b udp/7003  denied now (the default), allowed by the candidate (its rule 2)
# Then:
#   - the kernel holds the enforced policy only: a -> c:5432 still connects,
#     a -> b udp/7003 is still dropped, the table names the enforced policy
#     and none of the candidate's rules;
#   - /metrics counts one newly denied and one newly allowed flow, and the
#     candidate's rule hits; the live graph's /api/graph edges carry the
#     candidate's verdict;
#   - SIGHUP with a bad candidate is refused (the ruleset unchanged);
#   - the history's flow records carry "staged" verdicts, rules and changes;
#   - `segwatch report --policy E --staged C HISTORY` lists exactly the edges
#     and unused rules the two policies say (written here by hand).
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
METRICS=127.0.0.1:9641 WEB=127.0.0.1:9642

ns_require "$SEGWATCH" nft
AGENT_PID=
staged_cleanup() {
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null
	cleanup
}
trap staged_cleanup EXIT
trap 'staged_cleanup; exit 130' INT TERM
SECONDS=0

topo_up
start_servers
serve_db "$NS_C"

cat >"$TMP/enforced.json" <<JSON
{ "version": 1, "name": "staged-test-now", "mode": "enforce", "default": "deny",
  "groups": { "clients": { "names": ["$NS_A"] }, "servers": { "names": ["$NS_B"] },
              "dbs": { "names": ["$NS_C"] } },
  "rules": [
    { "name": "clients-to-servers", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" },
    { "name": "clients-to-dbs", "from": "clients", "to": "dbs", "proto": "tcp", "ports": [5432], "action": "allow" },
    { "name": "servers-to-dbs", "from": "servers", "to": "dbs", "proto": "tcp", "ports": [6379], "action": "allow" } ] }
JSON
cat >"$TMP/candidate.json" <<JSON
{ "version": 1, "name": "staged-test-next", "mode": "enforce", "default": "deny",
  "groups": { "clients": { "names": ["$NS_A"] }, "servers": { "names": ["$NS_B"] },
              "dbs": { "names": ["$NS_C"] } },
  "rules": [
    { "name": "clients-to-servers", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" },
    { "name": "cand-no-clients-to-dbs", "from": "clients", "to": "dbs", "proto": "tcp", "ports": [5432], "action": "deny" },
    { "name": "cand-clients-udp", "from": "clients", "to": "servers", "proto": "udp", "ports": [7003], "action": "allow" },
    { "name": "cand-never-used", "from": "dbs", "to": "clients", "proto": "tcp", "ports": [1], "action": "allow" } ] }
JSON
cat >"$TMP/agent.json" <<JSON
{
  "identity": { "engine": "off" },
  "policy": { "file": "enforced.json", "staged": "candidate.json", "nflog_group": 46 },
  "history": { "dir": "history", "rotate_every": "1h" },
  "capture": { "timeouts": { "tcp": "2s", "tcp_closed": "1s", "udp": "2s", "icmp": "2s" } },
  "metrics": { "listen": "$METRICS" },
  "web": { "listen": "$WEB" },
  "log": { "target": "stderr", "level": "info" }
}
JSON
sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }
sw agent check "$TMP/agent.json" >"$TMP/check.out" 2>&1 || fail "agent check: $(cat "$TMP/check.out")"
grep -q 'staged .*candidate.json' "$TMP/check.out" || fail "agent check does not name the staged policy"

ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
wait_for_file "$TMP/agent.err" "started: capturing on" 10 || fail "the agent did not start"

# the kernel: the enforced policy, nothing of the candidate
ruleset() { nsx "$NS_H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+//'; }
ruleset >"$TMP/ruleset.txt"
[ "$(grep -c '^table ' "$TMP/ruleset.txt")" = 1 ] || fail "more than segwatch's table: $(grep '^table' "$TMP/ruleset.txt")"
grep -q 'comment "segwatch policy=staged-test-now mode=enforce rules=3' "$TMP/ruleset.txt" ||
	fail "the table is not the enforced policy: $(grep comment "$TMP/ruleset.txt" | head -3)"
grep -q 'staged-test-next\|cand-' "$TMP/ruleset.txt" && fail "the candidate reached the kernel"

tcp_ok() { # tcp_ok NS ADDR PORT SPORT: a connection is answered
	nsx "$1" python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', $4)); s.settimeout(1.5); s.connect(('$2', $3)); s.close()" 2>/dev/null
}
udp_answered() { # udp_answered NS ADDR PORT SPORT: b's udp server echoes
	nsx "$1" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', $4)); s.settimeout(1.0)
s.sendto(b'x', ('$2', $3)); s.recvfrom(100)" 2>/dev/null
}
tcp_ok "$NS_A" "$SWT_B4" 7001 42001 || fail "a -> b:7001 (allowed by both) did not pass"
tcp_ok "$NS_A" "$SWT_C4" 5432 42002 ||
	fail "a -> c:5432 (allowed now, denied by the candidate) did not pass: the candidate was enforced"
udp_answered "$NS_A" "$SWT_B4" 7003 42003 &&
	fail "a -> b udp/7003 (denied now, allowed by the candidate) was answered: the candidate was enforced"
echo "kernel: the enforced policy only (a -> c:5432 passes, udp/7003 dropped)"

# /metrics once the flows ended (idle timeouts of 1-2 s)
metric() { # metric 'NAME{LABELS}': its value on the page, or "none"
	nsx "$NS_H" python3 -c "
import sys, urllib.request
page = urllib.request.urlopen('http://$METRICS/metrics', timeout=2).read().decode()
for line in page.splitlines():
    if line.startswith(sys.argv[1] + ' '):
        print(line.split()[-1]); break
else:
    print('none')" "$1" 2>/dev/null || echo none
}
nd='segwatch_staged_changes_total{change="newly_denied"}'
na='segwatch_staged_changes_total{change="newly_allowed"}'
for _ in $(seq 50); do
	[ "$(metric "$nd")" = 1 ] && [ "$(metric "$na")" = 1 ] && break
	sleep 0.2
done
[ "$(metric "$nd")" = 1 ] || fail "$nd is $(metric "$nd"), not 1"
[ "$(metric "$na")" = 1 ] || fail "$na is $(metric "$na"), not 1"
h1=$(metric 'segwatch_staged_rule_hits_total{rule="/rules/1",name="cand-no-clients-to-dbs"}')
h3=$(metric 'segwatch_staged_rule_hits_total{rule="/rules/3",name="cand-never-used"}')
[ "$h1" = 1 ] || fail "candidate rule 1 hits: $h1, not 1"
[ "$h3" = 0 ] || fail "candidate rule 3 hits: $h3, not 0"
if command -v promtool >/dev/null; then # the page as Prometheus reads it
	nsx "$NS_H" python3 -c "
import urllib.request
print(urllib.request.urlopen('http://$METRICS/metrics', timeout=2).read().decode(), end='')" \
		>"$TMP/page.txt" || fail "GET /metrics"
	promtool check metrics <"$TMP/page.txt" >"$TMP/lint.log" 2>&1 || fail "promtool: $(cat "$TMP/lint.log")"
fi
echo "metrics: 1 newly denied, 1 newly allowed, candidate rule hits counted"

# the live graph: each edge as both policies judge it
nsx "$NS_H" python3 - "http://$WEB/api/graph" <<'PY' || fail "/api/graph staged"
import json, sys, urllib.request
g = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
e = {(x["proto"], x.get("port")): x for x in g["edges"]}
want = {("tcp", 7001): ("allowed", "allowed"), ("tcp", 5432): ("allowed", "violation"),
        ("udp", 7003): ("violation", "allowed")}
for k, (now, cand) in want.items():
    assert k in e, "no edge %s: %s" % (k, sorted(e))
    got = (e[k].get("verdict"), e[k].get("staged", {}).get("verdict"))
    assert got == (now, cand), "edge %s: %s, expected %s" % (k, got, (now, cand))
print("live graph: edges carry the enforced and the staged verdict")
PY

# SIGHUP with a bad candidate: refused, the ruleset in force stays
cp "$TMP/candidate.json" "$TMP/candidate.good"
echo '{"version": 1, "groups": {}, "rules": [{"name": "x", "from": "nope", "to": "any", "action": "allow"}]}' \
	>"$TMP/candidate.json"
kill -HUP "$AGENT_PID"
wait_for_file "$TMP/agent.err" "reload refused" 10 || fail "a bad candidate was not refused"
grep -q 'candidate.json: /rules/0/from.*unknown group "nope"' "$TMP/agent.err" ||
	fail "the refusal does not place the candidate's error: $(grep candidate "$TMP/agent.err" | tail -3)"
ruleset >"$TMP/ruleset2.txt"
cmp -s "$TMP/ruleset.txt" "$TMP/ruleset2.txt" || fail "a refused reload changed the ruleset"
cp "$TMP/candidate.good" "$TMP/candidate.json"
echo "SIGHUP, bad candidate: refused, ruleset unchanged"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" = 0 ] || fail "the agent exited $rc on SIGTERM"
ruleset >"$TMP/ruleset3.txt"
grep -q 'staged-test-next\|cand-' "$TMP/ruleset3.txt" && fail "the candidate reached the kernel"

# the history: each flow of a carries the candidate's word
python3 - "$TMP/history" "$SWT_A4" "$SWT_B4" "$SWT_C4" <<'PY' || fail "history records"
import json, os, subprocess, sys
hist, a, b, c = sys.argv[1:5]
out = subprocess.run(["zstdcat", "-f"] + sorted(os.path.join(hist, f) for f in os.listdir(hist)
                     if ".jsonl" in f), capture_output=True, text=True, check=True).stdout
want = {  # (dst, proto, dport) -> staged object, from the two policies
    (b, "tcp", 7001): {"verdict": "allowed", "rule": "/rules/0", "rule_name": "clients-to-servers"},
    (c, "tcp", 5432): {"verdict": "denied", "rule": "/rules/1", "rule_name": "cand-no-clients-to-dbs",
                       "change": "newly_denied"},
    (b, "udp", 7003): {"verdict": "allowed", "rule": "/rules/2", "rule_name": "cand-clients-udp",
                       "change": "newly_allowed"},
}
seen, unstaged = {}, 0
for line in out.splitlines():
    r = json.loads(line)
    if r.get("type") != "flow":
        continue
    if "staged" not in r:
        unstaged += 1
        continue
    k = (r["dst"], r["proto"], r.get("dport"))
    if r["src"] == a and k in want:
        seen[k] = r["staged"]
bad = 0
for k, v in want.items():
    if seen.get(k) != v:
        print("flow to %s: staged %s, expected %s" % (k, seen.get(k), v))
        bad += 1
if unstaged:
    print("%d flow records without \"staged\"" % unstaged)
    bad += 1
print("history: %d of %d expected flows carry the expected staged verdicts" % (len(want) - bad, len(want)))
sys.exit(1 if bad else 0)
PY

# the report from the history: the differences the two policies say
sw report --policy "$TMP/enforced.json" --staged "$TMP/candidate.json" "$TMP/history" --json \
	>"$TMP/report.json"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "report exited $rc"
python3 - "$TMP/report.json" "$NS_A" "$NS_B" "$NS_C" <<'PY' || fail "report --staged"
import json, sys
r, a, b, c = json.load(open(sys.argv[1])), *sys.argv[2:5]
s = r["staged"]
edges = lambda lst: sorted((e["src_name"], e["dst_name"], e["proto"], e["port"]) for e in lst)
assert s["policy"] == "staged-test-next", s["policy"]
assert edges(s["newly_denied"]) == [(a, c, "tcp", 5432)], s["newly_denied"]
assert edges(s["newly_allowed"]) == [(a, b, "udp", 7003)], s["newly_allowed"]
assert [u["rule"] for u in s["unused_rules"]] == ["/rules/3"], s["unused_rules"]
assert [u["rule"] for u in s["enforced_unused_rules"]] == ["/rules/2"], s["enforced_unused_rules"]
assert s["summary"]["newly_denied"] == {"edges": 1, "flows": 1}, s["summary"]
assert s["summary"]["newly_allowed"] == {"edges": 1, "flows": 1}, s["summary"]
ch = {(x["from"]["verdict"], x["from"].get("rule"), x["to"]["verdict"], x["to"].get("rule"))
      for x in s["changes"]}
assert ch == {("allowed", "/rules/1", "violation", "/rules/1"),
              ("violation", "default", "allowed", "/rules/2")}, s["changes"]
print("report --staged: 1 newly denied, 1 newly allowed, unused rules as written")
PY
sw policy remove >/dev/null
echo "done in ${SECONDS}s"
echo PASS
