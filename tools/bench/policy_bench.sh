#!/usr/bin/env bash
# policy_bench.sh - the cost of enforcing a large policy, in a network
# namespace of its own (the host's ruleset is never touched):
#   1. a policy of 100 groups and 1,000 rules over 10,000 workloads
#      (inventory): segwatch policy apply (load, compile, one batch) against
#      `nft -f` loading the script `segwatch policy compile` prints, five
#      alternating runs each, side by side with the ratio
#   2. membership: one workload starting (a namespace joining a bridge) and
#      stopping under `policy apply --watch`, three times each, over 10,
#      1,000, 10,000 and 100,000 workloads: the batch that updates the sets
#      (what the kernel pays) and the recompilation and difference before it
#      (what segwatch pays), medians
#   3. forwarding throughput (iperf3, TCP, routed through the namespace),
#      medians of three alternating runs: no policy; conntrack only (one
#      stateful rule, what a Docker or Podman host pays already); the large
#      policy (the connection allowed by its last rule);
#      the same allowance written iptables-style as one rule per address pair
#      (10,000 rules, no conntrack shortcut), to show the per-packet cost of
#      set lookups staying flat
# With --l2-guard, only this instead: the same policy and 10,000 workloads,
# each with a port and a MAC, applied with "l2_guard": "off" and "enforce",
# five alternating runs each: the batch (the "applied ... in" figure) and the
# wall time, to show the guard's 70,000 elements cost what the inet sets'
# 40,000 do per element.
# Usage: tools/bench/policy_bench.sh [--no-forwarding | --l2-guard]   (root; installs iperf3 if missing)
# Runs in about 3 minutes (1 and 2 alone, with --no-forwarding: about 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "policy_bench: needs root" >&2; exit 2; }
FORWARDING=1 L2GUARD=0
[ "${1:-}" = --no-forwarding ] && FORWARDING=0
[ "${1:-}" = --l2-guard ] && L2GUARD=1
# POLICY_BENCH_SW=PATH measures that binary instead (another tree's, for a before figure)
if [ -n "${POLICY_BENCH_SW:-}" ]; then
	SW=$(realpath "$POLICY_BENCH_SW")
else
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build-bench -j2 --target segwatch >/dev/null
	SW=$PWD/build-bench/segwatch
fi
NS=swpb$$ CNS=swpb$$-c LNS=swpb$$-l RNS=swpb$$-r
work=$(mktemp -d /tmp/sw-polbench.XXXXXX)
WATCH=
cleanup() {
	# every step may fail (set -e would stop the cleanup half way and leave
	# the namespaces behind)
	if [ -n "$WATCH" ]; then kill "$WATCH" 2>/dev/null || true; fi
	for x in "$CNS" "$LNS" "$RNS"; do ip netns del "$x" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
inventory() { # inventory N FILE [ports]: N workloads, labels app=a0..a99, an IPv4 and an IPv6 address each
	python3 - "$1" "$2" "${3:-}" <<'PY'
import json, sys
n, out, ports = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "ports"
wl = [{"name": f"bench/w{i}", "labels": {"app": f"a{i % 100}"},
       "ips": [f"10.{100 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}", f"fd00:bb::{i >> 16:x}:{i & 0xffff:x}"]}
      for i in range(n)]
for i, w in enumerate(wl if ports else []):  # the L2 guard's bindings: a veth and a MAC
    w["interface"] = f"vethb{i}"
    w["macs"] = [f"02:bb:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"]
json.dump({"version": 1, "workloads": wl}, open(out, "w"))
PY
}
inventory 10000 "$work/inv.json" "$([ "$L2GUARD" -eq 1 ] && echo ports)"
python3 - "$work" "$L2GUARD" <<'PY'
import json, sys
w = sys.argv[1]
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
if sys.argv[2] == "1":
    json.dump({"version": 1, "name": "bench", "default": "deny", "intra_group": "policy",
               "l2_guard": "enforce", "groups": groups, "rules": rules}, open(f"{w}/policy-l2.json", "w"))
PY
ip netns add "$NS"
n() { ip netns exec "$NS" "$@"; }
ms() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) * 1000))" "$1"; }

