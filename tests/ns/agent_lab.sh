#!/bin/bash
# agent_lab.sh SEGWATCH - `segwatch agent` in a namespace lab, the way an
# operator leaves it running: it captures on the bridge and its ports, names
# the containers from the kernel's view, enforces a policy, raises alerts and
# keeps a flow history. While it runs:
#   - its history holds exactly the flows an independent tcpdump saw;
#   - a container started later is captured and named;
#   - SIGHUP with a good policy applies it; with a bad one it is refused and
#     the ruleset in force stays;
#   - a changed policy file is reloaded by itself;
#   - a changed config (filter, timeouts, limits) is taken by the running
#     capture: a flow going on across it stays one record;
#   - the table deleted under it comes back, with an agent_health alert;
#   - `segwatch flows` answers from the history (time, names, ports, verdicts);
#   - SIGTERM writes the flows still open: none is lost; the ruleset stays;
#   - (with nfdump installed) nfcapd, in the lab's host namespace, received
#     over IPFIX exactly the flows, packets and bytes of the history.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
NS_D=swt$ID-d PD=swpd$ID SWT_D4=10.78.0.4 SWT_D6=fd00:78::4

ns_require "$SEGWATCH" nft tcpdump
AGENT_PID=
NFCAPD_PID=
agent_cleanup() {
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null
	[ -n "$NFCAPD_PID" ] && kill -KILL -- "-$NFCAPD_PID" 2>/dev/null
	ip netns del "$NS_D" 2>/dev/null
	cleanup
}
trap agent_cleanup EXIT
trap 'agent_cleanup; exit 130' INT TERM

topo_up
start_servers
serve_db "$NS_C"	# tcp 5432, the "database" the policy keeps clients from

policy() { # policy FILE [EXTRA_RULE_JSON]
	cat >"$1" <<-JSON
	{
	  "version": 1, "name": "agent-test", "mode": "enforce", "default": "deny",
	  "groups": {
	    "clients": { "names": ["$NS_A", "$NS_D"] },
	    "servers": { "names": ["$NS_B"] },
	    "dbs":     { "names": ["$NS_C"] }
	  },
	  "rules": [
	    { "name": "clients-to-servers", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" }${2:+,
	    $2}
	  ]
	}
	JSON
}
tcp_ok() { # tcp_ok NS ADDR PORT SPORT: a connection is answered
	nsx "$1" python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', $4)); s.settimeout(1.5); s.connect(('$2', $3)); s.close()" 2>/dev/null
}
sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }
log_has() { wait_for_file "$TMP/agent.err" "$1" "${2:-10}"; }

HIST=$TMP/history
policy "$TMP/policy.json"
# an IPFIX collector on the lab host's own loopback (docs/ipfix.md)
IPFIX_CFG=
if command -v nfcapd >/dev/null && command -v nfdump >/dev/null; then
	mkdir -p "$TMP/nfcapd"
	ip netns exec "$NS_H" setsid nfcapd -b 127.0.0.1 -p 4739 -w "$TMP/nfcapd" -t 3600 \
		>"$TMP/nfcapd.log" 2>&1 &
	NFCAPD_PID=$!
	IPFIX_CFG='"ipfix": { "collector": "udp://127.0.0.1:4739" },'
else
	echo "nfdump not installed: the IPFIX check is skipped (tools/deps.sh)"
fi
cat >"$TMP/agent.json" <<-JSON
{
  $IPFIX_CFG
  "identity": { "engine": "off" },
  "policy": { "file": "policy.json", "nflog_group": 45 },
  "alerts": { "output": "alerts.jsonl" },
  "history": { "dir": "history", "rotate_every": "5s", "compress": true },
  "capture": { "timeouts": { "tcp": "3s", "tcp_closed": "1s", "udp": "3s", "icmp": "3s" } },
  "log": { "target": "stderr", "level": "info" }
}
JSON
sw agent check "$TMP/agent.json" >"$TMP/check.out" 2>&1 || fail "agent check: $(cat "$TMP/check.out")"

# the independent view: everything a sends and receives
start_tcpdump
ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
log_has "started: capturing on" 10 || fail "the agent did not start: $(cat "$TMP/agent.err")"
nsx "$NS_H" nft list table inet segwatch >/dev/null || fail "the policy was not applied"
echo "started: $(grep -m1 'started:' "$TMP/agent.err" | sed 's/.*started: //')"

