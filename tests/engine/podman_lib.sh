# shellcheck shell=bash
# podman_lib.sh - shared by the real-podman tests (sourced, not run): a
# private lab (tools/podman-lab.sh) named after the test and its pid, a temp
# directory, cleanup on every exit (background pids in BG_PIDS, segwatch's
# table in the lab's namespace, the lab), and helpers.
#   . podman_lib.sh TAG      then: podman_up (skips with 77 without root/podman)

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools" && pwd)/podman-lab.sh
export SW_PODMAN_DIR=/tmp/sw-$1-$$ SW_PODMAN_NETNS=sw-$1-$$
TMP=$(mktemp -d "/tmp/sw-$1-out.XXXXXX")
BG_PIDS=
LOG=	# a log whose tail a failure shows

podman_cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in $BG_PIDS; do kill "$pid" 2>/dev/null; done
	[ -e "/run/netns/$SW_PODMAN_NETNS" ] &&
		nsenter --net="/run/netns/$SW_PODMAN_NETNS" nft delete table inet segwatch 2>/dev/null
	"$LAB" down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap podman_cleanup EXIT
trap 'podman_cleanup; exit 130' INT TERM

fail() { echo "FAIL: $*"; [ -n "$LOG" ] && tail -5 "$LOG" 2>/dev/null; exit 1; }
ok() { echo "ok: $*"; }
in_ns() { nsenter --net="/run/netns/$SW_PODMAN_NETNS" "$@"; }

podman_up() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
	"$LAB" deps || exit $?
	"$LAB" up || exit $?
}

# ip_of CONTAINER [FIELD]: its address on the lab network (IPAddress, GlobalIPv6Address)
ip_of() {
	"$LAB" podman inspect -f "{{(index .NetworkSettings.Networks \"swlab\").${2:-IPAddress}}}" "$1"
}

# A web server with a page to fetch (busybox httpd answers 404 without one).
SERVE='mkdir -p /srv && echo ok >/srv/index.html && exec httpd -f -p 80 -h /srv'

# reach FROM ADDRESS: an HTTP GET to port 80 with a 2 s limit; 0 when the page came back
# (nc, not wget: the static busybox's wget crashes in these containers)
reach() {
	"$LAB" podman exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $2 80" 2>/dev/null |
		grep -q "200 OK"
}
