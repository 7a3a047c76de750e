#!/bin/bash
# nft_apply.sh DRIVER - the nft backend against the kernel, in namespaces this
# test creates (the host's ruleset is never touched):
#   - the rendered script loads (nft -c -f, nft -f) and lists exactly as the
#     libnftnl batch of the same plan does;
#   - a plan the kernel refuses leaves the ruleset byte for byte as it was,
#     and the error names the object;
#   - set updates, counters, remove (no trace; other tables untouched);
#   - real packets through a router namespace: allowed tcp passes, the rest
#     is dropped, counters move.
# Root and nf_tables are needed; without them the test skips (77).
# SW_NFT_REGEN=1 rewrites dumps/*.nft (review the diff).
set -u
DRV=${1:?usage: nft_apply.sh NFT_DRIVER}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ID=$$
R=swnft$ID-r A=swnft$ID-a B=swnft$ID-b
TMP=
PIDS=

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
in_r() { ip netns exec "$R" "$@"; }

cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for ns in "$R" "$A" "$B"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root"
for t in ip nft python3; do command -v $t >/dev/null || skip "$t is not installed"; done
[ -x "$DRV" ] || fail "no driver $DRV"
ip netns add "$R" 2>/dev/null || skip "cannot create network namespaces"
in_r nft list ruleset >/dev/null 2>&1 || skip "no nf_tables"
TMP=$(mktemp -d /tmp/swnft.XXXXXX)

# Someone else's table: must survive everything below.
in_r nft -f - <<'NFT' || fail "cannot add the bystander table"
table inet other {
	chain c {
		type filter hook forward priority 10; policy accept;
		tcp dport 9 counter accept
	}
}
NFT
in_r nft list ruleset > "$TMP/before"

