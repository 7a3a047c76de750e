#!/usr/bin/env bash
# docker_policy.sh SEGWATCH - a policy enforced on real Docker containers
# (docker.io 20.10 from Debian, its iptables-nft rules in `ip filter` and
# `ip6 filter`) with `segwatch policy apply --engine --watch`:
#   - Docker bridges the containers' traffic and sets br_netfilter's
#     bridge-nf-call-iptables itself, so bridged frames meet the inet forward
#     hook, where Docker's FORWARD chain accepts traffic inside its network
#     and segwatch's chain (priority -10) judges it first
#   - groups come from container labels; allowed connections pass, others
#     are dropped, over IPv4 and IPv6, although Docker's own rules accept them
#   - a container started after the apply joins its group's sets and is
#     judged like its peers; one that stops leaves them, and joins again
#     when it starts again
#   - remove gives the containers their old connectivity back and leaves
#     Docker's tables exactly as they were (nft -s list ruleset, iptables-save)
# Exit: 0 pass, 1 fail, 77 skip (not root, or dockerd cannot run here).
set -u
SEGWATCH=${1:?usage: docker_policy.sh SEGWATCH}
# shellcheck source=tests/engine/docker_lib.sh
. "$(dirname "$0")/docker_lib.sh" pol
NET=swdk-pol
BR=swdp$$
SUB4=10.213.42.0/24 SUB6=fd42:213:42::/64
LOG=$TMP/watch.out
WATCH_PID=
[ -x "$SEGWATCH" ] || fail "no segwatch at $SEGWATCH"
docker_up
docker_net "$NET" "$BR" "$SUB4" "$SUB6"
must_pass() { reach "$1" "$2" || fail "$1 -> $2 should pass"; }
must_drop() { reach "$1" "$2" && fail "$1 -> $2 should be dropped"; return 0; }
in_set() { in_ns nft list set inet segwatch "$1" 2>/dev/null | grep -qF "$2"; }
not_in_set() { ! in_set "$@"; }
# Docker's tables as rules, without counters: what remove must leave as it found
docker_rules() {
	in_ns nft -s list ruleset 2>/dev/null | awk '/^table inet segwatch/ { skip = 1 } !skip { print } /^}/ { skip = 0 }'
}

dk_run api1 "$NET" --label app=api -- sh -c "$SERVE" || fail "run api1"
dk_run db1 "$NET" --label app=db -- sh -c "$SERVE" || fail "run db1"
dk_run web1 "$NET" --label app=web -- sleep 600 || fail "run web1"
API=$(ip_of api1 "$NET") DB=$(ip_of db1 "$NET")
API6=$(ip_of api1 "$NET" GlobalIPv6Address) DB6=$(ip_of db1 "$NET" GlobalIPv6Address)
{ [ -n "$API6" ] && [ -n "$DB6" ]; } || fail "no IPv6 addresses ($API6, $DB6)"
must_pass web1 "$DB"	# before the policy: everyone reaches everyone
must_pass web1 "$DB6"

# what Docker set up: br_netfilter on in its namespace, its FORWARD accepting the bridge
[ "$(in_ns cat /proc/sys/net/bridge/bridge-nf-call-iptables)" = 1 ] ||
	fail "dockerd did not set bridge-nf-call-iptables in its namespace"
for fam in ip ip6; do	# dockerd runs with --ip6tables: it writes both
	in_ns nft -s list table $fam filter >"$TMP/docker-$fam.nft" 2>/dev/null
	grep -qE "iifname \"$BR\" oifname \"$BR\" (counter )?accept" "$TMP/docker-$fam.nft" ||
		fail "Docker's $fam FORWARD does not accept traffic inside $BR: $(cat "$TMP/docker-$fam.nft")"
done
docker_rules >"$TMP/docker.before"
in_ns iptables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' >"$TMP/ipt.before"
in_ns ip6tables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' >"$TMP/ip6t.before"
ok "Docker accepts traffic inside $BR, IPv4 and IPv6 ($(grep -c . "$TMP/docker.before") lines of its rules)"