if [ "$L2GUARD" -eq 1 ]; then
	echo "== 10,000 workloads with a port and a MAC each: the L2 guard off and on"
	: >"$work/l2runs"
	for _ in 1 2 3 4 5; do
		for pol in policy policy-l2; do
			n "$SW" policy remove >/dev/null
			/usr/bin/time -f "%e" -o "$work/t" ip netns exec "$NS" "$SW" policy apply \
				"$work/$pol.json" --inventory "$work/inv.json" --no-engine --no-kernel >"$work/apply.out"
			echo "$pol $(sed -n 's/.* in \([0-9.]*\) ms$/\1/p' "$work/apply.out") $(tail -1 "$work/t")" >>"$work/l2runs"
		done
	done
	n "$SW" policy status --json >"$work/status.json"
	n "$SW" policy remove >/dev/null
	python3 - "$work/l2runs" "$work/status.json" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    pol, batch, wall = line.split()
    runs.setdefault(pol, []).append((float(batch), float(wall) * 1000))
st = json.load(open(sys.argv[2]))
inet = sum(s["elements"] for s in st["sets"])
l2 = sum(s["elements"] for s in (st.get("l2_guard") or {}).get("sets", []))
print("   elements: inet table %d, bridge table (the guard) %d" % (inet, l2))
print("   %-12s %-34s %s" % ("l2_guard", "batch ms: median (runs)", "apply wall ms: median (runs)"))
for pol, name in (("policy", "off"), ("policy-l2", "enforce")):
    v = runs[pol]
    print("   %-12s %-34s %s" % (name,
          "%.1f (%s)" % (statistics.median(x[0] for x in v), ", ".join("%.0f" % x[0] for x in v)),
          "%.0f (%s)" % (statistics.median(x[1] for x in v), ", ".join("%.0f" % x[1] for x in v))))
off, on = (statistics.median(x[0] for x in runs[p]) for p in ("policy", "policy-l2"))
print("   the guard's share of the batch: %.1f ms, %.2f us per element (inet: %.2f us per element)"
      % (on - off, (on - off) * 1000 / max(l2, 1), off * 1000 / max(inet, 1)))
PY
	exit 0
fi

echo "== 1. 10,000 workloads, 100 groups, 1,000 rules"
n "$SW" policy compile "$work/policy.json" --inventory "$work/inv.json" --no-engine --no-kernel >"$work/script.nft"
echo "   script: $(wc -l <"$work/script.nft") lines, $(grep -c '^\s*set ' "$work/script.nft") sets, $(grep -c 'comment "' "$work/script.nft") rules"
sws=() nfts=()
for _ in 1 2 3 4 5; do	# alternating: both meet the same moments of a busy host
	n nft delete table inet segwatch 2>/dev/null || true
	/usr/bin/time -f "%e %U %S" -o "$work/t" ip netns exec "$NS" "$SW" policy apply \
		"$work/policy.json" --inventory "$work/inv.json" --no-engine --no-kernel >"$work/apply.out"
	sws+=("$(tail -1 "$work/t" | tr ' ' /)")
	n nft delete table inet segwatch
	/usr/bin/time -f "%e %U %S" -o "$work/t" ip netns exec "$NS" nft -f "$work/script.nft"
	nfts+=("$(tail -1 "$work/t" | tr ' ' /)")
done
echo "     $(head -1 "$work/apply.out")"
# wall time is the figure; CPU time (user + system) beside it, as a busy host
# stretches the wall time of whichever run it preempts
python3 - "${sws[*]}" "${nfts[*]}" <<'PY'
import statistics, sys
def runs(arg):
    v = [tuple(map(float, r.split("/"))) for r in arg.split()]
    return sorted(x[0] for x in v), sorted(x[1] + x[2] for x in v)