# 1. script and batch agree: list after `nft -f script` == list after apply
for plan in demo mixed big:3,4,5; do
	name=${plan//[:,]/_}
	"$DRV" render "$plan" > "$TMP/$name.nft" || fail "render $plan"
	in_r nft -c -f "$TMP/$name.nft" || fail "nft -c -f of $plan"
	in_r nft -f "$TMP/$name.nft" || fail "nft -f of $plan"
	in_r nft list table inet segwatch > "$TMP/$name.script.list"
	in_r "$DRV" remove || fail "remove after nft -f"
	in_r "$DRV" apply "$plan" || fail "apply $plan"
	in_r nft list table inet segwatch > "$TMP/$name.batch.list"
	diff -u "$TMP/$name.script.list" "$TMP/$name.batch.list" ||
		fail "$plan: the kernel lists the script and the batch differently"
	if [ -n "${SW_NFT_REGEN:-}" ]; then
		cp "$TMP/$name.batch.list" "$HERE/dumps/$name.nft"
	fi
	diff -u "$HERE/dumps/$name.nft" "$TMP/$name.batch.list" || fail "$plan: differs from dumps/$name.nft"
	in_r "$DRV" apply "$plan" || fail "re-apply $plan"
	in_r nft list table inet segwatch | diff -u "$TMP/$name.batch.list" - || fail "re-apply $plan changed it"
	ok "$plan: script and batch list the same ($(grep -c . "$TMP/$name.batch.list") lines)"
done
in_r nft -j list table inet segwatch > "$TMP/json" || fail "nft -j"
python3 - "$TMP/json" <<'PY' || fail "JSON view of the big plan"
import json, sys
d = json.load(open(sys.argv[1]))["nftables"]
sets = [x["set"] for x in d if "set" in x]
rules = [x["rule"] for x in d if "rule" in x]
assert len(sets) == 3 and all(len(s["elem"]) == 4 for s in sets), sets
assert len(rules) == 6, len(rules)
PY
ok "nft -j: 3 sets of 4 elements, 6 rules"

# 2. refused plans change nothing, and say what was refused
in_r "$DRV" apply demo || fail "apply demo"
in_r nft list ruleset > "$TMP/good"
for b in "broken1:set g_a: File exists" "broken2:chain sw_fwd: File exists"; do
	plan=${b%%:*} want=${b#*:}
	in_r "$DRV" apply "$plan" 2> "$TMP/err" && fail "$plan was applied"
	grep -qF "$want" "$TMP/err" || fail "$plan: error does not name the object: $(cat "$TMP/err")"
	in_r nft list ruleset | cmp -s - "$TMP/good" || fail "$plan changed the ruleset"
	ok "$plan refused ($(cat "$TMP/err")), ruleset unchanged"
done

# 3. set updates: one small batch each
in_r "$DRV" update g_a add 10.0.1.9 192.168.7.0/24 || fail "update add"
in_r nft list set inet segwatch g_a | grep -q '10.0.1.9, 192.168.7.0/24' || fail "elements not added"
in_r "$DRV" update g_a del 10.0.1.9 192.168.7.0/24 || fail "update del"
in_r nft list ruleset | cmp -s - "$TMP/good" || fail "add + del is not a no-op"
in_r nft list ruleset > "$TMP/good"
in_r "$DRV" update g_a del 10.9.9.9 2> "$TMP/err" && fail "deleting an absent element worked"
grep -qF "set g_a" "$TMP/err" || fail "update error does not name the set"
in_r nft list ruleset | cmp -s - "$TMP/good" || fail "a refused update changed the ruleset"
ok "set updates"

# 4. a delta: the changed rule replaced in place (handles kept), the others untouched;
#    the result lists as the full apply of the new plan does
handles() { in_r nft -a list chain inet segwatch sw_fwd | grep -o 'handle [0-9]*' | tail -n +2; }
in_r "$DRV" remove && in_r "$DRV" apply demo@9090 || fail "apply demo@9090"
in_r nft list table inet segwatch > "$TMP/want"
in_r "$DRV" remove && in_r "$DRV" apply demo || fail "apply demo"
in_r nft list table inet segwatch > "$TMP/want.demo"
handles > "$TMP/h.before"
in_r "$DRV" delta demo demo@9090 > "$TMP/out" || fail "delta demo -> demo@9090"
grep -qx "handles known: 3" "$TMP/out" || fail "delta: handles not read: $(cat "$TMP/out")"
handles | diff -u "$TMP/h.before" - || fail "delta: the rules' handles changed"
in_r nft list table inet segwatch | diff -u "$TMP/want" - || fail "delta: differs from a full apply"
in_r "$DRV" delta demo@9090 demo@9090 >/dev/null || fail "delta to the same plan"
in_r nft list table inet segwatch | diff -u "$TMP/want" - || fail "an empty delta changed it"
# a rule deleted by hand: the handles are not the plan's, the chain is filled again
in_r nft delete rule inet segwatch sw_fwd "$(head -1 "$TMP/h.before")" || fail "nft delete rule"
in_r "$DRV" delta demo@9090 demo > "$TMP/out" || fail "delta after a rule was deleted"
grep -qx "handles known: 0" "$TMP/out" || fail "delta: stale handles used: $(cat "$TMP/out")"
in_r nft list table inet segwatch | diff -u "$TMP/want.demo" - || fail "delta: not the demo again"
in_r "$DRV" remove && in_r "$DRV" apply demo || fail "apply demo"
in_r nft list ruleset | cmp -s - "$TMP/good" || fail "not back to the demo"
ok "delta: one rule replaced in place, handles kept; stale handles not used"

# 4. real packets: A (10.0.1.2, in set g_a) -> router -> B (10.0.2.5, in set g_b)
ip netns add "$A" && ip netns add "$B" || fail "netns"
in_r ip link add ra type veth peer name eth0 netns "$A" || skip "no veth"
in_r ip link add rb type veth peer name eth0 netns "$B" || fail "veth"
in_r ip addr add 10.0.1.1/24 dev ra
in_r ip addr add 10.0.2.1/24 dev rb
in_r ip link set ra up; in_r ip link set rb up; in_r ip link set lo up
in_r sysctl -qw net.ipv4.ip_forward=1
ip -n "$A" addr add 10.0.1.2/24 dev eth0; ip -n "$A" link set eth0 up
ip -n "$A" route add default via 10.0.1.1
ip -n "$B" addr add 10.0.2.5/24 dev eth0; ip -n "$B" link set eth0 up
ip -n "$B" route add default via 10.0.2.1
cat > "$TMP/srv.py" <<'PY'
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(8)
    while True:
        c, _ = s.accept(); c.sendall(b"hello\n"); c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
PY
cat > "$TMP/cli.py" <<'PY'
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5)
    sys.exit(0 if s.recv(16) == b"hello\n" else 2)
except OSError:
    sys.exit(1)
PY
ip netns exec "$B" python3 "$TMP/srv.py" 8080 8081 & PIDS="$PIDS $!"
ip netns exec "$A" python3 "$TMP/srv.py" 8080 & PIDS="$PIDS $!"
sleep 0.5
in_r "$DRV" remove || fail "remove before the packet test"
ip netns exec "$A" python3 "$TMP/cli.py" 10.0.2.5 8081 || fail "no connectivity before apply?"
in_r "$DRV" apply demo || fail "apply demo"
ip netns exec "$A" python3 "$TMP/cli.py" 10.0.2.5 8080 || fail "allowed a->b tcp 8080 was dropped"
ip netns exec "$A" python3 "$TMP/cli.py" 10.0.2.5 8081 && fail "a->b tcp 8081 passed"
ip netns exec "$B" python3 "$TMP/cli.py" 10.0.1.2 8080 && fail "b->a tcp 8080 passed"
in_r "$DRV" counters sw_fwd > "$TMP/ctr" || fail "counters"
cat "$TMP/ctr"
awk '$1 == 2 { split($2, a, "="); exit !(a[2] > 0) }' "$TMP/ctr" || fail "allow counter did not move"
awk '$1 == 3 { split($2, a, "="); exit !(a[2] > 0) }' "$TMP/ctr" || fail "drop counter did not move"
grep -q 'comment=a may reach b on 8080' "$TMP/ctr" || fail "comment not read back"
in_r "$DRV" exists || fail "exists: table not found"
in_r "$DRV" counters nochain 2>/dev/null && fail "counters of a missing chain"
# a set update takes effect at once: A leaves g_a
in_r "$DRV" update g_a del 10.0.1.2 || fail "update del"
ip netns exec "$A" python3 "$TMP/cli.py" 10.0.2.5 8080 && fail "a still allowed after leaving g_a"
in_r "$DRV" update g_a add 10.0.1.2 || fail "update add"
ip netns exec "$A" python3 "$TMP/cli.py" 10.0.2.5 8080 || fail "a not allowed after rejoining g_a"
ok "packets: allowed passes, denied dropped, counters move, updates bite"

# 5. remove leaves no trace; removing again is fine
in_r "$DRV" remove || fail "remove"
in_r nft list ruleset | diff -u "$TMP/before" - || fail "remove left a trace"
in_r "$DRV" exists && fail "table still exists"
in_r "$DRV" remove || fail "second remove"
ok "remove"
echo "PASS"
