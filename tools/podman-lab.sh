#!/usr/bin/env bash
# podman-lab.sh - a private, throw-away Podman for segwatch tests and demos.
#
#   tools/podman-lab.sh [-d DIR] [-n NETNS] COMMAND [ARGS...]
#
#   deps            install podman, runc, busybox-static, netavark, catatonit,
#                   iptables, curl from Debian when missing (root)
#   up              create DIR (default /tmp/segwatch-podman): containers.conf
#                   (runc, file events, ulimits), storage under DIR, a network
#                   namespace NETNS (default segwatch-podman), the bridge network
#                   "swlab" 10.213.7.0/24 + fd42:213:7::/64 in it, the local image
#                   localhost/segwatch-busybox built with `podman import` from
#                   busybox-static, and `podman system service` on DIR/podman.sock
#   podman ARGS     podman with the lab's configuration, inside NETNS
#   run NAME ARGS   podman run -d --name NAME --network swlab (runc, ulimits) ARGS
#                   IMAGE-less: the lab image is added, e.g.
#                     run web1 --label app=web -- httpd -f -p 80
#   exec CMD        run CMD inside NETNS (e.g. segwatch capture --engine DIR/podman.sock)
#   service-stop    stop the API service;  service-start  start it again
#   env             print exports: CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, SW_ENGINE_SOCKET
#   down            remove containers, pods, the network, the service, NETNS and DIR
#
# Nothing global is touched besides NETNS (a named network namespace) and the
# per-container bind mounts podman keeps in /run/netns while they run: images,
# containers, network configs, events and locks all live under DIR, and the
# bridge with its iptables rules lives in NETNS, which has no way out, so
# container traffic never leaves the lab.
#
# Exit codes: 0 done; 77 podman cannot run here (reason on stderr); 1 failure.
set -euo pipefail

DIR=${SW_PODMAN_DIR:-/tmp/segwatch-podman}
NETNS=${SW_PODMAN_NETNS:-segwatch-podman}
NETWORK=swlab
SUBNET4=10.213.7.0/24
SUBNET6=fd42:213:7::/64
IMAGE=localhost/segwatch-busybox:latest
PACKAGES=(podman runc busybox-static netavark catatonit iptables curl)

die() { echo "podman-lab: $*" >&2; exit 1; }
skip() { echo "podman-lab: SKIP: $*" >&2; exit 77; }

lab_env() {
	export CONTAINERS_CONF=$DIR/containers.conf
	export CONTAINERS_STORAGE_CONF=$DIR/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$DIR/registries.conf
}

in_ns() { nsenter --net="/run/netns/$NETNS" "$@"; }
lab_podman() { lab_env; in_ns podman "$@"; }

cmd_deps() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	((${#missing[@]})) || return 0
	[ "$(id -u)" -eq 0 ] || skip "needs root to install ${missing[*]}"
	echo "podman-lab: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		"${missing[@]}"; } >"${TMPDIR:-/tmp}/podman-lab-apt.log" 2>&1; then
		tail -5 "${TMPDIR:-/tmp}/podman-lab-apt.log" >&2
		skip "could not install ${missing[*]} (apt-get failed, see above)"
	fi
}

# overlay on most filesystems; vfs where overlay cannot stack (overlayfs, tmpfs on old kernels)
storage_driver() {
	case "$(stat -f -c %T "$DIR")" in
	overlayfs | overlay) echo vfs ;;
	*) echo overlay ;;
	esac
}

write_config() {
	mkdir -p "$DIR/tmp" "$DIR/networks" "$DIR/root" "$DIR/run"
	cat >"$DIR/containers.conf" <<-EOF
		# segwatch podman lab: private configuration (tools/podman-lab.sh)
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
		[engine]
		runtime = "runc"          # crun fails on this host's cgroups
		events_logger = "file"    # no journald here
		cgroup_manager = "cgroupfs"
		tmp_dir = "$DIR/tmp"
		[network]
		network_backend = "netavark"
		network_config_dir = "$DIR/networks"
	EOF
	cat >"$DIR/storage.conf" <<-EOF
		[storage]
		driver = "$(storage_driver)"
		graphroot = "$DIR/root"
		runroot = "$DIR/run"
	EOF
	# no registries: the only image is the one we import
	printf 'unqualified-search-registries = []\n' >"$DIR/registries.conf"
}

