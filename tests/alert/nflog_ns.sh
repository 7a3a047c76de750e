#!/bin/bash
# nflog_ns.sh PROBE - the NFLOG reader against a real nft log rule, in a
# network namespace of its own (unshare -n: nothing outside it is touched).
# A TCP SYN to 127.0.0.1:9 inside the namespace is logged with prefix
# "sw deny rules/3" to group 7 and dropped; the probe must report it.
# Missing root, unshare or nft means skip (77).
set -u
SKIP=77
PROBE=${1:?usage: nflog_ns.sh PROBE}

if [ "${SW_NFLOG_IN_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit $SKIP; }
	command -v unshare >/dev/null && command -v nft >/dev/null ||
		{ echo "SKIP: needs unshare and nft"; exit $SKIP; }
	SW_NFLOG_IN_NS=1 exec unshare -n "$0" "$@"
fi

TMP=$(mktemp -d)
PROBE_PID=
cleanup() {
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$TMP"/*; do echo "--- $f"; cat "$f"; done; exit 1; }

ip link set lo up || { echo "SKIP: cannot bring lo up"; exit $SKIP; }
cat >"$TMP/rules.nft" <<'NFT'
table inet swlogtest {
	chain c {
		type filter hook output priority 0;
		tcp dport 9 log prefix "sw deny rules/3" group 7 drop
	}
}
NFT
nft -f "$TMP/rules.nft" 2>"$TMP/nft.err" || { echo "SKIP: nft log group not supported"; cat "$TMP/nft.err"; exit $SKIP; }

"$PROBE" 7 1 10 >"$TMP/probe.out" 2>"$TMP/probe.err" &
PROBE_PID=$!
for _ in $(seq 50); do
	grep -q ready "$TMP/probe.out" 2>/dev/null && break
	kill -0 "$PROBE_PID" 2>/dev/null || break
	sleep 0.1
done
grep -q ready "$TMP/probe.out" || fail "probe did not bind group 7"

# One SYN (the rule drops it, so the connect just times out).
timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>/dev/null

wait "$PROBE_PID"
rc=$?
PROBE_PID=
[ "$rc" = 0 ] || fail "probe exited $rc"
line=$(grep -v '^ready$' "$TMP/probe.out" | head -n1)
IFS='|' read -r prefix action rule family proto src sport dst dport <<<"$line"
[ "$prefix" = "sw deny rules/3" ] || fail "prefix: $prefix"
[ "$action" = 1 ] && [ "$rule" = 3 ] || fail "action/rule: $action/$rule"
[ "$family" = 4 ] && [ "$proto" = 6 ] || fail "family/proto: $family/$proto"
[ "$src" = 127.0.0.1 ] && [ "$dst" = 127.0.0.1 ] && [ "$dport" = 9 ] || fail "tuple: $line"
[ "$sport" -gt 0 ] || fail "sport: $sport"
echo "PASS: $line"
