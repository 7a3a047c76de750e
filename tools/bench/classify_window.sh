#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# classify_window.sh - how long a new container goes unclassified under
# `segwatch policy apply --engine --watch`, with real engines: the time from
# its host-side veth appearing to its address being in a set of the segwatch
# table (classify_window.py: rtnetlink and nft monitor, one clock).
#
# usage: tools/bench/classify_window.sh [podman|docker|both] [N]
#   N containers started one after another (default 10), each labelled
#   app=bench, in a private Podman lab (tools/podman-lab.sh) or a private
#   dockerd (tests/engine/docker_lib.sh); nothing outside their namespaces is
#   touched. SEGWATCH=path picks the binary (default: a Release build in
#   build-bench). Root.
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_NAME=classify_window
. tools/bench/bench_lib.sh
ENGINE=${1:-both} N=${2:-10}
case "$ENGINE" in podman | docker | both) ;; -h | --help) usage 0 ;; *) usage ;; esac
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || die "N must be a positive number"
[ "$(id -u)" -eq 0 ] || die "needs root"
if [ -z "${SEGWATCH:-}" ]; then
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build-bench -j"$(nproc)" --target segwatch >/dev/null
	SEGWATCH=$PWD/build-bench/segwatch
fi
export SEGWATCH
# the engine libraries' cleanup traps run commands that may fail (a pid already gone)
set +e
if [ "$ENGINE" = both ]; then
	"$0" podman "$N"
	exec "$0" docker "$N"
fi

POLICY='{ "version": 1, "name": "classify-window", "default": "deny",
  "groups": { "bench": { "labels": { "app": "bench" } }, "other": { "labels": { "app": "other" } } },
  "rules": [ { "name": "bench-to-other", "from": "bench", "to": "other", "proto": "tcp",
               "ports": [80], "action": "allow" } ] }'
WINDOW=$PWD/tools/bench/classify_window.py
# the container's first process notes when it began (/proc/uptime), then sleeps
FIRST='mkdir -p /tmp; read u rest </proc/uptime; echo $u >/tmp/up; exec sleep 600'

# wait_watching LOG: until apply --watch says it follows the engine (10 s)
wait_watching() {
	for _ in $(seq 100); do grep -q watching "$1" && return 0; sleep 0.1; done
	cat "$1" >&2
	die "policy apply --watch did not start"
}

if [ "$ENGINE" = podman ]; then
	. tests/engine/podman_lib.sh cwin
	podman_up >/dev/null
	echo "$POLICY" >"$TMP/policy.json"
	"$LAB" exec "$SEGWATCH" policy apply "$TMP/policy.json" --engine "$SW_PODMAN_DIR/podman.sock" \
		--watch >"$TMP/watch.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_watching "$TMP/watch.out"
	echo "podman $("$LAB" podman version -f '{{.Server.Version}}' 2>/dev/null || echo '?'), $N containers:"
	python3 "$WINDOW" "$SW_PODMAN_NETNS" "$N" \
		"'$LAB' run cw{i} --label app=bench -- sh -c '$FIRST' >/dev/null &&
		 echo \$('$LAB' podman inspect -f '{{(index .NetworkSettings.Networks \"swlab\").IPAddress}}' cw{i}) \
		      \$('$LAB' podman exec cw{i} cat /tmp/up)"
else
	. tests/engine/docker_lib.sh cwin
	docker_up >/dev/null
	docker_net cwnet swcw0 10.214.9.0/24
	echo "$POLICY" >"$TMP/policy.json"
	# nsenter execs segwatch: $! is its pid, for the cleanup to stop it
	nsenter --net="/run/netns/$DK_NETNS" "$SEGWATCH" policy apply "$TMP/policy.json" --engine "$DK_SOCK" \
		--watch >"$TMP/watch.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_watching "$TMP/watch.out"
	echo "dockerd $(dk version -f '{{.Server.Version}}'), $N containers:"
	python3 "$WINDOW" "$DK_NETNS" "$N" \
		"'$DOCKER' -H 'unix://$DK_SOCK' run -d --name cw{i} --network cwnet --label app=bench $DK_IMAGE sh -c '$FIRST' >/dev/null &&
		 echo \$('$DOCKER' -H 'unix://$DK_SOCK' inspect -f '{{.NetworkSettings.Networks.cwnet.IPAddress}}' cw{i}) \
		      \$('$DOCKER' -H 'unix://$DK_SOCK' exec cw{i} cat /tmp/up)"
fi
