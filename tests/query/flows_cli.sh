#!/usr/bin/env bash
# flows_cli.sh SEGWATCH HIST_WRITE FIXTURE_DIR - `segwatch flows` over JSON lines
# written by `segwatch capture -r PCAP -w` (named through an inventory) plus
# synthetic records (labels, a hostile name, a kernel_log record, recent
# times), and over a history directory written by the history writer
# (rotated, compressed): every filter, the table, --json round trip, --count,
# --limit/--last, --since relative and absolute, --follow, exit codes.
set -u
export TZ=UTC	# the table shows local time
SEGWATCH=${1:?usage: flows_cli.sh SEGWATCH HIST_WRITE FIXTURE_DIR}
HIST_WRITE=${2:?usage: flows_cli.sh SEGWATCH HIST_WRITE FIXTURE_DIR}
FIX=${3:?usage: flows_cli.sh SEGWATCH HIST_WRITE FIXTURE_DIR}
tmp=$(mktemp -d)
follower=
cleanup() {
	[ -n "$follower" ] && kill "$follower" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -f "$FIX/tcp_handshake_close.pcap" ] || { echo "SKIP: no fixtures in $FIX"; exit 77; }
passed=0
ok() { passed=$((passed + 1)); }

# flows CHECK-NAME EXPECTED-EXIT ARGS...: run, keep stdout in $out and stderr in $err
flows() {
	local name=$1 want=$2 rc
	shift 2
	out=$("$SEGWATCH" flows "$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
	[ "$rc" -eq "$want" ] || fail "$name: exit $rc, want $want: $out $err"
	ok
}
# rows: the table's rows (no header)
rows() { grep -vc '^TIME' <<<"$out"; }

# ---- fixtures: real capture output, named through an inventory ----
cat >"$tmp/inv.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "shop/web-1", "namespace": "shop", "labels": { "app": "web", "tier": "front" },
    "ips": ["10.77.0.2", "fd00:77::2"] },
  { "name": "shop/db-0", "namespace": "shop", "labels": { "app": "db" },
    "ips": ["10.77.0.3", "fd00:77::3"] } ] }
JSON
for p in tcp_handshake_close tcp_refused udp_request_response icmp_echo ipv6_tcp; do
	"$SEGWATCH" capture -r "$FIX/$p.pcap" -q -w "$tmp/$p.jsonl" --inventory "$tmp/inv.json" \
		>/dev/null 2>&1 || fail "capture $p"
done
cat "$tmp"/{tcp_handshake_close,tcp_refused,udp_request_response,icmp_echo,ipv6_tcp}.jsonl \
	>"$tmp/cap.jsonl"
grep -q '"src_workload":{"name":"shop/web-1"' "$tmp/cap.jsonl" || fail "the inventory did not name the flows"

# synthetic: a recent flow (relative --since; minutes of margin for slow runs), a hostile name, a kernel_log record
now=$(date +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000000Z; }
recent_first=$(iso $((now - 4000))) recent_last=$(iso $((now - 3000)))
{
	printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"10.9.0.1","sport":41000,"dst":"10.9.0.2","dport":8080,"state":"attempted","first_seen":"%s","last_seen":"%s","fwd":{"packets":3,"bytes":180},"rev":{"packets":0,"bytes":0},"src_kind":"workload","src_workload":{"name":"evil\\u001b]0;owned\\u0007\\u001b[2J","labels":{"app":"api","canary":"yes"}},"dst_kind":"external"}\n' \
		"$recent_first" "$recent_last"
	echo '{"type":"kernel_log","action":"deny","rule":"default","prefix":"sw deny default","family":4,"proto":"tcp","proto_num":6,"src":"10.77.0.2","dst":"10.77.0.3","dport":5432,"packets":5,"first_seen":"2026-11-22T16:22:24.323230Z","last_seen":"2026-11-22T16:22:26.328042Z"}'
	echo '{"type":"counters","packets_seen":1}'
} >"$tmp/syn.jsonl"
all=("$tmp/cap.jsonl" "$tmp/syn.jsonl")
nflows=$(cat "${all[@]}" | grep -c '"type":"flow"')
[ "$nflows" -eq 8 ] || fail "fixture: $nflows flow records, want 8"

