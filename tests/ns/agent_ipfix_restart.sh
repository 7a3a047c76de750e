#!/bin/bash
# agent_ipfix_restart.sh SEGWATCH - the IPFIX collector of a running agent
# goes away and comes back (docs/ipfix.md "Transport"):
#
#   A: collector A (tests/ipfix/ipfixcoll.py, TCP 127.0.0.1:4739 in the lab's
#      host namespace) is up; a's traffic to b; its flows end and reach A;
#   B: A is stopped; more traffic, whose flows end while nobody listens: the
#      agent goes on capturing (its history gets them), and /metrics shows
#      the records lost and the connection down, a retry that failed (two
#      waves: the first finds the connection closed, the second none at all);
#   C: collector C starts on the same port: the agent reconnects by itself
#      (backoff 0.5 s, 1 s, 2 s...), and C's flows reach C, templates first.
#
# After SIGTERM, decoded with ipfixDump: every record A and C got is a flow of
# the history; the history's flows that neither got are exactly as many as
# records_lost, and hold every flow of phase B; A has phase A's, C phase C's;
# and the counters record agrees (flows = sent + lost, 2 connects).
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
export PYTHONDONTWRITEBYTECODE=1
PORT=4739 METRICS=127.0.0.1:9617 N=4 # N TCP and N UDP flows a phase
COLL=$HERE/../ipfix/ipfixcoll.py

ns_require "$SEGWATCH" nft
command -v ipfixDump >/dev/null || skip "ipfixDump (libfixbuf-tools) is not installed (tools/deps.sh)"
AGENT_PID=
COLL_PID=
restart_cleanup() {
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null
	[ -n "$COLL_PID" ] && kill -KILL "$COLL_PID" 2>/dev/null
	cleanup
}
trap restart_cleanup EXIT
trap 'restart_cleanup; exit 130' INT TERM

topo_up
start_servers

# collector NAME: listening on the port, its pid in COLL_PID
collector() {
	ip netns exec "$NS_H" python3 "$COLL" serve 127.0.0.1 "$PORT" "$TMP/coll$1.ipfix" >"$TMP/coll$1.log" 2>&1 &
	COLL_PID=$!
	wait_for_file "$TMP/coll$1.log" listening 5 || fail "collector $1 did not start: $(cat "$TMP/coll$1.log")"
}
# phase_traffic BASE: N TCP exchanges a -> b:7001 (source ports BASE+j) and
# N UDP exchanges a -> b:7003 (BASE+100+j)
phase_traffic() {
	nsx "$NS_A" python3 - "$HERE" "$1" "$N" >"$TMP/traffic.log" 2>&1 <<-'PY' || fail "traffic from $1: $(cat "$TMP/traffic.log")"
	import socket, sys
	sys.path.insert(0, sys.argv[1])
	import nsflows
	base, n = int(sys.argv[2]), int(sys.argv[3])
	for j in range(n):
	    r = nsflows.tcp_exchange(socket.AF_INET, nsflows.B4, base + j)
	    assert r == "ok", "tcp from %d: %s" % (base + j, r)
	    r = nsflows.udp_ask(socket.AF_INET, nsflows.B4, nsflows.UDP_PORT, base + 100 + j, 50, 2)
	    assert r == "reply %d" % nsflows.URESP, "udp from %d: %s" % (base + 100 + j, r)
	PY
}
# mwait SECONDS EXPR [NAME=FILE...]: until EXPR holds over the agent's
# /metrics (names without "segwatch_", labelled series summed) and the
# sizes of the files; prints the values it read last
mwait() {
	nsx "$NS_H" python3 - "$METRICS" "$@" <<-'PY'
	import os, sys, time, urllib.request
	url, limit, expr = "http://%s/metrics" % sys.argv[1], float(sys.argv[2]), sys.argv[3]
	files = dict(a.split("=", 1) for a in sys.argv[4:])
	def read():
	    v = {}
	    try:
	        page = urllib.request.urlopen(url, timeout=2).read().decode()
	    except OSError:
	        return None
	    for line in page.splitlines():
	        if line.startswith("#") or not line.startswith("segwatch_"):
	            continue
	        name, val = line.rsplit(" ", 1)
	        name = name.split("{", 1)[0][len("segwatch_"):]
	        v[name] = v.get(name, 0) + float(val)
	    for k, p in files.items():
	        v[k] = os.path.getsize(p) if os.path.exists(p) else 0
	    return v
	end, v = time.time() + limit, None
	while True:
	    v = read() or v
	    try:
	        if v and eval(expr, {}, dict(v)):
	            break
	    except NameError:
	        pass
	    if time.time() > end:
	        print("FAIL: in %gs, not %s" % (limit, expr))
	        break
	    time.sleep(0.2)
	names = [k for k in sorted(v or {}) if k in expr]
	print(" ".join("%s=%d" % (k, v[k]) for k in names))
	sys.exit(0 if v and eval(expr, {}, dict(v)) else 1)
	PY
}
# the page is rendered every second: a condition names the progress it waits
# for (flows_total past what it was), not only a state an older page shows.
# flows_live == 0 needs every protocol's timeout short: a namespace's IGMP
# report now and then makes an "other" flow
handled='ipfix_flows_total == ipfix_records_sent_total + ipfix_records_lost_total and flows_live == 0'
value() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; } # value NAME MWAIT_OUTPUT

