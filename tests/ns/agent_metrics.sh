#!/bin/bash
# agent_metrics.sh SEGWATCH - a real Prometheus server scrapes `segwatch
# agent` in a namespace lab (docs/metrics.md):
#   - the agent serves /metrics on its default address (127.0.0.1:9617 of
#     the host namespace), and promtool finds nothing to lint in the page;
#   - Prometheus (the Debian package, its own config and storage in $TMP)
#     scrapes it every second: the target is up, with no scrape error;
#   - through Prometheus's HTTP API: packets captured equal what tcpdump saw
#     on a's interface (the only talker; capture filter "ip": no ARP), and
#     the agent's own counters record written at SIGTERM; flows per group
#     pair equal the connections made, denials the ones the policy denies,
#     the sum over pairs equals the flow records in the history; the three
#     ports and the bridge each have their drop counters; the live flows by
#     state sum to the live flows;
#   - the IPFIX exporter's counters: every ended flow sent to a UDP
#     collector, none lost; alerts sent to a syslog socket that is not
#     there: every alert counted undelivered.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
PROM_PORT=9090 METRICS=127.0.0.1:9617
N_OK=5 N_DENIED=3

ns_require "$SEGWATCH" tcpdump nft prometheus promtool curl
AGENT_PID=
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
start_servers
serve_db "$NS_C"	# tcp 5432, the "database" the policy keeps clients from

cat >"$TMP/policy.json" <<-JSON
{
  "version": 1, "name": "metrics-test", "mode": "enforce", "default": "deny",
  "groups": {
    "clients": { "names": ["$NS_A"] },
    "servers": { "names": ["$NS_B"] },
    "dbs":     { "names": ["$NS_C"] }
  },
  "rules": [
    { "name": "clients-to-servers", "from": "clients", "to": "servers", "proto": "tcp", "ports": [7001], "action": "allow" }
  ]
}
JSON
# enforce: the ruleset drops a -> c, whose attempts count as denied flows
cat >"$TMP/agent.json" <<-JSON
{
  "identity": { "engine": "off" },
  "policy": { "file": "policy.json", "mode": "enforce", "nflog_group": null },
  "history": { "dir": "history", "compress": false },
  "capture": { "filter": "ip", "timeouts": { "tcp": "2s", "tcp_closed": "1s", "udp": "2s" } },
  "metrics": { "group_pairs": 10 },
  "alerts": { "output": "syslog+unix://$TMP/no-syslog.sock" },
  "ipfix": { "collector": "udp://127.0.0.1:4739" },
  "log": { "target": "stderr", "level": "info" }
}
JSON
cat >"$TMP/prometheus.yml" <<-YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: segwatch
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: ["$METRICS"]
YAML
promtool check config "$TMP/prometheus.yml" >"$TMP/promtool.log" 2>&1 ||
	fail "promtool refused the generated config: $(cat "$TMP/promtool.log")"

# an IPFIX collector that takes every datagram (what is in them is tests/ipfix's)
ip netns exec "$NS_H" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 4739))
while True: s.recv(65536)' &
BG_PIDS="$BG_PIDS $!"
# bound before the agent's first datagram: one to a closed port is refused (counted lost)
for _ in $(seq 50); do nsx "$NS_H" ss -uln "sport = :4739" | grep -q 4739 && break; sleep 0.1; done
start_tcpdump
ip netns exec "$NS_H" "$SEGWATCH" agent --config "$TMP/agent.json" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
BG_PIDS="$BG_PIDS $AGENT_PID"
wait_for_file "$TMP/agent.err" "started: capturing on" 10 || fail "the agent did not start"
grep -q "metrics: http://$METRICS/metrics" "$TMP/agent.err" || fail "the agent does not say where /metrics is"

ip netns exec "$NS_H" prometheus --config.file="$TMP/prometheus.yml" \
	--storage.tsdb.path="$TMP/prom" --web.listen-address="127.0.0.1:$PROM_PORT" \
	--log.level=warn >"$TMP/prometheus.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"

# Prometheus's HTTP API, from the host namespace of the lab; one python
# process polls every expectation (a process per poll is slow on a busy box)
expect() { # expect SECONDS 'PROMQL=VALUE'...: every query answers its value in time
	nsx "$NS_H" python3 - "$PROM_PORT" "$@" <<-'PY'
	import json, sys, time, urllib.parse, urllib.request
	port, limit, want = sys.argv[1], float(sys.argv[2]), [a.rsplit("=", 1) for a in sys.argv[3:]]
	def query(q):
	    url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (port, urllib.parse.quote(q))
	    try:
	        r = json.load(urllib.request.urlopen(url, timeout=2))
	    except Exception:
	        return "none"
	    res = r.get("data", {}).get("result", [])
	    return res[0]["value"][1] if r.get("status") == "success" and len(res) == 1 else "none"
	end = time.time() + limit
	while True:
	    got = [(q, v, query(q)) for q, v in want]
	    bad = [(q, v, g) for q, v, g in got if g != v]
	    if not bad:
	        sys.exit(0)
	    if time.time() > end:
	        for q, v, g in bad:
	            print("%s = %s, expected %s" % (q, g, v))
	        sys.exit(1)
	    time.sleep(0.2)
	PY
}
query() { # query PROMQL: its one value, or "none"
	nsx "$NS_H" curl -sS -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r) == 1 else "none")'
}
expect 30 'up{job="segwatch"}=1' || fail "Prometheus did not scrape the agent: $(tail -5 "$TMP/prometheus.log")"
echo "prometheus: scraping $METRICS every second (${SECONDS}s)"

