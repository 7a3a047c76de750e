# shellcheck shell=bash
# docker_lib.sh - shared by the real-Docker tests (sourced, not run): a
# private dockerd (docker.io from Debian) started by hand in a network
# namespace of its own, a busybox image, user-defined networks, and cleanup
# on every exit.
#
#   . docker_lib.sh TAG     then: docker_up (skips with 77 and says why)
#
# What the private dockerd owns, and cleanup removes:
#   - everything under DK_DIR (mktemp): data root, exec root, pid file, the
#     API socket DK_SOCK, its own daemon.json and key.json (so nothing is read
#     from or written to /etc/docker), the log
#   - the network namespace DK_NETNS: dockerd runs in it (nsenter, so /sys and
#     its cgroups stay visible), so the bridges, veths, ip_forward, br_netfilter
#     sysctls and the iptables-nft tables it writes (ip/ip6 nat and filter) are all
#     in there and go with it; the namespace has no interface to the outside,
#     so container traffic never leaves it
#   - the cgroups under /sys/fs/cgroup/*/DK_CGROUP (--cgroup-parent)
#   - /run/docker/plugins and /run/containerd/s, which dockerd and its
#     containerd create whatever they are told: removed when they did not
#     exist before and are empty after
#   - the processes whose command line names DK_DIR (dockerd, its containerd,
#     the shims) and those in its cgroups (containers), killed by pid
# The host's own network namespace, tables and bridges are never touched.

DK_DIR=$(mktemp -d "/tmp/sw-dk-$1.XXXXXX")
DK_NETNS=sw-dk-$1-$$
DK_SOCK=$DK_DIR/docker.sock
DK_CGROUP=sw-dk-$1-$$
DK_IMAGE=segwatch-busybox:dk
TMP=$DK_DIR/out
mkdir -p "$TMP"
BG_PIDS=
LOG=			# a log whose tail a failure shows
DK_PID=
DK_NETS=		# networks docker_net made
DK_MADE_RUN_DOCKER=	# /run/docker did not exist before dockerd
DK_MADE_RUN_CONTAINERD=
DOCKER=/usr/bin/docker	# Debian's client, the daemon's version
[ -x "$DOCKER" ] || DOCKER=$(command -v docker 2>/dev/null || echo docker)

ok() { echo "ok: $*"; }
fail() {
	echo "FAIL: $*"
	[ -n "$LOG" ] && tail -5 "$LOG" 2>/dev/null
	exit 1
}
skip() { echo "SKIP: $*"; exit 77; }
in_ns() { nsenter --net="/run/netns/$DK_NETNS" "$@"; }
dk() { "$DOCKER" -H "unix://$DK_SOCK" "$@"; }

# Pids of processes whose command line names DK_DIR/exec or DK_DIR/data (dockerd, its
# containerd, the shims): ours and nobody else's. The pattern does not match itself.
dk_own_pids() {
	grep -laE -- "$DK_DIR/(exec|data)" /proc/[0-9]*/cmdline 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p'
}

dk_stop_daemon() {
	local pid n
	[ -n "$DK_PID" ] || [ -n "$(dk_own_pids)" ] || return 0
	if [ -n "$DK_PID" ] && [ -S "$DK_SOCK" ]; then
		# containers first: their namespaces and mounts are released in order
		# shellcheck disable=SC2046 # ids, one word each
		timeout 30 "$DOCKER" -H "unix://$DK_SOCK" rm -f -v \
			$(timeout 10 "$DOCKER" -H "unix://$DK_SOCK" ps -aq 2>/dev/null) >/dev/null 2>&1
		for n in $DK_NETS; do
			timeout 10 "$DOCKER" -H "unix://$DK_SOCK" network rm "$n" >/dev/null 2>&1
		done
	fi
	dk_daemon_stop
	# its containerd and shims, should they outlive it
	for pid in $(dk_own_pids); do kill -TERM "$pid" 2>/dev/null; done
	sleep 0.2
	for pid in $(dk_own_pids); do kill -KILL "$pid" 2>/dev/null; done
}

# Unmount what dockerd left mounted under DK_DIR (overlays, netns files), deepest first.
dk_unmount() {
	local m
	awk -v d="$DK_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
}

