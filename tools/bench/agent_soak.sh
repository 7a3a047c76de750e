#!/usr/bin/env bash
# agent_soak.sh [MINUTES] - `segwatch agent` left running under container churn.
#
# Usage: tools/bench/agent_soak.sh [MINUTES]     (root; default 30; 2 is a smoke test)
#        SEGWATCH=path/to/segwatch to use another binary (default build/segwatch,
#        built with tools/build.sh when missing). Takes MINUTES plus about 20 s.
#        SOAK_ACTIVE=1m sets capture.timeouts.active (default 30m, the agent's
#        default). The agent remembers a stopped workload for active + the
#        longest idle timeout + 10 min (sw_agent_prune_horizon): 40.5 min by
#        default, longer than a 30 min soak, so every workload ever seen is
#        still held at the end; with 1m it is 11.5 min and the soak shows the
#        plateau.
#        SOAK_JOIN_EVERY=S (default 2) and SOAK_LIFE=MIN-MAX (seconds, default
#        20-60) set the churn: a container joins every S seconds and lives
#        MIN to MAX; SOAK_JOIN_EVERY=0.5 SOAK_LIFE=5-15 churns 4x faster
#        with the same number alive. SOAK_SMAPS=1 KEEP=1 keeps a copy of the
#        agent's /proc/PID/smaps at every sample (smaps.N in the work dir,
#        kept and named at the end) to see which mapping grows.
#
# The lab (namespaces only; traffic only between namespaces this script
# creates; everything removed by the EXIT trap):
#   - a host namespace with a bridge; the agent runs there (capture on the
#     bridge and every port, kernel identity, engine off), a policy enforced
#     (default deny: clients -> servers tcp 7001 and udp 7003 allowed, tcp 5432
#     denied and logged through NFLOG), alerts to a file, a history rotated
#     every minute or 1 MiB and kept to 16 MiB;
#   - 3 server containers (tcp 7001/5432, udp 7003);
#   - churn: a container joins the bridge every 2 s and lives 20-60 s (about
#     20 alive at once, 30 per minute), with an address reused from a pool of
#     24 or never used before (half and half). Each runs a bounded client:
#     about 12 flows/s (TCP connects and UDP exchanges to the servers and to the
#     other live containers, 1 in 20 a denied SYN): a few hundred flows/s.
#
# Every 30 s: elapsed, agent RSS (the Rss of its mappings, and less the
# packet rings: the resident mmapped rings of its packet sockets, 32 MiB per
# captured interface; both from one pass over /proc/PID/smaps, so a ring
# closed mid-sample is in neither), CPU % of one core over the interval
# (utime+stime), fds, threads, history records written and files kept, flows
# live, workloads (from the agent's systemd STATUS=, sent to a notify socket
# of ours, and its counters records in the history).
# At the end (after SIGTERM): RSS after warm-up (the first 20%) min/max and
# whether it stayed within 5% (judged less the rings, which come and go with
# the containers), and a "verdict:" line with RSS less the rings at the first
# sample after warm-up and at the end; whether a bounded table overflowed (flow
# evictions, kernel-log not_aggregated, history records dropped).
# A guard stops the soak when the agent's RSS passes SOAK_MAX_RSS_MB (default
# 4096), so a leak cannot take the machine down. Ports the agent could not
# capture on (its "bridge ports could not be captured on" warnings) fail it.
# Exit status: 0 flat and nothing overflowed, 1 otherwise, 2 setup failure.
set -uo pipefail
MINUTES=${1:-30}
MAX_RSS_MB=${SOAK_MAX_RSS_MB:-4096} GUARD=0
ACTIVE=${SOAK_ACTIVE:-30m}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HELP=$ROOT/tools/bench/agent_bench.py
[ "$(id -u)" -eq 0 ] || { echo "agent_soak: needs root" >&2; exit 2; }
SW=${SEGWATCH:-$ROOT/build/segwatch}
[ -x "$SW" ] || "$ROOT/tools/build.sh" >/dev/null || exit 2
for t in ip nft zstdcat python3; do command -v $t >/dev/null || { echo "agent_soak: no $t" >&2; exit 2; }; done