cat >"$TMP/agent.json" <<-JSON
{
  "ipfix": { "collector": "tcp://127.0.0.1:$PORT" },
  "identity": { "engine": "off" },
  "history": { "dir": "history", "compress": false },
  "capture": { "timeouts": { "tcp": "2s", "tcp_closed": "1s", "udp": "1s", "icmp": "1s", "other": "1s" } },
  "metrics": { "listen": "$METRICS" },
  "log": { "target": "stderr", "level": "info" }
}
JSON
nsx "$NS_H" "$SEGWATCH" agent check "$TMP/agent.json" >"$TMP/check.out" 2>&1 ||
	fail "agent check: $(cat "$TMP/check.out")"

# A: the collector is up
collector A
ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
wait_for_file "$TMP/agent.err" "started: capturing on 4 interfaces" 15 ||
	fail "the agent did not start: $(cat "$TMP/agent.err")"
wait_for_file "$TMP/collA.log" accepted 5 || fail "the agent did not connect to collector A"
phase_traffic 42000
# every flow ended and went to A, which read every byte the agent sent
out=$(mwait 15 "$handled and ipfix_records_lost_total == 0 and ipfix_connected == 1 and \
ipfix_records_sent_total >= 2 * $N and collA == ipfix_bytes_sent_total" collA="$TMP/collA.ipfix") ||
	fail "phase A: $out"
echo "A: collector up: $out (${SECONDS}s)"
flows_a=$(value ipfix_flows_total "$out") sent_a=$(value ipfix_records_sent_total "$out")

# B: the collector goes away; the flows that end now are counted lost
kill -TERM "$COLL_PID"
wait "$COLL_PID"
COLL_PID=
phase_traffic 43000
# the first message finds the connection closed: its records are lost
out=$(mwait 15 "$handled and ipfix_flows_total >= $flows_a + 2 * $N and ipfix_records_lost_total >= 2 * $N \
and ipfix_connected == 0") || fail "phase B, first flows: $out"
echo "B: collector down, the connection dropped: $out (${SECONDS}s)"
# flows that end later, with no connection at all, are lost too, and the retries fail
phase_traffic 43500
out=$(mwait 15 "$handled and ipfix_flows_total >= $flows_a + 4 * $N and ipfix_records_lost_total >= 4 * $N \
and ipfix_connected == 0 and ipfix_connect_failures_total >= 1") || fail "phase B, later flows: $out"
echo "B: capture goes on, flows counted lost: $out (${SECONDS}s)"
flows_b=$(value ipfix_flows_total "$out")
if command -v promtool >/dev/null; then # the page with the segwatch_ipfix_* families is clean
	nsx "$NS_H" python3 -c "import sys, urllib.request
sys.stdout.write(urllib.request.urlopen('http://$METRICS/metrics', timeout=5).read().decode())" >"$TMP/metrics.txt" ||
		fail "could not read /metrics"
	promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.log" 2>&1 ||
		fail "promtool check metrics: $(cat "$TMP/promtool.log")"
	grep -q '^segwatch_ipfix_connected 0$' "$TMP/metrics.txt" || fail "/metrics: segwatch_ipfix_connected is not 0"
