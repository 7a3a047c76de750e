#!/bin/bash
# policy_enforce.sh SEGWATCH - a policy applied with `segwatch policy apply`
# judges real packets between containers on a bridge: allowed connections
# pass (and their return traffic), others are dropped and counted, monitor
# mode drops nothing but counts, a bad policy leaves the ruleset in force,
# and `remove` leaves no trace.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
NS_D=swt$ID-d PD=swpd$ID SWT_D4=10.78.0.4 SWT_D6=fd00:78::4

ns_require "$SEGWATCH" nft
WATCH_PID=
enforce_cleanup() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
	ip netns del "$NS_D" 2>/dev/null
	cleanup
}
trap enforce_cleanup EXIT
trap 'enforce_cleanup; exit 130' INT TERM

topo_up
start_servers
serve_db "$NS_C"	# tcp 5432, the "database" the policy keeps clients from
sleep 0.3

policy() { # policy MODE FILE
	cat >"$2" <<-JSON
	{
	  "version": 1,
	  "name": "enforce-test",
	  "mode": "$1",
	  "default": "deny",
	  "groups": {
	    "clients": { "names": ["$NS_A", "$NS_D"] },
	    "servers": { "names": ["$NS_B"] },
	    "dbs":     { "names": ["$NS_C"] }
	  },
	  "rules": [
	    { "name": "clients-to-servers", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" },
	    { "name": "servers-to-dbs", "from": "servers", "to": "dbs", "proto": "tcp", "ports": [5432], "action": "allow" }
	  ]
	}
	JSON
}
tcp_ok() { # tcp_ok NS ADDR PORT: a connection is answered
	nsx "$1" python3 -c "import socket,sys; s=socket.create_connection(('$2',$3),timeout=1.5); s.close()" 2>/dev/null
}
sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }

