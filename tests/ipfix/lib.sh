# Shared by the IPFIX tests: a free loopback port, daemons we start, cleanup.
# shellcheck shell=bash
ipfix_work=$(mktemp -d /tmp/sw-ipfix.XXXXXX)
ipfix_pids=()
ipfix_cleanup() {
	local p
	for p in "${ipfix_pids[@]}"; do
		# each daemon runs in a process group of its own (setsid): nfacctd forks plugins
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	sleep 0.2
	for p in "${ipfix_pids[@]}"; do
		kill -KILL -- "-$p" 2>/dev/null || true
	done
	rm -rf "$ipfix_work"
}
trap ipfix_cleanup EXIT

# ipfix_port udp|tcp - a port nothing listens on now (the kernel picks it)
ipfix_port() {
	python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

# ipfix_daemon CMD... - start CMD in a new process group; its pid in $ipfix_last
ipfix_daemon() {
	setsid "$@" &
	ipfix_last=$!
	ipfix_pids+=("$ipfix_last")
}

# ipfix_wait_listen udp|tcp PORT - until something listens there (3 s at most)
ipfix_wait_listen() {
	local flag=-uln i
	[ "$1" = tcp ] && flag=-tln
	for i in $(seq 30); do
		ss "$flag" "sport = :$2" | grep -q ":$2" && return 0
		sleep 0.1
	done
	echo "FAIL: nothing listens on $1 port $2" >&2
	return 1
}

# ipfix_stop PID - end a daemon we started and wait for it (it writes its files on TERM)
ipfix_stop() {
	kill -TERM -- "-$1" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