# ---- the table ----
flows table 0 "${all[@]}"
[ "$(rows)" -eq "$nflows" ] || fail "table: $(rows) rows, want $nflows: $out"
head -1 <<<"$out" | grep -q '^TIME  *SOURCE  *DESTINATION  *PROTO  *STATE  *PACKETS (>/<)  *BYTES (>/<)$' ||
	fail "table header: $out"
grep -q 'shop/web-1  *shop/db-0:80  *tcp  *closed  *6/4  *267 B/184 B' <<<"$out" || fail "table row: $out"
grep -q 'shop/web-1  *shop/db-0  *icmp/8  *established' <<<"$out" || fail "icmp row: $out"
grep -q '^2026-11-22 13:52:03  ' <<<"$out" || fail "time column (local time, TZ=UTC here): $out"
# a hostile name is escaped, never written raw to the terminal
grep -q 'evil\\x1b\]0;owned\\x07\\x1b\[2J  ' <<<"$out" || fail "escaped name: $out"
! grep -q $'\x1b' <<<"$out" || fail "raw ESC in the table"
! grep -q 'counters\|kernel_log\|log/deny' <<<"$out" || fail "other record types in the default output"

# ---- --json: the records, unchanged; --type ----
"$SEGWATCH" flows --json "${all[@]}" >"$tmp/out.jsonl" || fail "--json exit"
cat "${all[@]}" | grep '"type":"flow"' | cmp -s - "$tmp/out.jsonl" || fail "--json is not the flow lines unchanged"
ok
"$SEGWATCH" flows --json --type all "${all[@]}" >"$tmp/out.jsonl" || fail "--type all exit"
cat "${all[@]}" | cmp -s - "$tmp/out.jsonl" || fail "--type all --json is not the input"
ok
flows type_klog 0 --type kernel_log "${all[@]}"
[ "$(rows)" -eq 1 ] && grep -q 'shop/web-1\|10.77.0.2  *10.77.0.3:5432  *tcp  *log/deny  *5/-' <<<"$out" ||
	fail "--type kernel_log: $out"
flows type_list 0 --type flow,kernel_log --count "${all[@]}"
[ "$out" = $((nflows + 1)) ] || fail "--type flow,kernel_log --count: $out"

# ---- --count, --limit, --last ----
flows count 0 --count "${all[@]}"
[ "$out" = "$nflows" ] || fail "--count: $out, want $nflows"
flows limit 0 --limit 2 --json "${all[@]}"
[ "$(wc -l <<<"$out")" -eq 2 ] && [ "$out" = "$(grep '"type":"flow"' "$tmp/cap.jsonl" | head -2)" ] ||
	fail "--limit 2: $out"
flows last 0 --last 2 --json "${all[@]}"
[ "$out" = "$(cat "${all[@]}" | grep '"type":"flow"' | tail -2)" ] || fail "--last 2: $out"
flows last_count 0 --last 3 --count "${all[@]}"
[ "$out" = 3 ] || fail "--last 3 --count: $out"
flows nomatch 0 --port 1 "${all[@]}"
[ -z "$out" ] || fail "no match prints nothing: $out"

