# shellcheck shell=bash
# unclassified_lib.sh - the check both engines' unclassified tests run
# (sourced after podman_lib.sh or docker_lib.sh, which give in_ns, reach,
# fail, ok, BG_PIDS, TMP). The engine's test defines:
#   c_run NAME LABEL CMD...   a detached container labelled LABEL (k=v)
#   c_ip NAME                 its IPv4 address on the test's network
#   c_watch POLICY            `segwatch policy apply POLICY --engine --watch` in the
#                             engine's namespace, in the background, its own pid in $!
#
# A policy with "unclassified": "deny": web may reach api on tcp/80, the default
# is deny. A container started while segwatch cannot learn who it is (the watch
# process stopped with SIGSTOP: the engine's event waits in the socket) holds
# an address of the bridge's network that no identified workload holds:
#   - it cannot reach api (dropped by the "unclassified source" rule, counted)
#     although its label makes it a web container;
#   - once the watch goes on, it is classified (its address in classified_v4
#     and in the web group's set) and reaches api, as web1 did all along.
# The time from SIGCONT to its classification is printed.

unclassified_check() {
	local api web1 web2 t0 t1 pkts
	in_set() { in_ns nft list set inet segwatch "$1" 2>/dev/null | grep -qF "$2"; }
	wait_in_set() {	# SECONDS SET ADDRESS
		local n=$(($1 * 20))
		while ((n-- > 0)); do in_set "$2" "$3" && return 0; sleep 0.05; done
		return 1
	}
	cat >"$TMP/policy.json" <<'POLICY'
{
  "version": 1, "name": "unclassified-test", "mode": "enforce", "default": "deny",
  "unclassified": "deny",
  "groups": {
    "web": { "labels": { "app": "web" } },
    "api": { "labels": { "app": "api" } }
  },
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [80], "action": "allow" }
  ]
}
POLICY
	c_run api1 app=api sh -c "$SERVE" || fail "run api1"
	c_run web1 app=web sleep 600 || fail "run web1"
	api=$(c_ip api1) web1=$(c_ip web1)
	[ -n "$api" ] && [ -n "$web1" ] || fail "no addresses ($api, $web1)"
	c_watch "$TMP/policy.json" >"$TMP/watch.out" 2>&1 &
	WATCH_PID=$!
	BG_PIDS="$BG_PIDS $WATCH_PID"
	LOG=$TMP/watch.out
	wait_in_set 30 classified_v4 "$api" || fail "apply --watch did not classify api1"
	in_ns nft list set inet segwatch bridge_nets_v4 | grep -q "${api%.*}.0/" ||
		fail "the bridge's network is not in bridge_nets_v4: $(in_ns nft list set inet segwatch bridge_nets_v4)"
	wait_in_set 10 classified_v4 "$web1" || fail "web1 is not classified"
	reach web1 "$api" || fail "web1 -> api1 should pass"
	ok "identified containers: web1 -> api1 passes; the bridge's network is in bridge_nets_v4"

	kill -STOP "$WATCH_PID" || fail "cannot stop the watch"
	c_run web2 app=web sleep 600 || { kill -CONT "$WATCH_PID"; fail "run web2"; }
	web2=$(c_ip web2)
	[ -n "$web2" ] || { kill -CONT "$WATCH_PID"; fail "no address for web2"; }
	if in_set classified_v4 "$web2" || in_set g0_web_v4 "$web2"; then
		kill -CONT "$WATCH_PID"
		fail "web2 was classified while the watch was stopped"
	fi
	if reach web2 "$api"; then
		kill -CONT "$WATCH_PID"
		fail "web2, not identified yet, reached api1"
	fi
	pkts=$(in_ns nft list chain inet segwatch sw_forward |
		sed -n 's/.*ip saddr != @classified_v4 counter packets \([0-9]*\) .*/\1/p')
	[ "${pkts:-0}" -gt 0 ] || { kill -CONT "$WATCH_PID"; fail "the unclassified rule counted nothing"; }
	ok "web2 ($web2), started while its identity could not arrive, cannot reach api1 ($pkts packets dropped)"

	t0=$(date +%s%N)
	kill -CONT "$WATCH_PID"
	wait_in_set 10 g0_web_v4 "$web2" || fail "web2 did not join the web set after the watch went on"
	t1=$(date +%s%N)
	in_set classified_v4 "$web2" || fail "web2 is in the web set but not classified"
	reach web2 "$api" || fail "web2, identified, should reach api1"
	ok "web2 classified $(((t1 - t0) / 1000000)) ms after the watch went on, and reaches api1"
}
