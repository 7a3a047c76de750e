#!/bin/bash
# agent_web.sh SEGWATCH - the agent's live graph (docs/web.md) in a namespace
# lab, seen by a real headless Chromium driven over the DevTools protocol:
#   - the page loads from the agent (its default address, 127.0.0.1:9618 of
#     the lab's host namespace) with the documented CSP header;
#   - a connection made in the lab shows on the page as a new edge within
#     2 s (measured and printed); a port filter typed in the page changes
#     what is drawn; a node's details list its recent flows; no console
#     error, no request but to the agent;
#   - the API by hand: bad parameters are 400 with a JSON error; the flows
#     of a node; a verdict filter judged by the policy; alerts with their
#     sequence numbers, as many as the alert file has;
#   - a token set by SIGHUP: 401 without it or with a wrong one, 200 with
#     the header or ?token=; a non-loopback address without a token is a
#     config error placed at /web/listen.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
WEB=127.0.0.1:9618
TOKEN=0123456789abcdef-web-test

ns_require "$SEGWATCH" curl
chromium=$(command -v chromium || command -v chromium-browser) || skip "chromium is not installed"
/usr/bin/python3 -c 'import websocket' 2>/dev/null || skip "python3-websocket is not installed (tools/deps.sh)"
AGENT_PID=
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
start_servers
serve_db "$NS_C"	# tcp 5432, the "database" the policy keeps clients from

