#!/bin/bash
# demo_graph.sh SEGWATCH - the demo's own lab (tools/lab.sh, the inventory of
# tools/examples) shows one true picture (issue 13):
#   - a live capture from before the containers' links come up (so neighbour
#     discovery, DAD, MLD and router solicitations are all in it), the lab's
#     normal traffic and a ping between two link-local addresses;
#   - `graph --json`: exactly one node per container, named after the
#     inventory, and no infrastructure node; `graph --all --json`: the same
#     workloads, and the flows drawn are the default ones plus the tally
#     (tests/ns/one_node.py);
#   - the capture table and `report` name no infrastructure address either,
#     and say how much they counted.
set -u
# shellcheck source=tests/ns/lib.sh
. "$(dirname "$0")/lib.sh"
SEGWATCH=${1:-${SEGWATCH:-}}
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab.sh
NAME=dg$((ID % 100000))
ROLES="web web2 api db cache"

ns_require "$SEGWATCH" ping nft
lab_cleanup() {
	"$LAB" down "$NAME" >/dev/null 2>&1
	cleanup
}
trap lab_cleanup EXIT
trap 'lab_cleanup; exit 130' INT TERM

"$LAB" up "$NAME" >"$TMP/lab.log" 2>&1 || fail "tools/lab.sh up $NAME"
NS_H=$("$LAB" ns "$NAME")
sed "s/\"demo-/\"$NAME-/" "$ROOT/tools/examples/inventory.json" >"$TMP/inventory.json"
ns_of() { "$LAB" ns "$NAME" "$1"; }

# the capture starts before the links come up again: everything a container
# says on a new link (DAD, MLD reports, router solicitations) is in it
for r in $ROLES; do nsx "$(ns_of "$r")" ip link set eth0 down; done
start_segwatch 6 --duration 60 --no-engine --inventory "$TMP/inventory.json" -q -w "$TMP/flows.jsonl"
for r in $ROLES; do nsx "$(ns_of "$r")" ip link set eth0 up; done
link_local() {
	nsx "$(ns_of "$1")" ip -6 -o addr show dev eth0 scope link | grep -v tentative | awk '{print $4}' | cut -d/ -f1
}
for _ in $(seq 100); do
	LL_WEB=$(link_local web) LL_DB=$(link_local db)
	[ -n "$LL_WEB" ] && [ -n "$LL_DB" ] && break
	sleep 0.1
done
[ -n "$LL_WEB" ] && [ -n "$LL_DB" ] || skip "no IPv6 link-local address on eth0"
"$LAB" traffic "$NAME" >"$TMP/traffic.log" 2>&1 || fail "tools/lab.sh traffic $NAME"
nsx "$(ns_of web)" ping -6 -c 2 -i 0.2 -W 1 -I "$LL_WEB%eth0" "$LL_DB%eth0" >/dev/null ||
	fail "ping web -> db over fe80::"
sleep 1
wait_segwatch stop

sw() { nsx "$NS_H" "$SEGWATCH" "$@"; }
sw graph "$TMP/flows.jsonl" --json >"$TMP/graph.json" || fail "segwatch graph exited with $?"
sw graph "$TMP/flows.jsonl" --json --all >"$TMP/graph-all.json" || fail "segwatch graph --all exited with $?"
python3 "$HERE/one_node.py" "$TMP/graph.json" "$TMP/graph-all.json" \
	shop/web-1 shop/web-2 shop/api-0 shop/db-0 shop/cache-0 ||
	fail "the demo's graph is not one node per container without noise"
python3 - "$TMP/flows.jsonl" "$LL_WEB" "$LL_DB" <<'PY' || fail "the fe80:: ping is not named after the inventory"
import json, sys
ll_web, ll_db = sys.argv[2:]
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kinds = {}
for r in recs:
    if r.get("type") == "flow" and r.get("infra"):
        kinds[r["infra"]] = kinds.get(r["infra"], 0) + 1
assert {"dad", "mld", "nd"} <= set(kinds), f"the capture saw no DAD, MLD or ND: {kinds}"
ping = [r for r in recs if r.get("type") == "flow" and r["src"] == ll_web and r["dst"] == ll_db
        and not r.get("infra")]
assert ping, "no flow between the link-local addresses"
names = (ping[0]["src_workload"]["name"], ping[0]["dst_workload"]["name"])
assert names == ("shop/web-1", "shop/db-0"), names
print("ok: infrastructure flows in the capture", kinds, "; fe80:: ping named", names)
PY

# the human views: no infrastructure address, and a line saying what was counted
sw graph "$TMP/flows.jsonl" >"$TMP/graph.txt" || fail "segwatch graph (table) exited with $?"
sw learn "$TMP/flows.jsonl" --name demo -o "$TMP/policy.json" >"$TMP/learn.out" 2>&1 ||
	fail "segwatch learn exited with $?"
status=0
sw report --policy "$TMP/policy.json" "$TMP/flows.jsonl" >"$TMP/report.txt" 2>&1 || status=$?
[ "$status" = 0 ] || fail "report of the learned policy against its own flows exited with $status: $(cat "$TMP/report.txt")"
for f in graph.txt report.txt; do
	! grep -Eq 'ff02::|(^| )::( |$)|0\.0\.0\.0|224\.0\.0\.|fe80:' "$TMP/$f" ||
		fail "$f names infrastructure or link-local addresses: $(grep -E 'ff02::|0\.0\.0\.0|224\.0\.0\.|fe80:' "$TMP/$f" | head -3)"
	grep -q 'infrastructure' "$TMP/$f" || fail "$f does not say what infrastructure traffic it counted"
done
! grep -Eq 'ff02::|"::"|0\.0\.0\.0|224\.0\.0\.' "$TMP/policy.json" ||
	fail "the learned policy allows infrastructure traffic explicitly"
echo "ok: graph and report tables name no infrastructure address and count it"

# the picture: the demo's graph judged by the learned policy, as the page
# draws it, photographed by headless Chromium (SW_SCREENSHOTS=docs/screenshots
# to retake the one in the docs and the README)
shots=${SW_SCREENSHOTS:-$TMP}
chromium=$(command -v chromium || command -v chromium-browser || true)
sw graph "$TMP/flows.jsonl" --policy "$TMP/policy.json" --format html -o "$TMP/demo.html" ||
	fail "segwatch graph --format html exited with $?"
if [ -n "$chromium" ]; then
	rm -f "$shots/demo-graph.png"
	timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$TMP/chromium" \
		--hide-scrollbars --window-size=1200,700 --virtual-time-budget=3000 \
		--screenshot="$shots/demo-graph.png" "file://$TMP/demo.html" >"$TMP/chromium.log" 2>&1 ||
		fail "chromium could not take the screenshot"
	python3 - "$shots/demo-graph.png" <<'PY' || fail "the screenshot is not a picture of the graph"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1200, 700), (w, h)
assert len(data) > 20000, f"{len(data)} bytes: an empty page?"
print(f"ok: screenshot {sys.argv[1]} {w}x{h}, {len(data)} bytes")
PY
else
	echo "note: no chromium, no screenshot"
fi
echo "PASS"