# the page itself: served, linted by Prometheus's own tool
nsx "$NS_H" curl -sS -D "$TMP/headers" "http://$METRICS/metrics" >"$TMP/page.txt" || fail "GET /metrics failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/headers" || fail "content type: $(cat "$TMP/headers")"
grep -q '^segwatch_build_info{version="[0-9.]*"} 1$' "$TMP/page.txt" || fail "no build info"
promtool check metrics <"$TMP/page.txt" >"$TMP/lint.log" 2>&1 || fail "promtool check metrics: $(cat "$TMP/lint.log")"

# traffic: a -> b:7001 allowed, a -> c:5432 denied by the policy: dropped
nsx "$NS_A" python3 - "$SWT_B4" "$SWT_C4" "$N_OK" "$N_DENIED" <<-'PY' || fail "the traffic did not pass"
import socket, sys
b, c, n_ok, n_denied = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def exchange(host, port, req, want):
    s = socket.create_connection((host, port), timeout=2)
    s.sendall(req)
    got = b""
    while len(got) < want:
        d = s.recv(4096)
        if not d:
            break
        got += d
    s.close()
    assert len(got) == want, (host, port, len(got))
for _ in range(n_ok):
    exchange(b, 7001, b"q" * 100, 300)   # nsflows.py serve: 100 bytes in, 300 out
for _ in range(n_denied):
    s = socket.socket()
    s.settimeout(0.5)                    # one SYN: its first retransmission is 1 s later
    try:
        s.connect((c, 5432))
        sys.exit("a -> c:5432 passed: the policy is not enforced")
    except OSError:
        pass
    s.close()
PY

# every connection ended (tcp_closed 1 s) and counted under its pair
expect 15 "segwatch_group_pair_flows_total{src_group=\"clients\",dst_group=\"servers\"}=$N_OK" \
	"segwatch_group_pair_flows_total{src_group=\"clients\",dst_group=\"dbs\"}=$N_DENIED" \
	"segwatch_group_pair_denied_flows_total{src_group=\"clients\",dst_group=\"dbs\"}=$N_DENIED" \
	'segwatch_group_pair_denied_flows_total{src_group="clients",dst_group="servers"}=0' \
	'count(segwatch_group_pair_flows_total)=3' \
	'segwatch_group_pair_flows_total{src_group="(other)",dst_group="(other)"}=0' ||
	fail "flows per group pair (2 pairs and (other))"
bytes=$(query 'segwatch_group_pair_bytes_total{src_group="clients",dst_group="servers"}')
[ "$bytes" != none ] && [ "$bytes" -gt $((N_OK * 400)) ] || fail "bytes clients -> servers: $bytes"
echo "group pairs: clients->servers $N_OK flows ($bytes bytes), clients->dbs $N_DENIED flows, all denied (${SECONDS}s)"

# the kernel's counters of the ruleset, read by the agent every 5 s, equal nft's
nft_packets() { # nft_packets RULE_COMMENT_PREFIX: packets of the rules so named, summed
	nsx "$NS_H" nft -j list chain inet segwatch sw_forward | python3 -c '
import json, sys
n = 0
for o in json.load(sys.stdin)["nftables"]:
    r = o.get("rule")
    if r and r.get("comment", "").startswith(sys.argv[1]):
        n += sum(e["counter"]["packets"] for e in r["expr"] if "counter" in e)
print(n)' "$1"
}
allow_pk=$(nft_packets "rules/0 clients-to-servers")
deny_pk=$(nft_packets "default deny")
[ "$allow_pk" -ge "$N_OK" ] && [ "$deny_pk" -ge "$N_DENIED" ] ||
	fail "nft counts $allow_pk packets allowed, $deny_pk denied: too few"
expect 15 "sum(segwatch_rule_packets_total{rule=\"rules/0 clients-to-servers\",action=\"allow\"})=$allow_pk" \
	"sum(segwatch_rule_packets_total{rule=\"default deny between managed addresses\"})=$deny_pk" \
	'segwatch_policy_enforced=1' 'segwatch_rule_read_errors_total=0' ||
	fail "rule counters in Prometheus differ from nft's"
echo "rule counters: clients-to-servers $allow_pk packets, default deny $deny_pk, as nft counts (${SECONDS}s)"

