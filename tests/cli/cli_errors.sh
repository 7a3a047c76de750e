#!/usr/bin/env bash
# Command-line contract: help, usage errors and runtime failures give a clear
# message naming the culprit and the documented exit code.
set -u
SEGWATCH=${1:?usage: cli_errors.sh SEGWATCH}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

# expect CODE PATTERN -- ARGS...: exit code and a stderr/stdout line matching PATTERN
expect() {
	local code=$1 pattern=$2
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$code" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL: $* -> exit $rc (want $code), output: $(head -c 300 <<<"$out")"
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

expect 0 "usage: segwatch capture" -- "$SEGWATCH" capture --help
expect 0 "exit codes" -- "$SEGWATCH" --help
expect 2 "usage:" -- "$SEGWATCH"
expect 2 'unknown command "nope"' -- "$SEGWATCH" nope
expect 2 "unknown option" -- "$SEGWATCH" capture --bogus
expect 2 '--max-flows: "0"' -- "$SEGWATCH" capture -r x --max-flows 0
# --ipfix: the option and why, before anything is read
expect 2 '--ipfix: "127.0.0.1:4739" does not begin with udp:// or tcp://' -- "$SEGWATCH" capture -r x --ipfix 127.0.0.1:4739
expect 2 '--ipfix: "udp://h:70000": the port must be 1 to 65535' -- "$SEGWATCH" capture -r x --ipfix udp://h:70000
expect 2 '--ipfix-mode: "both" is not biflow or uniflow' -- "$SEGWATCH" capture -r x --ipfix udp://h:1 --ipfix-mode both
expect 2 '--ipfix-mode, --ipfix-pen and --ipfix-labels go with --ipfix' -- "$SEGWATCH" capture -r x --ipfix-mode uniflow
expect 2 '--ipfix-labels: "app,,tier" is not a list of label keys' -- "$SEGWATCH" capture -r x --ipfix udp://h:1 --ipfix-labels app,,tier
expect 2 '--policy goes with --alerts, --ipfix, --verdict or a group: filter' -- "$SEGWATCH" capture -r x --policy p.json
# --alert-format: the option and the values it takes, before anything is read
expect 2 '--alert-format: "json" is not segwatch or ecs' -- "$SEGWATCH" capture -r x --alerts - --alert-format json
expect 2 '--alert-format go with --alerts' -- "$SEGWATCH" capture -r x --alert-format ecs
expect 2 '--timeout: "abc" is not a whole number' -- "$SEGWATCH" capture -r x --timeout tcp=abc
expect 2 '--timeout: "nosuch=5"' -- "$SEGWATCH" capture -r x --timeout nosuch=5
expect 2 '--duration: "-1"' -- "$SEGWATCH" capture --duration -1
expect 2 "cannot be combined" -- "$SEGWATCH" capture -r x -i lo
expect 2 'unexpected argument "extra"' -- "$SEGWATCH" capture -r x extra
expect 3 "$tmp/missing.pcap: cannot read" -- "$SEGWATCH" capture -r "$tmp/missing.pcap"
head -c 100 /dev/urandom >"$tmp/garbage.pcap"
expect 3 "$tmp/garbage.pcap: cannot read" -- "$SEGWATCH" capture -r "$tmp/garbage.pcap"
# a valid empty pcap (global header only) reads fine: no flows, counters printed
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x01\x00\x00\x00' >"$tmp/empty.pcap"
expect 0 "packets seen 0" -- "$SEGWATCH" capture -r "$tmp/empty.pcap"
expect 0 '"packets_seen":0' -- "$SEGWATCH" capture -r "$tmp/empty.pcap" --json
expect 3 "$tmp/nodir/out.jsonl: cannot write" -- "$SEGWATCH" capture -r "$tmp/empty.pcap" -w "$tmp/nodir/out.jsonl"
expect 2 "--filter" -- "$SEGWATCH" capture -r "$tmp/empty.pcap" --filter "not a filter ((("
# a pcap with an unsupported link type (DLT_NULL = 0)
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00' >"$tmp/null.pcap"
expect 2 "link type .* is not supported" -- "$SEGWATCH" capture -r "$tmp/null.pcap"

if [ "$(id -u)" -eq 0 ]; then
	expect 2 "nosuchif0: no such interface" -- "$SEGWATCH" capture -i nosuchif0 --duration 1
	if command -v setpriv >/dev/null; then
		expect 3 "lo: permission denied .*root" -- \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$SEGWATCH" capture -i lo --duration 1
	fi
fi

echo "cli_errors: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
