#!/usr/bin/env bash
# help_conventions.sh SEGWATCH VERSION - the command-line conventions (issue 13):
# every command and verb has a --help with examples; `segwatch help TOPIC` prints
# exactly `segwatch TOPIC --help`; every option a --help lists is accepted; a
# usage error is one line pointing to the --help; an option the mode ignores
# gets a warning; -V and --version print "segwatch VERSION".
# The topics and options are read from the help texts themselves, so a new
# command, verb or option is checked without touching this file.
set -u
SW=${1:?usage: help_conventions.sh SEGWATCH VERSION}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
VERSION=${2:?usage: help_conventions.sh SEGWATCH VERSION}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0 passes=0
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
ok() { passes=$((passes + 1)); }

# ---- the topics: commands from `segwatch help`, verbs from each command's help ----
top=$("$SW" help) || fail "segwatch help -> exit $?"
mapfile -t cmds < <(awk '$0 == "commands:" { on = 1; next } on && /^$/ { exit }
	on && /^  [a-z]/ && $1 != "help" && $1 != "version" { print $1 }' <<<"$top")
[ "${#cmds[@]}" -ge 8 ] || fail "segwatch help lists ${#cmds[@]} commands: ${cmds[*]}"
topics=()
for c in "${cmds[@]}"; do
	topics+=("$c")
	# verbs: the "verbs:" list, and the lowercase word after "segwatch CMD" in the usage lines
	while read -r v; do
		[ -n "$v" ] && topics+=("$c $v")
	done < <("$SW" "$c" --help | awk -v c="$c" '
		$0 == "verbs:" { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }
		/^(usage:)? +segwatch / { for (i = 1; i < NF; i++) if ($i == "segwatch" && $(i + 1) == c) {
			if ($(i + 2) ~ /^[a-z]+$/) print $(i + 2); break } }' | sort -u)
done
printf '%s\n' "${topics[@]}" | grep -qx "policy test" || fail "no policy verbs found: ${topics[*]}"
printf '%s\n' "${topics[@]}" | grep -qx "agent check" || fail "agent check not found: ${topics[*]}"

# ---- --help: exit 0, an "examples:" line then at least one "  segwatch ..." ----
for t in "${topics[@]}"; do
	# shellcheck disable=SC2086
	out=$("$SW" $t --help 2>"$tmp/err")
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "segwatch $t --help -> exit $rc, stderr: $(head -c 200 "$tmp/err")"
		continue
	fi
	if ! awk '/^examples:$/ { ex = 1; next } ex && /^  segwatch / { found = 1 } ex && /^$/ { ex = 0 }
		END { exit !found }' <<<"$out"; then
		fail "segwatch $t --help has no \"examples:\" line followed by a \"  segwatch ...\" line"
	else
		ok
	fi
	# segwatch help TOPIC: the very same text
	# shellcheck disable=SC2086
	if [ "$("$SW" help $t 2>&1)" != "$out" ]; then
		fail "segwatch help $t differs from segwatch $t --help"
	else
		ok
	fi
done
# the top level has examples too, and help = --help
awk '/^examples:$/ { ex = 1; next } ex && /^  segwatch / { f = 1 } END { exit !f }' <<<"$top" ||
	fail "segwatch help has no examples"
[ "$("$SW" --help)" = "$top" ] || fail "segwatch --help differs from segwatch help"
# each policy verb has its own text, not one shared page
[ "$("$SW" policy check --help)" != "$("$SW" policy test --help)" ] || fail "policy verbs share a help"
"$SW" policy test --help | grep -q -- "--flows" || fail "policy test --help lacks --flows"
"$SW" policy check --help | grep -q -- "--flows" && fail "policy check --help lists test's --flows"

# ---- every option a --help lists is accepted (parsed, then --help ends the run) ----
# value VALUE-PLACEHOLDER OPTION: a valid value for the option
value() {
	case "$2" in
	--state) echo refused; return ;;
	--type) echo flow; return ;;
	--format) echo json; return ;;
	--verdict) echo allowed; return ;;
	esac
	case "$1" in
	N | N\[-M\] | GROUP) echo 100 ;;
	S | SECONDS) echo 5 ;;
	T) echo 2h ;;
	NAME=S) echo tcp=5 ;;
	URL) echo udp://127.0.0.1:4739 ;;
	MODE) echo uniflow ;;
	KEYS | LABEL | KEY) echo app ;;
	LIST | IFACE*) echo lo ;;
	BPF) echo tcp ;;
	X) echo web ;;
	P) echo tcp ;;
	FMT) echo ecs ;;
	DEST) echo - ;;
	NAME) echo shop ;;
	*) echo /dev/null ;; # FILE, F, FLOWS, OLD, DIR ...
	esac
}
checked=0
for t in "${topics[@]}"; do
	# shellcheck disable=SC2086
	while read -r names arg; do
		for o in ${names//,/ }; do
			[ "$o" = -h ] || [ "$o" = --help ] && continue
			args=("$o")
			case "$arg" in
			"" | \[*) ;; # no value, or an optional one
			*) args+=("$(value "$arg" "$o")") ;;
			esac
			# shellcheck disable=SC2086
			out=$("$SW" $t "${args[@]}" --help 2>&1 >/dev/null)
			rc=$?
			checked=$((checked + 1))
			if [ "$rc" -ne 0 ] || grep -qE "unknown option|needs a value|not one of" <<<"$out"; then
				fail "segwatch $t ${args[*]} --help -> exit $rc: $(head -c 200 <<<"$out")"
			else
				ok
			fi
		done
	done < <("$SW" $t --help | awk 'match($0, /^ +-/) && RLENGTH <= 7 {
		line = $0; sub(/^ +/, "", line); split(line, part, /  +/)
		n = split(part[1], w, " "); names = ""; arg = ""
		for (i = 1; i <= n; i++) if (w[i] ~ /^-/) names = names w[i] " "; else { arg = w[i]; break }
		gsub(/,/, "", names); sub(/ $/, "", names); gsub(/ /, ",", names)
		print names, arg }')
