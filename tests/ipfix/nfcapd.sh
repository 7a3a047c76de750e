#!/usr/bin/env bash
# nfdump's nfcapd collects segwatch's IPFIX from pcap fixtures, in both
# modes: nfdump must report exactly the flows, packets and bytes of
# segwatch's own JSON lines (biflow: a record per flow with in/out counts;
# uniflow: one per direction that saw a packet).
#   nfcapd.sh SEGWATCH FIXTURE_DIR
set -euo pipefail
sw=$1 fx=$2
for t in nfcapd nfdump ss setsid; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed (tools/deps.sh)"; exit 77; }
done
. "$(dirname "$0")/lib.sh"

fixtures="many_flows tcp_handshake_close ipv6_tcp tcp_refused tcp_midstream icmp_echo icmpv6_echo
	  ipv4_fragments udp_request_response udp_active_cut udp_port_unreachable tcp_port_reuse"
for mode in biflow uniflow; do
	port=$(ipfix_port udp)
	mkdir -p "$ipfix_work/$mode" "$ipfix_work/nf-$mode"
	ipfix_daemon nfcapd -b 127.0.0.1 -p "$port" -w "$ipfix_work/nf-$mode" -t 3600 \
		>"$ipfix_work/nfcapd-$mode.log" 2>&1
	nfc=$ipfix_last
	ipfix_wait_listen udp "$port"
	for f in $fixtures; do
		[ -e "$fx/$f.pcap" ] || continue
		"$sw" capture -r "$fx/$f.pcap" --ipfix "udp://127.0.0.1:$port" --ipfix-mode "$mode" \
			-w "$ipfix_work/$mode/$f.jsonl" --json -q >"$ipfix_work/$mode/$f.json"
	done
	sleep 0.3 # the last datagrams into nfcapd's socket
	ipfix_stop "$nfc"
	nfdump -R "$ipfix_work/nf-$mode" -o csv >"$ipfix_work/$mode.csv"
	python3 - "$mode" "$ipfix_work/$mode" "$ipfix_work/$mode.csv" "$(dirname "$0")" <<'PY'
import glob, json, sys
mode, d, csv, here = sys.argv[1:]
sys.path.insert(0, here)
import ipfixcmp
records = []
for path in sorted(glob.glob(d + "/*.json")):
    c = json.load(open(path))["counters"]["ipfix"]
    assert c["records_lost"] == 0 and c["records_sent"] > 0, (path, c)
for path in sorted(glob.glob(d + "/*.jsonl")):
    records += [json.loads(line) for line in open(path)]
nflows = sum(1 for r in records if r.get("type") == "flow")
assert nflows > 20, nflows
want = ipfixcmp.want(records, mode)
if not ipfixcmp.report(want, ipfixcmp.got(csv), "segwatch (%s)" % mode):
    sys.exit(1)
print("ok %s: %d flows -> %d nfdump records, %d packets, %d bytes" % ((mode, nflows) + ipfixcmp.totals(want)))
PY
done
