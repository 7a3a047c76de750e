# shellcheck shell=bash
# agent_lib.sh - what the agent tests against real engines share (sourced
# after podman_lib.sh or docker_lib.sh, which set TMP).

# agent_files NAME SOCKET NFLOG_GROUP - $TMP/policy.json (a label policy: web
# may reach api on tcp 80, nothing reaches db) and $TMP/agent.json (that
# engine, that policy enforced, alerts and history in $TMP, log on stderr)
agent_files() {
	cat >"$TMP/policy.json" <<-EOF
	{
	  "version": 1, "name": "$1", "mode": "enforce", "default": "deny",
	  "intra_group": "allow",
	  "groups": {
	    "web": { "labels": { "app": "web" } },
	    "api": { "labels": { "app": "api" } },
	    "db":  { "labels": { "app": "db" } }
	  },
	  "rules": [
	    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [80], "action": "allow" }
	  ]
	}
	EOF
	cat >"$TMP/agent.json" <<-EOF
	{
	  "identity": { "engine": "$2" },
	  "policy": { "file": "policy.json", "mode": "enforce", "on_stop": "keep", "nflog_group": $3 },
	  "alerts": { "output": "alerts.jsonl" },
	  "history": { "dir": "history", "compress": true },
	  "capture": { "timeouts": { "tcp": "15s", "tcp_closed": "1s", "udp": "3s", "icmp": "3s" } },
	  "log": { "target": "stderr", "level": "info" }
	}
	EOF
}

# agent_denied_and_stop EXEC... - the end both engine tests share: the denied
# attempts in the history (names, labels, selectors), an open connection
# flushed at SIGTERM with the ruleset kept, then `policy remove`. EXEC runs a
# command in a container: `dk exec` or `"$LAB" podman exec`.
agent_denied_and_stop() {
	local -a in_ctr=("$@")	# seen by established() too (bash scopes dynamically)
	# denied attempts end after the tcp idle timeout (15 s): by now those of web1 and web2
	T=$(now_ms)
	wait_for 60 flows_has w2db --from web2 --to db1 || fail "no flow web2 -> db1 (denied) in the history"
	wait_for 60 flows_has seldb --from app=web --to app=db || fail "--from app=web --to app=db matches nothing"
	python3 - "$TMP/seldb.jsonl" <<'PY' || fail "label selector app=web -> app=db"
import json, sys
db = [json.loads(l) for l in open(sys.argv[1])]
names = sorted({r["src_workload"]["name"] for r in db})
assert {"web1", "web2"} <= set(names), names
assert all(r["dst_workload"]["name"] == "db1" and r["state"] == "attempted" for r in db), db
print("ok: --from app=web --to app=db: %d flows from %s, all unanswered (dropped)" % (len(db), names))
PY
	echo "measured: denied attempts in the history $(since "$T") after the check began"

	# --- 4: an open connection, then SIGTERM
	"${in_ctr[@]}" -d web1 sh -c "(printf 'GET / HTTP/1.0\r\n'; sleep 600) | nc $API 80" >/dev/null ||
		fail "open a connection web1 -> api1"
	established() { "${in_ctr[@]}" web1 netstat -tn 2>/dev/null | grep -q "$API:80 *ESTABLISHED"; }
	wait_for 20 established || fail "the open connection is not established"
	sleep 1.5	# its packets are captured
	T=$(now_ms)
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	rc=$?
	AGENT_PID=
	echo "measured: SIGTERM to exit $(since "$T")"
	[ "$rc" = 0 ] || fail "the agent exited with $rc on SIGTERM"
	grep -q "the ruleset stays in force" "$LOG" || fail "stop did not say the ruleset stays"
	in_ns nft list table inet segwatch >/dev/null 2>&1 || fail "on_stop keep: the table is gone"
	must_drop web1 "$DB"
	ls "$HIST" | grep -q '\.jsonl\.zst$' || fail "no compressed history file: $(ls "$HIST")"
	flows_has open --from web1 --to api1 --port 80 --state established ||
		fail "the open connection web1 -> api1 is not in the history"
	python3 - "$TMP/open.jsonl" <<'PY' || fail "the open connection's record"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
fl = [r for r in rs if r.get("end") == "flush"]
assert fl, "no record with end flush: %s" % rs
r = fl[-1]
assert r["src_workload"]["name"] == "web1" and r["dst_workload"]["name"] == "api1", r
print("ok: open connection flushed at stop: %s:%d -> %s:%d %s, end %s" %
      (r["src_workload"]["name"], r["sport"], r["dst_workload"]["name"], r["dport"], r["state"], r["end"]))
PY
	ok "SIGTERM: exit 0, ruleset kept (web1 -> db1 still dropped)"
	echo "log: $(grep -c . "$LOG") lines, $(grep -c '^.*membership' "$LOG") membership changes; last: $(tail -1 "$LOG")"

	in_ns "$SEGWATCH" policy remove >/dev/null || fail "policy remove"
	in_ns nft list tables | grep -q segwatch && fail "table left behind"
	must_pass web1 "$DB"
	ok "policy remove: no table, web1 -> db1 passes again"
}
