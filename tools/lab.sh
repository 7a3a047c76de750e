#!/bin/bash
# lab.sh - a small "container" lab for segwatch, built from network namespaces.
#
#   lab.sh up NAME        build the lab and start its services
#   lab.sh traffic NAME [normal|probes]
#                         run one round of real traffic between the containers:
#                         the normal conversations and a few failed attempts
#                         (closed and dropped ports); or only one of the two
#   lab.sh down NAME      remove everything (idempotent)
#   lab.sh status NAME    show namespaces, bridge ports and addresses
#   lab.sh ns NAME [ROLE] print a namespace name (ROLE: host (default), web, web2, api, db, cache)
#
# Layout (nothing is created in the root namespace):
#
#   netns swl-NAME-host   bridge NAME-br, ports NAME-web NAME-web2 NAME-api NAME-db NAME-cache
#   netns swl-NAME-ROLE   eth0 (the other end of NAME-ROLE), lo
#
#   role   IPv4          IPv6            services
#   web    10.77.0.10    fd00:77::10
#   web2   10.77.0.11    fd00:77::11
#   api    10.77.0.20    fd00:77::20     tcp 8080 (HTTP)
#   db     10.77.0.30    fd00:77::30     tcp 5432; nft drops tcp 9000 and udp 9001
#   cache  10.77.0.40    fd00:77::40     tcp 6379, udp 53 (DNS-like)
#
# Every lab lives in its own namespaces, so the 10.77.0.0/24 and fd00:77::/64
# addresses never leave it and several labs can coexist.  Capture on the lab
# with:  ip netns exec "$(lab.sh ns NAME)" segwatch capture
#
# Debian packages: iproute2 nftables iputils-ping python3 coreutils procps
set -u

ROLES="web web2 api db cache"
RUNBASE=${SEGWATCH_LAB_RUN:-/run/segwatch-lab}

die() { echo "lab.sh: $*" >&2; exit 1; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF "$1"; }

usage() {
	sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

check_name() {
	[[ $1 =~ ^[a-z0-9]{1,8}$ ]] ||
		die "lab name must be 1-8 characters [a-z0-9] (it goes into interface names): '$1'"
}

host_ns() { echo "swl-$1-host"; }
role_ns() { echo "swl-$1-$2"; }

role_octet() {
	case $1 in
	web) echo 10 ;; web2) echo 11 ;; api) echo 20 ;; db) echo 30 ;; cache) echo 40 ;;
	*) die "unknown role '$1'" ;;
	esac
}
role_v4() { echo "10.77.0.$(role_octet "$1")"; }
role_v6() { echo "fd00:77::$(role_octet "$1")"; }

# nsx NS CMD... - run a command inside a namespace
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# sysctl_set NS KEY VALUE - write /proc/sys inside a namespace (no procps needed)
sysctl_set() {
	nsx "$1" sh -c "echo $3 > /proc/sys/${2//.//}" 2>/dev/null || true
}

