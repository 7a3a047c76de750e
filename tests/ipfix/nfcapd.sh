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
	python3 - "$mode" "$ipfix_work/$mode" "$ipfix_work/$mode.csv" <<'PY'
import collections, glob, json, sys
mode, d, csv = sys.argv[1:]
names = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMP6"}
want = collections.Counter()
nflows = 0
for path in sorted(glob.glob(d + "/*.json")):
    c = json.load(open(path))["counters"]["ipfix"]
    assert c["records_lost"] == 0 and c["records_sent"] > 0, (path, c)
for path in sorted(glob.glob(d + "/*.jsonl")):
    for line in open(path):
        r = json.loads(line)
        if r.get("type") != "flow":
            continue
        nflows += 1
        icmp = r["proto_num"] in (1, 58)
        sp, dp = (None, None) if icmp else (r["sport"], r["dport"])
        pr = names.get(r["proto_num"], str(r["proto_num"]))
        f, b = r["fwd"], r["rev"]
        if mode == "biflow":
            want[(r["src"], r["dst"], sp, dp, pr, f["packets"], f["bytes"], b["packets"], b["bytes"])] += 1
        else:
            if f["packets"]:
                want[(r["src"], r["dst"], sp, dp, pr, f["packets"], f["bytes"], 0, 0)] += 1
            if b["packets"]:
                want[(r["dst"], r["src"], dp, sp, pr, b["packets"], b["bytes"], 0, 0)] += 1
got = collections.Counter()
rows = []
for l in open(csv):
    if not l.strip() or l.startswith("Summary"):
        break
    rows.append(l.rstrip("\n").split(","))
hdr = rows[0]
assert hdr[:3] == ["ts", "te", "td"], hdr
col = {k: i for i, k in enumerate(hdr)}
for row in rows[1:]:
    if len(row) < len(hdr) or row[0] == "Summary":
        break
    v = lambda k: row[col[k]].strip()
    pr = v("pr")
    icmp = pr in ("ICMP", "ICMP6")
    got[(v("sa"), v("da"), None if icmp else int(v("sp")), None if icmp else int(v("dp")), pr,
         int(v("ipkt")), int(v("ibyt")), int(v("opkt")), int(v("obyt")))] += 1
assert nflows > 20, nflows
if got != want:
    print("FAIL: nfdump and segwatch disagree (%s)" % mode)
    print("  only in segwatch:", sorted((want - got).elements())[:10])
    print("  only in nfdump:  ", sorted((got - want).elements())[:10])
    sys.exit(1)
tp = sum(k[5] + k[7] for k in want.elements())
tb = sum(k[6] + k[8] for k in want.elements())
print("ok %s: %d flows -> %d nfdump records, %d packets, %d bytes" % (mode, nflows, sum(got.values()), tp, tb))
PY
done
