#!/bin/bash
# agent_alert_format.sh SEGWATCH - the agent's alerts.format is taken on
# reload like the other alert keys: a scan is alerted in segwatch's record,
# then alerts.format becomes "ecs" and SIGHUP reloads it, and the next scan's
# alert is written to the same file with Elastic Common Schema names
# (docs/alerts.md "Elastic Common Schema"), naming the scanner and the
# connection's Community ID.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH"
AGENT_PID=
agent_cleanup() {
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null
	cleanup
}
trap agent_cleanup EXIT
trap 'agent_cleanup; exit 130' INT TERM
topo_up

config() { # config FORMAT
	cat >"$TMP/agent.json.new" <<-JSON
	{
	  "identity": { "engine": "off" },
	  "history": false,
	  "alerts": { "output": "alerts.jsonl", "format": "$1" },
	  "log": { "target": "stderr", "level": "info" }
	}
	JSON
	mv "$TMP/agent.json.new" "$TMP/agent.json"
}
reloads() { grep -c 'notice: reloaded\|reload refused' "$TMP/agent.err"; }
scan() { # scan FIRST_PORT: c tries 30 ports of b from there (a fan_out)
	nsx "$NS_C" python3 - "$SWT_B4" "$1" <<-'PY'
	import socket, sys
	for port in range(int(sys.argv[2]), int(sys.argv[2]) + 30):
	    s = socket.socket(); s.settimeout(0.05)
	    try: s.connect((sys.argv[1], port))
	    except OSError: pass
	    s.close()
	PY
}
lines_with() { grep -c "$1" "$TMP/alerts.jsonl" 2>/dev/null; }

config segwatch
ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
wait_for_file "$TMP/agent.err" "started: capturing on" 10 ||
	fail "the agent did not start: $(cat "$TMP/agent.err")"

scan 1000
for _ in $(seq 50); do [ "$(lines_with '"kind":"fan_out"')" -ge 1 ] && break; sleep 0.1; done
[ "$(lines_with '"kind":"fan_out"')" -ge 1 ] || fail "no fan_out alert for the first scan"

config ecs
n=$(reloads)
kill -HUP "$AGENT_PID"
for _ in $(seq 100); do [ "$(reloads)" -gt "$n" ] && break; sleep 0.1; done
grep -q 'notice: reloaded' "$TMP/agent.err" || fail "SIGHUP: not reloaded: $(tail -5 "$TMP/agent.err")"

scan 2000
for _ in $(seq 50); do [ "$(lines_with '"@timestamp"')" -ge 1 ] && break; sleep 0.1; done
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" = 0 ] || fail "the agent exited with $rc on SIGTERM"

python3 - "$TMP/alerts.jsonl" "$SWT_C4" <<'PY' || fail "the alerts are not in the format the config said"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ecs_at = [i for i, a in enumerate(lines) if "@timestamp" in a]
assert ecs_at, "no ECS line after the reload"
first = ecs_at[0]
assert ecs_at == list(range(first, len(lines))), "segwatch lines after ECS ones"
before, after = lines[:first], lines[first:]
assert any(a["kind"] == "fan_out" and a["src"]["address"] == sys.argv[2] for a in before), before
fan = [a for a in after if a["event"]["action"] == "fan_out"]
assert fan, after
e = fan[0]
assert e["event"]["kind"] == "alert" and e["source"]["ip"] == sys.argv[2], e
assert e["network"]["community_id"].startswith("1:") and e["observer"]["hostname"], e
assert "kind" not in e and "src" not in e, e
print("agent_alert_format: %d segwatch line(s), then %d ECS line(s) after the reload"
      % (len(before), len(after)))
PY
echo PASS
