#!/bin/bash
# demo-story.sh - segwatch's whole story on a namespace lab:
#   containers and normal traffic -> flows and the graph picture -> a policy
#   learned from what was seen -> applied in monitor mode, then enforced ->
#   a "compromised" container scans its neighbours -> the alerts that catch
#   it and the packets the kernel dropped.
#
#   SEGWATCH=./build/segwatch tools/demo-story.sh
#
# Everything it creates (namespaces, the nftables table, files under a temp
# directory except the graph page it keeps) is removed on exit and on Ctrl-C.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab.sh"
segwatch=${SEGWATCH:-./build/segwatch}
segwatch=$(cd "$(dirname "$segwatch")" && pwd)/$(basename "$segwatch")
inventory="$here/examples/inventory.json"
name=demo
tmp=
sw_pid=
out_dir=${DEMO_OUT:-$PWD}

heading() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || heading() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$sw_pid" ] && kill -0 "$sw_pid" 2>/dev/null; then
		kill -TERM "$sw_pid" 2>/dev/null
		wait "$sw_pid" 2>/dev/null
	fi
	[ -n "${hns:-}" ] && ip netns exec "$hns" "$segwatch" policy remove >/dev/null 2>&1
	"$lab" down "$name" >/dev/null 2>&1
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo; echo "interrupted: tearing the lab down"; exit 130' INT TERM
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, packet capture, nftables)"
[ -x "$segwatch" ] || die "no segwatch binary at $segwatch"
tmp=$(mktemp -d /tmp/segwatch-story.XXXXXX)

sw() { ip netns exec "$hns" "$segwatch" "$@"; }
# capture_start FILE-PREFIX ARGS...: a capture in the background, ready when it holds its sockets
capture_start() {
	local prefix=$1
	shift
	# not through sw(): $! must be segwatch itself (ip execs it) for the stop to reach it
	ip netns exec "$hns" "$segwatch" capture --duration 60 --no-engine --inventory "$inventory" \
		-q "$@" >"$tmp/$prefix.out" 2>"$tmp/$prefix.err" &
	sw_pid=$!
	for _ in $(seq 50); do
		[ "$(ip netns exec "$hns" cat /proc/net/packet | tail -n +2 | wc -l)" -ge 6 ] && break
		sleep 0.1
	done
	sleep 0.5
}
capture_stop() { kill -TERM "$sw_pid"; wait "$sw_pid"; sw_pid=; }
scan() { # web scans db and cache: 200 ports each, as fast as it can
	ip netns exec "$("$lab" ns "$name" web)" python3 - <<-'PY'
	import socket
	for target in ("10.77.0.30", "10.77.0.40"):
	    for port in range(1, 201):
	        s = socket.socket(); s.settimeout(0.02)
	        try: s.connect((target, port))
	        except OSError: pass
	        s.close()
	PY
}

heading "1. The lab: five containers (network namespaces) on a bridge"
"$lab" down "$name" >/dev/null 2>&1
"$lab" up "$name" >/dev/null || die "could not bring the lab up"
hns=$("$lab" ns "$name")
sw workloads --no-engine --inventory "$inventory"

heading "2. Normal traffic, watched: who talks to whom"
capture_start normal -w "$tmp/flows.jsonl"
"$lab" traffic "$name" >/dev/null
sleep 1
capture_stop
sw graph "$tmp/flows.jsonl" | head -30
sw graph "$tmp/flows.jsonl" --format html -o "$out_dir/segwatch-demo-graph.html" &&
	say "the graph as a page (offline, pan/zoom, click for details): $out_dir/segwatch-demo-graph.html"

heading "3. A policy learned from what was seen (monitor mode: it drops nothing yet)"
sw learn "$tmp/flows.jsonl" --name demo -o "$tmp/learned.json" 2>/dev/null || die "learn"
sw policy check "$tmp/learned.json"
sw policy test "$tmp/learned.json" --flows "$tmp/flows.jsonl" || die "the learned policy would deny what it learned"
sw policy apply "$tmp/learned.json" --no-engine --inventory "$inventory" | head -1
sw graph "$tmp/flows.jsonl" --policy "$tmp/learned.json" --format html \
	-o "$out_dir/segwatch-demo-graph-judged.html" &&
	say "the graph judged against it (edges coloured by verdict): $out_dir/segwatch-demo-graph-judged.html"

heading "4. web is compromised: it scans its neighbours (monitor mode)"
capture_start monitor --alerts "$tmp/alerts-monitor.jsonl" --policy "$tmp/learned.json" --nflog
scan
sleep 1
capture_stop
say "alerts: $(wc -l <"$tmp/alerts-monitor.jsonl")"
python3 - "$tmp/alerts-monitor.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    end = lambda e: (e or {}).get("name") or (e or {}).get("address") or "*"
    print("   %-17s %-6s %-8s %s -> %s  count %s%s" % (a["kind"], a.get("severity", ""),
          a.get("origin", ""), end(a.get("src")), end(a.get("dst")), a.get("count", 1),
          " (summary)" if a.get("summary") else ""))
PY
sw policy status | sed -n '1,3p;/default/p'

heading "5. Enforce: the same policy now drops what it does not allow"
sw learn "$tmp/flows.jsonl" --name demo --enforce -o "$tmp/enforced.json" 2>/dev/null || die "learn"
sw policy apply "$tmp/enforced.json" --no-engine --inventory "$inventory" | head -1
capture_start enforce --alerts "$tmp/alerts-enforce.jsonl" --policy "$tmp/enforced.json" --nflog \
	-w "$tmp/flows-enforce.jsonl"
"$lab" traffic "$name" normal >/dev/null
sleep 1
say "alerts for the normal traffic under the enforced policy: $(wc -l <"$tmp/alerts-enforce.jsonl")"
scan
sleep 1
capture_stop
say "alerts once web scans: $(wc -l <"$tmp/alerts-enforce.jsonl") (the scan, and what the kernel dropped)"
python3 - "$tmp/alerts-enforce.jsonl" <<'PY'
import json, sys
kinds = {}
for l in open(sys.argv[1]):
    a = json.loads(l)
    kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
print("   " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
PY
sw policy status | sed -n '/PACKETS/,/^$/p' | grep -E "PACKETS|default|rules/0 "
say "the normal traffic still flows: its rules count; the scan meets the default and is dropped"

heading "6. The audit: every edge judged, and what the kernel dropped (NFLOG)"
status=0
sw report --policy "$tmp/enforced.json" "$tmp/flows-enforce.jsonl" >"$tmp/report.txt" || status=$?
sed 's/^/   /' "$tmp/report.txt" | head -40
say "report exit code $status (1: violations found)"

heading "7. Cleaning up"
sw policy remove
