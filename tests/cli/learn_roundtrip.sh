#!/usr/bin/env bash
# learn_roundtrip.sh SEGWATCH FIXTURE_DIR - a policy learned from captured flows
# passes `policy check`, allows every answered flow it was learned from (policy
# test exits 0), and denies what was only attempted.
set -u
SEGWATCH=${1:?usage: learn_roundtrip.sh SEGWATCH FIXTURE_DIR}
FIX=${2:?usage: learn_roundtrip.sh SEGWATCH FIXTURE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -f "$FIX/tcp_handshake_close.pcap" ] || { echo "SKIP: no fixtures in $FIX"; exit 77; }

for f in tcp_handshake_close udp_request_response icmp_echo ipv6_tcp; do
	"$SEGWATCH" capture -r "$FIX/$f.pcap" -q -w "$tmp/$f.jsonl" >/dev/null || fail "capture $f"
done
"$SEGWATCH" capture -r "$FIX/tcp_unanswered.pcap" -q -w "$tmp/unanswered.jsonl" >/dev/null || fail "capture"
"$SEGWATCH" learn "$tmp"/tcp_handshake_close.jsonl "$tmp"/udp_request_response.jsonl \
	"$tmp"/icmp_echo.jsonl "$tmp"/ipv6_tcp.jsonl "$tmp/unanswered.jsonl" -o "$tmp/learned.json" --enforce \
	--baseline "$tmp/baseline.json" 2>"$tmp/learn.err" || fail "learn: $(cat "$tmp/learn.err")"
grep -q "unanswered or refused" "$tmp/learn.err" || fail "learn summary: $(cat "$tmp/learn.err")"
"$SEGWATCH" policy check "$tmp/learned.json" >/dev/null || fail "the learned policy does not check"
for f in tcp_handshake_close udp_request_response icmp_echo ipv6_tcp; do
	"$SEGWATCH" policy test "$tmp/learned.json" --flows "$tmp/$f.jsonl" >"$tmp/out" ||
		fail "learned policy denies $f: $(cat "$tmp/out")"
done
"$SEGWATCH" policy test "$tmp/learned.json" --flows "$tmp/unanswered.jsonl" >"$tmp/out"
[ $? -eq 1 ] || fail "an attempt that was never answered was learned: $(cat "$tmp/out")"
python3 -c "import json,sys; b=json.load(open(sys.argv[1])); assert b" "$tmp/baseline.json" || fail "baseline"
echo "learn_roundtrip: 1 passed, 0 failed"
