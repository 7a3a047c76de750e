#!/usr/bin/env bash
# human_tables.sh [-g] SEGWATCH FIXTURE_DIR - the tables people read, at fixed
# widths (COLUMNS=80 and 132, NO_COLOR=1, TZ=UTC), and once with --color
# always, compared with tests/cli/golden/human/NAME.txt: capture -r of
# fixture pcaps and of a port scan, graph, report, policy test and flows of flows
# with long, non-ASCII and hostile names; workloads of the example
# inventory. -g rewrites the expected files: review the diff (docs/output.md says what the tables must show).
set -u
regen=0
[ "${1:-}" = -g ] && { regen=1; shift; }
SEGWATCH=${1:?usage: human_tables.sh [-g] SEGWATCH FIXTURE_DIR}
FIX=${2:?usage: human_tables.sh [-g] SEGWATCH FIXTURE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
case $SEGWATCH in /*) ;; *) SEGWATCH=$(pwd)/$SEGWATCH ;; esac
case $FIX in /*) ;; *) FIX=$(pwd)/$FIX ;; esac
exp=$here/golden/human
command -v python3 >/dev/null || { echo "skipped: python3 not found"; exit 77; }
[ -f "$FIX/tcp_midstream.pcap" ] || { echo "skipped: no fixtures in $FIX"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
export TZ=UTC NO_COLOR=1 LC_ALL=C.UTF-8
unset SEGWATCH_COLOR

python3 "$here/scan_pcap.py" "$tmp/scan.pcap" || { echo "FAIL: scan pcap"; exit 1; }
flow() { # flow SRC SNAME SAPP DST DNAME DAPP PORT STATE SECOND
	printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"%s","sport":40000,"dst":"%s","dport":%s,"initiator":"observed","state":"%s","first_seen":"2026-11-22T10:00:%s.000000Z","last_seen":"2026-11-22T10:00:%s.500000Z","fwd":{"packets":3,"bytes":2000},"rev":{"packets":2,"bytes":150000},"src_kind":"workload","src_workload":{"name":"%s","id":"id-%s","source":"inventory","labels":{"app":"%s"}},"dst_kind":"workload","dst_workload":{"name":"%s","id":"id-%s","source":"inventory","labels":{"app":"%s"}}}\n' \
		"$1" "$4" "$7" "$8" "$9" "$9" "$2" "$2" "$3" "$5" "$5" "$6"
}
long=payments/checkout-frontend-7d9f8b6c5d-x2x4z
{
	flow 10.0.0.1 "$long" web 10.0.0.2 api-1 api 8080 established 01
	flow 10.0.0.1 "$long" web 10.0.0.2 api-1 api 8080 closed 02
	flow 10.0.0.1 "$long" web 10.0.0.3 "données/数据库-0" db 5432 refused 03
	flow 10.0.0.2 api-1 api 10.0.0.4 'evil\u001b[31mred\u202e-1' cache 9000 attempted 04
	for p in $(seq 20 45); do flow 10.0.0.2 api-1 api 10.0.0.3 "données/数据库-0" db "$p" attempted 05; done
	echo '{"type":"counters","packets_seen":30,"decoded":30,"duplicates":0,"malformed":0,"kernel_drops":0}'
} >"$tmp/flows.jsonl"
cat >"$tmp/policy.json" <<'JSON'
{ "version": 1, "name": "shop", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "api": { "labels": { "app": "api" } },
              "db": { "labels": { "app": "db" } }, "cache": { "labels": { "app": "cache" } } },
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [8080], "action": "allow" },
    { "name": "api-to-cache-monitored", "from": "api", "to": "cache", "proto": "tcp", "ports": [9000], "action": "deny", "mode": "monitor" } ] }
JSON
# a candidate for report --staged: web may reach the database, api may not reach the cache
cat >"$tmp/staged.json" <<'JSON'
{ "version": 1, "name": "shop-next", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "api": { "labels": { "app": "api" } },
              "db": { "labels": { "app": "db" } }, "cache": { "labels": { "app": "cache" } } },
  "rules": [
    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [8080], "action": "allow" },
    { "name": "web-to-db", "from": "web", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" },
    { "name": "api-to-db-scan-guard", "from": "api", "to": "db", "proto": "tcp", "ports": ["1-1024"], "action": "deny" },
    { "name": "unused", "from": "db", "to": "web", "proto": "tcp", "ports": [1], "action": "allow" } ] }
JSON

# check NAME COMMAND...: stdout of COMMAND (run in $FIX) against NAME.txt
check() {
	local name=$1
	shift
	(cd "$FIX" && "$@") >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" -le 1 ] || { echo "FAIL $name: exit $rc: $(cat "$tmp/err")"; fail=$((fail + 1)); return; }
	if [ "$regen" = 1 ]; then
		cp "$tmp/out" "$exp/$name.txt"
		echo "wrote $name"
	elif ! diff -u "$exp/$name.txt" "$tmp/out"; then
		echo "FAIL $name"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + 1))
}

for w in 80 132; do
	export COLUMNS=$w
	check "capture_midstream_$w" "$SEGWATCH" capture -r tcp_midstream.pcap
	check "capture_ipv6_$w" "$SEGWATCH" capture -r ipv6_tcp.pcap
	check "capture_scan_$w" "$SEGWATCH" capture -r "$tmp/scan.pcap"
	check "graph_$w" "$SEGWATCH" graph "$tmp/flows.jsonl"
	check "graph_policy_$w" "$SEGWATCH" graph --policy "$tmp/policy.json" "$tmp/flows.jsonl"
	check "report_$w" "$SEGWATCH" report --policy "$tmp/policy.json" "$tmp/flows.jsonl"
	check "report_staged_$w" "$SEGWATCH" report --policy "$tmp/policy.json" --staged "$tmp/staged.json" "$tmp/flows.jsonl"
	check "policy_test_$w" "$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/flows.jsonl"
	check "flows_$w" "$SEGWATCH" flows "$tmp/flows.jsonl"
	check "flows_policy_$w" "$SEGWATCH" flows --policy "$tmp/policy.json" "$tmp/flows.jsonl"
	check "workloads_$w" "$SEGWATCH" workloads --no-kernel --no-engine \
		--inventory "$here/../../tools/examples/inventory.json"
done
export COLUMNS=100
check report_color "$SEGWATCH" --color always report --policy "$tmp/policy.json" "$tmp/flows.jsonl"
check capture_color "$SEGWATCH" --color=always capture -r tcp_midstream.pcap
# NO_COLOR wins over a terminal, --color always over NO_COLOR; never is never
"$SEGWATCH" --color never report --policy "$tmp/policy.json" "$tmp/flows.jsonl" | grep -q $'\033' &&
	{ echo "FAIL: --color never coloured"; fail=$((fail + 1)); }
grep -q $'\033\\[31mviolation' "$exp/report_color.txt" || { echo "FAIL: no red violation"; fail=$((fail + 1)); }
# no limit when not a terminal and no COLUMNS: whole names for scripts
unset COLUMNS
"$SEGWATCH" graph "$tmp/flows.jsonl" | grep -q "$long" || { echo "FAIL: cut without COLUMNS"; fail=$((fail + 1)); }
# no table line is wider than COLUMNS (terminal columns: "…" is one, 数 two)
python3 - "$exp" <<'PY' || fail=$((fail + 1))
import glob, sys, unicodedata
bad = 0
for f in glob.glob(sys.argv[1] + "/*_80.txt"):
    for l in open(f, encoding="utf-8").read().splitlines():
        w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
        # the summary and counters lines are sentences, not table rows
        if w > 80 and not l.startswith(("packets seen", "flows ", "policy ", "staged policy ", "completeness", "  ")):
            print("FAIL: %s: %d columns: %s" % (f, w, l)); bad = 1
sys.exit(bad)
PY
echo "human_tables: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
