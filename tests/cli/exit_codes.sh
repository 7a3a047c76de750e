#!/usr/bin/env bash
# exit_codes.sh SEGWATCH DOCS - every command against the exit-code table
# (docs/exit-codes.md): --help exits 0 and ends with the codes the command
# returns, in the table's words and as its "By command" row says; an unknown
# option is 2; an extra argument is 2; an option of another verb is 2; a
# missing input file is 3, whatever kind of input it is. Also the documented
# forms the table's commands promise: policy check --json, --alert-config
# {"alerts": {...}}. Never applies or removes a ruleset: every policy
# apply/remove case here is refused before it reaches the kernel.
set -u
SW=${1:?usage: exit_codes.sh SEGWATCH DOCS_DIR}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
DOCS=${2:?usage: exit_codes.sh SEGWATCH DOCS_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect CODE FRAGMENT ARGS...: the exit code, and FRAGMENT (grep -F) in stdout+stderr
expect() {
	local code=$1 frag=$2 out rc
	shift 2
	out=$(cd "$tmp" && "$SW" "$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "segwatch $* -> exit $rc, want $code: $(head -c 300 <<<"$out")"
	elif [ -n "$frag" ] && ! grep -qF -- "$frag" <<<"$out"; then
		fail "segwatch $* -> no \"$frag\" in: $(head -c 300 <<<"$out")"
	else
		passes=$((passes + 1))
	fi
}

# ---- inputs ----
cat >"$tmp/ok.policy.json" <<'EOF'
{ "version": 1, "name": "ok", "mode": "enforce", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "db": { "labels": { "app": "db" } } },
  "rules": [ { "name": "web-db", "from": "web", "to": "db", "proto": "tcp", "ports": [5432],
               "action": "allow" } ] }
EOF
cat >"$tmp/bad.policy.json" <<'EOF'
{ "version": 1, "name": "bad", "default": "deny",
  "groups": { "db": { "labels": { "app": "db" } } },
  "rules": [ { "from": "db", "to": "dbs", "proto": "tcp", "ports": [5432], "action": "allow" } ] }
EOF
printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"10.0.0.1","sport":40000,"dst":"10.0.0.2","dport":5433,"state":"established","first_seen":"2026-11-22T10:00:01.000000Z","last_seen":"2026-11-22T10:00:02.000000Z","fwd":{"packets":3,"bytes":200},"rev":{"packets":2,"bytes":100},"src_kind":"workload","src_workload":{"name":"web-1","id":"w1","source":"inventory","labels":{"app":"web"}},"dst_kind":"workload","dst_workload":{"name":"db-1","id":"d1","source":"inventory","labels":{"app":"db"}}}\n' >"$tmp/flows.jsonl"
# a pcap with no packets: global header only (LINKTYPE_ETHERNET)
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$tmp/empty.pcap"
echo '{"alerts": {"fan_out": {"distinct": 5}, "summary_interval_s": 10}}' >"$tmp/wrapped.alerts.json"
echo '{"fan_out": {"distinct": 5}}' >"$tmp/bare.alerts.json"
echo '{"alerts": {"fan_out": {"distinct": 5}}, "capture": {}}' >"$tmp/mixed.alerts.json"
echo '{"version": 1, "workloads": []}' >"$tmp/inv.json"
NOFILE="$tmp/does-not-exist.json"

