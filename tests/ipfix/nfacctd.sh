#!/usr/bin/env bash
# pmacct's nfacctd collects segwatch's IPFIX in uniflow mode: its per-flow
# packets and bytes (aggregated by the 5-tuple) are exactly segwatch's, per
# direction. nfacctd 1.7.7 ignores RFC 5103 reverse elements: in biflow mode
# it would count only the initiator's side, so uniflow is the mode for it
# (docs/ipfix.md).
#   nfacctd.sh SEGWATCH FIXTURE_DIR
set -euo pipefail
sw=$1 fx=$2
for t in nfacctd ss setsid; do
	command -v "$t" >/dev/null || { echo "skipped: $t not installed (tools/deps.sh)"; exit 77; }
done
. "$(dirname "$0")/lib.sh"

port=$(ipfix_port udp)
cat >"$ipfix_work/nfacctd.conf" <<CONF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $port
plugins: print[p]
aggregate[p]: src_host, dst_host, src_port, dst_port, proto
print_output[p]: csv
print_output_file[p]: $ipfix_work/out.csv
print_refresh_time[p]: 1
print_output_file_append[p]: true
nfacctd_time_new: true
CONF
ipfix_daemon nfacctd -f "$ipfix_work/nfacctd.conf" >"$ipfix_work/nfacctd.log" 2>&1
nfa=$ipfix_last
ipfix_wait_listen udp "$port"
# records that reach the core before the print plugin runs its loop are not
# counted: wait for its first (empty) write of the cache
for _ in $(seq 50); do
	grep -q "Purging cache - END" "$ipfix_work/nfacctd.log" && break
	sleep 0.1
done
for f in tcp_handshake_close many_flows ipv6_tcp udp_request_response tcp_refused; do
	"$sw" capture -r "$fx/$f.pcap" --ipfix "udp://127.0.0.1:$port" --ipfix-mode uniflow \
		-w "$ipfix_work/$f.jsonl" -q >/dev/null
done
# the print plugin appends what it counted every second: wait for everything
python3 - "$ipfix_work" <<'PY'
import collections, glob, json, os, sys, time
d = sys.argv[1]
want = collections.Counter()
for path in glob.glob(d + "/*.jsonl"):
    for line in open(path):
        r = json.loads(line)
        if r.get("type") != "flow":
            continue
        f, b = r["fwd"], r["rev"]
        if f["packets"]:
            want[(r["src"], r["dst"], r["sport"], r["dport"], r["proto"], "p")] += f["packets"]
            want[(r["src"], r["dst"], r["sport"], r["dport"], r["proto"], "b")] += f["bytes"]
        if b["packets"]:
            want[(r["dst"], r["src"], r["dport"], r["sport"], r["proto"], "p")] += b["packets"]
            want[(r["dst"], r["src"], r["dport"], r["sport"], r["proto"], "b")] += b["bytes"]
want = +want
got = collections.Counter()
deadline = time.time() + 10
while time.time() < deadline:
    got = collections.Counter()
    try:
        lines = open(d + "/out.csv").read().splitlines()
    except OSError:
        lines = []
    for l in lines:
        if l.startswith("SRC_IP"):  # a header each time the cache is written
            continue
        sa, da, sp, dp, pr, pk, by = l.split(",")
        got[(sa, da, int(sp), int(dp), pr, "p")] += int(pk)
        got[(sa, da, int(sp), int(dp), pr, "b")] += int(by)
    if got == want:
        break
    time.sleep(0.3)
if got != want:
    print("FAIL: nfacctd and segwatch disagree")
    print("  only in segwatch:", sorted((want - got).items())[:10])
    print("  only in nfacctd: ", sorted((got - want).items())[:10])
    sys.exit(1)
print("ok: nfacctd has segwatch's %d directions, %d packets, %d bytes" % (
    sum(1 for k in want if k[5] == "p"), sum(v for k, v in want.items() if k[5] == "p"),
    sum(v for k, v in want.items() if k[5] == "b")))
PY
