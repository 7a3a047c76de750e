#!/bin/bash
# agent_reconfig.sh SEGWATCH - `segwatch agent` reloads that change what the
# pipeline reads, taken by the running pipeline (no rebuild, no packet missed):
#   - capture.interfaces narrowed to one port: the others are dropped, the
#     port named keeps capturing, what any of them captured just before is
#     not lost, and a port joining the bridge later is not followed;
#   - a bad capture.filter: the reload is refused, the capture goes on;
#   - an inventory added: endpoints are named from it from then on;
#   - the history moved: the old directory's files are closed (compressed),
#     new flows go to the new one;
#   - capture.max_flows lowered under the live flows: the oldest are evicted
#     at once and counted;
#   - a flow going on across all of it stays one record.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" nft
AGENT_PID=
agent_cleanup() {
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null
	cleanup
}
trap agent_cleanup EXIT
trap 'agent_cleanup; exit 130' INT TERM
TMP=$(mktemp -d /tmp/segwatch-ns.XXXXXX)
topo_up
start_servers

sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }
udp_send() { # udp_send NS ADDR PORT SPORT
	nsx "$1" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', $4))
s.sendto(b'x', ('$2', $3))"
}
config() { # config EXTRA_CAPTURE_KEYS HISTORY_DIR [INVENTORIES_JSON]
	cat >"$TMP/agent.json.new" <<-JSON
	{
	  "identity": { "engine": "off", "inventories": ${3:-[]} },
	  "history": { "dir": "$2", "rotate_every": "1h", "compress": true },
	  "capture": { $1 "timeouts": { "tcp": "3s", "tcp_closed": "1s", "udp": "6s", "icmp": "3s" } },
	  "log": { "target": "stderr", "level": "info" }
	}
	JSON
	mv "$TMP/agent.json.new" "$TMP/agent.json"
}
reloads() { grep -c 'notice: reloaded\|reload refused' "$TMP/agent.err"; }
hup() { # hup: SIGHUP, wait until it is done (reloaded or refused)
	local n _
	n=$(reloads)
	kill -HUP "$AGENT_PID"
	for _ in $(seq 100); do [ "$(reloads)" -gt "$n" ] && return 0; sleep 0.1; done
	fail "SIGHUP: no reload seen: $(tail -5 "$TMP/agent.err")"
}
# a flow that goes on across every reload: a packet every 0.3 s for 12 s
tick_flow() {
	ip netns exec "$NS_A" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', 42100))
for _ in range(40):
    s.sendto(b'tick', ('$SWT_B4', 7003)); time.sleep(0.3)" &
	TICK_PID=$!
	BG_PIDS="$BG_PIDS $TICK_PID"
}

config "" h1
ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
wait_for_file "$TMP/agent.err" "started: capturing on" 10 || fail "the agent did not start: $(cat "$TMP/agent.err")"
echo "started: $(grep -m1 'started:' "$TMP/agent.err" | sed 's/.*started: //')"
tick_flow

# 1. only a's port: b <-> c is no longer seen, a's traffic is. The packets
# sent just before the reload are still in ring blocks the kernel has not
# handed over (it does so every 20 ms): the ports let go must be read out.
config "\"interfaces\": [\"$PA\"]," h1
udp_send "$NS_B" "$SWT_C4" 7003 42001 # b -> c: seen on the bridge and b's and c's ports
# a -> b: a's port is swapped for one in both directions. To b's closed port:
# an answer from 7003 could reach the sender's socket after it closed, and
# a's port unreachable about it would count in fwd too.
udp_send "$NS_A" "$SWT_B4" 7004 42007
hup
grep -q "rebuilt" "$TMP/agent.err" && fail "an interface change rebuilt the pipeline"
udp_send "$NS_B" "$SWT_C4" 7003 42002 # not captured any more
# a port joining the bridge now is not captured on either: bridges are no
# longer discovered, so their ports are no longer followed
nsx "$NS_H" ip link set "$PX" master "$BR"
sleep 1
n=$(agent_metric segwatch_capture_interfaces)
[ "$n" = 1 ] || fail "after the narrowing, a port that joined the bridge is captured on: interfaces $n"
udp_send "$NS_A" "$SWT_B4" 7003 42003
echo "interfaces narrowed to $PA: taken in place"

# 2. a filter that does not compile: refused, the capture goes on as it was
config "\"interfaces\": [\"$PA\"], \"filter\": \"udp and and\"," h1
hup
grep -q "reload refused" "$TMP/agent.err" || fail "a bad filter was not refused: $(tail -5 "$TMP/agent.err")"
udp_send "$NS_A" "$SWT_B4" 7003 42004
echo "bad filter: refused ($(grep -m1 -o 'reload refused: .*' "$TMP/agent.err" | cut -c1-100))"

