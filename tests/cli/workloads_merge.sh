#!/bin/sh
# workloads_merge.sh SEGWATCH - one container, one identity (issue 13, point 1)
#  1. a pcap of two containers talking over IPv4 and over IPv6 link-local, read
#     with an inventory that gives only their IPv4 addresses and MACs: every
#     flow (the fe80:: ones too) is named after the inventory's workloads, and
#     the graph has one node per container.
#  2. a kubectl pod list and an inventory describing the same pod (same MAC in
#     one case, same IPv4 address in the other): `workloads` shows one row with
#     both sources and the pod's name; a third, unrelated entry stays apart.
set -eu
SEGWATCH=$1
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

python3 "$HERE/linklocal_pcap.py" "$TMP/ll.pcap"
cat >"$TMP/inv.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "shop/api-0", "labels": {"app": "api"}, "ips": ["10.0.0.10"], "macs": ["02:00:00:00:00:10"] },
  { "name": "shop/db-0", "labels": {"app": "db"}, "ips": ["10.0.0.20"], "macs": ["02:00:00:00:00:20"] }
] }
JSON

"$SEGWATCH" capture -r "$TMP/ll.pcap" --inventory "$TMP/inv.json" --no-kernel --no-engine \
	--json >"$TMP/cap.json" || fail "capture exited with $?"
python3 - "$TMP/cap.json" <<'PY' || fail "link-local flows are not named after the inventory's workloads"
import json, sys
doc = json.load(open(sys.argv[1]))
flows = doc["flows"]
assert len(flows) == 3, len(flows)
ends = set()
for f in flows:
    for side in ("src", "dst"):
        w = f.get(side + "_workload")
        assert w, (side, f)
        ends.add((f[side + "_addr"] if side + "_addr" in f else f.get(side), w["name"]))
names = {n for _, n in ends}
assert names == {"shop/api-0", "shop/db-0"}, ends
print("ok: names", sorted(ends))
PY
ok "capture -r: IPv4 and fe80:: flows of each container carry its inventory name"

"$SEGWATCH" capture -r "$TMP/ll.pcap" --inventory "$TMP/inv.json" --no-kernel --no-engine \
	-q -w "$TMP/flows.jsonl" >/dev/null || fail "capture -w exited with $?"
"$SEGWATCH" graph "$TMP/flows.jsonl" --json >"$TMP/graph.json" || fail "graph exited with $?"
python3 - "$TMP/graph.json" <<'PY' || fail "the graph does not have one node per container"
import json, sys
g = json.load(open(sys.argv[1]))
names = sorted(n.get("name") for n in g["nodes"])
assert names == ["shop/api-0", "shop/db-0"], names
print("ok: nodes", names, "edges", len(g["edges"]))
PY
ok "graph: two containers, two nodes (no fe80:: node)"

# Without the MACs, fe80:: stays unattributed: the MAC is what names it.
sed 's/, "macs": \["[0-9a-f:]*"\]//' "$TMP/inv.json" >"$TMP/inv-nomac.json"
"$SEGWATCH" capture -r "$TMP/ll.pcap" --inventory "$TMP/inv-nomac.json" --no-kernel --no-engine \
	--json >"$TMP/cap2.json" || fail "capture (no MACs) exited with $?"
python3 - "$TMP/cap2.json" <<'PY' || fail "fe80:: named without a MAC to go by"
import json, sys
flows = json.load(open(sys.argv[1]))["flows"]
unnamed = [f for f in flows if not f.get("src_workload") or not f.get("dst_workload")]
assert len(unnamed) == 2, flows
PY
ok "capture -r: without MACs in the inventory the fe80:: flows stay unnamed"

cat >"$TMP/pods.json" <<'JSON'
{ "apiVersion": "v1", "kind": "List", "items": [
  { "kind": "Pod", "metadata": { "namespace": "shop", "name": "api-0", "uid": "u-api",
    "labels": { "app": "api", "tier": "front" } },
    "spec": {}, "status": { "phase": "Running", "podIP": "10.0.0.10" } },
  { "kind": "Pod", "metadata": { "namespace": "shop", "name": "db-0", "uid": "u-db",
    "labels": { "app": "db" } },
    "spec": {}, "status": { "phase": "Running", "podIP": "10.0.0.20" } }
] }
JSON
cat >"$TMP/inv2.json" <<'JSON'
{ "version": 1, "workloads": [
  { "name": "api-by-ip", "labels": {"app": "other", "owner": "alice"}, "ips": ["10.0.0.10", "fd00::10"] },
  { "name": "lonely", "ips": ["10.0.0.99"] }
] }
JSON
"$SEGWATCH" workloads --inventory "$TMP/pods.json" --inventory "$TMP/inv2.json" --no-kernel \
	--no-engine --json >"$TMP/wl.json" || fail "workloads exited with $?"
python3 - "$TMP/wl.json" <<'PY' || fail "workloads does not merge the pod and the inventory entry"
import json, sys
wl = {w["name"]: w for w in json.load(open(sys.argv[1]))["workloads"]}
assert sorted(wl) == ["lonely", "shop/api-0", "shop/db-0"], sorted(wl)
api = wl["shop/api-0"]
assert api["source"] == "kubernetes" and api["sources"] == ["kubernetes", "inventory"], api
assert sorted(api["ips"]) == ["10.0.0.10", "fd00::10"], api["ips"]
# the more specific source's label wins a conflict; the others are added
assert api["labels"] == {"app": "api", "tier": "front", "owner": "alice"}, api["labels"]
assert [m["name"] for m in api["members"]] == ["shop/api-0", "api-by-ip"], api["members"]
assert wl["lonely"]["sources"] == ["inventory"] and wl["shop/db-0"]["sources"] == ["kubernetes"]
PY
"$SEGWATCH" workloads --inventory "$TMP/pods.json" --inventory "$TMP/inv2.json" --no-kernel \
	--no-engine >"$TMP/wl.txt" || fail "workloads (table) exited with $?"
head -1 "$TMP/wl.txt" | grep -q SOURCES || fail "no SOURCES column: $(head -1 "$TMP/wl.txt")"
[ "$(grep -c 'shop/api-0' "$TMP/wl.txt")" = 1 ] && grep 'shop/api-0' "$TMP/wl.txt" | grep -q 'kubernetes+inventory' ||
	fail "the table does not show shop/api-0 once with kubernetes+inventory: $(cat "$TMP/wl.txt")"
[ "$(wc -l <"$TMP/wl.txt")" = 4 ] || fail "expected a header and 3 rows: $(cat "$TMP/wl.txt")"
ok "workloads: a pod and an inventory entry sharing an address are one row (kubernetes+inventory)"