# nothing more is sent: the packet counter settles, and must be what tcpdump saw
stop_tcpdump
seen=$(tcpdump -r "$TMP/a.pcap" -nn ip 2>/dev/null | wc -l)
[ "$seen" -gt 0 ] || fail "tcpdump saw no IP packet"
expect 10 "segwatch_capture_packets_total=$seen" "segwatch_capture_decoded_packets_total=$seen" \
	'sum(segwatch_capture_malformed_packets_total)=0' 'segwatch_capture_duplicate_packets_total=0' \
	'segwatch_flows_live=0' 'sum(segwatch_flows_live_by_state)=0' \
	'count(segwatch_flows_live_by_state)=4' 'segwatch_config_last_reload_successful=1' \
	'count(segwatch_capture_kernel_drops_total)=4' 'segwatch_capture_interfaces=4' ||
	fail "capture counters in Prometheus (tcpdump saw $seen packets)"
ended=$(query 'sum(segwatch_flows_ended_total)')
pairs=$(query 'sum(segwatch_group_pair_flows_total)')
[ "$ended" = "$pairs" ] || fail "flows ended $ended, summed over pairs $pairs"
alerts=$(query 'sum(segwatch_alerts_total)')
[ "$alerts" != none ] && [ "$alerts" -ge 1 ] || fail "no alert counted: $alerts"
expect 10 "segwatch_ipfix_flows_total=$ended" "segwatch_ipfix_records_sent_total=$ended" \
	'segwatch_ipfix_records_lost_total=0' 'segwatch_ipfix_connected=1' \
	"segwatch_alerts_undelivered_total{reason=\"refused\"}=$alerts" \
	'segwatch_alerts_undelivered_total{reason="queue_full"}=0' ||
	fail "IPFIX and alert delivery counters"
echo "exports: $ended flows sent over IPFIX, none lost; $alerts alerts refused by a missing syslog socket"
echo "packets: Prometheus $seen = tcpdump $seen; $ended flows ended (${SECONDS}s)"

# reloads: the page says how the last went; a new listen address is taken
nsx "$NS_H" curl -sf "http://$METRICS/metrics" | grep -q '^segwatch_config_reloads_total{result="applied"} 0$' ||
	fail "reloads before any"
sed -i "s/\"group_pairs\": 10 }/\"group_pairs\": 10, \"listen\": \"127.0.0.1:9619\" }/" "$TMP/agent.json"
kill -HUP "$AGENT_PID"
wait_for_file "$TMP/agent.err" "metrics: http://127.0.0.1:9619/metrics" 10 || fail "the new listen address was not taken"
page2() { nsx "$NS_H" curl -sf "http://127.0.0.1:9619/metrics"; }
for _ in $(seq 30); do page2 | grep -q '^segwatch_config_reloads_total{result="applied"} 1$' && break; sleep 0.1; done
page2 | grep -q '^segwatch_config_reloads_total{result="applied"} 1$' || fail "an applied reload not counted"
nsx "$NS_H" curl -sf "http://$METRICS/metrics" >/dev/null 2>&1 && fail "the old address still answers"
# the pair counters and the capture's went on across the reload
page2 | grep -q "^segwatch_group_pair_flows_total{src_group=\"clients\",dst_group=\"servers\"} $N_OK\$" ||
	fail "the group pairs did not survive the reload"
page2 | grep -q "^segwatch_capture_packets_total $seen\$" || fail "the capture's counters did not survive the reload"
# a bad policy written in place: the agent reloads by itself (watch_file), once
echo '{"version": 1, "groups": {}, "rules": [{"from": "nope", "to": "any", "action": "allow"}]}' >"$TMP/policy.json"
wait_for_file "$TMP/agent.err" "reload refused" 10 || fail "a bad policy was not refused"
for _ in $(seq 30); do page2 | grep -q '^segwatch_config_last_reload_successful 0$' && break; sleep 0.1; done
page2 | grep -q '^segwatch_config_last_reload_successful 0$' || fail "a refused reload shows as successful"
page2 | grep -q '^segwatch_config_reloads_total{result="refused"} 1$' || fail "a refused reload not counted"
echo "reloads: listen moved to 127.0.0.1:9619, one applied, one refused, counters kept (${SECONDS}s)"

# SIGTERM: the agent's own counters record closes its history
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "the agent exited with status $?"
python3 - "$TMP/history" "$seen" "$pairs" <<-'PY' || fail "the agent's counters disagree with Prometheus"
import json, os, sys
hist, seen, pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
flows, counters = 0, None
for f in sorted(os.listdir(hist)):
    if not f.endswith(".jsonl"):
        continue
    for line in open(os.path.join(hist, f)):
        r = json.loads(line)
        if r.get("type") == "counters":
            counters = r
        elif r.get("type", "flow") == "flow":
            flows += 1
if counters is None:
    sys.exit("no counters record in the history")
print("agent's counters record: packets_seen %d; history: %d flows" % (counters["packets_seen"], flows))
ok = counters["packets_seen"] == seen and flows == pairs
sys.exit(0 if ok else "packets_seen %d (Prometheus %d), flows %d (Prometheus %d)" %
         (counters["packets_seen"], seen, flows, pairs))
PY
echo "PASS"
