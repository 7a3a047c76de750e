#!/usr/bin/env bash
# history_inputs.sh SEGWATCH HIST_WRITE FIXTURE_DIR - `segwatch graph`, `report`,
# `learn` and `policy test` over the agent's flow history (a directory of
# rotated, zstd-compressed files written by the history writer, hist_write.c)
# give what they give over the same records as one flows file; several
# paths and a lone .zst file too; --since/--until keep the records whose
# span meets the window (as `segwatch flows` does), kernel_log included.
set -u
SEGWATCH=${1:?usage: history_inputs.sh SEGWATCH HIST_WRITE FIXTURE_DIR}
HIST_WRITE=${2:?usage: history_inputs.sh SEGWATCH HIST_WRITE FIXTURE_DIR}
FIX=${3:?usage: history_inputs.sh SEGWATCH HIST_WRITE FIXTURE_DIR}
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -n "${KEEP:-}" ] && echo "kept $tmp"; exit 1; }
[ -f "$FIX/tcp_handshake_close.pcap" ] || { echo "SKIP: no fixtures in $FIX"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: no zstd"; exit 77; }
passed=0
ok() { passed=$((passed + 1)); }

# ---- the records: capture output named through an inventory, synthetic flows an hour apart ----
cat >"$tmp/inv.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "shop/web-1", "namespace": "shop", "labels": { "app": "web" }, "ips": ["10.77.0.2", "fd00:77::2"] },
  { "name": "shop/db-0", "namespace": "shop", "labels": { "app": "db" }, "ips": ["10.77.0.3", "fd00:77::3"] } ] }
JSON
cat >"$tmp/policy.json" <<'JSON'
{ "version": 1, "name": "t", "mode": "enforce", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "db": { "labels": { "app": "db" } } },
  "rules": [ { "name": "web-db", "action": "allow", "from": "web", "to": "db", "proto": "tcp", "ports": [80, 8003] } ] }
JSON
# flow HH:MM HH:MM DPORT: web-1 -> db-0, answered, on 2026-11-20
flow() {
	printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"10.77.0.2","sport":40000,"dst":"10.77.0.3","dport":%d,"state":"closed","first_seen":"2026-11-20T%s:00.000000Z","last_seen":"2026-11-20T%s:00.000000Z","fwd":{"packets":4,"bytes":300},"rev":{"packets":3,"bytes":200},"src_kind":"workload","src_workload":{"name":"shop/web-1","labels":{"app":"web"}},"dst_kind":"workload","dst_workload":{"name":"shop/db-0","labels":{"app":"db"}}}\n' \
		"$3" "$1" "$2"
}
klog() {
	printf '{"type":"kernel_log","action":"deny","rule":"default","prefix":"sw deny default","family":4,"proto":"tcp","proto_num":6,"src":"10.77.0.2","dst":"10.77.0.3","dport":%d,"packets":5,"first_seen":"2026-11-20T%s:00.000000Z","last_seen":"2026-11-20T%s:00.000000Z"}\n' \
		"$3" "$1" "$2"
}
{
	flow 00:00 00:05 8000
	klog 00:01 00:02 7000
	flow 01:00 01:05 8001
	flow 01:50 02:40 9999
	flow 02:00 02:05 8002
	flow 03:00 03:05 8003
	klog 03:01 03:02 7003
	flow 04:00 04:05 8004
	flow 05:00 05:05 8005
} >"$tmp/syn.jsonl"
for p in tcp_handshake_close tcp_refused udp_request_response icmp_echo ipv6_tcp; do
	"$SEGWATCH" capture -r "$FIX/$p.pcap" -q -w "$tmp/$p.jsonl" --inventory "$tmp/inv.json" \
		>/dev/null 2>&1 || fail "capture $p"
done
cat "$tmp/syn.jsonl" "$tmp"/{tcp_handshake_close,tcp_refused,udp_request_response,icmp_echo,ipv6_tcp}.jsonl |
	grep -v '"type":"counters"' >"$tmp/input.jsonl"