docker_cleanup() {
	local pid c
	trap - EXIT INT TERM
	for pid in $BG_PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $BG_PIDS; do wait "$pid" 2>/dev/null; done
	dk_stop_daemon
	# container processes left when dockerd could not remove them: in our cgroups
	sort -u /sys/fs/cgroup/*/"$DK_CGROUP"/*/cgroup.procs 2>/dev/null |
		while read -r pid; do kill -KILL "$pid" 2>/dev/null; done
	sleep 0.2	# for them to leave the cgroups
	dk_unmount
	[ -e "/run/netns/$DK_NETNS" ] && ip netns del "$DK_NETNS" 2>/dev/null
	for c in /sys/fs/cgroup/*/"$DK_CGROUP"; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	[ -n "$DK_MADE_RUN_DOCKER" ] && rmdir /run/docker/plugins /run/docker 2>/dev/null
	[ -n "$DK_MADE_RUN_CONTAINERD" ] && rmdir /run/containerd/s /run/containerd 2>/dev/null
	rm -rf "$DK_DIR"
}
trap docker_cleanup EXIT
trap 'docker_cleanup; exit 130' INT TERM

# overlay2 on most filesystems; vfs where overlay cannot stack
dk_storage_driver() {
	case "$(stat -f -c %T "$DK_DIR")" in
	overlayfs | overlay) echo vfs ;;
	*) echo overlay2 ;;
	esac
}

dk_ping() { curl -sf --max-time 2 --unix-socket "$DK_SOCK" http://d/_ping >/dev/null 2>&1; }

# The image: busybox-static and its applet links, nothing else (docker import).
dk_image() {
	local rootfs=$DK_DIR/rootfs
	mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/srv"
	cp "$(command -v busybox)" "$rootfs/bin/busybox"
	# links to /bin/busybox as the container will see it
	chroot "$rootfs" /bin/busybox --install -s /bin || return 1
	echo ok >"$rootfs/srv/index.html"
	tar -C "$rootfs" -cf - . | dk import -c 'CMD ["/bin/sh"]' - "$DK_IMAGE" >/dev/null
	rm -rf "$rootfs"
}

# dk_daemon_start: dockerd in DK_NETNS (DK_PID), answering within 30 s; 1 when it does not.
# No default bridge (docker0): the tests make their own networks. --live-restore:
# containers outlive a restart of dockerd (dk_daemon_restart).
dk_daemon_start() {
	setsid nsenter --net="/run/netns/$DK_NETNS" dockerd --data-root "$DK_DIR/data" \
		--exec-root "$DK_DIR/exec" --pidfile "$DK_DIR/dockerd.pid" -H "unix://$DK_SOCK" \
		--config-file "$DK_DIR/daemon.json" \
		--cgroup-parent "/$DK_CGROUP" --bridge=none --iptables=true --experimental \
		--ip6tables --userland-proxy=false --live-restore \
		--storage-driver "$(dk_storage_driver)" --log-level warn \
		>>"$DK_DIR/dockerd.log" 2>&1 </dev/null &
	DK_PID=$!
	for _ in $(seq 150); do
		dk_ping && return 0
		kill -0 "$DK_PID" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# dk_daemon_stop: dockerd ends (its containers run on: --live-restore).
dk_daemon_stop() {
	kill -TERM "$DK_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$DK_PID" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$DK_PID" 2>/dev/null
	wait "$DK_PID" 2>/dev/null
	DK_PID=
}

# docker_up: root, the tools, the namespace, dockerd answering, the image, a container that runs.
docker_up() {
	local t
	[ "$(id -u)" -eq 0 ] || skip "needs root (dockerd, network namespaces)"
	for t in dockerd containerd runc busybox nsenter curl nft iptables-save python3; do
		command -v "$t" >/dev/null || skip "$t is not installed (tools/deps.sh: docker.io, busybox-static)"
	done
	[ -d /sys/fs/cgroup/devices ] || [ -f /sys/fs/cgroup/cgroup.controllers ] ||
		skip "no cgroup hierarchy dockerd can use under /sys/fs/cgroup"
	[ -e /run/docker ] || DK_MADE_RUN_DOCKER=1
	[ -e /run/containerd ] || DK_MADE_RUN_CONTAINERD=1
	ip netns add "$DK_NETNS" 2>/dev/null || skip "cannot create network namespace $DK_NETNS"
	in_ns ip link set lo up
	# its trust key here, not in /etc/docker (no command-line flag for it in 20.10)
	printf '{"deprecated-key-path": "%s/key.json"}\n' "$DK_DIR" >"$DK_DIR/daemon.json"
	dk_daemon_start || {
		tail -3 "$DK_DIR/dockerd.log"
		skip "dockerd does not start here (its log is above)"
	}
	dk_image || fail "docker import of the busybox image"
	t=$(dk run --rm --network none "$DK_IMAGE" echo alive 2>&1) ||
		skip "dockerd cannot run a container here: $(echo "$t" | tail -1)"
	echo "dockerd $(dk version -f '{{.Server.Version}} (API {{.Server.APIVersion}})') up in netns $DK_NETNS"
}

# docker_net NAME BRIDGE SUBNET4 [SUBNET6]: a user-defined bridge network; the
# bridge gets a name we know (capture -i). The subnets must be free in the namespace.
docker_net() {
	local name=$1 bridge=$2 s4=$3 s6=${4:-} v6=()
	in_ns ip route show | grep -qF "${s4%.*}." && fail "subnet $s4 is in use in $DK_NETNS"
	[ -n "$s6" ] && v6=(--ipv6 --subnet "$s6")
	dk network create --driver bridge --subnet "$s4" "${v6[@]}" \
		-o "com.docker.network.bridge.name=$bridge" "$name" >/dev/null || fail "network $name"
	DK_NETS="$DK_NETS $name"
}

# dk_run NAME NETWORK [DOCKER-RUN-ARGS...] -- CMD...: a detached container of the image
dk_run() {
	local name=$1 net=$2 args=()
	shift 2
	while (($#)) && [ "$1" != -- ]; do args+=("$1"); shift; done
	(($#)) && shift
	dk run -d --name "$name" --network "$net" "${args[@]}" "$DK_IMAGE" "$@" >/dev/null
}

# ip_of CONTAINER NETWORK [FIELD]: IPAddress (default), GlobalIPv6Address, MacAddress
ip_of() {
	dk inspect -f "{{(index .NetworkSettings.Networks \"$2\").${3:-IPAddress}}}" "$1"
}

# A web server with a page to fetch (busybox httpd answers 404 without one).
# shellcheck disable=SC2034 # used by the tests that source this
SERVE='exec httpd -f -p 80 -h /srv'

# reach FROM ADDRESS: an HTTP GET to port 80 with a 2 s limit; 0 when the page came back
reach() {
	dk exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $2 80" 2>/dev/null |
		grep -q "200 OK"
}

# wait_for SECONDS CMD...: until CMD succeeds (every 0.1 s); 1 on time-out
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do "$@" && return 0; sleep 0.1; done
	return 1
}