# The peer program: servers and clients for the lab, Python stdlib only.
write_peer() {
	cat >"$1" <<'EOF'
import socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def v6sock(kind):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s

class Http(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        body = ('{"service":"api","path":"%s","items":[1,2,3]}\n' % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

class Http6(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

def serve_line(port, reply):
    s = v6sock(socket.SOCK_STREAM)
    s.bind(("::", port)); s.listen(64)
    def one(c):
        with c:
            c.settimeout(5)
            buf = b""
            try:
                while b"\n" not in buf:
                    d = c.recv(4096)
                    if not d: break
                    buf += d
                c.sendall(reply.encode() + b"\r\n")
            except OSError:
                pass
    while True:
        c, _ = s.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()

def serve_udp(port, reply):
    s = v6sock(socket.SOCK_DGRAM)
    s.bind(("::", port))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(reply.encode() + b" " + d[:32], a)

def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET

def main():
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "http":
        Http6(("::", int(a[0])), Http).serve_forever()
    elif mode == "line":
        serve_line(int(a[0]), a[1])
    elif mode == "udp":
        serve_udp(int(a[0]), a[1])
    elif mode == "get":          # get HOST PORT PATH
        host = "[%s]" % a[0] if ":" in a[0] else a[0]
        req = "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: lab\r\n\r\n" % (a[2], host)
        with socket.create_connection((a[0], int(a[1])), timeout=5) as c:
            c.sendall(req.encode())
            resp = b""
            while True:
                d = c.recv(4096)
                if not d: break
                resp += d
        print(resp.split(b"\r\n", 1)[0].decode(), "(%d bytes)" % len(resp))
    elif mode == "send":         # send HOST PORT LINE: one request line, read the reply
        with socket.create_connection((a[0], int(a[1])), timeout=5) as c:
            c.sendall(a[2].encode() + b"\r\n")
            c.shutdown(socket.SHUT_WR)
            resp = b""
            while True:
                d = c.recv(4096)
                if not d: break
                resp += d
        print(resp.decode().strip())
    elif mode == "try":          # try HOST PORT TIMEOUT: a bare connection attempt
        c = socket.socket(family(a[0]), socket.SOCK_STREAM)
        c.settimeout(float(a[2]))
        try:
            c.connect((a[0], int(a[1]))); print("connected")
        except ConnectionRefusedError:
            print("refused")
        except (socket.timeout, TimeoutError):
            print("no answer")
        finally:
            c.close()
    elif mode == "ask":          # ask HOST PORT MSG TIMEOUT: one datagram, one answer
        c = socket.socket(family(a[0]), socket.SOCK_DGRAM)
        c.settimeout(float(a[3]))
        c.connect((a[0], int(a[1])))
        try:
            c.send(a[2].encode())
            print(c.recv(2048).decode())
        except ConnectionRefusedError:
            print("refused (ICMP port unreachable)")
        except (socket.timeout, TimeoutError):
            print("no answer")
        finally:
            c.close()
    else:
        sys.exit("peer: unknown mode " + mode)

main()
EOF
}

# start_service NAME ROLE PORT PROTO ARGS... - run a peer server in the background
start_service() {
	local name=$1 role=$2; shift 2
	local run="$RUNBASE/$name"
	nsx "$(role_ns "$name" "$role")" setsid python3 "$run/peer.py" "$@" \
		</dev/null >>"$run/$role.log" 2>&1 &
}

# wait_listen NS PROTO PORT - wait up to 5 s for a socket to listen
wait_listen() {
	local flag=-ltnH
	[ "$2" = udp ] && flag=-lunH
	for _ in $(seq 50); do
		[ -n "$(nsx "$1" ss $flag "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	die "service $2/$3 in $1 did not start"
}

lab_up() {
	local name=$1 hns br role ns port run
	hns=$(host_ns "$name")
	br="$name-br"
	run="$RUNBASE/$name"
	ns_exists "$hns" && die "lab '$name' is already up (lab.sh down $name)"
	mkdir -p "$run" || die "cannot create $run"
	# A half-built lab is torn down again.
	trap 'lab_down "$name" >/dev/null 2>&1' EXIT
	write_peer "$run/peer.py"

	ip netns add "$hns" || die "cannot create namespace $hns (are you root?)"
	nsx "$hns" ip link set lo up
	# The bridge and its ports carry no addresses: keep them quiet.
	sysctl_set "$hns" net.ipv6.conf.default.disable_ipv6 1
	sysctl_set "$hns" net.ipv6.conf.all.disable_ipv6 1
	nsx "$hns" ip link add "$br" type bridge || die "cannot create bridge (no bridge module?)"
	nsx "$hns" ip link set "$br" up

	for role in $ROLES; do
		ns=$(role_ns "$name" "$role")
		port="$name-$role"
		ip netns add "$ns" || die "cannot create namespace $ns"
		nsx "$ns" ip link set lo up
		sysctl_set "$ns" net.ipv6.conf.default.accept_ra 0
		sysctl_set "$ns" net.ipv6.conf.default.router_solicitations 0
		nsx "$hns" ip link add "$port" type veth peer name eth0 netns "$ns" ||
			die "cannot create veth $port"
		nsx "$hns" ip link set "$port" master "$br" up
		nsx "$ns" ip addr add "$(role_v4 "$role")/24" dev eth0
		nsx "$ns" ip -6 addr add "$(role_v6 "$role")/64" dev eth0 nodad
		nsx "$ns" ip link set eth0 up
	done

	# db drops tcp 9000 and udp 9001 silently: unanswered attempts.
	nsx "$(role_ns "$name" db)" nft -f - <<-'EOF' || die "nft failed in the db namespace"
		table inet swlab {
			chain input {
				type filter hook input priority 0; policy accept;
				tcp dport 9000 drop
				udp dport 9001 drop
			}
		}
	EOF

	start_service "$name" api http 8080
	start_service "$name" db line 5432 "SELECT 1 -> 1 row"
	start_service "$name" cache line 6379 "+PONG"
	start_service "$name" cache udp 53 "A 10.77.0.20"
	wait_listen "$(role_ns "$name" api)" tcp 8080
	wait_listen "$(role_ns "$name" db)" tcp 5432
	wait_listen "$(role_ns "$name" cache)" tcp 6379
	wait_listen "$(role_ns "$name" cache)" udp 53
	trap - EXIT
	echo "lab '$name' is up: bridge $br in netns $hns"
}

# step ROLE DESCRIPTION CMD... - run a client command in a container, label its output
step() {
	local role=$1 what=$2 out; shift 2
	out=$(nsx "$(role_ns "$LAB" "$role")" timeout 10 "$@" 2>&1 | tail -n 1)
	printf '  %-44s %s\n' "$what" "${out:-(no output)}"
}

lab_traffic() {
	local name=$1 which=${2:-all} peer
	LAB=$name
	peer="$RUNBASE/$name/peer.py"
	ns_exists "$(host_ns "$name")" || die "lab '$name' is not up"
	local api db cache api6 db6
	api=$(role_v4 api) db=$(role_v4 db) cache=$(role_v4 cache)
	api6=$(role_v6 api) db6=$(role_v6 db)

	if [ "$which" != probes ]; then
		step web  "web -> api  tcp/8080 HTTP GET"      python3 "$peer" get "$api" 8080 /v1/items
		step web2 "web2 -> api tcp/8080 HTTP GET"      python3 "$peer" get "$api" 8080 /v1/users
		step api  "api -> db   tcp/5432 query"         python3 "$peer" send "$db" 5432 "SELECT 1"
		step api  "api -> cache tcp/6379 PING"         python3 "$peer" send "$cache" 6379 PING
		step web  "web -> cache udp/53 DNS-like"       python3 "$peer" ask "$cache" 53 "A? api" 2
	fi
	# failed attempts: not conversations a learned policy should allow
	if [ "$which" != normal ]; then
		step web  "web -> db   tcp/5499 (closed)"      python3 "$peer" try "$db" 5499 2
		step web  "web -> db   tcp/9000 (dropped)"     python3 "$peer" try "$db" 9000 1.5
		step web  "web -> cache udp/5300 (closed)"     python3 "$peer" ask "$cache" 5300 "hello?" 1
		step web2 "web2 -> db  udp/9001 (dropped)"     python3 "$peer" ask "$db" 9001 "hello?" 1
	fi
	if [ "$which" != probes ]; then
		step web  "web -> db   ping x3"                ping -c 3 -i 0.2 -W 1 "$db"
		step web  "web -> api  IPv6 tcp/8080 HTTP GET" python3 "$peer" get "$api6" 8080 /v1/items
		step web2 "web2 -> db  IPv6 ping x2"           ping -6 -c 2 -i 0.2 -W 1 "$db6"
		step cache "cache -> db IPv6 tcp/5432 query"   python3 "$peer" send "$db6" 5432 "SELECT 2"
	fi
}

lab_down() {
	local name=$1 ns pid
	for ns in $(host_ns "$name") $(for r in $ROLES; do role_ns "$name" "$r"; done); do
		ns_exists "$ns" || continue
		# Stop what runs inside our own namespace (the lab's services), by pid.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null || echo "lab.sh: could not delete $ns" >&2
	done
	rm -rf "${RUNBASE:?}/$name"
	echo "lab '$name' is down"
}

lab_status() {
	local name=$1 role ns
	ns_exists "$(host_ns "$name")" || { echo "lab '$name' is not up"; return 1; }
	echo "host namespace $(host_ns "$name"):"
	nsx "$(host_ns "$name")" bridge link show | sed 's/^/  /'
	for role in $ROLES; do
		ns=$(role_ns "$name" "$role")
		printf '  %-6s %-18s %s\n' "$role" "$ns" \
			"$(nsx "$ns" ip -br addr show dev eth0 | awk '{$1=$2=""; print}')"
	done
}

[ $# -ge 2 ] || usage
cmd=$1 name=$2
check_name "$name"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
case $cmd in
up) lab_up "$name" ;;
traffic)
	case ${3:-all} in all | normal | probes) lab_traffic "$name" "${3:-all}" ;; *) usage ;; esac
	;;
down) lab_down "$name" ;;
status) lab_status "$name" ;;
ns)
	if [ "${3:-host}" = host ]; then host_ns "$name"; else role_octet "$3" >/dev/null && role_ns "$name" "$3"; fi
	;;
*) usage ;;
esac