"$HIST_WRITE" "$tmp/hist" 1200 1 <"$tmp/input.jsonl" || fail "hist_write"
ls "$tmp/hist" | grep -q 'zst$' || fail "no compressed history file: $(ls "$tmp/hist")"
[ "$(ls "$tmp/hist" | grep -c '^flows-')" -ge 3 ] || fail "history not rotated: $(ls "$tmp/hist")"
# the equivalent flows file: the same records in the order the history gives them (by file time)
"$SEGWATCH" flows --json --type all "$tmp/hist" >"$tmp/flat.jsonl" || fail "flows over the history"
cmp -s <(sort "$tmp/input.jsonl") <(sort "$tmp/flat.jsonl") || fail "the history does not hold the input"
zstd -q -c "$tmp/flat.jsonl" >"$tmp/flat.jsonl.zst" || fail "zstd"
ok

# without: a graph or report document minus how many files it read (completeness)
without() { python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("completeness",None); print(json.dumps(d,sort_keys=True))'; }
# same NAME CMD...: CMD over the directory and over the flat file print the same (--json: minus completeness)
same() {
	local name=$1 a b
	shift
	a=$("$SEGWATCH" "$@" "$tmp/hist" 2>&1 | without) || fail "$name: over the directory"
	b=$("$SEGWATCH" "$@" "$tmp/flat.jsonl" 2>&1 | without) || fail "$name: over the file"
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "$name: directory and file differ:
$a
$b"
	ok
}
same graph graph --json
same graph_window graph --json --since 2026-11-20T02:30:00Z --until 2026-11-20T04:01:00Z
same report report --policy "$tmp/policy.json" --json
same report_window report --policy "$tmp/policy.json" --json --since 2026-11-20T03:00:00Z --until 2026-11-20T03:30:00Z

# several paths and a lone .zst file read as the one file
a=$("$SEGWATCH" graph --json "$tmp/flat.jsonl" | without)
b=$("$SEGWATCH" graph --json "$tmp/flat.jsonl.zst" | without)
[ "$a" = "$b" ] || fail "graph over a .zst file differs"
b=$("$SEGWATCH" graph --json "$tmp/syn.jsonl" "$tmp"/{tcp_handshake_close,tcp_refused,udp_request_response,icmp_echo,ipv6_tcp}.jsonl | without)
[ "$a" = "$b" ] || fail "graph over several files differs"
ok

# learn and policy test: the same policy, baseline and verdicts
for src in hist flat.jsonl flat.jsonl.zst; do
	"$SEGWATCH" learn "$tmp/$src" -o "$tmp/learn.$src.json" --baseline "$tmp/base.$src.json" \
		2>"$tmp/learn.$src.err" || fail "learn $src: $(cat "$tmp/learn.$src.err")"
	"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/$src" --json >"$tmp/test.$src.json"
	[ $? -eq 1 ] || fail "policy test $src: the default deny catches nothing"
done
for src in flat.jsonl flat.jsonl.zst; do
	cmp -s "$tmp/learn.hist.json" "$tmp/learn.$src.json" || fail "learn: policy from $src differs"
	cmp -s "$tmp/base.hist.json" "$tmp/base.$src.json" || fail "learn: baseline from $src differs"
	# the summary names the files written: the rest must be the same
	diff <(sed 's/written to .*//' "$tmp/learn.hist.err") <(sed 's/written to .*//' "$tmp/learn.$src.err") \
		>/dev/null || fail "learn: summary from $src differs"
	cmp -s "$tmp/test.hist.json" "$tmp/test.$src.json" || fail "policy test: $src differs"
done
ok
# --flows is repeatable: the pieces add up to the whole
"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/syn.jsonl" --flows "$tmp/hist" --json \
	>"$tmp/test.two.json"
python3 - "$tmp/test.two.json" "$tmp/test.hist.json" <<'PY' || fail "policy test over two paths"
import json, sys
two, one = (json.load(open(p)) for p in sys.argv[1:3])
assert two["flows"] == one["flows"] + 7, (two["flows"], one["flows"])
PY
ok

# ---- the window selects the records whose span meets it ----
W=(--since 2026-11-20T02:30:00Z --until 2026-11-20T04:01:00Z)
"$SEGWATCH" graph --json "${W[@]}" "$tmp/hist" >"$tmp/g.json" || fail "graph window"
python3 - "$tmp/g.json" <<'PY' || fail "graph window: wrong edges: $(cat "$tmp/g.json")"
import json, sys
ports = sorted(e.get("port") for e in json.load(open(sys.argv[1]))["edges"])
assert ports == [8003, 8004, 9999], ports
PY
ok
# the same window as `segwatch flows` gives it
"$SEGWATCH" flows --json --type all "${W[@]}" "$tmp/flat.jsonl" >"$tmp/win.jsonl" || fail "flows window"
a=$("$SEGWATCH" graph --json "$tmp/win.jsonl" | without)
b=$(without <"$tmp/g.json")
[ "$a" = "$b" ] || fail "graph --since/--until and flows --since/--until disagree"
ok
"$SEGWATCH" learn "${W[@]}" "$tmp/hist" -o "$tmp/lw.json" 2>"$tmp/lw.err" || fail "learn window"
grep -q '^learned from 3 flows' "$tmp/lw.err" || fail "learn window: $(cat "$tmp/lw.err")"
grep -q 8004 "$tmp/lw.json" && ! grep -q 8005 "$tmp/lw.json" || fail "learn window policy: $(cat "$tmp/lw.json")"
ok
out=$("$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/hist" --since 2026-11-20T03:30:00Z \
	--until 2026-11-20T05:00:00Z)
[ $? -eq 1 ] || fail "policy test window exit"
grep -q '^2 flows: 0 allowed, 2 denied' <<<"$out" && grep -Eq '/8004 +1$' <<<"$out" &&
	grep -Eq '/8005 +1$' <<<"$out" || fail "policy test window: $out"
out=$("$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/hist" --until 2026-11-20T03:00:00Z)
grep -q '^5 flows: 1 allowed, 4 denied' <<<"$out" || fail "policy test --until: $out"
ok
# report: the kernel's log in the window only
"$SEGWATCH" report --policy "$tmp/policy.json" --json --since 2026-11-20T03:00:00Z \
	--until 2026-11-20T03:30:00Z "$tmp/hist" >"$tmp/r.json"
python3 - "$tmp/r.json" <<'PY' || fail "report window: $(cat "$tmp/r.json")"
import json, sys
text = json.dumps(json.load(open(sys.argv[1]))["kernel_log"])
assert "7003" in text and "7000" not in text, text
PY
ok

# ---- report --since FILE is still the earlier graph; --diff names it ----
"$SEGWATCH" graph --json "$tmp/syn.jsonl" -o "$tmp/old.json" || fail "old graph"
a=$("$SEGWATCH" report --policy "$tmp/policy.json" --json --since "$tmp/old.json" "$tmp/hist")
b=$("$SEGWATCH" report --policy "$tmp/policy.json" --json --diff "$tmp/old.json" "$tmp/hist")
[ "$a" = "$b" ] && grep -q '"new_edges"' <<<"$a" || fail "report --since FILE / --diff: $a"
ok

# ---- errors: a bad time, an empty window, a missing path ----
for cmd in "graph" "learn" "report --policy $tmp/policy.json" "policy test $tmp/policy.json --flows"; do
	err=$("$SEGWATCH" $cmd "$tmp/hist" --since yesterdayish 2>&1 >/dev/null); rc=$?
	[ "$rc" -eq 2 ] && grep -q -- '--since' <<<"$err" || fail "$cmd --since bad: $rc $err"
	err=$("$SEGWATCH" $cmd "$tmp/hist" --since 2026-11-21 --until 2026-11-20 2>&1 >/dev/null); rc=$?
	[ "$rc" -eq 2 ] || fail "$cmd --since after --until: $rc $err"
done
"$SEGWATCH" graph "$tmp/hist" "$tmp/nope" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 3 ] && grep -q "nope: cannot read" "$tmp/err" || fail "missing path: $rc $(cat "$tmp/err")"
ok

echo "history_inputs: $passed checks passed"