# ---- filters ----
count() { flows "$1" 0 --count "${@:3}" "${all[@]}"; [ "$out" = "$2" ] || fail "$1: $out, want $2"; }
count state_refused 1 --state refused
count state_two 3 --state refused,closed
count state_est 4 --state established
count proto_udp 2 --proto udp
count proto_icmp 2 --proto icmp
count proto_num 3 --proto 6 --proto 17 --port 53,80
count port 1 --port 80
count port_range 4 --port 53-81
count port_ranges 5 --port 53-81 --port 8080
count from_addr 6 --from 10.77.0.2
count from_cidr 6 --from 10.77.0.0/24
count to_v6 1 --to fd00:77::/64
count to_v6_addr 1 --to fd00:77::3
count v4_not_v6 0 --to fd00::/8 --proto udp
count glob 7 --from 'shop/web-*'
count glob_ns 5 --to 'db-?'
count peer 5 --peer 'shop/db-0'
count peer_or 6 --peer 'shop/db-0' --peer 'app=api'
count from_to 1 --from 'shop/web-*' --to 'shop/db-0' --port 80
count selector 7 --from 'app=web,tier=front'
count selector_ne 1 --from 'app!=web'
count selector_exists 1 --from 'label:canary'
count selector_absent 7 --from 'label:!canary' --from 'app=nope'
count name_prefix 0 --from 'name:10.77.0.2'
count since_abs 8 --since 2026-11-22T13:52:03Z
count since_abs_edge 4 --since 2026-11-22T13:52:03.010000Z
count until_abs 5 --until 2026-11-22T13:52:03Z
count since_epoch 1 --since @$((now - 7200))
count since_rel 1 --since 1h
count since_rel_none 0 --since 40m
count until_rel 7 --until 70m
count window 2 --since 2026-11-22T13:52:04Z --until 2026-11-22T13:52:06Z

# ---- a policy: groups, verdicts, the VERDICT column ----
cat >"$tmp/policy.json" <<'JSON'
{ "version": 1, "name": "shop", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "db": { "labels": { "app": "db" } },
              "outside": { "cidrs": ["10.9.0.0/16"] } },
  "rules": [ { "name": "web-db", "from": "web", "to": "db", "proto": "tcp", "ports": [80, 443], "action": "allow" } ] }
JSON
pol=(--policy "$tmp/policy.json")
count group_to 5 "${pol[@]}" --to group:db
count group_peer 1 "${pol[@]}" --peer group:outside
# the synthetic flow is inside "outside": allowed as intra-group traffic
count verdict_allowed 3 "${pol[@]}" --verdict allowed
count verdict_denied 3 "${pol[@]}" --verdict denied
count verdict_unmanaged 2 "${pol[@]}" --verdict unmanaged
flows verdict_col 0 "${pol[@]}" --state refused "${all[@]}"
grep -q 'BYTES (>/<)  VERDICT$' <<<"$out" && grep -q 'refused .* denied$' <<<"$out" || fail "VERDICT column: $out"
"$SEGWATCH" policy test "$tmp/policy.json" --flows "$tmp/cap.jsonl" >"$tmp/pt.out"
grep -q '7 flows: 2 allowed, 3 denied, 0 monitored (would be denied), 2 unmanaged' "$tmp/pt.out" || fail "policy test disagrees: $(cat "$tmp/pt.out")"
ok