before=$(nsx "$NS_H" nft -j list ruleset)
policy enforce "$TMP/enforce.json"
sw policy check "$TMP/enforce.json" || fail "policy check"
sw policy apply "$TMP/enforce.json" --no-engine >"$TMP/apply.out" || fail "policy apply: $(cat "$TMP/apply.out")"
cat "$TMP/apply.out"
# bridged frames reach the inet forward hook only through br_netfilter
if [ "$(ip netns exec "$NS_H" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != 1 ]; then
	echo "SKIP: br_netfilter is not available here: bridged traffic cannot be judged"
	exit 77
fi

tcp_ok "$NS_A" "$SWT_B4" 7001 || fail "allowed a -> b:7001 did not pass"
tcp_ok "$NS_B" "$SWT_C4" 5432 || fail "allowed b -> c:5432 did not pass"
tcp_ok "$NS_A" "$SWT_C4" 5432 && fail "denied a -> c:5432 passed"
tcp_ok "$NS_C" "$SWT_B4" 7001 && fail "denied c -> b:7001 passed"
tcp_ok "$NS_A" "$SWT_B6" 7001 || fail "allowed a -> b:7001 over IPv6 did not pass"
tcp_ok "$NS_A" "$SWT_C6" 5432 && fail "denied a -> c:5432 over IPv6 passed"
echo "enforce: allowed connections pass with their answers, denied ones are dropped"

sw policy status --json >"$TMP/status.json" || fail "policy status"
python3 - "$TMP/status.json" <<'PY' || fail "counters do not show the traffic"
import json, sys
st = json.load(open(sys.argv[1]))
assert st["applied"], st
by = {}
for r in st["rules"]:
    by.setdefault(r["comment"].split(" ")[0], 0)
    by[r["comment"].split(" ")[0]] += r["packets"]
assert by.get("rules/0", 0) >= 2 and by.get("rules/1", 0) >= 1, by   # first packets of allowed connections
assert by.get("default", 0) >= 3, by                                   # the denied SYNs (with retries)
assert by.get("return", 0) >= 2, by                                    # established traffic
sets = {s["name"]: s["elements"] for s in st["sets"]}
assert sets["g0_clients_v4"] == 1 and sets["g2_dbs_v4"] == 1 and sets["managed_v4"] == 3, sets
pol = st["policy"]   # read back from the table's comment
assert pol["name"] == "enforce-test" and pol["mode"] == "enforce", pol
assert pol["rules"] == 2 and pol["groups"] == 3 and pol["file"].endswith("/enforce.json"), pol
assert pol["applied_at"].endswith("Z"), pol
acts = {(r["comment"], r["family"]): r["action"] for r in st["rules"]}
assert acts[("rules/0 clients-to-servers", "ip")] == "allow", acts
assert acts[("default deny between managed addresses", "ip6")] == "deny", acts
print("counters:", by, "sets:", sets, "policy:", pol["name"], pol["mode"])
PY

# a bad policy: refused, and the ruleset in force stays as it was
# counters move with neighbour discovery in the background: compare without them
ruleset() { nsx "$NS_H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'; }
applied=$(ruleset)
echo '{"version": 1, "groups": {}, "rules": [{"from": "nope", "to": "any", "action": "allow"}]}' >"$TMP/bad.json"
sw policy apply "$TMP/bad.json" --no-engine 2>"$TMP/bad.err" && fail "a bad policy was applied"
grep -q 'unknown group "nope"' "$TMP/bad.err" || fail "no clear error: $(cat "$TMP/bad.err")"
[ "$(ruleset)" = "$applied" ] || { diff <(echo "$applied") <(ruleset); fail "a refused policy changed the ruleset"; }
echo "bad policy: refused, ruleset unchanged"

# monitor mode: nothing is dropped, what would be is counted
policy monitor "$TMP/monitor.json"
sw policy apply "$TMP/monitor.json" --no-engine >/dev/null || fail "apply monitor"
tcp_ok "$NS_A" "$SWT_C4" 5432 || fail "monitor mode dropped a -> c:5432"
sw policy status --json >"$TMP/status2.json"
python3 - "$TMP/status2.json" <<'PY' || fail "monitor mode did not count"
import json, sys
st = json.load(open(sys.argv[1]))
n = sum(r["packets"] for r in st["rules"] if r["comment"].startswith("default"))
assert n >= 1, st["rules"]
assert st["policy"]["mode"] == "monitor", st["policy"]
assert all(r["action"] == "monitor" for r in st["rules"] if r["comment"].startswith("default")), st["rules"]
print("monitor: passed, counted", n)
PY

# membership follows containers: with --watch, a client started later is let in
sw policy apply "$TMP/enforce.json" --no-engine --watch >"$TMP/watch.out" 2>&1 &
WATCH_PID=$!
for _ in $(seq 50); do grep -q watching "$TMP/watch.out" && break; sleep 0.1; done
add_container "$NS_D" "$PD" "$SWT_D4" "$SWT_D6"
for _ in $(seq 50); do grep -q "10\|+" "$TMP/watch.out" && grep -q "^set g0_clients_v4: +1" "$TMP/watch.out" && break; sleep 0.1; done
cat "$TMP/watch.out"
grep -q "^  set g0_clients_v4: +1 -0" "$TMP/watch.out" || fail "the new client's address was not added to its set"
grep -q "^membership: .* one batch in" "$TMP/watch.out" || fail "no batch timing: $(cat "$TMP/watch.out")"
tcp_ok "$NS_D" "$SWT_B4" 7001 || fail "a new client d -> b:7001 was not let in"
tcp_ok "$NS_D" "$SWT_C4" 5432 && fail "new client d -> c:5432 passed"
ip netns del "$NS_D"
for _ in $(seq 50); do grep -q "^  set g0_clients_v4: +0 -1" "$TMP/watch.out" && break; sleep 0.1; done
grep -q "^  set g0_clients_v4: +0 -1" "$TMP/watch.out" || fail "the stopped client's address stayed in its set"
kill -TERM "$WATCH_PID"; wait "$WATCH_PID"; WATCH_PID=
echo "watch: membership changes applied as set updates"

sw policy remove >/dev/null || fail "policy remove"
after=$(nsx "$NS_H" nft -j list ruleset)
[ "$before" = "$after" ] || fail "remove left a trace: $after"
tcp_ok "$NS_A" "$SWT_C4" 5432 || fail "after remove a -> c:5432 is still dropped"
echo "remove: ruleset as before"
echo "PASS"
