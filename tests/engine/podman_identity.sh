#!/usr/bin/env bash
# podman_identity.sh PROBE - workload identity from a real container engine.
#
# Installs podman, runc and busybox-static from Debian when missing, sets up a
# private podman (tools/podman-lab.sh: own config, storage, network namespace
# and `podman system service` socket under a temp dir), runs labeled
# containers (busybox httpd and nc servers, a pod, compose labels), then
# checks with engine_probe (PROBE) that:
#   1. every running container is listed with podman's name, labels, IPv4 and
#      IPv6 addresses, MACs, namespace (pod or compose project) and its
#      host-side veth on the lab bridge; pod infra containers are not;
#   2. containers started after the watch began are known within 1 s of
#      their start event (latency printed), and resolve in the registry;
#   3. a stop is seen; the events stream survives a restart of the service
#      (reconnect, then a re-listing catches what changed meanwhile).
# All traffic stays on the lab bridge: its namespace has no other interface.
# Exit: 0 pass, 1 fail, 77 skip (podman cannot run here).
set -euo pipefail

PROBE=${1:?usage: $0 PATH/TO/engine_probe}
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_SH=$HERE/../../tools/podman-lab.sh
CHECK="python3 $HERE/probe_check.py"
LATENCY_LIMIT_MS=1000

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (rootful podman and network namespaces)"
command -v python3 >/dev/null || skip "needs python3"
[ -x "$PROBE" ] || fail "no engine_probe at $PROBE"
rc=0
"$LAB_SH" deps || rc=$?
[ $rc -eq 0 ] || exit $rc	# 77: could not install podman

WORK=$(mktemp -d /tmp/swpt.XXXXXX)
NETNS=swpt-$$
PROBE_PID=
lab() { "$LAB_SH" -d "$WORK/lab" -n "$NETNS" "$@"; }

cleanup() {
	local rc=$?
	if [ -n "$PROBE_PID" ] && kill -0 "$PROBE_PID" 2>/dev/null; then
		kill -TERM "$PROBE_PID" 2>/dev/null || true
		wait "$PROBE_PID" 2>/dev/null || true
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- engine_probe output (last 30 lines)"; tail -30 "$WORK/probe.out" 2>/dev/null || true
		echo "--- engine_probe stderr"; tail -30 "$WORK/probe.err" 2>/dev/null || true
		echo "--- podman service log"; tail -15 "$WORK/lab/service.log" 2>/dev/null || true
	fi
	lab down >/dev/null 2>&1 || true
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rc=0
lab up || rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 77 ] && exit 77; fail "could not set up the podman lab"; }
SOCK=$WORK/lab/podman.sock
BRIDGE=$(lab podman network inspect -f '{{.NetworkInterface}}' swlab)

ip_of() { lab podman inspect -f '{{.NetworkSettings.Networks.swlab.IPAddress}}' "$1"; }

echo "== containers before the watch"
lab run web1 --label app=web --label tier=front -- httpd -f -p 80 -h /www >/dev/null
lab run db1 --label app=db --label tier=data -- nc -ll -p 5432 -e /bin/cat >/dev/null
lab run cache1 --label app=cache --label com.docker.compose.project=shop2 \
	--label com.docker.compose.service=cache -- httpd -f -p 6379 -h /www >/dev/null
lab podman pod create --name shop --network swlab --label tier=pod >/dev/null
lab podman --runtime runc run -d --pod shop --name api1 --ulimit nofile=1024:1024 \
	--ulimit nproc=1024:1024 --label app=api localhost/segwatch-busybox \
	httpd -f -p 8080 -h /www >/dev/null
cat >"$WORK/expect.json" <<'EOF'
{
  "web1":   {"labels": {"app": "web", "tier": "front"}},
  "db1":    {"labels": {"app": "db", "tier": "data"}},
  "cache1": {"labels": {"app": "cache"}, "namespace": "shop2"},
  "api1":   {"labels": {"app": "api"}, "namespace": "shop"}
}
EOF

echo "== traffic on the lab bridge"
WEB=$(ip_of web1)
DB=$(ip_of db1)
lab podman exec db1 wget -q -O- "http://$WEB/" | grep -q "segwatch lab" || fail "web1 not reachable"
[ "$(echo ping | lab podman exec -i web1 nc -w 2 "$DB" 5432)" = ping ] || fail "db1 does not echo"

echo "== engine_probe: initial listing"
# not through lab(): $! must be the probe itself (podman-lab.sh execs it) for kill -TERM
"$LAB_SH" -d "$WORK/lab" -n "$NETNS" exec "$PROBE" --socket "$SOCK" --watch 300 \
	>"$WORK/probe.out" 2>"$WORK/probe.err" &
PROBE_PID=$!
$CHECK ready "$WORK/probe.out" 60
lab podman inspect web1 db1 cache1 api1 >"$WORK/inspect.json"
lab exec ip -j link show >"$WORK/links.json"
$CHECK listing "$WORK/probe.out" "$WORK/inspect.json" "$WORK/expect.json" "$BRIDGE" \
	"$WORK/links.json"

echo "== containers started after the watch began"
max=0
for n in 1 2 3; do
	lab run "late$n" --label app=late --label seq="$n" -- \
		sh -c "wget -q -O /dev/null http://$WEB/; echo hi | nc -w 2 $DB 5432; exec sleep 600" \
		>/dev/null
	lab podman inspect "late$n" >"$WORK/inspect-late.json"
	ms=$($CHECK change "$WORK/probe.out" start "late$n" 10 "$WORK/inspect-late.json")
	echo "  late$n: known $ms ms after its start event (limit $LATENCY_LIMIT_MS ms)"
	[ "$ms" -lt "$LATENCY_LIMIT_MS" ] || fail "late$n known only after $ms ms"
	if ((ms > max)); then max=$ms; fi
	sleep 0.5
done
echo "  start-event latency: max $max ms"

echo "== stop"
lab podman stop -t 1 late1 >/dev/null 2>&1	# sleep ignores SIGTERM as pid 1
ms=$($CHECK change "$WORK/probe.out" stop late1 10)
echo "  late1 released $ms ms after its stop event"

echo "== the service restarts: reconnect and re-list"
lab service-stop
lab podman rm -f -t 0 cache1 >/dev/null
lab run late4 --label app=late --label seq=4 -- sleep 600 >/dev/null
sleep 1
lab service-start
lab podman inspect late4 >"$WORK/inspect-late.json"
$CHECK change "$WORK/probe.out" start late4 20 "$WORK/inspect-late.json" >/dev/null
$CHECK change "$WORK/probe.out" stop cache1 20 >/dev/null
echo "  late4 (started while disconnected) bound, cache1 (removed meanwhile) released"
lab run late5 --label app=late --label seq=5 -- sleep 600 >/dev/null
lab podman inspect late5 >"$WORK/inspect-late.json"
ms=$($CHECK change "$WORK/probe.out" start late5 10 "$WORK/inspect-late.json")
echo "  late5 after the reconnect: known $ms ms after its start event"
[ "$ms" -lt "$LATENCY_LIMIT_MS" ] || fail "late5 known only after $ms ms"

kill -TERM "$PROBE_PID"
rc=0
wait "$PROBE_PID" || rc=$?
PROBE_PID=
[ $rc -eq 0 ] || fail "engine_probe exited with $rc (sanitizer report in its stderr?)"
$CHECK stats "$WORK/probe.out" 1
echo "PASS: podman identity (start-event latency max $max ms)"
