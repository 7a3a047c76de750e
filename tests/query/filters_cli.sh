#!/usr/bin/env bash
# filters_cli.sh SEGWATCH FIXTURE_DIR - one filter language everywhere
# (docs/filters.md): the same filter chooses the same flows in `segwatch
# flows`, `graph --json` (edges), `report --json` (edges) and `capture -r
# PCAP --json` (its flows), and `capture -w` writes exactly the lines `flows
# --json` selects from an unfiltered capture; label selectors, prefixes,
# groups, port ranges, states, verdicts and the window. The human output says
# a filter is on; usage errors name the option.
set -u
SEGWATCH=${1:?usage: filters_cli.sh SEGWATCH FIXTURE_DIR}
FIX=${2:?usage: filters_cli.sh SEGWATCH FIXTURE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -n "${KEEP:-}" ] && echo "kept $tmp"; exit 1; }
[ -f "$FIX/tcp_handshake_close.pcap" ] || { echo "SKIP: no fixtures in $FIX"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
passed=0
ok() { passed=$((passed + 1)); }

cat >"$tmp/inv.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "shop/web-1", "namespace": "shop", "labels": { "app": "web", "tier": "front" },
    "ips": ["10.77.0.2", "fd00:77::2"] },
  { "name": "shop/db-0", "namespace": "shop", "labels": { "app": "db" },
    "ips": ["10.77.0.3", "fd00:77::3"] },
  { "name": "kube/dns-0", "namespace": "kube", "labels": { "app": "dns", "tier": "infra" },
    "ips": ["10.77.0.10"] } ] }
JSON
cat >"$tmp/policy.json" <<'JSON'
{ "version": 1, "name": "shop", "mode": "enforce", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "db": { "labels": { "app": "db" } },
              "dns": { "labels": { "app": "dns" } } },
  "rules": [ { "name": "web-db", "from": "web", "to": "db", "proto": "tcp", "ports": [80, 443], "action": "allow" } ] }
JSON
# the five fixtures as one pcap, packets in time order (the same link type)
python3 - "$tmp/all.pcap" "$FIX"/{tcp_handshake_close,tcp_refused,udp_request_response,icmp_echo,ipv6_tcp}.pcap <<'PY' ||
import struct, sys
head, recs = None, []
for path in sys.argv[2:]:
    b = open(path, "rb").read()
    head = head or b[:24]
    assert b[:4] == head[:4] and b[20:24] == head[20:24], path
    i = 24
    while i < len(b):
        sec, usec, incl, orig = struct.unpack("<IIII", b[i:i + 16])
        recs.append((sec, usec, len(recs), b[i:i + 16 + incl]))
        i += 16 + incl
with open(sys.argv[1], "wb") as out:
    out.write(head)
    for r in sorted(recs):
        out.write(r[3])
PY
	fail "merging the fixtures"
"$SEGWATCH" capture -r "$tmp/all.pcap" -q -w "$tmp/all.jsonl" --inventory "$tmp/inv.json" >/dev/null 2>&1 ||
	fail "capture"
files=("$tmp/all.jsonl")
total=$(grep -c '"type":"flow"' "$tmp/all.jsonl")
[ "$total" -eq 7 ] || fail "fixture: $total flows, want 7"

# same NAME WANT ARGS...: the filter ARGS selects WANT flows, the same in all four
# commands (and in what capture -w writes)
same() {
	local name=$1 want=$2
	shift 2
	"$SEGWATCH" flows --json "$@" "${files[@]}" >"$tmp/f.jsonl" 2>"$tmp/err" ||
		fail "$name: flows exit $?: $(cat "$tmp/err")"
	"$SEGWATCH" graph --json "$@" "${files[@]}" >"$tmp/g.json" 2>"$tmp/err" ||
		fail "$name: graph: $(cat "$tmp/err")"
	# report: exit 1 with violations; its own --policy unless the filter brings one
	local pol=(--policy "$tmp/policy.json")
	[[ " $* " == *" --policy "* ]] && pol=()
	"$SEGWATCH" report --json "${pol[@]}" "$@" "${files[@]}" >"$tmp/r.json" 2>"$tmp/err"
	[ $? -le 1 ] || fail "$name: report: $(cat "$tmp/err")"
	"$SEGWATCH" capture -r "$tmp/all.pcap" --json -w "$tmp/w.jsonl" --inventory "$tmp/inv.json" "$@" \
		>"$tmp/c.json" 2>"$tmp/err" || fail "$name: capture: $(cat "$tmp/err")"
	python3 "$HERE/filter_keys.py" "$want" flows="$tmp/f.jsonl" graph="$tmp/g.json" \
		report="$tmp/r.json" capture="$tmp/c.json" >"$tmp/diff" || fail "$name: $(cat "$tmp/diff")"
	# -w: the very lines flows --json selects from the unfiltered capture
	grep '"type":"flow"' "$tmp/w.jsonl" | cmp -s "$tmp/f.jsonl" - ||
		fail "$name: capture -w lines differ from flows --json: $(grep '"type":"flow"' "$tmp/w.jsonl" | diff "$tmp/f.jsonl" -)"
	ok
}
pol=(--policy "$tmp/policy.json")
same none 7
same selector 5 --to 'app,tier!=infra'
same selector_from 7 --from 'app=web,tier!=db'
same cidr 4 --to 10.77.0.0/24 --proto tcp,udp
same cidr_v6 1 --peer fd00:77::/64
same glob 2 --to 'dns-*'
same group 2 "${pol[@]}" --peer group:dns
same port_range 4 --port 50-100
same state 3 --state refused,closed
same verdict_denied 5 "${pol[@]}" --verdict denied
same verdict_allowed 2 "${pol[@]}" --verdict allowed
same combined 2 "${pol[@]}" --from 'shop/web-*' --to group:db --port 1-1000 --state closed
same window 3 --since 2026-11-22T13:52:03.010000Z
same nothing 0 --port 1