# ---- the table: the codes in segwatch --help are those of docs/exit-codes.md ----
table=$(sed -n '/^## The table/,/^## /p' "$DOCS/exit-codes.md" | grep -oE '^\| [0-9]+ ' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
[ "$table" = "0 1 2 3 " ] || fail "docs/exit-codes.md table has codes \"$table\", want 0 1 2 3"
enum=$(grep -oE 'SW_EXIT_[A-Z]+ = [0-9]+' "$DOCS/../include/segwatch/exit.h" | grep -oE '[0-9]+$' | sort -n | tr '\n' ' ')
[ "$enum" = "$table" ] || fail "include/segwatch/exit.h codes \"$enum\" differ from the table \"$table\""

# help_codes ARGS...: the codes listed after the "exit codes" heading of a --help
help_codes() {
	"$SW" "$@" --help 2>/dev/null | sed -n '/^exit codes (docs\/exit-codes.md):$/,$p' |
		grep -oE '^  [0-9]+  ' | tr -dc '0-9\n' | sort -n | tr '\n' ' '
}
top=$(help_codes)
[ "$top" = "$table" ] || fail "segwatch --help lists \"$top\", the table \"$table\""

# doc_row COMMAND: the codes the "By command" table marks yes for the row naming `COMMAND`
doc_row() {
	sed -n '/^## By command/,/^## /p' "$DOCS/exit-codes.md" | grep -F "\`$1\`" | head -1 |
		awk -F'|' '{ s = ""; for (i = 3; i <= 6; i++) if ($i ~ /yes/) s = s (i - 3) " "; print s }'
}

# Every command: --help is 0 and its codes are its row of the table.
# `policy --help` lists the verbs: its codes are their union, test's row.
for cmd in capture workloads policy graph learn report flows agent; do
	# shellcheck disable=SC2086
	codes=$(help_codes $cmd)
	want=$(doc_row "$cmd")
	[ "$cmd" = policy ] && want=$(doc_row "policy test")
	# shellcheck disable=SC2086
	expect 0 "exit codes (docs/exit-codes.md):" $cmd --help
	if [ -z "$want" ]; then
		fail "docs/exit-codes.md has no row for \`$cmd\`"
	elif [ "$codes" != "$want" ]; then
		fail "segwatch $cmd --help lists exit codes \"$codes\", its row in the table \"$want\""
	else
		passes=$((passes + 1))
	fi
done
# each verb has its own --help now: its codes are its own row
for verb in "policy check" "policy compile" "policy apply" "policy status" "policy remove" \
	    "policy test" "agent check"; do
	# shellcheck disable=SC2086
	codes=$(help_codes $verb)
	want=$(doc_row "$verb")
	[ -n "$want" ] || want=$(doc_row "${verb#* }")
	if [ -z "$want" ] || [ "$codes" != "$want" ]; then
		fail "segwatch $verb --help lists exit codes \"$codes\", its row in the table \"$want\""
	else
		passes=$((passes + 1))
	fi
done
expect 0 "usage: segwatch" --help
expect 0 "segwatch " version

# ---- an unknown option is 2, with a message ----
for cmd in capture workloads "policy check" "policy compile" "policy apply" "policy status" \
	   "policy remove" "policy test" graph "graph merge" learn report flows agent "agent check"; do
	# shellcheck disable=SC2086
	expect 2 "option" $cmd --no-such-option
done
expect 2 'unknown option "--no-such-option"' graph --no-such-option
expect 2 'option "--flows" needs a value' policy test ok.policy.json --flows
expect 0 "exit codes (docs/exit-codes.md):" graph merge --help
expect 0 "exit codes (docs/exit-codes.md):" agent check --help
expect 2 "unknown command" no-such-command
expect 2 "unknown verb" policy no-such-verb
expect 2 "unknown verb" agent no-such-verb

# ---- an extra argument is 2 (and nothing runs) ----
expect 2 'unexpected argument "extra"' capture -r empty.pcap extra
expect 2 'unexpected argument "extra"' workloads --no-engine --no-kernel extra
expect 2 'unexpected argument "extra"' policy check ok.policy.json extra
expect 2 'unexpected argument "extra"' policy compile ok.policy.json extra
expect 2 'unexpected argument "extra"' policy apply ok.policy.json extra
expect 2 'unexpected argument "extra"' policy test ok.policy.json --flows flows.jsonl extra
expect 2 'unexpected argument "extra"' policy status extra
expect 2 'unexpected argument "extra"' policy remove extra
expect 2 'one FILE at most' agent check inv.json extra
expect 2 'unexpected argument "extra"' agent --config inv.json extra
expect 2 'unexpected argument "extra"' version extra
# an option of another verb
expect 2 "not one of check's" policy check ok.policy.json --flows flows.jsonl
expect 2 "not one of remove's" policy remove --json
expect 2 "not one of status's" policy status --watch
expect 2 "not one of compile's" policy compile ok.policy.json --cut
# missing required arguments
expect 2 "a policy FILE is required" policy check
expect 2 "--flows FILE is required" policy test ok.policy.json
expect 2 "--policy FILE is required" report flows.jsonl

# ---- a missing input file is 3, whatever the input ----
expect 3 "does-not-exist.json" capture -r "$NOFILE"
expect 3 "does-not-exist.json" workloads --inventory "$NOFILE" --no-engine --no-kernel
expect 3 "does-not-exist.json" policy check "$NOFILE"
expect 3 "does-not-exist.json" policy compile "$NOFILE" --no-engine --no-kernel
expect 3 "does-not-exist.json" policy apply "$NOFILE" --no-engine --no-kernel
expect 3 "does-not-exist.json" policy test "$NOFILE" --flows flows.jsonl
expect 3 "does-not-exist.json" policy test ok.policy.json --flows "$NOFILE"
expect 3 "does-not-exist.json" graph "$NOFILE"
expect 3 "does-not-exist.json" graph flows.jsonl --policy "$NOFILE"
expect 3 "does-not-exist.json" graph merge "$NOFILE"
expect 3 "does-not-exist.json" learn "$NOFILE"
expect 3 "does-not-exist.json" report --policy ok.policy.json "$NOFILE"
expect 3 "does-not-exist.json" report --policy "$NOFILE" flows.jsonl
expect 3 "does-not-exist.json" flows "$NOFILE"
expect 3 "does-not-exist.json" flows --policy "$NOFILE" flows.jsonl
expect 3 "does-not-exist.json" agent check "$NOFILE"
expect 3 "does-not-exist.json" agent --config "$NOFILE"
expect 3 "does-not-exist.json: cannot read" capture -r empty.pcap --alerts out.jsonl --alert-config "$NOFILE"
expect 3 "does-not-exist.json: cannot read" capture -r empty.pcap --alerts out.jsonl --baseline "$NOFILE"
expect 3 "does-not-exist.json" capture -r empty.pcap --alerts out.jsonl --policy "$NOFILE"
expect 3 "does-not-exist.json" capture -r empty.pcap --inventory "$NOFILE" --no-engine --no-kernel
expect 3 "does-not-exist.json" policy test ok.policy.json --flows empty.pcap --inventory "$NOFILE"
expect 3 "does-not-exist.json" report --policy ok.policy.json flows.jsonl --diff "$NOFILE"
# an output that cannot be written is 3 too
expect 3 "cannot write" graph flows.jsonl -o "$tmp/no-such-dir/graph.txt"

# ---- bad contents are 2; warnings are not errors ----
expect 2 'unknown group' policy check bad.policy.json
expect 0 ": ok:" policy check ok.policy.json
expect 1 "denied" policy test ok.policy.json --flows flows.jsonl
expect 2 "no other key" capture -r empty.pcap --alerts out.jsonl --alert-config mixed.alerts.json

# ---- documented forms ----
expect 0 "" capture -r empty.pcap --alerts out.jsonl --alert-config wrapped.alerts.json
expect 0 "" capture -r empty.pcap --alerts out.jsonl --alert-config bare.alerts.json
expect 2 '"type": "policy_check"' policy check --json bad.policy.json
"$SW" policy check --json "$tmp/bad.policy.json" 2>"$tmp/check.err" >"$tmp/check.json"
python3 - "$tmp/check.json" <<'EOF' || fail "policy check --json: not the documented document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "policy_check" and d["ok"] is False and d["errors"] >= 1, d
for x in d["diagnostics"]:
    assert set(x) == {"file", "line", "col", "pointer", "severity", "message"}, x
assert any(x["pointer"] == "/rules/0/to" and x["severity"] == "error" for x in d["diagnostics"]), d
EOF
[ -s "$tmp/check.err" ] && fail "policy check --json printed on stderr: $(head -c 200 "$tmp/check.err")"
"$SW" policy check --json "$tmp/ok.policy.json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] is True and d["diagnostics"] == [] and d["policy"]["rules"] == 1, d
' || fail "policy check --json of a good policy"
# a policy whose every group selects nothing: compiled, with a warning for each and one for all
expect 0 "selects no running workload" policy compile ok.policy.json --inventory inv.json --no-engine --no-kernel
expect 0 "no group of the policy selects any running workload" policy compile ok.policy.json --inventory inv.json --no-engine --no-kernel

echo "exit_codes: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