build_image() {
	local rootfs=$DIR/rootfs a
	mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/www"
	cp "$(command -v busybox)" "$rootfs/bin/busybox"
	for a in $("$rootfs/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$rootfs/bin/$a"
	done
	echo "segwatch lab" >"$rootfs/www/index.html"
	tar -C "$rootfs" -cf - . | lab_podman import -q --change 'CMD ["/bin/sh"]' \
		--change 'WORKDIR /' - "$IMAGE" >/dev/null
	rm -rf "$rootfs"
}

sock_ok() { curl -sf --max-time 2 --unix-socket "$DIR/podman.sock" http://d/_ping >/dev/null 2>&1; }

cmd_service_start() {
	lab_env
	if [ -f "$DIR/service.pid" ] && kill -0 "$(cat "$DIR/service.pid")" 2>/dev/null; then
		return 0
	fi
	rm -f "$DIR/podman.sock"
	setsid nsenter --net="/run/netns/$NETNS" podman system service --time=0 \
		"unix://$DIR/podman.sock" >>"$DIR/service.log" 2>&1 </dev/null &
	echo $! >"$DIR/service.pid"
	for _ in $(seq 100); do
		sock_ok && return 0
		kill -0 "$(cat "$DIR/service.pid")" 2>/dev/null || break
		sleep 0.2
	done
	tail -5 "$DIR/service.log" >&2 || true
	die "podman system service did not answer on $DIR/podman.sock"
}

cmd_service_stop() {
	local pid
	[ -f "$DIR/service.pid" ] || return 0
	pid=$(cat "$DIR/service.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$DIR/service.pid" "$DIR/podman.sock"
}

# Can podman run a container here at all? Anything failing here is a skip, not a failure.
smoke() {
	local out
	if ! out=$(lab_podman run --rm --network "$NETWORK" "$IMAGE" true 2>&1); then
		echo "$out" | tail -5 >&2
		skip "podman cannot run a container on this host (see above)"
	fi
}

cmd_up() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (rootful podman, network namespaces)"
	command -v podman >/dev/null || skip "podman is not installed (tools/podman-lab.sh deps)"
	command -v busybox >/dev/null || skip "busybox-static is not installed"
	[ -e "/run/netns/$NETNS" ] && die "network namespace $NETNS exists: \`$0 -n $NETNS down\` first"
	# a half-built lab is taken down again, whether we fail or skip
	trap 'rc=$?; if [ $rc -ne 0 ]; then cmd_down; fi; exit $rc' EXIT
	mkdir -p "$DIR"
	write_config
	ip netns add "$NETNS" 2>/dev/null || skip "cannot create network namespace $NETNS"
	in_ns ip link set lo up
	lab_env
	lab_podman info >/dev/null 2>"$DIR/info.err" || {
		tail -5 "$DIR/info.err" >&2
		skip "podman info fails here (see above)"
	}
	build_image
	lab_podman network create --disable-dns --subnet "$SUBNET4" --ipv6 --subnet "$SUBNET6" \
		"$NETWORK" >/dev/null
	smoke
	cmd_service_start
	trap - EXIT
	echo "podman-lab: up: $DIR/podman.sock, network $NETWORK ($SUBNET4, $SUBNET6) in netns $NETNS" >&2
}

cmd_run() {
	local name=$1 args=()
	shift
	while (($#)) && [ "$1" != -- ]; do args+=("$1"); shift; done
	(($#)) && shift
	lab_podman --runtime runc run -d --name "$name" --network "$NETWORK" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "${args[@]}" "$IMAGE" "$@"
}

# Unmount what podman left mounted under DIR, deepest first, then remove it.
remove_dir() {
	local m
	[ -d "$DIR" ] || return 0
	awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
	rm -rf "$DIR"
}

cmd_down() {
	lab_env
	cmd_service_stop
	if [ -e "/run/netns/$NETNS" ] && [ -f "$DIR/containers.conf" ]; then
		lab_podman rm -a -f -t 0 >/dev/null 2>&1 || true
		lab_podman pod rm -a -f >/dev/null 2>&1 || true
		lab_podman network rm -f "$NETWORK" >/dev/null 2>&1 || true
	fi
	[ -e "/run/netns/$NETNS" ] && { ip netns del "$NETNS" 2>/dev/null || true; }
	remove_dir
}

cmd_env() {
	printf 'export CONTAINERS_CONF=%q CONTAINERS_STORAGE_CONF=%q CONTAINERS_REGISTRIES_CONF=%q\n' \
		"$DIR/containers.conf" "$DIR/storage.conf" "$DIR/registries.conf"
	printf 'export SW_ENGINE_SOCKET=%q SW_PODMAN_NETNS=%q\n' "$DIR/podman.sock" "$NETNS"
}

while getopts "d:n:" opt; do
	case $opt in
	d) DIR=$OPTARG ;;
	n) NETNS=$OPTARG ;;
	*) die "usage: $0 [-d DIR] [-n NETNS] deps|up|podman|run|exec|service-stop|service-start|env|down" ;;
	esac
done
shift $((OPTIND - 1))
cmd=${1:-}
(($#)) && shift
case $cmd in
deps) cmd_deps ;;
up) cmd_up ;;
podman) lab_podman "$@" ;;
run) cmd_run "$@" ;;
exec) exec nsenter --net="/run/netns/$NETNS" "$@" ;;	# same pid: signals reach CMD
service-start) cmd_service_start ;;
service-stop) cmd_service_stop ;;
env) cmd_env ;;
down) cmd_down ;;
*) die "usage: $0 [-d DIR] [-n NETNS] deps|up|podman|run|exec|service-stop|service-start|env|down" ;;
esac