# allowed, denied, and an open connection that only SIGTERM will end
tcp_ok "$NS_A" "$SWT_B4" 7001 41001 || fail "a -> b:7001 (allowed) did not pass"
tcp_ok "$NS_A" "$SWT_C4" 5432 41002 && fail "a -> c:5432 (denied) passed"
ip netns exec "$NS_A" python3 -c "
import socket, time
s = socket.socket(); s.bind(('', 41003)); s.connect(('$SWT_B4', 7001))
time.sleep(600)" &
LONG_PID=$!
BG_PIDS="$BG_PIDS $LONG_PID"

# a container started later: captured on its port, named, judged as a client
add_container "$NS_D" "$PD" "$SWT_D4" "$SWT_D6"
for _ in $(seq 30); do tcp_ok "$NS_D" "$SWT_B4" 7001 41004 && break; sleep 0.2; done
tcp_ok "$NS_D" "$SWT_B4" 7001 41005 || fail "d (started later, a client) -> b:7001 did not pass"
echo "late joiner: let in as a client"

# SIGHUP, bad policy: refused, the ruleset in force stays
cp "$TMP/policy.json" "$TMP/policy.good"
echo '{"version": 1, "groups": {}, "rules": [{"from": "nope", "to": "any", "action": "allow"}]}' >"$TMP/policy.json"
before=$(nsx "$NS_H" nft list table inet segwatch | sed -E 's/counter packets [0-9]+ bytes [0-9]+//')
kill -HUP "$AGENT_PID"
log_has "reload refused" 10 || fail "a bad policy was not refused: $(tail "$TMP/agent.err")"
grep -q 'unknown group "nope"' "$TMP/agent.err" || fail "the refusal does not say why"
after=$(nsx "$NS_H" nft list table inet segwatch | sed -E 's/counter packets [0-9]+ bytes [0-9]+//')
[ "$before" = "$after" ] || fail "a refused reload changed the ruleset"
tcp_ok "$NS_A" "$SWT_B4" 7001 41006 || fail "after a refused reload, a -> b:7001 no longer passes"
echo "reload, bad policy: refused, ruleset unchanged"

# a good policy written in place: the agent sees the file change by itself
policy "$TMP/policy.json" '{ "name": "clients-to-dbs", "from": "clients", "to": "dbs", "proto": "tcp", "ports": [5432], "action": "allow" }'
for _ in $(seq 50); do tcp_ok "$NS_A" "$SWT_C4" 5432 41007 && break; sleep 0.2; done
tcp_ok "$NS_A" "$SWT_C4" 5432 41008 || fail "the changed policy file was not applied: $(tail "$TMP/agent.err")"
grep -q "reloading: the policy file changed" "$TMP/agent.err" || fail "no reload logged"
echo "policy file changed: reloaded and applied"

# SIGHUP back to the first policy: c is out of reach again
cp "$TMP/policy.good" "$TMP/policy.json"
kill -HUP "$AGENT_PID"
for _ in $(seq 50); do tcp_ok "$NS_A" "$SWT_C4" 5432 41009 || break; sleep 0.2; done
tcp_ok "$NS_A" "$SWT_C4" 5432 41010 && fail "after SIGHUP with the first policy, a -> c:5432 still passes"
echo "SIGHUP: reloaded"

# the same policy with one rule changed (same groups, same number of rules):
# only the rules are sent again, in place; the table stays
sed 's/"to": "servers", "proto": "tcp", "ports": \[7001\]/"to": "dbs", "proto": "tcp", "ports": [5432]/' \
	"$TMP/policy.good" >"$TMP/policy.json"
grep -q '"dbs", "proto": "tcp", "ports": \[5432\]' "$TMP/policy.json" || fail "could not change the rule"
kill -HUP "$AGENT_PID"
for _ in $(seq 50); do tcp_ok "$NS_A" "$SWT_C4" 5432 41012 && break; sleep 0.2; done
tcp_ok "$NS_A" "$SWT_C4" 5432 41013 || fail "the changed rule (a -> c:5432) was not applied"
tcp_ok "$NS_A" "$SWT_B4" 7001 41014 && fail "the rule it replaced (a -> b:7001) still lets a through"
nsx "$NS_H" nft list table inet segwatch | grep -q "applied=" || fail "the table lost its comment"
grep -q "applied (reload, rules and changed elements in place)" "$TMP/agent.err" ||
	fail "a one-rule change was not applied in place: $(grep 'applied (reload' "$TMP/agent.err")"
