#!/usr/bin/env bash
# policy_bench.sh - the cost of enforcing a large policy, in a network
# namespace of its own (the host's ruleset is never touched):
#   1. a policy of 100 groups and 1,000 rules over 10,000 workloads
#      (inventory): segwatch policy apply (load, compile, one batch) against
#      `nft -f` loading the script `segwatch policy compile` prints
#   2. one workload starting (a namespace joining a bridge): the time
#      `policy apply --watch` takes to update the sets
#   3. forwarding throughput (iperf3, TCP, routed through the namespace),
#      medians of three alternating runs: no policy; conntrack only (one
#      stateful rule, what a Docker or Podman host pays already); the large
#      policy (the connection allowed by its last rule);
#      the same allowance written iptables-style as one rule per address pair
#      (10,000 rules, no conntrack shortcut), to show the per-packet cost of
#      set lookups staying flat
# Usage: tools/bench/policy_bench.sh   (root; installs iperf3 if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "policy_bench: needs root" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target segwatch >/dev/null
SW=$PWD/build-bench/segwatch
NS=swpb$$ CNS=swpb$$-c LNS=swpb$$-l RNS=swpb$$-r
work=$(mktemp -d /tmp/sw-polbench.XXXXXX)
WATCH=
cleanup() {
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null
	for x in "$CNS" "$LNS" "$RNS"; do ip netns del "$x" 2>/dev/null || true; done
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
groups["left"] = {"cidrs": ["10.250.1.0/24"]}
groups["right"] = {"cidrs": ["10.250.2.0/24"]}
rules = [{"name": f"r{r}", "from": f"g{r % 100}", "to": f"g{(r * 7 + 1) % 100}",
          "proto": "tcp", "ports": [1000 + r], "action": "allow"} for r in range(999)]
rules.append({"name": "iperf", "from": "left", "to": "right", "proto": "tcp", "ports": [5201],
              "action": "allow"})
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
for _ in $(seq 100); do grep -q "^  set .*late" "$work/watch.out" && break; sleep 0.1; done
grep -E "^membership|^  set " "$work/watch.out" | sed 's/^/   /'
echo "   and a workload stopping:"
ip netns del "$CNS"
for _ in $(seq 100); do grep -q "late_v4: +0 -1" "$work/watch.out" && break; sleep 0.1; done
grep -E "^membership" "$work/watch.out" | tail -1 | sed 's/^/   /'

echo "== 3. forwarding throughput (iperf3, 5 s per run, TCP)"
command -v iperf3 >/dev/null || apt-get install -y -qq iperf3 >/dev/null
kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null || true; WATCH=
n nft delete table inet segwatch 2>/dev/null || true
n sysctl -qw net.ipv4.ip_forward=1
for side in l r; do
	x=$([ $side = l ] && echo "$LNS" || echo "$RNS"); k=$([ $side = l ] && echo 1 || echo 2)
	ip netns add "$x"
	n ip link add "swpb$side" type veth peer name eth0 netns "$x"
	n ip addr add "10.250.$k.254/24" dev "swpb$side"
	n ip link set "swpb$side" up
	ip netns exec "$x" ip link set lo up
	ip netns exec "$x" ip addr add "10.250.$k.1/24" dev eth0
	ip netns exec "$x" ip link set eth0 up
	ip netns exec "$x" ip route add default via "10.250.$k.254"
done
ip netns exec "$RNS" iperf3 -s -D -1 >/dev/null 2>&1 || true
gbps() { # one iperf3 run, Gbit/s
	ip netns exec "$RNS" iperf3 -s -D -1 >/dev/null 2>&1 || true
	sleep 0.3
	ip netns exec "$LNS" iperf3 -c 10.250.2.1 -t 5 -J | python3 -c \
		"import json,sys; print('%.2f' % (json.load(sys.stdin)['end']['sum_received']['bits_per_second'] / 1e9))"
}
# alternate the configurations, three runs each, and keep the medians: a 2-core
# machine drifts by several percent between runs of the same one. "conntrack
# only" is one stateful rule: what any Docker or Podman host pays already
# (their NAT keeps conntrack on), so the policy's own cost is the difference.
nones=() cts=() bigs=()
for _ in 1 2 3; do
	nones+=("$(gbps)")
	n nft add table inet swct
	n nft add chain inet swct ct_only '{ type filter hook forward priority 0; }'
	n nft add rule inet swct ct_only ct state established,related accept
	cts+=("$(gbps)")
	n nft delete table inet swct
	n "$SW" policy apply "$work/policy.json" --inventory "$work/inv.json" --no-engine --no-kernel >/dev/null
	bigs+=("$(gbps)")
	n nft delete table inet segwatch
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "   runs (Gbit/s): no policy ${nones[*]}; conntrack only ${cts[*]}; segwatch ${bigs[*]}"
none=$(median "${nones[@]}") ct=$(median "${cts[@]}") big=$(median "${bigs[@]}")
# iptables-style: one ACCEPT per (source, destination) pair, the iperf pair last, DROP after
python3 - "$work/ipt.rules" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("*filter\n:FORWARD ACCEPT [0:0]\n")
    for i in range(9999):
        f.write(f"-A FORWARD -s 10.{100 + (i >> 16)}.{(i >> 8) & 255}.{i & 255} -d 10.101.{(i >> 8) & 255}.{i & 255} -p tcp --dport {1000 + i % 1000} -j ACCEPT\n")
    f.write("-A FORWARD -s 10.250.1.1 -d 10.250.2.1 -p tcp --dport 5201 -j ACCEPT\n")
    f.write("-A FORWARD -s 10.250.2.1 -d 10.250.1.1 -p tcp --sport 5201 -j ACCEPT\n")
    f.write("-A FORWARD -j DROP\nCOMMIT\n")
PY
n iptables-restore "$work/ipt.rules"
pairs=$(gbps)
n iptables -F FORWARD
python3 - "$none" "$big" "$pairs" "$ct" <<'PY'
import sys
none, big, pairs, ct = map(float, sys.argv[1:])
print(f"   no policy (median of 3):            {none:6.2f} Gbit/s")
print(f"   conntrack only, median of 3:        {ct:6.2f} Gbit/s  ({100 * ct / none:.0f}% of no policy)")
print(f"   segwatch, 1,000 rules, median of 3: {big:6.2f} Gbit/s  ({100 * big / none:.0f}% of no policy, {100 * big / ct:.0f}% of conntrack only)")
print(f"   iptables, 10,001 rules per pair:    {pairs:6.2f} Gbit/s  ({100 * pairs / none:.0f}% of no policy)")
PY