# 3. an inventory names b from now on
cat >"$TMP/inv.json" <<-JSON
{ "version": 1, "workloads": [ { "name": "inv/b-server", "ips": ["$SWT_B4"] } ] }
JSON
config "\"interfaces\": [\"$PA\"]," h1 '["inv.json"]'
hup
sleep 0.3
udp_send "$NS_A" "$SWT_B4" 7003 42005
echo "inventory added: taken in place"

# a reload that changes nothing: the config in force is replaced by an equal
# one (the pipeline keeps copies of what it was given, not the old config's)
hup

# 4. the history moves: h1 is closed, new flows go to h2
config "\"interfaces\": [\"$PA\"]," h2 '["inv.json"]'
hup
udp_send "$NS_A" "$SWT_B4" 7003 42006
echo "history moved to h2"

# the flow across the reloads ends (idle) before the bound is lowered under it
wait "$TICK_PID"
sleep 7

# 5. max_flows under the live flows: the oldest go at once, counted
nsx "$NS_A" python3 -c "
import socket
for p in range(42010, 42016):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', p))
    s.sendto(b'x', ('$SWT_B4', 7003))"
sleep 0.3
config "\"interfaces\": [\"$PA\"], \"max_flows\": 2," h2 '["inv.json"]'
hup
grep -q "rebuilt" "$TMP/agent.err" && fail "a config reload rebuilt the pipeline"
echo "max_flows lowered to 2"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" = 0 ] || fail "the agent exited with $rc on SIGTERM: $(tail "$TMP/agent.err")"
ls "$TMP/h1" | grep -q '\.open\.' && fail "h1 still has an open file: $(ls "$TMP/h1")"
# what h1 holds (nothing, when every flow was still live at the move) is closed and compressed
ls "$TMP/h1" | grep '\.jsonl' | grep -vq '\.jsonl\.zst$' && fail "h1 has a file not closed: $(ls "$TMP/h1")"

python3 - "$TMP" "$PA" "$SWT_B4" <<'PY' || fail "the history is not what the reloads should give"
import json, os, subprocess, sys
tmp, pa, b4 = sys.argv[1:4]
def records(d):
    d = os.path.join(tmp, d)
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if ".jsonl" in f)
    if not files:  # zstdcat with no file would read standard input
        return []
    out = subprocess.run(["zstdcat", "-f"] + files, capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]
h1, h2 = records("h1"), records("h2")
def flows(rs, sport):
    return [r for r in rs if r.get("type") == "flow" and sport in (r.get("sport"), r.get("dport"))]
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)
def packets(sport):
    return [r.get("fwd", {}).get("packets") for r in flows(h1 + h2, sport)]
want(packets(42001) == [1], "b -> c just before the change is recorded, once: %s" % flows(h1 + h2, 42001))
want(packets(42007) == [1], "a -> b just before the change is recorded, once: %s" % flows(h1 + h2, 42007))
want(not flows(h1 + h2, 42002), "b -> c after the change (not captured any more) is absent")
# flows live when the history moved are written where they end: h2
want(len(flows(h1 + h2, 42003)) == 1, "a -> b after the interface change is recorded")
want(len(flows(h1 + h2, 42004)) == 1, "a -> b after the refused filter is recorded")
f5 = flows(h1 + h2, 42005)
want(len(f5) == 1 and f5[0].get("dst_workload", {}).get("name") == "inv/b-server",
     "a -> b after the inventory was added is named from it: %s" % f5)
want(len(flows(h2, 42006)) == 1 and not flows(h1, 42006), "a -> b after the move is in h2 only")
tick = flows(h1 + h2, 42100)
want(len(tick) == 1, "the flow going on across every reload is one record: %s"
     % [(r.get("end"), r.get("fwd", {}).get("packets")) for r in tick])
want(tick and tick[0].get("fwd", {}).get("packets") == 40, "it has all 40 packets: %s" % [r.get("fwd", {}).get("packets") for r in tick])
ends = {r.get("sport"): r.get("end") for r in flows(h2, 42010) + flows(h2, 42011)}
counters = [r for r in h2 if r.get("type") == "counters"]
last = counters[-1] if counters else {}
want(last.get("flow", {}).get("max_flows") == 2, "the counters say max_flows 2")
want(last.get("flow", {}).get("evicted", 0) >= 3, "flows evicted when the bound was lowered: %s"
     % last.get("flow"))
want("evicted" in ends.values(), "the oldest flows ended evicted: %s" % ends)
active = [i["name"] for i in last.get("interfaces", []) if i.get("active")]
want(active == [pa], "only %s is captured on at the end: %s" % (pa, active))
for b in bad:
    print("FAIL:", b)
print("h1: %d records, h2: %d records; tick flow %d record(s)" % (len(h1), len(h2), len(tick)))
sys.exit(1 if bad else 0)
PY
echo PASS