cp "$TMP/policy.good" "$TMP/policy.json"
kill -HUP "$AGENT_PID"
for _ in $(seq 50); do tcp_ok "$NS_A" "$SWT_B4" 7001 41015 && break; sleep 0.2; done
tcp_ok "$NS_A" "$SWT_B4" 7001 41016 || fail "back to the first policy: a -> b:7001 does not pass"
tcp_ok "$NS_A" "$SWT_C4" 5432 41017 && fail "back to the first policy: a -> c:5432 passes"
echo "one rule changed: applied in place ($(grep -o 'in place): .* ms' "$TMP/agent.err" | tail -1))"

# the config changed (a capture filter, timeouts, the kernel log's bound):
# taken by the running capture, not a rebuild; a flow going on across it
# stays one record (checked after SIGTERM) and the filter holds from then on
udp_send() { # udp_send NS ADDR PORT SPORT
	nsx "$1" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', $4))
s.sendto(b'x', ('$2', $3))"
}
udp_send "$NS_A" "$SWT_B4" 5999 41020 # before: captured
# a flow that keeps going across the reload (a packet every 0.25 s for 5 s)
nsx "$NS_A" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('', 41030))
for _ in range(20):
    s.sendto(b'tick', ('$SWT_B4', 7003)); time.sleep(0.25)" &
TICK_PID=$!
sleep 1
sed -e 's/"tcp": "3s"/"tcp": "4s"/' -e 's/"capture": {/"capture": { "filter": "not (udp and port 5999)",/' \
	-e 's/"level": "info" }/"level": "info" }, "limits": { "kernel_log_records": 4096 }/' \
	"$TMP/agent.json" >"$TMP/agent.json.new"
mv "$TMP/agent.json.new" "$TMP/agent.json"
sw agent check "$TMP/agent.json" >"$TMP/check.out" 2>&1 || fail "agent check of the new config: $(cat "$TMP/check.out")"
n=$(grep -c '] reloaded\|: reloaded' "$TMP/agent.err")
kill -HUP "$AGENT_PID"
for _ in $(seq 50); do [ "$(grep -c '] reloaded\|: reloaded' "$TMP/agent.err")" -gt "$n" ] && break; sleep 0.1; done
[ "$(grep -c '] reloaded\|: reloaded' "$TMP/agent.err")" -gt "$n" ] || fail "the new config was not reloaded: $(tail -5 "$TMP/agent.err")"
grep -q "rebuilt" "$TMP/agent.err" && fail "a filter and timeouts change rebuilt the pipeline"
udp_send "$NS_A" "$SWT_B4" 5999 41021 # after: filtered out
wait "$TICK_PID"
tcp_ok "$NS_A" "$SWT_B4" 7001 41022 || fail "after the config reload, a -> b:7001 does not pass"
echo "config changed (filter, timeouts, limits): taken by the running capture"

# someone deletes the table: it comes back, and the operator is told
nsx "$NS_H" nft delete table inet segwatch
for _ in $(seq 50); do nsx "$NS_H" nft list table inet segwatch >/dev/null 2>&1 && break; sleep 0.1; done
nsx "$NS_H" nft list table inet segwatch >/dev/null 2>&1 || fail "the deleted table did not come back"
wait_for_file "$TMP/alerts.jsonl" '"agent_health"' 5 || fail "no agent_health alert: $(cat "$TMP/alerts.jsonl" 2>/dev/null)"
grep '"agent_health"' "$TMP/alerts.jsonl" | grep -q ruleset_deleted || fail "the alert does not say ruleset_deleted"
tcp_ok "$NS_A" "$SWT_C4" 5432 41011 && fail "after the table came back, a -> c:5432 passes"
echo "table deleted: re-applied and alerted"

# the history answers while the agent runs (flows that ended: idle timeouts of 1-3 s)
sleep 4
sw flows "$HIST" --since 10m --to "$NS_B" --json >"$TMP/q_b.jsonl" || fail "segwatch flows exited $?"
grep -q '"dport":7001' "$TMP/q_b.jsonl" || fail "flows --to $NS_B has no 7001 flow: $(cat "$TMP/q_b.jsonl")"
sw flows "$HIST" --since 10m --policy "$TMP/policy.json" --verdict denied --json >"$TMP/q_denied.jsonl"
grep -q '"dport":5432' "$TMP/q_denied.jsonl" || fail "no denied flow to 5432 in the history"
echo "flows: $(wc -l <"$TMP/q_b.jsonl") flows to $NS_B, $(wc -l <"$TMP/q_denied.jsonl") denied"

