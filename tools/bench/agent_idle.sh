#!/usr/bin/env bash
# agent_idle.sh [SECONDS] - what `segwatch agent` costs on a host where nothing happens.
#
# Usage: tools/bench/agent_idle.sh [SECONDS]   (root; default 60; takes SECONDS + ~20 s)
#        SEGWATCH=path/to/segwatch to use another binary (default build/segwatch).
#
# The lab: a host-like namespace with a bridge and 4 idle container
# namespaces on it (addresses, no traffic, IPv6 off so nothing chatters), the
# agent there with the engine off (kernel identity, no policy, history on).
# After 5 s of warm-up it measures the agent's CPU (utime+stime from
# /proc/PID/stat) over SECONDS: target under 1% of one core; prints the figure
# and the ratio to the target, and per thread: CPU, wakeups (voluntary context
# switches) per second. When strace is installed it also counts the agent's
# system calls over 10 s (after the measurement), to show what wakes it.
# Exit status: 0 under target, 1 over, 2 setup failure.
set -uo pipefail
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "agent_idle: needs root" >&2; exit 2; }
SW=${SEGWATCH:-$ROOT/build/segwatch}
[ -x "$SW" ] || "$ROOT/tools/build.sh" >/dev/null || exit 2

ID=$$ S=$(($$ % 100000))
P=swid$ID- NS_H=swid$ID-h BR=swidbr$S
WORK=$(mktemp -d /tmp/sw-agent-idle.XXXXXX)
AGENT=
cleanup() {
	trap - EXIT INT TERM
	[ -n "$AGENT" ] && kill -KILL "$AGENT" 2>/dev/null
	wait 2>/dev/null
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P"); do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
echo "load average at start: $(cut -d" " -f1-3 /proc/loadavg) ($(nproc) cores)"
trap 'echo "load average at end: $(cut -d" " -f1-3 /proc/loadavg)"; cleanup' EXIT
trap 'exit 130' INT TERM
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
noipv6() { nsx "$1" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'; }

ip netns add "$NS_H" || exit 2
nsx "$NS_H" ip link set lo up
noipv6 "$NS_H"
nsx "$NS_H" ip link add "$BR" type bridge && nsx "$NS_H" ip link set "$BR" up || exit 2
for i in 1 2 3 4; do
	ns=${P}c$i
	ip netns add "$ns" && nsx "$ns" ip link set lo up
	noipv6 "$ns"
	nsx "$NS_H" ip link add "id${S}c$i" type veth peer name eth0 netns "$ns"
	nsx "$NS_H" ip link set "id${S}c$i" master "$BR" up
	nsx "$ns" ip addr add "10.81.0.$i/24" dev eth0
	nsx "$ns" ip link set eth0 up
done
cat >"$WORK/agent.json" <<JSON
{
  "identity": { "engine": "off" },
  "history": { "dir": "history" },
  "log": { "target": "stderr", "level": "info" }
}
JSON
ip netns exec "$NS_H" "$SW" agent --config "$WORK/agent.json" >"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT=$!
for _ in $(seq 100); do grep -q "started:" "$WORK/agent.err" && break; sleep 0.1; done
grep -q "started:" "$WORK/agent.err" || { echo "the agent did not start:"; cat "$WORK/agent.err"; exit 2; }
echo "agent_idle: $(grep -m1 -o 'started: .*' "$WORK/agent.err")"
sleep 5

TCK=$(getconf CLK_TCK)
snap() { # per thread: tid name utime+stime voluntary_switches; and the whole process
	local t
	for t in /proc/"$AGENT"/task/*; do
		echo "$(basename "$t") $(tr ' ' _ <"$t/comm") $(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}') $(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")"
	done
	echo "all process $(sed 's/.*) //' "/proc/$AGENT/stat" | awk '{print $12 + $13}') 0"
}
t0=$(date +%s.%N); snap >"$WORK/before"
sleep "$SECS"
t1=$(date +%s.%N); snap >"$WORK/after"
kill -0 "$AGENT" 2>/dev/null || { echo "AGENT DIED"; tail "$WORK/agent.err"; exit 1; }
python3 - "$WORK/before" "$WORK/after" "$t0" "$t1" "$TCK" <<'PY'
import sys
def load(p):
    return {l.split()[0]: l.split() for l in open(p) if l.strip()}
b, a = load(sys.argv[1]), load(sys.argv[2])
dt, tck = float(sys.argv[4]) - float(sys.argv[3]), float(sys.argv[5])
for tid in sorted(a, key=lambda t: (t == "all", t)):
    if tid == "all" or tid not in b:
        continue
    cpu = 100.0 * (float(a[tid][2]) - float(b[tid][2])) / tck / dt
    wk = (float(a[tid][3]) - float(b[tid][3])) / dt
    print("  thread %-7s %-16s CPU %5.2f%%  wakeups %6.1f/s" % (tid, a[tid][1], cpu, wk))
cpu = 100.0 * (float(a["all"][2]) - float(b["all"][2])) / tck / dt
print("agent CPU over %.0f s idle: %.2f%% of one core (target < 1%%: ratio %.2f) %s" %
      (dt, cpu, cpu / 1.0, "OK" if cpu < 1.0 else "OVER"))
open(sys.argv[1] + ".cpu", "w").write("%.4f\n" % cpu)
PY
cpu=$(cat "$WORK/before.cpu")
echo "RSS $(awk '/^VmRSS:/ {print $2}' "/proc/$AGENT/status") kB"
if command -v strace >/dev/null; then
	timeout -s INT 10 strace -f -c -p "$AGENT" -o "$WORK/strace" 2>/dev/null
	echo "system calls in 10 s (strace -c -f), the top 8:"
	awk 'NR > 2 && $NF != "total" && $1 !~ /^-/ {printf "  %-20s %8s calls\n", $NF, $4}' "$WORK/strace" | head -8
fi
kill -TERM "$AGENT"; wait "$AGENT"; AGENT=
python3 -c "import sys; sys.exit(0 if float('$cpu') < 1.0 else 1)"