ID=$$ S=$(($$ % 100000))
P=swsk$ID- NS_H=swsk$ID-h BR=swskbr$S
WORK=$(mktemp -d /tmp/sw-agent-soak.XXXXXX)
AGENT='' PIDS=''
cleanup() {
	trap - EXIT INT TERM
	[ -n "$AGENT" ] && kill -KILL "$AGENT" 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
echo "load average at start: $(cut -d" " -f1-3 /proc/loadavg) ($(nproc) cores)"
trap 'echo "load average at end: $(cut -d" " -f1-3 /proc/loadavg)"; cleanup' EXIT
trap 'exit 130' INT TERM
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# the lab: host namespace, bridge, three servers
ip netns add "$NS_H" || exit 2
nsx "$NS_H" ip link set lo up
nsx "$NS_H" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
nsx "$NS_H" ip link add "$BR" type bridge && nsx "$NS_H" ip link set "$BR" up || exit 2
SERVERS=
for i in 1 2 3; do
	ns=${P}s$i
	ip netns add "$ns" && nsx "$ns" ip link set lo up
	nsx "$ns" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6'
	nsx "$NS_H" ip link add "sk${S}s$i" type veth peer name eth0 netns "$ns"
	nsx "$NS_H" ip link set "sk${S}s$i" master "$BR" up
	nsx "$ns" ip addr add "10.79.0.$i/16" dev eth0
	nsx "$ns" ip link set eth0 up
	ip netns exec "$ns" python3 "$HELP" serve >"$WORK/serve$i.log" 2>&1 &
	PIDS="$PIDS $!"
	SERVERS=${SERVERS:+$SERVERS,}10.79.0.$i
done

cat >"$WORK/policy.json" <<JSON
{
  "version": 1, "name": "soak", "mode": "enforce", "default": "deny",
  "groups": {
    "clients": { "names": ["${P}c*"] },
    "servers": { "names": ["${P}s*"] }
  },
  "rules": [
    { "name": "app", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" },
    { "name": "stats", "from": "clients", "to": "servers", "proto": "udp", "ports": [7003], "action": "allow" }
  ]
}
JSON
cat >"$WORK/agent.json" <<JSON
{
  "identity": { "engine": "off" },
  "policy": { "file": "policy.json", "nflog_group": 46 },
  "alerts": { "output": "alerts.jsonl" },
  "history": { "dir": "history", "rotate_every": "1m", "rotate_size": "1MiB", "keep_size": "16MiB",
               "compress": true },
  "capture": { "timeouts": { "tcp": "30s", "tcp_closed": "5s", "udp": "10s", "icmp": "10s",
                              "active": "$ACTIVE" } },
  "log": { "target": "stderr", "level": "info" }
}
JSON
nsx "$NS_H" "$SW" agent check "$WORK/agent.json" >"$WORK/check.out" 2>&1 || { cat "$WORK/check.out"; exit 2; }

python3 "$HELP" notify "$WORK/notify.sock" "$WORK/status" &
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$WORK/notify.sock nice -n 0 ip netns exec "$NS_H" "$SW" agent --config "$WORK/agent.json" \
	>"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT=$!
for _ in $(seq 100); do grep -q "started:" "$WORK/agent.err" && break; sleep 0.1; done
grep -q "started:" "$WORK/agent.err" || { echo "the agent did not start:"; cat "$WORK/agent.err"; exit 2; }
echo "agent_soak: $MINUTES min, agent pid $AGENT, $(grep -m1 -o 'started: .*' "$WORK/agent.err")"

SECS=$((MINUTES * 60))
python3 "$HELP" churn "${P}c" "$NS_H" "$BR" "$SECS" "$WORK/peers" 12 "$SERVERS" >"$WORK/churn.log" 2>&1 &
CHURN=$!
PIDS="$PIDS $CHURN"

START=$(date +%s.%N)
printf '%7s %8s %8s %6s %4s %4s %10s %5s %6s %7s %9s %s\n' elapsed RSS_MiB -rings CPU% fds thr hist_recs files ifaces live workloads churn
: >"$WORK/samples"
echo "$START $(sed 's/.*) //' "/proc/$AGENT/stat" | awk '{print $12 + $13}')" >"$WORK/sample.last"
k=0
while :; do
	k=$((k + 1))
	# samples at fixed 30 s marks, whatever a sample costs; the last at the end
	left=$(awk -v s="$START" -v k="$k" -v d="$SECS" -v now="$(date +%s.%N)" \
		'BEGIN { t = s + 30 * k; if (t > s + d) t = s + d; l = t - now; printf "%.3f", l < 0 ? 0 : l;
		         exit (now < s + d - 1) ? 0 : 1 }') || break
	sleep "$left"
	kill -0 "$AGENT" 2>/dev/null || { echo "AGENT DIED"; tail -20 "$WORK/agent.err"; exit 1; }
	[ -n "${SOAK_SMAPS:-}" ] && cat "/proc/$AGENT/smaps" >"$WORK/smaps.$k" 2>/dev/null
	python3 "$HELP" sample "$AGENT" "$WORK" "$START" "$MAX_RSS_MB"
	if [ $? = 3 ]; then
		echo "agent RSS past the guard of $MAX_RSS_MB MiB (SOAK_MAX_RSS_MB): stopping the soak early"
		GUARD=1
		break
	fi
done
[ "$GUARD" = 1 ] && kill "$CHURN" 2>/dev/null
wait "$CHURN" 2>/dev/null
tail -1 "$WORK/churn.log"
sleep 1
kill -TERM "$AGENT"
wait "$AGENT"
rc=$?
AGENT=
[ "$rc" = 0 ] || echo "the agent exited with $rc on SIGTERM"
grep -E 'warning|error|err:|crit' "$WORK/agent.err" | sort | uniq -c | sort -rn | head -5 | sed 's/^/agent log: /'
echo "agent log: $(wc -l <"$WORK/agent.err") lines; alerts: $(wc -l <"$WORK/alerts.jsonl" 2>/dev/null || echo 0) lines"

# the final counters record (written at SIGTERM) and the verdict
python3 "$HELP" stats "$WORK/history" >"$WORK/final.json"
perr=$(grep -c 'could not be captured on' "$WORK/agent.err")
echo "bridge ports the agent could not capture on: $(grep -o '[0-9]* bridge ports could not' "$WORK/agent.err" | awk '{s += $1} END {print s + 0}') ($perr warnings)"
python3 - "$WORK/samples" "$WORK/final.json" "$rc" "$GUARD" "$perr" <<'PY'
import json, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
final = json.load(open(sys.argv[2]))["counters"] or {}
bad = int(sys.argv[3]) != 0 or sys.argv[4] == "1" or sys.argv[5] != "0"
if rows:
    total = rows[-1][0]
    warm = [r for r in rows if r[0] > 0.2 * total] or rows
    raw = [r[1] / 1024 for r in warm]
    rss = [(r[1] - r[4]) / 1024 for r in warm]
    lo, hi = min(rss), max(rss)
    growth = (hi - lo) / lo * 100
    flat = growth <= 5.0
    bad |= not flat
    cpus = [r[2] for r in rows]
    print("RSS after warm-up (%.0f s on): %.1f to %.1f MiB; less the packet rings (32 MiB per "
          "captured interface, they follow the containers): min %.1f MiB, max %.1f MiB, "
          "spread %.1f%% of min: %s (target <= 5%%: ratio %.2f)" %
          (0.2 * total, min(raw), max(raw), lo, hi, growth, "FLAT" if flat else "NOT FLAT",
           growth / 5.0))
    w0, w1 = rss[0], rss[-1]
    print("verdict: RSS less the packet rings after warm-up (%.0f s) %.1f MiB, at the end (%.0f s) "
          "%.1f MiB: %+.1f%%; spread after warm-up %.1f%% (target <= 5%%): %s" %
          (warm[0][0], w0, warm[-1][0], w1, (w1 - w0) / w0 * 100, growth,
           "FLAT" if flat else "NOT FLAT"))
    print("RSS first %.1f MiB, last %.1f MiB; CPU %% of one core: mean %.1f, max %.1f; "
          "fds first %d, last %d" % (rows[0][1] / 1024, rows[-1][1] / 1024,
                                    sum(cpus) / len(cpus), max(cpus), rows[0][3], rows[-1][3]))
f = final.get("flow", {})
n = final.get("nflog", {})
h = final.get("history", {})
checks = [
    ("flow table evictions (max_flows %s, peak live %s)" % (f.get("max_flows"), f.get("peak_live")),
     f.get("evicted")),
    ("kernel-log not_aggregated (records %s of %s)" % (n.get("records"), n.get("max_records")),
     n.get("not_aggregated")),
    ("history dropped_queue_full", h.get("dropped_queue_full")),
    ("history dropped_write_error", h.get("dropped_write_error")),
]
for name, v in checks:
    over = v is None or v > 0
    bad |= over
    print("%-70s %s%s" % (name, v, "  GREW PAST ITS BOUND" if v and v > 0 else
                          "  (counter missing)" if v is None else "  ok"))
print("totals: %s flows created, %s packets seen, %s history records, %s files closed, "
      "%s deleted, %s nflog packets" % (f.get("created"), final.get("packets_seen"),
                                         h.get("records"), h.get("files_closed"),
                                         h.get("files_deleted"), n.get("packets")))
print("RESULT:", "FAIL" if bad else "PASS")
sys.exit(1 if bad else 0)
PY