cat >"$TMP/policy.json" <<-JSON
{
  "version": 1, "name": "web-test", "mode": "enforce", "default": "deny",
  "groups": {
    "clients": { "names": ["$NS_A"] },
    "servers": { "names": ["$NS_B"] },
    "dbs":     { "names": ["$NS_C"] }
  },
  "rules": [
    { "name": "clients-to-servers", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" },
    { "name": "clients-to-servers-udp", "from": "clients", "to": "servers", "proto": "udp", "ports": [7003], "action": "allow" }
  ]
}
JSON
# judge: verdicts and alerts, no ruleset (the denied connection still passes)
cat >"$TMP/agent.json" <<-JSON
{
  "identity": { "engine": "off" },
  "policy": { "file": "policy.json", "mode": "judge", "nflog_group": null },
  "history": { "dir": "history", "compress": false },
  "capture": { "filter": "ip", "timeouts": { "tcp": "5s", "tcp_closed": "1s", "udp": "2s" } },
  "metrics": { "listen": "127.0.0.1:9617" },
  "alerts": { "output": "alerts.jsonl" },
  "log": { "target": "stderr", "level": "info" }
}
JSON

# a config error first: every other address needs a token
cat >"$TMP/open.json" <<-JSON
{ "web": { "listen": "0.0.0.0:9618" } }
JSON
"$SEGWATCH" agent check "$TMP/open.json" >"$TMP/check.out" 2>&1 && fail "0.0.0.0 without a token was accepted"
grep -q '/web/listen: error: .*not a loopback address' "$TMP/check.out" ||
	fail "the error is not placed at /web/listen: $(cat "$TMP/check.out")"
echo "config: a non-loopback listen address without a token is refused at /web/listen"

ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
BG_PIDS="$BG_PIDS $AGENT_PID"
wait_for_file "$TMP/agent.err" "started: capturing on" 10 || fail "the agent did not start"
grep -q "live graph: http://$WEB/" "$TMP/agent.err" || fail "the agent does not say where the live graph is"
web() { nsx "$NS_H" curl -sS "$@"; }

# traffic before the page: a -> b tcp 7001 and udp 7003 (two edges that stay)
nsx "$NS_A" python3 - "$SWT_B4" <<-'PY' || fail "the traffic did not pass"
import socket, sys
b = sys.argv[1]
for _ in range(3):
    s = socket.create_connection((b, 7001), timeout=2); s.sendall(b"q" * 100)
    got = b""
    while len(got) < 300:
        d = s.recv(4096)
        if not d:
            break
        got += d
    s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(b"x" * 10, (b, 7003)); u.recvfrom(4096)
PY

# the page, its headers
web -D "$TMP/page.h" -o "$TMP/page.html" "http://$WEB/" || fail "GET / failed"
grep -qi "^content-security-policy: default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:" "$TMP/page.h" ||
	fail "no CSP header: $(cat "$TMP/page.h")"
grep -q "connect-src 'self'" "$TMP/page.html" || fail "the page's own CSP does not let it fetch from the agent"
grep -qE 'https?://' <(grep -v 'http-equiv' "$TMP/page.html" | grep -oE '(src|href)="[^"]*"') &&
	fail "the page names another origin"

# Chromium: a new edge within 2 s, a filter, no error, no outside request
connect="ip netns exec $NS_A /usr/bin/python3 -c 'import socket, time; t = time.time(); s = socket.create_connection((\"$SWT_C4\", 5432), timeout=2); s.recv(16); s.close(); print(t * 1000)'"
nsx "$NS_H" /usr/bin/python3 "$HERE/web_cdp.py" "$chromium" "http://$WEB/" "http://$WEB" "$connect" 5432 7001 "$NS_C" \
	>"$TMP/cdp.log" 2>&1
rc=$?
[ $rc = 77 ] && skip "$(cat "$TMP/cdp.log")"
[ $rc = 0 ] || fail "the live page in Chromium: $(cat "$TMP/cdp.log")"
echo "chromium: $(tail -1 "$TMP/cdp.log")"
python3 -c 'import json, sys; print("new edge a -> c:5432 on the page after %d ms (at most 2000)" % json.loads(sys.argv[1])["new_edge_ms"])' \
	"$(tail -1 "$TMP/cdp.log")"

# the API by hand
status() { web -o "$TMP/body" -w '%{http_code}' "$@"; }
for q in 'port=abc' 'bogus=1' 'since=1m&since=2m' 'state=estab' 'group_by=' 'all=maybe' 'limit=5' 'from=group:nope' \
	'port=%zz'; do
	code=$(status "http://$WEB/api/graph?$q")
	[ "$code" = 400 ] || fail "/api/graph?$q answered $code, not 400"
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert isinstance(d["error"], str) and d["error"]' "$TMP/body" ||
		fail "/api/graph?$q: no JSON error: $(cat "$TMP/body")"
done
[ "$(status "http://$WEB/api/alerts?port=1")" = 400 ] || fail "/api/alerts took a flow filter"
[ "$(status "http://$WEB/api/nothing")" = 404 ] || fail "an unknown path was not 404"
[ "$(status -X POST "http://$WEB/api/graph")" = 405 ] || fail "POST was not 405"
echo "API: bad parameters are 400 with a JSON error"

[ "$(status "http://$WEB/api/flows?peer=name:$NS_C&limit=50")" = 200 ] || fail "/api/flows: $(cat "$TMP/body")"
python3 - "$TMP/body" <<-'PY' || fail "the flows of c"
import json, sys
d = json.load(open(sys.argv[1]))
f = d["flows"]
assert f and all(r["dport"] == 5432 for r in f), f
print("API: c's flows: %d, all to tcp/5432" % len(f))
PY
[ "$(status "http://$WEB/api/graph?verdict=denied")" = 200 ] || fail "/api/graph?verdict=denied: $(cat "$TMP/body")"
python3 - "$TMP/body" <<-'PY' || fail "the denied edges"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["edges"]
assert e and all(x["port"] == 5432 and x["verdict"] == "violation" for x in e), e
print("API: verdict=denied: %d edge(s), a -> c:5432, violation" % len(e))
PY
[ "$(status "http://$WEB/api/graph?port=7001,7003&group_by=group")" = 200 ] || fail "group_by=group: $(cat "$TMP/body")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); ids = sorted(n["id"] for n in d["nodes"]); assert ids == ["group:clients", "group:servers"], ids' \
	"$TMP/body" || fail "group_by=group: $(cat "$TMP/body")"
wait_for_file "$TMP/alerts.jsonl" '"type":"alert"' 10 || fail "no alert written"
sleep 1
[ "$(status "http://$WEB/api/alerts?after=0")" = 200 ] || fail "/api/alerts: $(cat "$TMP/body")"
python3 - "$TMP/body" "$TMP/alerts.jsonl" <<-'PY' || fail "alerts"
import json, sys
d = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
seqs = [a["seq"] for a in d["alerts"]]
assert seqs == list(range(1, len(lines) + 1)), (seqs, len(lines))
assert [a["alert"] for a in d["alerts"]] == lines
assert d["last_seq"] == len(lines)
print("API: %d alerts, numbered 1..%d, the same as the alert file" % (len(seqs), len(seqs)))
PY
[ "$(status "http://$WEB/api/alerts?after=1")" = 200 ] || fail "/api/alerts?after=1"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert all(a["seq"] > 1 for a in d["alerts"])' "$TMP/body" ||
	fail "after=1 gave older alerts"

# a token, by reload
python3 - "$TMP/agent.json" "$TOKEN" <<-'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["web"] = {"listen": "127.0.0.1:9618", "token": sys.argv[2]}
json.dump(c, open(sys.argv[1], "w"))
PY
kill -HUP "$AGENT_PID"
wait_for_file "$TMP/agent.err" "(token required)" 10 || fail "the reload did not take the token"
[ "$(status "http://$WEB/api/graph")" = 401 ] || fail "no token: not 401"
[ "$(status "http://$WEB/")" = 401 ] || fail "the page without a token: not 401"
[ "$(status -H "Authorization: Bearer wrong-$TOKEN" "http://$WEB/api/graph")" = 401 ] || fail "a wrong token: not 401"
[ "$(status -H "Authorization: Bearer $TOKEN" "http://$WEB/api/graph")" = 200 ] || fail "the token in the header: not 200"
[ "$(status "http://$WEB/?token=$TOKEN")" = 200 ] || fail "the token in the URL: not 200"
echo "token: 401 without or wrong, 200 with the header or ?token="

# the server's counters on /metrics (the server was moved by the reload: counted since)
metric() { nsx "$NS_H" curl -sf http://127.0.0.1:9617/metrics | awk -v m="$1" '$1 == m { print $2 }'; }
# the page is rendered once a second: wait for one taken after the last request
for _ in $(seq 30); do [ "$(metric segwatch_web_requests_total)" = 5 ] && break; sleep 0.1; done
[ "$(metric 'segwatch_web_requests_refused_total{reason="unauthorized"}')" = 3 ] || fail "401s on /metrics: $(metric 'segwatch_web_requests_refused_total{reason="unauthorized"}')"
[ "$(metric segwatch_web_requests_total)" = 5 ] || fail "requests on /metrics: $(metric segwatch_web_requests_total)"
[ "$(metric segwatch_web_alerts)" -ge 1 ] || fail "no alert kept, says /metrics"
echo "metrics: 5 requests since the reload, 3 unauthorized; $(metric segwatch_web_flows) flows and $(metric segwatch_web_alerts) alerts kept"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "the agent exited with status $?"
echo "PASS"