# SIGTERM: every live flow (the open connection among them) into the history
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
[ "$rc" = 0 ] || fail "the agent exited with $rc on SIGTERM: $(tail "$TMP/agent.err")"
grep -q "the ruleset stays in force" "$TMP/agent.err" || fail "stop did not say what happens to the ruleset"
nsx "$NS_H" nft list table inet segwatch >/dev/null 2>&1 || fail "on_stop keep: the table is gone"
stop_tcpdump
ls "$HIST" >"$TMP/files.txt"
grep -q '\.jsonl\.zst$' "$TMP/files.txt" || fail "no compressed history file: $(cat "$TMP/files.txt")"

# exactly the flows tcpdump saw on a's veth, with the same packet counts
HERE="$HERE" python3 - "$HIST" "$TMP/a.pcap" "$SWT_A4" "$SWT_A6" <<'PY' || fail "history and tcpdump disagree"
import json, os, subprocess, sys
sys.path.insert(0, os.environ.get("HERE", "."))
import nsflows
hist, pcap, a4, a6 = sys.argv[1:5]
seen = nsflows.pcap_flows(pcap)
# the capture's filter drops udp port 5999 from the config reload on (sport 41021)
want = {k: v["fwd"][0] + v["rev"][0] for k, v in seen.items()
        if k[1] in (6, 17) and 41021 not in (k[2][1], k[3][1])}
got, records, long_records = {}, 0, 0
out = subprocess.run(["zstdcat", "-f"] + sorted(os.path.join(hist, f) for f in os.listdir(hist)
                     if ".jsonl" in f), capture_output=True, text=True, check=True).stdout
for line in out.splitlines():
    r = json.loads(line)
    if r.get("type") != "flow" or a4 not in (r["src"], r["dst"]) and a6 not in (r["src"], r["dst"]):
        continue
    k = nsflows.seg_key(r)
    if k is None or k[1] not in (6, 17):
        continue
    records += 1
    if 41030 in (r.get("sport"), r.get("dport")):
        long_records += 1
    got[k] = got.get(k, 0) + r.get("fwd", {}).get("packets", 0) + r.get("rev", {}).get("packets", 0)
bad = 0
for k in sorted(set(want) | set(got), key=str):
    if want.get(k) != got.get(k):
        print("flow %s: tcpdump %s packets, history %s" % (k, want.get(k), got.get(k)))
        bad += 1
print("history: %d TCP/UDP flows of a (%d records), tcpdump: %d; %d differ" %
      (len(got), records, len(want), bad))
if long_records != 1:
    print("the flow going on across the config reload is %d records, not 1" % long_records)
    bad += 1
sys.exit(1 if bad or not want else 0)
PY
echo "SIGTERM: exit 0, ruleset kept, history complete"

# what the agent exported over IPFIX: exactly the history's flows
if [ -n "$NFCAPD_PID" ]; then
	kill -TERM -- "-$NFCAPD_PID" 2>/dev/null
	wait "$NFCAPD_PID" 2>/dev/null
	NFCAPD_PID=
	nfdump -R "$TMP/nfcapd" -o csv >"$TMP/nfdump.csv" 2>&1 || fail "nfdump: $(cat "$TMP/nfdump.csv")"
	python3 - "$HIST" "$TMP/nfdump.csv" "$HERE/../ipfix" <<'PY' || fail "nfcapd and the history disagree"
import json, os, subprocess, sys
hist, csv, lib = sys.argv[1:4]
sys.path.insert(0, lib)
import ipfixcmp
out = subprocess.run(["zstdcat", "-f"] + sorted(os.path.join(hist, f) for f in os.listdir(hist)
                     if ".jsonl" in f), capture_output=True, text=True, check=True).stdout
want = ipfixcmp.want(json.loads(line) for line in out.splitlines())
if not ipfixcmp.report(want, ipfixcmp.got(csv), "the history"):
    sys.exit(1)
print("IPFIX: nfcapd has the history's %d flows, %d packets, %d bytes" % ipfixcmp.totals(want))
PY
fi
sw policy remove >/dev/null
echo PASS
