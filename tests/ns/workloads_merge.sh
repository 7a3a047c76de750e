#!/bin/bash
# workloads_merge.sh SEGWATCH - one container, one identity (issue 13, point 1),
# with the kernel's view of real namespaces:
#   - an inventory entry giving a's IPv4 address and MAC, and one giving only
#     b's IPv4 address: `segwatch workloads` shows each once, named after the
#     inventory, with the sources inventory+kernel and every address the
#     namespace has (its fe80:: one included); c, in no inventory, keeps its
#     netns name.
#   - a live capture of a ping between a's and b's link-local addresses names
#     both ends after the inventory, not after the namespaces.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}

ns_require "$SEGWATCH" ping
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

topo_up
MAC_A=$(nsx "$NS_A" cat /sys/class/net/eth0/address)
# the kernel gives eth0 its fe80:: address once the link is up, but keeps it
# "tentative" until duplicate address detection ends (about a second): until
# then a ping to b's fe80:: leaves from a's global address, so wait for it
link_local() {
	nsx "$1" ip -6 -o addr show dev eth0 scope link | grep -v tentative | awk '{print $4}' | cut -d/ -f1
}
for _ in $(seq 100); do
	LL_A=$(link_local "$NS_A")
	LL_B=$(link_local "$NS_B")
	[ -n "$LL_A" ] && [ -n "$LL_B" ] && break
	sleep 0.1
done
[ -n "$LL_A" ] && [ -n "$LL_B" ] || skip "no IPv6 link-local address on eth0"
cat >"$TMP/inv.json" <<EOF2
{ "version": 1, "workloads": [
  { "name": "shop/api-0", "labels": { "app": "api" }, "ips": ["$SWT_A4"], "macs": ["$MAC_A"] },
  { "name": "shop/db-0", "labels": { "app": "db" }, "ips": ["$SWT_B4"] }
] }
EOF2

nsx "$NS_H" "$SEGWATCH" workloads --inventory "$TMP/inv.json" --no-engine --json \
	>"$TMP/wl.json" 2>"$TMP/wl.err" || fail "segwatch workloads exited with $?"
python3 - "$TMP/wl.json" "$NS_C" "$SWT_A4" "$SWT_A6" "$LL_A" "$LL_B" <<'PY' ||
import json, sys
doc = json.load(open(sys.argv[1]))
ns_c, a4, a6, ll_a, ll_b = sys.argv[2:]
wl = {w["name"]: w for w in doc["workloads"]}
assert sorted(wl) == sorted(["shop/api-0", "shop/db-0", ns_c]), sorted(wl)
a, b, c = wl["shop/api-0"], wl["shop/db-0"], wl[ns_c]
for w in (a, b):
    assert w["source"] == "inventory" and w["sources"] == ["inventory", "kernel"], w
assert c["sources"] == ["kernel"], c
assert set(a["ips"]) == {a4, a6, ll_a}, a["ips"]
assert ll_b in b["ips"], b["ips"]
assert a["labels"] == {"app": "api"} and a.get("interface"), a
print("ok:", {n: (w["sources"], w["ips"]) for n, w in wl.items()})
PY
	fail "the inventory and the kernel's view of one namespace are not one workload"
nsx "$NS_H" "$SEGWATCH" workloads --inventory "$TMP/inv.json" --no-engine >"$TMP/wl.txt" 2>&1 ||
	fail "segwatch workloads (table) exited with $?"
[ "$(grep -c 'inventory+kernel' "$TMP/wl.txt")" = 2 ] && [ "$(wc -l <"$TMP/wl.txt")" = 4 ] ||
	fail "expected 3 rows, 2 of them inventory+kernel: $(cat "$TMP/wl.txt")"
echo "ok: workloads: one row per namespace, inventory+kernel where the inventory names it"

# the sets `policy apply` loads: a's fe80:: address is in its label group's
# set, as its inventory addresses are (the kernel's entry is one with it)
cat >"$TMP/policy.json" <<EOF2
{ "version": 1, "name": "merge", "mode": "enforce",
  "groups": { "api": { "labels": { "app": "api" } }, "db": { "labels": { "app": "db" } } },
  "rules": [ { "name": "api-to-db", "from": "api", "to": "db", "proto": "icmpv6", "action": "allow" } ] }
EOF2
nsx "$NS_H" "$SEGWATCH" policy compile "$TMP/policy.json" --inventory "$TMP/inv.json" --no-engine \
	>"$TMP/compiled.nft" 2>"$TMP/compile.err" || fail "segwatch policy compile exited with $?"
python3 - "$TMP/compiled.nft" "$LL_A" "$LL_B" "$SWT_A6" <<'PY' || fail "link-local addresses missing from the group sets"
import re, sys
text, ll_a, ll_b, a6 = open(sys.argv[1]).read(), *sys.argv[2:]
sets = {m.group(1): m.group(2) for m in re.finditer(r"set (\S+) \{(.*?)\n\t\}", text, re.S)}
api6 = [body for name, body in sets.items() if "api" in name and "ipv6_addr" in body]
db6 = [body for name, body in sets.items() if "db" in name and "ipv6_addr" in body]
assert api6 and db6, sorted(sets)
assert ll_a in api6[0] and a6 in api6[0], api6[0]
assert ll_b in db6[0], db6[0]
print("ok: policy compile: the api group's set holds", ll_a, "and", a6, "; db's", ll_b)
PY

start_segwatch 4 --duration 20 --json --no-engine --inventory "$TMP/inv.json"
nsx "$NS_A" ping -6 -c 2 -i 0.2 -W 1 -I "$LL_A%eth0" "$LL_B%eth0" >/dev/null || fail "ping a -> b over fe80::"
sleep 0.5
wait_segwatch stop
python3 - "$TMP/seg.json" "$LL_A" "$LL_B" <<'PY' || fail "link-local flow not named after the inventory"
import json, sys
ll_a, ll_b = sys.argv[2:]
flows = [f for f in json.load(open(sys.argv[1]))["flows"]
         if f.get("proto") in ("icmpv6", 58) and f["src"] == ll_a and f["dst"] == ll_b]
assert flows, "no ICMPv6 flow between the link-local addresses"
f = flows[0]
assert f["src_workload"]["name"] == "shop/api-0" and f["dst_workload"]["name"] == "shop/db-0", f
print("ok: ping fe80:: a -> b named", f["src_workload"]["name"], "->", f["dst_workload"]["name"])
PY
echo "PASS"
