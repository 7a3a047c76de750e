#!/usr/bin/env bash
# alerts_replay.sh SEGWATCH - `segwatch flows FILE --alerts DEST` replays
# recorded flows through the alert engine and raises what
# `segwatch capture -r PCAP --alerts DEST` raised live from the same traffic
# (docs/alerts.md "Feeding the engine", docs/flows-query.md "Alerts from the
# history"): the policy and baseline are learned from a normal pcap, then a
# pcap with a new edge, a refused 30-port scan (fan_out, scan), a probe refused by
# ICMP and a ping is captured with --alerts and -w, and the flows written are
# replayed. Same alerts, line for line, with policy_violation, new_edge and
# fan_out; with sensitive groups (refused_or_unanswered comes at each flow's
# end live, so in another order) the same alerts sorted. Identity comes from
# the records: workload names, groups. --limit bounds the replay (more
# matching flows: exit 2, no alert); misused options are usage errors.
set -u
SEGWATCH=${1:?usage: alerts_replay.sh SEGWATCH}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$(dirname "$0")/replay_pcap.py" "$tmp/normal.pcap" "$tmp/full.pcap" ||
	fail "cannot write the pcaps"
cat >"$tmp/inv.json" <<'JSON'
{
  "version": 1,
  "workloads": [
    { "name": "shop/web-1", "namespace": "shop", "labels": { "app": "web" }, "ips": ["10.77.0.10"] },
    { "name": "shop/db-0", "namespace": "shop", "labels": { "app": "db" }, "ips": ["10.77.0.30"] },
    { "name": "shop/cache-0", "namespace": "shop", "labels": { "app": "cache" }, "ips": ["10.77.0.40"] },
    { "name": "ops/tool-1", "namespace": "ops", "labels": { "app": "tool" }, "ips": ["10.77.0.50"] }
  ]
}
JSON
echo '{"alerts": {"sensitive_groups": ["db"]}}' >"$tmp/sensitive.json"
I=(--inventory "$tmp/inv.json")

"$SEGWATCH" capture -r "$tmp/normal.pcap" "${I[@]}" -w "$tmp/normal.jsonl" >/dev/null 2>"$tmp/err" ||
	fail "capture normal: $(cat "$tmp/err")"
"$SEGWATCH" learn "$tmp/normal.jsonl" -o "$tmp/pol.json" --baseline "$tmp/base.json" \
	>/dev/null 2>"$tmp/err" || fail "learn: $(cat "$tmp/err")"
A=(--policy "$tmp/pol.json" --baseline "$tmp/base.json")
"$SEGWATCH" capture -r "$tmp/full.pcap" "${I[@]}" -q "${A[@]}" --alerts "$tmp/live.jsonl" \
	-w "$tmp/full.jsonl" >/dev/null 2>"$tmp/err" || fail "capture full: $(cat "$tmp/err")"
"$SEGWATCH" flows "$tmp/full.jsonl" "${A[@]}" --alerts - >"$tmp/replay.jsonl" 2>"$tmp/err" ||
	fail "flows --alerts: $(cat "$tmp/err")"

# what this test relies on: each kind is there, named from the records
python3 - "$tmp/live.jsonl" <<'PY' || fail "the live alerts are not the expected ones"
import json, sys
got = sorted({(a["kind"], a["src"].get("name"), (a["dst"] or {}).get("name"))
              for a in map(json.loads, open(sys.argv[1]))})
want = sorted({("new_edge", "shop/web-1", "shop/cache-0"), ("new_edge", "ops/tool-1", "shop/db-0"),
               ("fan_out", "ops/tool-1", None), ("policy_violation", "shop/web-1", "shop/db-0"),
               ("new_edge", "shop/web-1", "shop/db-0"), ("new_edge", "ops/tool-1", "shop/cache-0"),
               ("scan", "ops/tool-1", None)})
if got != want:
    sys.exit("got %s\nwant %s" % (got, want))
PY
cmp -s "$tmp/live.jsonl" "$tmp/replay.jsonl" ||
	fail "replayed alerts differ from live ones: $(diff "$tmp/live.jsonl" "$tmp/replay.jsonl" | head -20)"

# refused_or_unanswered too: the same alerts, in another order
"$SEGWATCH" capture -r "$tmp/full.pcap" "${I[@]}" -q "${A[@]}" --alert-config "$tmp/sensitive.json" \
	--alerts "$tmp/live2.jsonl" >/dev/null 2>"$tmp/err" || fail "capture sensitive: $(cat "$tmp/err")"
"$SEGWATCH" flows "$tmp/full.jsonl" "${A[@]}" --alert-config "$tmp/sensitive.json" \
	--alerts "$tmp/replay2.jsonl" 2>"$tmp/err" || fail "flows sensitive: $(cat "$tmp/err")"
grep -q '"kind":"refused_or_unanswered"' "$tmp/live2.jsonl" || fail "no refused_or_unanswered alert"
[ "$(sort "$tmp/live2.jsonl")" = "$(sort "$tmp/replay2.jsonl")" ] ||
	fail "replayed alerts (sensitive) differ: $(diff <(sort "$tmp/live2.jsonl") <(sort "$tmp/replay2.jsonl") | head)"

# --limit bounds what is sorted: past it, exit 2 and no alert at all (the
# scanner's 31 flows, 30 of them its scan: even 30 would raise a fan_out)
out=$("$SEGWATCH" flows "$tmp/full.jsonl" --from 10.77.0.50 --alerts - --limit 30 2>"$tmp/err"); rc=$?
[ "$rc" = 2 ] || fail "--limit 30 with 31 flows: exit $rc, want 2"
[ -z "$out" ] || fail "--limit exceeded yet alerts were written: $out"
grep -q "more than 30 flows to replay" "$tmp/err" || fail "--limit message: $(cat "$tmp/err")"
# a filter narrows it: only the scanner's flows, its fan_out
"$SEGWATCH" flows "$tmp/full.jsonl" --from 10.77.0.50 --alerts - --limit 31 >"$tmp/scan.jsonl" \
	2>"$tmp/err" || fail "filtered replay: $(cat "$tmp/err")"
grep -q '"kind":"fan_out"' "$tmp/scan.jsonl" || fail "filtered replay: no fan_out"
! grep -q '"name":"shop/web-1"' "$tmp/scan.jsonl" || fail "filtered replay: web-1's flows replayed"
# bad lines are skipped and said (exit 2), the valid flows replayed all the same
{ echo 'not json'; cat "$tmp/full.jsonl"; } >"$tmp/bad.jsonl"
"$SEGWATCH" flows "$tmp/bad.jsonl" "${A[@]}" --alerts "$tmp/replay3.jsonl" 2>"$tmp/err"; rc=$?
[ "$rc" = 2 ] || fail "a bad line: exit $rc, want 2"
cmp -s "$tmp/live.jsonl" "$tmp/replay3.jsonl" || fail "a bad line: the valid flows were not replayed"

# usage errors
for bad in "--alerts - --json" "--alerts - --count" "--alerts - --follow" "--alerts - --last 3" \
	   "--alert-config $tmp/sensitive.json" "--alerts - --alert-format xml"; do
	# shellcheck disable=SC2086 # the options are words
	"$SEGWATCH" flows "$tmp/full.jsonl" $bad >/dev/null 2>"$tmp/err"; rc=$?
	[ "$rc" = 2 ] || fail "flows $bad: exit $rc, want 2"
done
"$SEGWATCH" flows "$tmp/full.jsonl" --alerts "$tmp/full.jsonl" >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" = 2 ] || fail "--alerts onto the input: exit $rc, want 2 ($(cat "$tmp/err"))"
echo ok
