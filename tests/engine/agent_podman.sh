#!/usr/bin/env bash
# agent_podman.sh SEGWATCH - `segwatch agent` against a real Podman (private
# `podman system service`, tools/podman-lab.sh), run in the lab's network
# namespace where netavark's bridge lives, with a config naming the engine
# socket, a label policy (web may reach api on tcp 80, nothing reaches db),
# alerts to a file, a history in the lab's temp dir and its log on stderr:
#   1. containers started and stopped during the run: their flows in the
#      history name both ends with container names and labels
#      (`segwatch flows DIR --from NAME --to NAME`, `--from app=web`)
#   2. enforcement follows them: a container started after the agent joins
#      its group's set and is judged like its peers; one that stops leaves it
#   3. the service killed mid-run and started again: the agent runs on, and a
#      container started after the restart is named and judged (timed)
#   4. SIGTERM: exit 0, the open connection is in the history (end flush), the
#      ruleset stays; `policy remove` and cleanup leave nothing behind
# Exit: 0 pass, 1 fail, 77 skip (not root, or podman cannot run here).
set -u
SEGWATCH=${1:?usage: agent_podman.sh SEGWATCH}
# shellcheck source=tests/engine/podman_lib.sh
. "$(dirname "$0")/podman_lib.sh" pagent
# shellcheck source=tests/engine/agent_lib.sh
. "$(dirname "$0")/agent_lib.sh"
LOG=$TMP/agent.err
AGENT_PID=
[ -x "$SEGWATCH" ] || fail "no segwatch at $SEGWATCH"
podman_up