done
[ "$checked" -ge 80 ] || fail "only $checked options found in the help texts"

# ---- -V, --version, version ----
for v in -V --version version; do
	out=$("$SW" $v 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] && [ "$out" = "segwatch $VERSION" ] && ok ||
		fail "segwatch $v -> exit $rc, \"$out\", want \"segwatch $VERSION\""
done

# ---- usage errors: one line on stderr, nothing on stdout, exit 2, pointing to --help ----
# one_line WHO ARGS...: exit 2 and exactly "WHO: ...; see WHO --help"
one_line() {
	local who=$1 out err rc
	shift
	out=$("$SW" "$@" 2>"$tmp/err" </dev/null)
	rc=$?
	err=$(cat "$tmp/err")
	if [ "$rc" -ne 2 ] || [ -n "$out" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
	   ! grep -qE "^$who: .*; see $who --help\$" <<<"$err"; then
		fail "segwatch $* -> exit $rc, stdout $(wc -c <<<"$out") bytes, stderr: $(head -c 300 <<<"$err")"
	else
		ok
	fi
}
for t in "${topics[@]}"; do
	who="segwatch $t"
	[ "$t" = "graph merge" ] && who="segwatch graph" # its options are graph's
	# shellcheck disable=SC2086
	one_line "$who" $t --frob-nope
	# shellcheck disable=SC2086
	one_line "$who" $t -Z
done
one_line "segwatch capture" capture --frob
grep -qF 'segwatch capture: unknown option "--frob"; see segwatch capture --help' "$tmp/err" ||
	fail "capture --frob: $(cat "$tmp/err")"
one_line "segwatch capture" capture -r
one_line "segwatch policy test" policy test p.json --flows
one_line "segwatch policy test" policy --since 2h test p.json --flows
one_line "segwatch policy" policy
one_line "segwatch policy" policy nope
for t in "${topics[@]}"; do # the message names every verb
	[ "${t% *}" = policy ] && [ "$t" != policy ] && ! grep -qw "${t#* }" "$tmp/err" &&
		fail "policy nope: \"${t#* }\" not among the verbs named: $(cat "$tmp/err")"
done
one_line "segwatch policy check" policy check
one_line "segwatch policy remove" policy remove --json
one_line "segwatch learn" learn
one_line "segwatch graph" graph
one_line "segwatch report" report flows.jsonl
one_line "segwatch flows" flows --json --count
one_line "segwatch agent" agent nope
one_line "segwatch workloads" workloads extra
one_line "segwatch" nope
one_line "segwatch" --nope
one_line "segwatch version" version extra
# an unknown help topic is a usage error too
for topic in "nope" "capture nope" "policy nope" "policy test extra"; do
	# shellcheck disable=SC2086
	out=$("$SW" help $topic 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "unknown topic" <<<"$out" && ok ||
		fail "segwatch help $topic -> exit $rc: $out"
done

# ---- options that do nothing in the mode chosen: a warning, the command runs ----
# an empty pcap (global header only) and a one-flow file with a policy
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x01\x00\x00\x00' >empty.pcap
printf '{"type":"flow","family":4,"proto":"tcp","proto_num":6,"src":"10.0.0.1","sport":40000,"dst":"10.0.0.2","dport":5432,"state":"established","first_seen":"2026-11-22T10:00:01.000000Z","last_seen":"2026-11-22T10:00:02.000000Z","fwd":{"packets":3,"bytes":200},"rev":{"packets":2,"bytes":100},"src_kind":"workload","src_workload":{"name":"web-1","id":"w1","source":"inventory","labels":{"app":"web"}},"dst_kind":"workload","dst_workload":{"name":"db-1","id":"d1","source":"inventory","labels":{"app":"db"}}}\n' >flows.jsonl
cat >p.json <<'EOF'
{ "version": 1, "name": "p", "mode": "enforce", "default": "deny",
  "groups": { "web": { "labels": { "app": "web" } }, "db": { "labels": { "app": "db" } } },
  "rules": [ { "name": "web-db", "from": "web", "to": "db", "proto": "tcp", "ports": [5432], "action": "allow" } ] }
EOF
# warns CODE PATTERN ARGS...: exit CODE, and one stderr line "segwatch ...: warning: PATTERN"
warns() {
	local code=$1 pat=$2 rc
	shift 2
	"$SW" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -ne "$code" ] || ! grep -qE "^segwatch [a-z ]+: warning: $pat" "$tmp/err"; then
		fail "segwatch $* -> exit $rc (want $code), stderr: $(head -c 300 "$tmp/err")"
	else
		ok
	fi
}
warns 0 "--snaplen does nothing with -r" capture -r empty.pcap --snaplen 128
warns 0 "--pretty does nothing without --json" capture -r empty.pcap --pretty
warns 0 "--no-kernel does nothing with -r" capture -r empty.pcap --no-kernel
warns 0 "--no-engine does nothing with -r" capture -r empty.pcap --no-engine
warns 0 "--json does nothing with -w -" capture -r empty.pcap --json -w -
warns 0 "--format dot does nothing in report" report --policy p.json flows.jsonl --format dot
grep -q "allowed" "$tmp/out" || fail "report --format dot: no table printed: $(head -c 200 "$tmp/out")"
warns 0 "--diff does nothing in graph" graph flows.jsonl --diff flows.jsonl
warns 0 "--pretty does nothing without --json" agent check --pretty
# and no warning where the option does something
"$SW" capture -r empty.pcap --json --pretty >/dev/null 2>"$tmp/err" && ! grep -q warning "$tmp/err" ||
	fail "capture --json --pretty warned: $(cat "$tmp/err")"
one_line "segwatch report" report --policy p.json flows.jsonl --format nope

echo "help_conventions: $passes passed, $fails failed ($checked options, ${#topics[@]} topics)"
[ "$fails" -eq 0 ]
