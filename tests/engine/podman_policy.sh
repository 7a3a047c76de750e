#!/usr/bin/env bash
# podman_policy.sh SEGWATCH - a policy enforced on real containers (podman,
# runc, netavark with its own iptables rules) with `segwatch policy apply
# --engine --watch`:
#   - groups come from container labels; allowed connections pass, others are
#     dropped, over IPv4 and IPv6, although netavark's own forward rules accept
#     container traffic (our drop holds whatever their tables say)
#   - a container started after the apply joins its group's sets and is judged
#     like its peers; one that stops leaves them
#   - remove gives the containers their old connectivity back and leaves
#     netavark's rules as they were
set -u
SEGWATCH=${1:?usage: podman_policy.sh SEGWATCH}
# shellcheck source=tests/engine/podman_lib.sh
. "$(dirname "$0")/podman_lib.sh" ppol
LOG=$TMP/watch.out
WATCH_PID=
podman_up
must_pass() { reach "$1" "$2" || fail "$1 -> $2 should pass"; }
must_drop() { reach "$1" "$2" && fail "$1 -> $2 should be dropped"; return 0; }

"$LAB" run api1 --label app=api -- sh -c "$SERVE" >/dev/null || fail "run api1"
"$LAB" run db1 --label app=db -- sh -c "$SERVE" >/dev/null || fail "run db1"
"$LAB" run web1 --label app=web -- sleep 600 >/dev/null || fail "run web1"
API=$(ip_of api1 IPAddress) DB=$(ip_of db1 IPAddress)
API6=$(ip_of api1 GlobalIPv6Address) DB6=$(ip_of db1 GlobalIPv6Address)
[ -n "$API6" ] && [ -n "$DB6" ] || fail "no IPv6 addresses ($API6, $DB6)"
sleep 0.5
must_pass web1 "$DB"	# before the policy: everyone reaches everyone
in_ns iptables-save | grep -c NETAVARK >"$TMP/netavark.before"
[ "$(cat "$TMP/netavark.before")" -gt 0 ] || fail "netavark wrote no iptables rules in the lab"

cat >"$TMP/policy.json" <<'EOF'
{
  "version": 1, "name": "podman-test", "mode": "enforce", "default": "deny",
  "intra_group": "allow",
  "groups": {
    "web": { "labels": { "app": "web" } },
    "api": { "labels": { "app": "api" } },
    "db":  { "labels": { "app": "db" } }
  },
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [80], "action": "allow" },
    { "name": "api-to-db", "from": "api", "to": "db", "proto": "tcp", "ports": [80], "action": "allow" }
  ]
}
EOF
"$LAB" exec "$SEGWATCH" policy apply "$TMP/policy.json" --engine "$SW_PODMAN_DIR/podman.sock" \
	--watch >"$TMP/watch.out" 2>&1 &
WATCH_PID=$!
BG_PIDS="$BG_PIDS $WATCH_PID"
for _ in $(seq 100); do grep -q watching "$TMP/watch.out" && break; sleep 0.1; done
grep -q watching "$TMP/watch.out" || fail "apply --watch did not start"
in_ns nft list set inet segwatch g1_api_v4 | grep -qF "$API" || fail "api1 is not in the api set"

must_pass web1 "$API"
must_pass web1 "$API6"
must_pass api1 "$DB"
must_drop web1 "$DB"
must_drop web1 "$DB6"
must_drop db1 "$API"
ok "web -> api and api -> db pass; web -> db and db -> api are dropped (IPv4 and IPv6)"

# a container started after the apply joins its group
"$LAB" run web2 --label app=web -- sleep 600 >/dev/null || fail "run web2"
WEB2=$(ip_of web2 IPAddress)
for _ in $(seq 50); do
	in_ns nft list set inet segwatch g0_web_v4 2>/dev/null | grep -qF "$WEB2" && break
	sleep 0.1
done
in_ns nft list set inet segwatch g0_web_v4 | grep -qF "$WEB2" || fail "web2 did not join the web set"
must_pass web2 "$API"
must_drop web2 "$DB"
ok "web2, started later, joined the web set: $(grep -m1 '^membership' "$TMP/watch.out")"

"$LAB" podman rm -f -t 0 web2 >/dev/null || fail "rm web2"
for _ in $(seq 50); do
	in_ns nft list set inet segwatch g0_web_v4 | grep -qF "$WEB2" || break
	sleep 0.1
done
in_ns nft list set inet segwatch g0_web_v4 | grep -qF "$WEB2" && fail "web2 is still in the web set"
ok "web2 stopped and left the set: $(grep '^membership' "$TMP/watch.out" | tail -1)"

"$LAB" exec "$SEGWATCH" policy status --json >"$TMP/status.json" || fail "status"
python3 - "$TMP/status.json" <<'PY' || fail "status counters"
import json, sys
st = json.load(open(sys.argv[1]))
rules = {r.get("comment", ""): r for r in st["rules"]}
hit = [c for c, r in rules.items() if "web-to-api" in c and r["packets"] > 0]
dropped = [c for c, r in rules.items() if "default" in c and r["packets"] > 0]
assert hit, f"web-to-api counted nothing: {list(rules)}"
assert dropped, f"the default counted no drop: {list(rules)}"
print("ok: counters: web-to-api and the default deny both counted packets")
PY

kill "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=
"$LAB" exec "$SEGWATCH" policy remove >/dev/null || fail "remove"
in_ns nft list tables | grep -q segwatch && fail "table left behind"
must_pass web1 "$DB"
in_ns iptables-save | grep -c NETAVARK | cmp -s - "$TMP/netavark.before" ||
	fail "netavark's rules changed"
ok "after remove web -> db passes again; netavark's $(cat "$TMP/netavark.before") rules untouched"
echo "PASS"