now_ms() { date +%s%3N; }
since() { echo "$(( $(now_ms) - $1 )) ms"; }
T_START=$(now_ms)
ok() { echo "ok [$(( ($(now_ms) - T_START) / 1000 )) s]: $*"; }
# the whole agent log on failure (and at the end with SW_SHOW_AGENT_LOG=1)
show_log() { [ -s "$LOG" ] && { echo "--- agent log"; cat "$LOG"; echo "---"; }; }
fail() { echo "FAIL: $*"; show_log; exit 1; }
# wait_for SECONDS CMD...: until CMD succeeds (polled every 0.1 s); 1 once SECONDS of
# wall time have passed (a count of tries would stretch with the load)
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" && return 0
		(($(now_ms) < end)) || return 1
		sleep 0.1
	done
}
# allowed: a page within three tries (a try can time out on a loaded host); denied: never
must_pass() { reach "$1" "$2" || reach "$1" "$2" || reach "$1" "$2" || fail "$1 -> $2 should pass"; }
must_drop() { reach "$1" "$2" && fail "$1 -> $2 should be dropped"; return 0; }
set_of() { in_ns nft list table inet segwatch 2>/dev/null | grep -oE "set g[0-9]+_$1_v4" | head -1 | cut -d' ' -f2; }
in_set() { in_ns nft list set inet segwatch "$(set_of "$1")" 2>/dev/null | grep -qE "[ {,]$2[,} ]|[ {]$2\$"; }
not_in_set() { ! in_set "$@"; }
agent_alive() { kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent died: $(tail -5 "$LOG")"; }
sw() { "$SEGWATCH" "$@"; }
HIST=$TMP/history
# flows_has NAME FILTER...: the history has a flow record matching (saved in TMP/NAME.jsonl)
flows_has() {
	local out=$TMP/$1.jsonl
	shift
	sw flows "$HIST" --since 30m --json "$@" >"$out" 2>"$TMP/flows.err" && [ -s "$out" ]
}

"$LAB" run api1 --label app=api --label tier=back -- sh -c "$SERVE" >/dev/null || fail "run api1"
"$LAB" run db1 --label app=db -- sh -c "$SERVE" >/dev/null || fail "run db1"
"$LAB" run web1 --label app=web -- sleep 600 >/dev/null || fail "run web1"
API=$(ip_of api1) DB=$(ip_of db1) WEB1=$(ip_of web1)
wait_for 10 reach web1 "$DB" || fail "before the agent: web1 -> db1 does not pass"

agent_files agent-podman "$SW_PODMAN_DIR/podman.sock" 47
in_ns "$SEGWATCH" agent check "$TMP/agent.json" >"$TMP/check.out" 2>&1 ||
	fail "agent check: $(cat "$TMP/check.out")"

# nsenter execs segwatch: $! is the agent
T0=$(now_ms)
nsenter --net="/run/netns/$SW_PODMAN_NETNS" "$SEGWATCH" agent --config "$TMP/agent.json" \
	>"$TMP/agent.out" 2>"$LOG" &
AGENT_PID=$!
BG_PIDS="$BG_PIDS $AGENT_PID"
wait_for 60 grep -q "started: capturing on" "$LOG" || fail "the agent did not start"
ok "agent started in $(since "$T0")"
# The engine client gives GET /version 5 s at open and the agent asks again every 10 s:
# Podman answers /version only after `dpkg -S` of conmon, runc and slirp4netns, which
# takes seconds on a loaded host. How long it takes here:
T=$(now_ms)
VERSION_MS=
curl -s --max-time 60 --unix-socket "$SW_PODMAN_DIR/podman.sock" http://d/version >/dev/null
VERSION_MS=$(since "$T")
echo "measured: GET /version answered in $VERSION_MS"
wait_for 120 grep -q "engine: following" "$LOG" ||
	fail "the agent never reached the engine (GET /version takes $VERSION_MS here, the client waits 5 s)"
ok "engine reached $(since "$T0") after the start: $(grep -m1 'engine: following' "$LOG" | sed 's/.*engine: //')"
wait_for 30 in_set api "$API" || fail "api1 is not in the api set"
wait_for 30 in_set web "$WEB1" || fail "web1 is not in the web set"
ok "agent up in $(since "$T0"): $(grep -m1 'started:' "$LOG" | sed 's/.*started: //')"

# --- 1+2: the first containers judged; a late starter joins, a stopped one leaves
must_pass web1 "$API"
must_drop web1 "$DB"
must_drop api1 "$DB"
ok "web1 -> api1 passes, web1 -> db1 and api1 -> db1 are dropped"

T=$(now_ms)
"$LAB" run web2 --label app=web --label team=blue -- sleep 600 >/dev/null || fail "run web2"
WEB2=$(ip_of web2)
wait_for 30 in_set web "$WEB2" || fail "web2 did not join the web set: $(tail -3 "$LOG")"
ok "web2 (started after the agent) in the web set $(since "$T") after podman run"
must_pass web2 "$API"
must_drop web2 "$DB"
ok "web2 is judged like web1: -> api1 passes, -> db1 dropped"

T=$(now_ms)
"$LAB" podman rm -f -t 0 web2 >/dev/null || fail "rm web2"
wait_for 30 not_in_set web "$WEB2" || fail "web2 is still in the web set"
ok "web2 removed: left the web set $(since "$T") after podman rm"
in_set web "$WEB1" || fail "web1 left the web set with web2"

# flows end 1 s after they close (tcp_closed), then reach the history file
T=$(now_ms)
wait_for 30 flows_has w1a --from web1 --to api1 --port 80 --state closed ||
	fail "no closed flow web1 -> api1 in the history: $(cat "$TMP/flows.err")"
ok "web1 -> api1 flow in the history $(since "$T") later"
python3 - "$TMP/w1a.jsonl" "$WEB1" "$API" <<'PY' || fail "web1 -> api1 is not named with its labels"
import json, sys
src_ip, dst_ip = sys.argv[2:4]
for line in open(sys.argv[1]):
    r = json.loads(line)
    s, d = r.get("src_workload", {}), r.get("dst_workload", {})
    assert r["src"] == src_ip and r["dst"] == dst_ip, r
    assert s.get("name") == "web1" and s.get("labels", {}).get("app") == "web", s
    assert d.get("name") == "api1" and d.get("labels") == d.get("labels") and \
        d["labels"].get("app") == "api" and d["labels"].get("tier") == "back", d
    assert s.get("source") == "engine" and d.get("source") == "engine", (s, d)
print("ok: web1 -> api1 named: %s %s -> %s %s" % (s["name"], s["labels"], d["name"], d["labels"]))
PY
wait_for 30 flows_has w2 --from web2 --to api1 || fail "no flow of web2 (stopped) in the history"
grep -q '"team":"blue"' "$TMP/w2.jsonl" || fail "web2's flow lacks its labels: $(head -1 "$TMP/w2.jsonl")"
flows_has sel --from app=web --to app=api || fail "--from app=web --to app=api matches nothing"
python3 - "$TMP/sel.jsonl" <<'PY' || fail "label selector app=web"
import json, sys
web = [json.loads(l) for l in open(sys.argv[1])]
names = sorted({r["src_workload"]["name"] for r in web})
assert names == ["web1", "web2"], names
assert all(r["dst_workload"]["name"] == "api1" for r in web)
print("ok: --from app=web --to app=api: %d flows, from %s" % (len(web), names))
PY
wait_for 20 grep -q '"policy_violation"' "$TMP/alerts.jsonl" || fail "no policy_violation alert"
grep '"policy_violation"' "$TMP/alerts.jsonl" | grep '"name":"web1"' | grep -q '"name":"db1"' ||
	fail "no policy_violation alert naming web1 and db1: $(head -3 "$TMP/alerts.jsonl")"
ok "alerts: $(grep -c '"policy_violation"' "$TMP/alerts.jsonl") policy_violation, naming the containers"

# --- 3: the service killed; the agent runs on; after the restart a new container is named and judged
SVC=$(cat "$SW_PODMAN_DIR/service.pid")
kill -KILL "$SVC" || fail "kill the podman service"
wait_for 10 bash -c "! kill -0 $SVC 2>/dev/null" || fail "the service did not die"
T_KILL=$(now_ms)
# the agent sees its events stream end (its health check, every 10 s) and goes on
wait_for 30 grep -q "engine: its events stream ended" "$LOG" || fail "the agent did not notice the engine went"
ok "the agent noticed in $(since "$T_KILL"): $(grep -m1 'engine: its events' "$LOG" | sed 's/.*engine: //')"
agent_alive
# a container started while the service is down (podman needs no service)
"$LAB" run web3 --label app=web -- sleep 600 >/dev/null || fail "run web3 (service down)"
WEB3=$(ip_of web3)
agent_alive
in_set web "$WEB1" || fail "web1 left the web set while the service was down"
must_pass web1 "$API"
must_drop web1 "$DB"
ok "service killed: the agent runs on, the ruleset holds ($(since "$T_KILL") down)"
T_UP=$(now_ms)
"$LAB" service-start || fail "restart the podman service"
ok "service restarted ($(since "$T_UP") to answer)"
T_UP=$(now_ms)	# the engine answers again: from here on
wait_for 60 in_set web "$WEB3" || fail "web3, started while the service was down, never joined the web set"
ok "web3 (started while the service was down) joined the web set $(since "$T_UP") after the restart"
followed() { [ "$(grep -c 'engine: following' "$LOG")" -ge 2 ]; }
wait_for 30 followed || fail "the log does not say the engine is followed again"
ok "the log says it follows the engine again ($(since "$T_UP") after the restart; its health check runs every 10 s)"
T=$(now_ms)
"$LAB" run web4 --label app=web --label phase=after -- sleep 600 >/dev/null || fail "run web4"
WEB4=$(ip_of web4)
wait_for 60 in_set web "$WEB4" || fail "web4, started after the restart, never joined the web set"
echo "measured: web4 in the web set $(since "$T") after podman run, $(since "$T_UP") after the service was back"
must_pass web4 "$API"
must_drop web4 "$DB"
T=$(now_ms)
wait_for 30 flows_has w4 --from web4 --to api1 --state closed || fail "no flow web4 -> api1 in the history"
grep -q '"phase":"after"' "$TMP/w4.jsonl" || fail "web4's flow lacks its labels: $(head -1 "$TMP/w4.jsonl")"
wait_for 30 flows_has w4db --from web4 --to db1 || fail "no flow web4 -> db1 in the history"
ok "web4 (after the restart) judged like its peers, named with its labels in the history ($(since "$T"))"
agent_alive

agent_denied_and_stop "$LAB" podman exec

[ -n "${SW_SHOW_AGENT_LOG:-}" ] && show_log
# cleanup, then nothing of ours may remain
DIR=$SW_PODMAN_DIR NS=$SW_PODMAN_NETNS OUT=$TMP
podman_cleanup
[ -e "/run/netns/$NS" ] && fail "netns $NS left behind"
[ -e "$DIR" ] && fail "$DIR left behind"
[ -e "$OUT" ] && fail "$OUT left behind"
left=$(grep -laE -- "$DIR(/|\$)" /proc/[0-9]*/cmdline 2>/dev/null || true)	# not itself: "(" follows
[ -z "$left" ] || fail "processes left: $left"
ok "cleanup: no namespace, directory or process left"
echo "PASS"