sw, sw_cpu = runs(sys.argv[1]); nft, nft_cpu = runs(sys.argv[2])
med = statistics.median
ms = lambda v: "%6.0f ms" % (v * 1000)
print("   %-58s %9s %9s %11s" % ("end to end, 5 alternating runs", "best", "median", "CPU median"))
print("   %-58s %s %s %s" % ("segwatch policy apply (load, inventory, compile, one batch)", ms(sw[0]), ms(med(sw)), ms(med(sw_cpu))))
print("   %-58s %s %s %s" % ("nft -f of the script segwatch policy compile prints", ms(nft[0]), ms(med(nft)), ms(med(nft_cpu))))
print("   apply / nft -f: %.2f best, %.2f median, %.2f CPU (target: at most 0.50); nft -f / apply: %.2fx best"
      % (sw[0] / nft[0], med(sw) / med(nft), med(sw_cpu) / med(nft_cpu), nft[0] / sw[0]))
PY

echo "== 2. membership: one workload starting and stopping under apply --watch"
n ip link add swpbbr type bridge
n ip link set swpbbr up
wait_for() { # wait_for SECONDS FILE PATTERN [FROM_LINE]
	for _ in $(seq $(($1 * 20))); do
		tail -n +"${4:-1}" "$2" | grep -q -- "$3" && return 0
		sleep 0.05
	done
	echo "policy_bench: timed out waiting for '$3' in $2:" >&2; cat "$2" >&2; return 1
}
# the membership line of the batch that changed the late group's IPv4 set (+1 or -1), after line FROM
batch_of() { # batch_of FILE FROM PATTERN
	tail -n +"$2" "$1" | awk -v pat="$3" '/^membership/ { m = $0 } $0 ~ pat { print m; exit }'
}
: >"$work/membership"
for N in 10 1000 10000 100000; do
	inventory "$N" "$work/inv-$N.json"
	n nft delete table inet segwatch 2>/dev/null || true
	out=$work/watch-$N.out
	# not through n(): $! must be segwatch itself (ip netns exec execs it), or
	# killing a subshell leaves the watcher running beside the next one
	ip netns exec "$NS" "$SW" policy apply "$work/policy.json" --inventory "$work/inv-$N.json" \
		--no-engine --watch >"$out" 2>&1 &
	WATCH=$!
	wait_for 120 "$out" watching
	for _ in 1 2 3; do
		from=$(($(wc -l <"$out") + 1))
		ip netns add "$CNS"
		n ip link add swpbv type veth peer name eth0 netns "$CNS"
		n ip link set swpbv master swpbbr up
		ip netns exec "$CNS" ip addr add 10.200.0.9/24 dev eth0
		ip netns exec "$CNS" ip link set eth0 up
		wait_for 20 "$out" "late_v4: +1 -0" "$from"
		echo "$N start $(batch_of "$out" "$from" "late_v4: [+]1 -0")" >>"$work/membership"
		sleep 0.5	# its IPv6 link-local address joins too
		from=$(($(wc -l <"$out") + 1))
		ip netns del "$CNS"
		wait_for 20 "$out" "late_v4: +0 -1" "$from"
		echo "$N stop $(batch_of "$out" "$from" "late_v4: [+]0 -1")" >>"$work/membership"
	done
	kill "$WATCH"; wait "$WATCH" 2>/dev/null || true; WATCH=
done
python3 - "$work/membership" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\d+) (start|stop) membership: (\d+) sets, \+(\d+) -(\d+) elements, one batch in ([\d.]+) ms(?: \(compiled in ([\d.]+) ms\))?", line)
    if m:  # segwatch before issue 14 does not print the compilation: nan
        rows.setdefault((int(m[1]), m[2]), []).append((float(m[6]), float(m[7] or "nan"), int(m[3]), int(m[4]) + int(m[5])))
print("   %-10s %-6s %-22s %-12s %s" % ("workloads", "", "sets/elements changed", "batch (ms)", "finding what changed (ms)"))
for (n, what), v in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1] == "stop")):
    med = lambda i: statistics.median(x[i] for x in v)
    print("   %-10s %-6s %-22s %-12s %s" % (f"{n:,}", what, f"{v[0][2]} sets, {v[0][3]} elements",
          "%.2f" % med(0) + " " * 2 + "(" + ", ".join("%.2f" % x[0] for x in v) + ")", "%.2f" % med(1)))
PY

[ "$FORWARDING" -eq 1 ] || exit 0
echo "== 3. forwarding throughput (iperf3, 5 s per run, TCP)"
command -v iperf3 >/dev/null || apt-get install -y -qq iperf3 >/dev/null
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