# ---- human output says a filter is on; JSON carries it ----
"$SEGWATCH" graph --state refused "${files[@]}" >"$tmp/out" || fail "graph table"
grep -q '^filter: --state refused (6 flows left out; ' "$tmp/out" || fail "graph filter line: $(cat "$tmp/out")"
"$SEGWATCH" graph "${files[@]}" >"$tmp/out" || fail "graph table, no filter"
! grep -q '^filter:' "$tmp/out" || fail "graph without a filter says filter: $(cat "$tmp/out")"
"$SEGWATCH" report "${pol[@]}" --to 'app=db' "${files[@]}" >"$tmp/out"
[ $? -eq 1 ] || fail "report exit"
grep -q "^filter: --to app=db (2 flows left out; completeness and kernel log describe the whole input)" "$tmp/out" ||
	fail "report filter line: $(cat "$tmp/out")"
"$SEGWATCH" capture -r "$tmp/all.pcap" --inventory "$tmp/inv.json" --from 'app=web' >"$tmp/out" ||
	fail "capture table"
grep -q "^filter: --from app=web (" "$tmp/out" || fail "capture filter line: $(cat "$tmp/out")"
"$SEGWATCH" graph --json --port 50-100 --from 'app=web' "${files[@]}" |
	python3 -c 'import json,sys; f=json.load(sys.stdin)["filter"]; assert f == {"options": {"port": ["50-100"], "from": ["app=web"]}, "flows_left_out": 3}, f' ||
	fail "graph --json filter object"
"$SEGWATCH" capture -r "$FIX/tcp_refused.pcap" --json --state refused |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["filter"] == {"state": ["refused"]}, d; assert len(d["flows"]) == 1' ||
	fail "capture --json filter object"
ok

# ---- report --diff: the earlier input filtered alike, not windowed ----
"$SEGWATCH" graph --json "${files[@]}" >"$tmp/old.json"
"$SEGWATCH" report --json "${pol[@]}" --port 80 --diff "$tmp/old.json" "${files[@]}" >"$tmp/out"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["since"]["new_edges"] == [] and len(d["since"]["vanished_edges"]) >= 3, d["since"]' "$tmp/out" ||
	fail "report --diff with a saved graph (merged whole: its other edges vanish)"
"$SEGWATCH" report --json "${pol[@]}" --port 80 --since 2026-11-22T13:52:03.010000Z --diff "$tmp/all.jsonl" \
	"${files[@]}" >"$tmp/out"
# the window leaves tcp/80 out now; the earlier file, not windowed, had it; --port 80 alike
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["since"]; v=[(e["proto"], e.get("port")) for e in s["vanished_edges"]]; assert s["new_edges"] == [] and v == [("tcp", 80)], s' "$tmp/out" ||
	fail "report --diff flows file: filtered alike, not windowed: $(head -c 2000 "$tmp/out")"
ok

# ---- usage errors: one line naming the option, exit 2 ----
bad() {
	local cmd=$1 msg=$2 rc
	shift 2
	"$SEGWATCH" $cmd "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$msg" "$tmp/err" ||
		fail "$cmd $*: exit $rc: $(cat "$tmp/err")"
	ok
}
for cmd in graph report capture flows; do
	args=("${files[0]}")
	[ $cmd = report ] && args+=("${pol[@]}")
	[ $cmd = capture ] && args=(-r "$FIX/tcp_refused.pcap")
	bad $cmd "segwatch $cmd: --state: unknown state \"estab\"; did you mean \"established\"?" --state estab "${args[@]}"
	bad $cmd "segwatch $cmd: --from: \"10.0.0.0/33\" is not a valid prefix" --from 10.0.0.0/33 "${args[@]}"
	bad $cmd "segwatch $cmd: --port: \"70000-1\" is not a port" --port 70000-1 "${args[@]}"
	[ $cmd = report ] && continue
	bad $cmd "segwatch $cmd: --verdict needs a policy: add --policy FILE" --verdict denied "${args[@]}"
	bad $cmd "segwatch $cmd: --to: group \"db\" needs a policy" --to group:db "${args[@]}"
done
bad report "--to: unknown group \"dbs\" in $tmp/policy.json; did you mean \"db\"?" "${pol[@]}" --to group:dbs "${files[@]}"
bad capture "--policy goes with --alerts, --ipfix, --verdict or a group: filter" -r "$FIX/tcp_refused.pcap" "${pol[@]}" --port 80
# report --since FILE is still --diff FILE
"$SEGWATCH" report --json "${pol[@]}" --since "$tmp/old.json" "${files[@]}" | grep -q '"vanished_edges"' ||
	fail "report --since FILE"
ok
echo "filters_cli: $passed passed, 0 failed"