cat >"$TMP/policy.json" <<'EOF'
{
  "version": 1, "name": "docker-test", "mode": "enforce", "default": "deny",
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
# nsenter itself, not in_ns: $! must be segwatch (nsenter execs it) for kill
nsenter --net="/run/netns/$DK_NETNS" "$SEGWATCH" policy apply "$TMP/policy.json" \
	--engine "$DK_SOCK" --watch >"$TMP/watch.out" 2>&1 &
WATCH_PID=$!
BG_PIDS="$BG_PIDS $WATCH_PID"
wait_for 30 grep -q watching "$TMP/watch.out" || fail "apply --watch did not start"
in_set g1_api_v4 "$API" || fail "api1 is not in the api set"
in_set g2_db_v6 "$DB6" || fail "db1 is not in the db set (IPv6)"

must_pass web1 "$API"
must_pass web1 "$API6"
must_pass api1 "$DB"
must_pass api1 "$DB6"
must_drop web1 "$DB"
must_drop web1 "$DB6"
must_drop db1 "$API"
ok "web -> api and api -> db pass; web -> db and db -> api are dropped (IPv4 and IPv6)"

# a container started after the apply joins its group and is judged like its peers
dk_run web2 "$NET" --label app=web -- sleep 600 || fail "run web2"
WEB2=$(ip_of web2 "$NET")
wait_for 10 in_set g0_web_v4 "$WEB2" || fail "web2 did not join the web set"
must_pass web2 "$API"
must_drop web2 "$DB"
ok "web2, started later, joined the web set: $(grep -m1 '^membership' "$TMP/watch.out")"

# it stops: it leaves; it starts again: it is back (same address or a new one)
dk stop -t 0 web2 >/dev/null || fail "stop web2"
wait_for 10 not_in_set g0_web_v4 "$WEB2" || fail "web2 stopped but is still in the web set"
ok "web2 stopped and left the set"
dk start web2 >/dev/null || fail "start web2"
WEB2=$(ip_of web2 "$NET")
wait_for 10 in_set g0_web_v4 "$WEB2" || fail "web2 started again but did not rejoin the web set"
must_pass web2 "$API"
must_drop web2 "$DB"
dk rm -f web2 >/dev/null || fail "rm web2"
wait_for 10 not_in_set g0_web_v4 "$WEB2" || fail "web2 removed but still in the web set"
ok "web2 started again rejoined and was judged as before; removed, it left"

in_ns "$SEGWATCH" policy status --json >"$TMP/status.json" || fail "status"
python3 - "$TMP/status.json" <<'PY' || fail "status"
import json, sys
st = json.load(open(sys.argv[1]))
assert st["applied"] and st["bridged_traffic_judged"], (st.get("applied"), st.get("bridged_traffic"))
rules = {r.get("comment", ""): r for r in st["rules"]}
for want in ("web-to-api", "api-to-db", "default"):
    hit = [c for c, r in rules.items() if want in c and r["packets"] > 0]
    assert hit, f"{want} counted nothing: {list(rules)}"
print("ok: status: bridged traffic judged; web-to-api, api-to-db and the default deny counted packets")
PY

kill "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=
BG_PIDS=
in_ns "$SEGWATCH" policy remove >/dev/null || fail "remove"
in_ns nft list tables | grep -q segwatch && fail "table left behind"
must_pass web1 "$DB"
must_pass web1 "$DB6"
must_pass db1 "$API"
docker_rules | diff "$TMP/docker.before" - >"$TMP/docker.diff" ||
	fail "Docker's nftables rules changed: $(cat "$TMP/docker.diff")"
in_ns iptables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | cmp -s - "$TMP/ipt.before" ||
	fail "iptables-save differs"
in_ns ip6tables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | cmp -s - "$TMP/ip6t.before" ||
	fail "ip6tables-save differs"
ok "after remove web -> db and db -> api pass again; Docker's rules are as they were"
echo "PASS: docker policy ($(dk version -f '{{.Server.Version}}'))"