# ---- bad input: exit 2 with the option and the value named; unreadable: exit 3 ----
bad() { flows "$1" 2 "${@:3}" "${all[@]}"; grep -qF -- "$2" <<<"$err" || fail "$1: message: $err"; }
bad bad_cidr '--from: "10.0.0.0/33" is not a valid prefix' --from 10.0.0.0/33
bad bad_addr '--to: "10.1.2/24" is not an IP address or prefix' --to 10.1.2/24
bad bad_state '--state: unknown state "refsued"; did you mean "refused"?' --state refsued
bad bad_proto '--proto: unknown protocol "tpc"; did you mean "tcp"?' --proto tpc
bad bad_port '--port: "99999" is not a port' --port 99999
bad bad_time '--since: "yesterday" is not a time' --since yesterday
bad bad_window '--until: "2h" is before --since "1h"' --since 1h --until 2h
bad bad_selector 'label selector "app=,,x" has an empty term' --from 'app=,,x'
bad no_policy '--to: group "db" needs a policy' --to group:db
bad verdict_no_policy '--verdict needs a policy' --verdict denied
bad bad_group '--to: unknown group "dbs" in '"$tmp/policy.json"'; did you mean "db"?' "${pol[@]}" --to group:dbs
bad bad_type 'did you mean "flow"?' --type flows
bad bad_limit '--limit: "0" is not a whole number' --limit 0
bad bad_option 'unknown option "--nope"; see segwatch flows --help' --nope
bad json_count '--json and --count' --json --count
flows missing_path 3 "$tmp/nope.jsonl"
grep -q 'nope.jsonl: No such file' <<<"$err" || fail "missing path message: $err"
flows not_flows 2 "$FIX/tcp_refused.pcap"
grep -q 'no line read is a JSON record' <<<"$err" || fail "a pcap: $err"
printf '{"type":"flow","src":"10.0.0.1","dst":"10.0.0.2","proto_num":17,"sport":1,"dport":53,"state":"attempted"}\nnot json\n{"type":"flow","src":"10.0.0.1"}\n' >"$tmp/torn.jsonl"
flows torn 2 --count "$tmp/torn.jsonl"
[ "$out" = 1 ] && grep -q 'error: 2 lines are not JSON or not valid records.*torn.jsonl:2:' <<<"$err" || fail "torn: $out $err"
echo '{"version":1,"rules":[{"from":"x"}]}' >"$tmp/badpol.json"
flows bad_policy 2 --policy "$tmp/badpol.json" "${all[@]}"
grep -q 'badpol.json' <<<"$err" || fail "bad policy message: $err"
if [ -r /proc/self/mem ]; then
	flows unreadable 3 /proc/self/mem
fi
"$SEGWATCH" flows --help | grep -q 'default /var/lib/segwatch/flows' || fail "--help names the default"
ok

# ---- a history directory (rotated, compressed) and --follow ----
# the writer opens its file at the first write: pauses let it rotate by size
grep '"type":"flow"' "$tmp/cap.jsonl" | awk '{ print } NR % 2 == 0 { print "#sleep 400" }' |
	"$HIST_WRITE" "$tmp/hist" 1500 1 || fail "hist_write"
ls "$tmp/hist" | grep -q 'zst$' || fail "no compressed history file: $(ls "$tmp/hist")"
[ "$(ls "$tmp/hist" | grep -c '^flows-')" -ge 2 ] || fail "history not rotated: $(ls "$tmp/hist")"
flows hist_count 0 --count "$tmp/hist"
[ "$out" = 7 ] || fail "history --count: $out"
flows hist_json 0 --json --proto tcp "$tmp/hist"
[ "$(wc -l <<<"$out")" -eq 3 ] || fail "history --proto tcp: $out"
flows hist_window 0 --count --since 2026-11-22T13:52:04Z "$tmp/hist"
[ "$out" = 2 ] || fail "history window: $out"

# --follow: the last N that exist, then records written while it runs
"$SEGWATCH" flows --follow --last 1 --json "$tmp/hist" >"$tmp/follow.out" 2>"$tmp/follow.err" &
follower=$!
for _ in $(seq 50); do [ -s "$tmp/follow.out" ] && break; sleep 0.1; done
[ "$(wc -l <"$tmp/follow.out")" -eq 1 ] || fail "--follow --last 1: $(cat "$tmp/follow.out")"
{ echo '#sleep 300'; grep '"type":"flow"' "$tmp/syn.jsonl"; } | "$HIST_WRITE" "$tmp/hist" || fail "hist_write 2"
for _ in $(seq 50); do [ "$(wc -l <"$tmp/follow.out")" -ge 2 ] && break; sleep 0.1; done
kill -INT "$follower"
wait "$follower"
rc=$?
follower=
[ "$rc" -eq 0 ] || fail "--follow: exit $rc after Ctrl-C: $(cat "$tmp/follow.err")"
[ "$(wc -l <"$tmp/follow.out")" -eq 2 ] && tail -1 "$tmp/follow.out" | grep -q 'evil' ||
	fail "--follow did not print the new record: $(cat "$tmp/follow.out")"
ok
echo "flows_cli: $passed passed, 0 failed"