fi

# C: a new collector on the same port; the agent finds it by itself
collector C
t0=$SECONDS
wait_for_file "$TMP/collC.log" accepted 30 || fail "the agent did not reconnect within 30 s: $(tail -3 "$TMP/agent.err")"
echo "C: reconnected after $((SECONDS - t0)) s"
phase_traffic 44000
out=$(mwait 15 "$handled and ipfix_flows_total >= $flows_b + 2 * $N and \
ipfix_records_sent_total >= $sent_a + 2 * $N and ipfix_connected == 1 and ipfix_connects_total == 2") ||
	fail "phase C: $out"
echo "C: $out (${SECONDS}s)"

# SIGTERM: the agent writes its open flows, sends them, closes the connection
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" = 0 ] || fail "the agent exited with $rc on SIGTERM: $(tail "$TMP/agent.err")"
wait_for_file "$TMP/collC.log" closed 5 || fail "collector C did not see the agent close"
wait "$COLL_PID"
COLL_PID=

python3 - "$TMP" "$N" "$HERE/../ipfix" <<'PY' || fail "the collectors, the counters and the history disagree"
import collections, json, os, sys
tmp, n, lib = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, lib)
import ipfixcoll
ok = True
def bad(msg):
    global ok
    print("FAIL: " + msg)
    ok = False

d = os.path.join(tmp, "history")
lines = []
for f in sorted(os.listdir(d)):
    if f.endswith(".jsonl"):
        lines += [json.loads(l) for l in open(os.path.join(d, f))]
flows = [r for r in lines if r.get("type") == "flow"]
counters = [r for r in lines if r.get("type") == "counters"]
hist = collections.Counter(ipfixcoll.history_key(f) for f in flows)
got = {}
for c in "AC":
    recs, problems = ipfixcoll.records(open(os.path.join(tmp, "coll%s.ipfix" % c), "rb").read())
    for p in problems:
        bad("collector %s: %s" % (c, p))
    got[c] = collections.Counter(ipfixcoll.flow_key(r) for r in recs)
sent = got["A"] + got["C"]
if sent - hist:
    bad("records the collectors got that are no flow of the history: %s" % list((sent - hist).elements())[:5])
lost = hist - sent
if got["A"] & got["C"]:
    bad("records both collectors got: %s" % list((got["A"] & got["C"]).elements())[:5])

# each phase's flows (by a's source port), where they belong
def phase(*bases):
    ports = set()
    for b in bases:
        ports |= set(range(b, b + n)) | set(range(b + 100, b + 100 + n))
    return collections.Counter(k for k in hist.elements() if k[2] in ports)
for name, bases, where in (("A", (42000,), got["A"]), ("B", (43000, 43500), lost),
                           ("C", (44000,), got["C"])):
    p = phase(*bases)
    if sum(p.values()) != 2 * n * len(bases):
        bad("phase %s: %d flows in the history, expected %d" % (name, sum(p.values()), 2 * n * len(bases)))
    if p - where:
        bad("phase %s: flows not %s: %s" % (name, "lost" if name == "B" else "at collector " + name,
                                            list((p - where).elements())[:5]))

if not counters:
    bad("no counters record in the history")
else:
    ipx = counters[-1].get("ipfix", {})
    print("counters record: %s" % json.dumps(ipx))
    want = {"flows": len(flows), "records_sent": sum(sent.values()),
            "records_lost": sum(lost.values()), "connects": 2}
    for k, v in want.items():
        if ipx.get(k) != v:
            bad("counters ipfix.%s = %s, expected %d" % (k, ipx.get(k), v))
    if not ipx.get("connect_failures", 0) >= 1:
        bad("no failed connect counted while the collector was down")
print("history: %d flows; collector A got %d, collector C %d, lost %d (phase B: %d)" %
      (len(flows), sum(got["A"].values()), sum(got["C"].values()), sum(lost.values()), 4 * n))
sys.exit(0 if ok and flows else 1)
PY
echo "PASS (${SECONDS}s)"
