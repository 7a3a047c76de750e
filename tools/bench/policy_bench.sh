#!/usr/bin/env bash
# policy_bench.sh - the cost of enforcing a large policy, in a network
# namespace of its own (the host's ruleset is never touched):
#   1. a policy of 100 groups and 1,000 rules over 10,000 workloads
#      (inventory): segwatch policy apply (load, compile, one batch) against
#      `nft -f` loading the script `segwatch policy compile` prints
#   2. one workload starting (a namespace joining a bridge): the time
#      `policy apply --watch` takes to update the sets
# Usage: tools/bench/policy_bench.sh   (root)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "policy_bench: needs root" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target segwatch >/dev/null
SW=$PWD/build-bench/segwatch
NS=swpb$$ CNS=swpb$$-c
work=$(mktemp -d /tmp/sw-polbench.XXXXXX)
WATCH=
cleanup() {
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null
	ip netns del "$CNS" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
wl = [{"name": f"bench/w{i}", "labels": {"app": f"a{i % 100}"},
       "ips": [f"10.{100 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}", f"fd00:bb::{i:x}"]}
      for i in range(10000)]
json.dump({"version": 1, "workloads": wl}, open(f"{w}/inv.json", "w"))
groups = {f"g{k}": {"labels": {"app": f"a{k}"}} for k in range(100)}
groups["late"] = {"names": ["swpb*-c"]}
rules = [{"name": f"r{r}", "from": f"g{r % 100}", "to": f"g{(r * 7 + 1) % 100}",
          "proto": "tcp", "ports": [1000 + r], "action": "allow"} for r in range(1000)]
json.dump({"version": 1, "name": "bench", "default": "deny", "intra_group": "policy",
           "groups": groups, "rules": rules}, open(f"{w}/policy.json", "w"))
PY
ip netns add "$NS"
n() { ip netns exec "$NS" "$@"; }
ms() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) * 1000))" "$1"; }

echo "== 1. 10,000 workloads, 100 groups, 1,000 rules"
n "$SW" policy compile "$work/policy.json" --inventory "$work/inv.json" --no-engine --no-kernel >"$work/script.nft"
echo "   script: $(wc -l <"$work/script.nft") lines, $(grep -c '^\s*set ' "$work/script.nft") sets"
best_sw=999 best_nft=999
for _ in 1 2 3; do
	n nft delete table inet segwatch 2>/dev/null || true
	/usr/bin/time -f %e -o "$work/t" ip netns exec "$NS" "$SW" policy apply "$work/policy.json" \
		--inventory "$work/inv.json" --no-engine --no-kernel >"$work/apply.out"
	best_sw=$(python3 -c "print(min($best_sw, $(tail -1 "$work/t")))")
	n nft delete table inet segwatch
	/usr/bin/time -f %e -o "$work/t" ip netns exec "$NS" nft -f "$work/script.nft"
	best_nft=$(python3 -c "print(min($best_nft, $(tail -1 "$work/t")))")
done
echo "   segwatch policy apply (load inventory + policy, compile, one batch): $(ms "$best_sw") ms"
echo "     $(head -1 "$work/apply.out")"
echo "   nft -f of the printed script: $(ms "$best_nft") ms"
python3 -c "print('   ratio nft -f / segwatch: %.2fx' % ($best_nft / $best_sw))"

echo "== 2. one workload starts: set update"
n ip link add swpbbr type bridge
n ip link set swpbbr up
n "$SW" policy apply "$work/policy.json" --inventory "$work/inv.json" --no-engine --watch >"$work/watch.out" 2>&1 &
WATCH=$!
for _ in $(seq 100); do grep -q watching "$work/watch.out" && break; sleep 0.1; done
ip netns add "$CNS"
n ip link add swpbv type veth peer name eth0 netns "$CNS"
n ip link set swpbv master swpbbr up
ip netns exec "$CNS" ip addr add 10.200.0.9/24 dev eth0
ip netns exec "$CNS" ip link set eth0 up
for _ in $(seq 100); do grep -q "^set .*late" "$work/watch.out" && break; sleep 0.1; done
grep "^set " "$work/watch.out" | sed 's/^/   /'
