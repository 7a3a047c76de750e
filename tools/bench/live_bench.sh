#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# live_bench.sh - what does a live capture cost the containers it watches?
# (issue 11). A bridge and two "containers" (network namespaces on veth
# ports); loads run from container A to container B while a capturer
# watches the bridge, and we measure what the load still gets through and
# what the capturer pays per packet.
#
# Lab, all in namespaces this script creates (nothing in the root namespace):
#   netns swlb<pid>-h   bridge swlbbr<pid>, ports swlba<pid> swlbb<pid>
#                       (the "host": every capturer runs here, so segwatch's
#                       default finds this bridge and nothing else)
#   netns swlb<pid>-a   eth0 10.79.0.1/24 (the clients)
#   netns swlb<pid>-b   eth0 10.79.0.2/24 (the servers; an nft ingress rule
#                       drops pktsend's UDP port 9 before the stack)
# IPv6 is off in the lab, so nothing but the load crosses the bridge.
#
# Loads (each --seconds long):
#   udp      iperf3 -u -l 64 -b 0: small datagrams at the maximum rate
#   tcp      iperf3 TCP bulk (GSO: few, large captured packets)
#   conn     short connections: pktsend tcp-client (--clients threads:
#            connect, read 64 bytes, close) against pktsend tcp-server
#   pktsend  UDP frames from an AF_PACKET socket with PACKET_QDISC_BYPASS
#            (tools/bench/pktsend.c, --flows 5-tuples round-robin), as fast
#            as it can
#   steps    pktsend paced at each of --rates: the highest rate each capturer
#            takes with zero kernel drops
# Capturers, each on every load, all in one run:
#   none        the load alone
#   tcpdump     tcpdump -i BR -s 256 -w /dev/null
#   sw-default  segwatch capture -q --json --no-engine (default points:
#               the bridge and its veths)
#   sw-bridge   segwatch capture -q --json --no-engine -i BR
# (--json only makes the counters parseable; it changes nothing in capture.)
#
# Per cell: the rate the load achieved and its ratio to no capture, frames
# that crossed the bridge (the ports' rx_packets), packets the capturer saw
# (segwatch: packets_seen and unique = packets_seen - duplicates; tcpdump:
# "packets captured"), kernel drops, the capturer's CPU (user+sys from
# /proc/PID/stat, from just before the load to 1 s after it), CPU µs per
# captured packet, context switches (every thread's voluntary + involuntary,
# /proc/PID/task/*/status) per 1,000 captured packets, and how busy both
# cores were. No CPU pinning: the scheduler places load and capturer, as on
# a real host. A markdown table ready for docs/benchmarks.md ends the output.
#
# usage: tools/bench/live_bench.sh [--seconds S] [--loads LIST] [--capturers LIST]
#          [--rates LIST] [--flows N] [--clients N] [--build-dir DIR]
#          [--segwatch BIN] [--keep]
#   --seconds S         length of each load (default 8; 2 is a quick smoke run)
#   --loads LIST        comma-separated: udp tcp conn pktsend steps (default all)
#   --capturers LIST    comma-separated: none tcpdump sw-default sw-bridge
#                       (default all; the ratios need none, the last column
#                       needs tcpdump)
#   --rates LIST        pktsend rates (frames/s) for steps
#                       (default 50000,100000,250000,500000,750000,1000000,1500000)
#   --flows N           distinct 5-tuples pktsend cycles through (default 1024)
#   --clients N         short-connection clients (default 4)
#   --build-dir DIR     Release build used (default build-bench/ in the repo)
#   --segwatch BIN      measure this binary instead of building one
#   --keep              keep the work directory (every tool's output)
#
# Exit status: 0 when every load and capturer ran and reported; 1 when one
# failed (did not start, exited non-zero, printed no counters, timed out);
# 2 on usage errors or when the lab cannot be built here (needs root,
# network namespaces, bridges, veths, tcpdump, python3). iperf3 is installed
# with apt-get when missing.

set -u
set -o pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_LOAD=8
LOADS=udp,tcp,conn,pktsend,steps
CAPTS=none,tcpdump,sw-default,sw-bridge
RATES=50000,100000,250000,500000,750000,1000000,1500000
FLOWS=1024
CLIENTS=4
BUILD_DIR=$REPO/build-bench
SEGWATCH=
KEEP=0
ALL_CAPTS="none tcpdump sw-default sw-bridge"

ID=$$
NS_H=swlb$ID-h NS_A=swlb$ID-a NS_B=swlb$ID-b
BR=swlbbr$ID PA=swlba$ID PB=swlbb$ID
IP_A=10.79.0.1 IP_B=10.79.0.2
PORT=5201
WORK=
LAB=0
BG_PIDS=()
FAILED=0
CELLS=()
HZ=$(getconf CLK_TCK)
declare -A C_RATE C_UNIT C_WIRE C_SEEN C_UNIQ C_DROP C_USR C_SYS C_CSW C_ICSW C_THR C_BUSY C_NOTE

BENCH_NAME=live_bench
# shellcheck source=tools/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--seconds) SECONDS_LOAD=${2:?}; shift ;;
		--loads) LOADS=${2:?}; shift ;;
		--capturers) CAPTS=${2:?}; shift ;;
		--rates) RATES=${2:?}; shift ;;
		--flows) FLOWS=${2:?}; shift ;;
		--clients) CLIENTS=${2:?}; shift ;;
		--build-dir) BUILD_DIR=${2:?}; shift ;;
		--segwatch) SEGWATCH=${2:?}; shift ;;
		--keep) KEEP=1 ;;
		-h|--help) usage 0 ;;
		*) echo "live_bench: unknown option: $1" >&2; usage 2 ;;
		esac
		shift
	done
	for v in "$SECONDS_LOAD" "$FLOWS" "$CLIENTS" ${RATES//,/ }; do
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || die "not a positive number: $v"
	done
	local x
	for x in ${LOADS//,/ }; do
		[[ " udp tcp conn pktsend steps " == *" $x "* ]] || die "unknown load: $x"
	done
	for x in ${CAPTS//,/ }; do
		[[ " $ALL_CAPTS " == *" $x "* ]] || die "unknown capturer: $x"
	done
}

want_load() { [[ ,$LOADS, == *,$1,* ]]; }
want_capt() { [[ ,$CAPTS, == *,$1,* ]]; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Everything we start in the background runs under `timeout`: signalling
# that process signals what it runs, so cleanup only touches our own.
cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "$LAB" = 1 ]; then
		ip netns del "$NS_A" 2>/dev/null
		ip netns del "$NS_B" 2>/dev/null
		ip netns del "$NS_H" 2>/dev/null	# takes the bridge and ports with it
	fi
	if [ -n "$WORK" ] && [ "$KEEP" = 0 ]; then
		rm -rf "$WORK"
	elif [ -n "$WORK" ]; then
		echo "live_bench: kept $WORK" >&2
	fi
}

bg_forget() {
	local p keep=()
	for p in "${BG_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
}

require() {
	local t
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, packet capture)"
	for t in ip python3 tcpdump timeout getconf; do
		command -v "$t" >/dev/null || die "$t is not installed"
	done
	if ! command -v iperf3 >/dev/null; then
		echo "== installing iperf3 (apt-get install -y iperf3)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y iperf3 >"$WORK/apt.log" 2>&1 ||
			{ tail -5 "$WORK/apt.log" >&2; die "cannot install iperf3"; }
	fi
	command -v nft >/dev/null ||
		echo "warning: no nft: pktsend's frames reach B's UDP stack (port unreachable)" >&2
}

build() {
	local targets=sw_bench_pktsend

	[ -n "$SEGWATCH" ] || targets="segwatch $targets"
	# shellcheck disable=SC2086 # a list of targets
	bench_build $targets
	SEGWATCH=${SEGWATCH:-$(find "$BUILD_DIR" -name segwatch -type f -perm -u+x | head -1)}
	PKTSEND=$BUILD_DIR/tools/bench/pktsend
	[ -x "$SEGWATCH" ] && [ -x "$PKTSEND" ] || die "build produced no binaries"
	SEGWATCH=$(cd "$(dirname "$SEGWATCH")" && pwd)/$(basename "$SEGWATCH")
}

# sysoff NS: no IPv6 (no router solicitations, MLD) in a lab namespace
sysoff() {
	nsx "$1" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
}

lab_up() {
	local x ns port
	ip netns add "$NS_H" || die "cannot create network namespaces here"
	LAB=1
	ip netns add "$NS_A" && ip netns add "$NS_B" || die "cannot create network namespaces"
	sysoff "$NS_H"; sysoff "$NS_A"; sysoff "$NS_B"
	nsx "$NS_H" ip link add "$BR" type bridge || die "no Linux bridge support"
	nsx "$NS_H" ip link set lo up
	for x in a b; do
		ns=swlb$ID-$x
		port=swlb$x$ID
		nsx "$NS_H" ip link add "$port" type veth peer name eth0 netns "$ns" || die "no veth support"
		nsx "$NS_H" ip link set "$port" master "$BR" up
		nsx "$ns" ip link set lo up
		nsx "$ns" ip link set eth0 up
	done
	nsx "$NS_H" ip link set "$BR" up
	nsx "$NS_A" ip addr add "$IP_A/24" dev eth0
	nsx "$NS_B" ip addr add "$IP_B/24" dev eth0
	MAC_B=$(nsx "$NS_B" cat /sys/class/net/eth0/address)
	if command -v nft >/dev/null; then
		printf 'table netdev swlb {\n chain in {\n  type filter hook ingress device eth0 priority 0\n  udp dport 9 drop\n }\n}\n' |
			nsx "$NS_B" nft -f - || die "nft in $NS_B failed"
	fi
	nsx "$NS_A" ping -c 3 -i 0.2 -W 1 -q "$IP_B" >/dev/null || die "the lab does not forward"
}

# ---- measurements -------------------------------------------------------

# sysval NS IF STAT: one /sys/class/net statistic inside a namespace
sysval() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }

# wire_snap: frames entering the bridge (both ports' rx), and the lab's drops
wire_snap() {
	local rx=0 dr=0 p
	for p in "$PA" "$PB"; do
		rx=$((rx + $(sysval "$NS_H" "$p" rx_packets)))
		dr=$((dr + $(sysval "$NS_H" "$p" rx_dropped) + $(sysval "$NS_H" "$p" tx_dropped)))
	done
	dr=$((dr + $(sysval "$NS_A" eth0 tx_dropped) + $(sysval "$NS_B" eth0 rx_dropped)))
	echo "$rx $dr $(sysval "$NS_B" eth0 rx_packets)"
}

# proc_snap PID: user and system ticks of the process, the voluntary and
# involuntary context switches of all its threads, and how many threads
proc_snap() {
	local pid=$1 st cs
	st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12, $13 }')
	cs=$(cat /proc/"$pid"/task/*/status 2>/dev/null | awk '
		/^voluntary_ctxt_switches:/ { v += $2; n++ }
		/^nonvoluntary_ctxt_switches:/ { i += $2 }
		END { print v + 0, i + 0, n + 0 }')
	echo "${st:-0 0} $cs"
}

# cpu_snap: busy and total jiffies over all CPUs
cpu_snap() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }

# ---- capturers ----------------------------------------------------------

# capt_start NAME: start the capturer in the host namespace; sets CPID (the
# capturer itself) and TPID (its timeout). Returns 1 when it never got ready.
capt_start() {
	local name=$1 want out=$WORK/$CELL.capt
	local limit=$((SECONDS_LOAD * 3 + 60))
	case $name in
	tcpdump)
		CAPT_CMD="tcpdump -i $BR -s 256 -w /dev/null"
		want=1 ;;
	sw-default)
		CAPT_CMD="$SEGWATCH capture -q --json --no-engine"
		want=3 ;;
	sw-bridge)
		CAPT_CMD="$SEGWATCH capture -q --json --no-engine -i $BR"
		want=1 ;;
	esac
	# shellcheck disable=SC2086
	timeout -s INT --kill-after=5 "$limit" ip netns exec "$NS_H" $CAPT_CMD >"$out.out" 2>"$out.err" &
	TPID=$!
	BG_PIDS+=("$TPID")
	CPID=
	for _ in $(seq 1 100); do
		[ -n "$CPID" ] || CPID=$(ps -o pid= --ppid "$TPID" 2>/dev/null | tr -d ' ')
		# every packet socket of the host namespace is the capturer's
		if [ -n "$CPID" ] && [ "$(cat "/proc/$CPID/comm" 2>/dev/null)" != ip ] &&
			[ "$(($(wc -l <"/proc/$CPID/net/packet" 2>/dev/null || echo 1) - 1))" -ge "$want" ]; then
			sleep 0.5
			return 0
		fi
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# capt_stop NAME: SIGINT, wait, and read what it says it saw
capt_stop() {
	local name=$1 out=$WORK/$CELL.capt rc
	kill -INT "$CPID" 2>/dev/null
	wait "$TPID"
	rc=$?
	bg_forget "$TPID"
	CAP_SEEN='' CAP_UNIQ='' CAP_DROP=''
	case $name in
	tcpdump)
		CAP_SEEN=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$out.err")
		CAP_UNIQ=$CAP_SEEN
		CAP_DROP=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$out.err") ;;
	*)
		read -r CAP_SEEN CAP_UNIQ CAP_DROP < <(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print(c["packets_seen"], c["packets_seen"] - c.get("duplicates", 0), c["kernel_drops"])' "$out.out" 2>/dev/null) ;;
	esac
	if [ "$rc" != 0 ] || [ -z "$CAP_SEEN" ]; then
		echo "   FAILED: $name exited $rc or printed no counters" >&2
		tail -5 "$out.err" | sed 's/^/   | /' >&2
		return 1
	fi
	return 0
}

# ---- loads --------------------------------------------------------------

# wait_listen NS PORT: until a TCP socket listens there (5 s at most)
wait_listen() {
	for _ in $(seq 1 50); do
		nsx "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# load_iperf KIND: sets L_RATE, L_UNIT, L_SENT; the server is one-off (-1)
load_iperf() {
	local kind=$1 out=$WORK/$CELL.load spid args=()
	[ "$kind" = udp ] && args=(-u -l 64 -b 0)
	timeout --kill-after=5 $((SECONDS_LOAD + 30)) ip netns exec "$NS_B" iperf3 -s -1 -p "$PORT" \
		>"$out.srv" 2>&1 &
	spid=$!
	BG_PIDS+=("$spid")
	wait_listen "$NS_B" "$PORT" || { echo "   iperf3 server did not start" >&2; return 1; }
	LOAD_CMD="iperf3 -c $IP_B ${args[*]} -t $SECONDS_LOAD"
	timeout $((SECONDS_LOAD + 30)) ip netns exec "$NS_A" iperf3 -c "$IP_B" -p "$PORT" "${args[@]}" \
		-t "$SECONDS_LOAD" -J >"$out.json" 2>"$out.err"
	local rc=$?
	wait "$spid"
	bg_forget "$spid"
	[ "$rc" = 0 ] || { echo "   iperf3 client exited $rc" >&2; return 1; }
	read -r L_RATE L_SENT < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
if sys.argv[2] == "udp":
    r = e["sum_received"]
    got = r["packets"] - r["lost_packets"]
    print("%.0f" % (got / r["seconds"]), "%d datagrams sent, %d received" % (e["sum_sent"]["packets"], got))
else:
    print("%.2f" % (e["sum_received"]["bits_per_second"] / 1e9), "%.1f GB received" % (e["sum_received"]["bytes"] / 1e9))' "$out.json" "$kind") || return 1
	if [ "$kind" = udp ]; then L_UNIT="datagrams/s"; else L_UNIT="Gbit/s"; fi
}

load_conn() {
	local out=$WORK/$CELL.load spid rc
	timeout --kill-after=5 $((SECONDS_LOAD + 30)) ip netns exec "$NS_B" "$PKTSEND" tcp-server \
		--port "$PORT" --workers 2 >"$out.srv" 2>&1 &
	spid=$!
	BG_PIDS+=("$spid")
	wait_listen "$NS_B" "$PORT" || { echo "   tcp-server did not start" >&2; return 1; }
	LOAD_CMD="pktsend tcp-client --dst $IP_B --port $PORT --clients $CLIENTS --seconds $SECONDS_LOAD   (server: pktsend tcp-server --port $PORT --workers 2)"
	timeout $((SECONDS_LOAD + 30)) ip netns exec "$NS_A" "$PKTSEND" tcp-client --dst "$IP_B" \
		--port "$PORT" --clients "$CLIENTS" --seconds "$SECONDS_LOAD" >"$out.out" 2>"$out.err"
	rc=$?
	kill -TERM "$spid" 2>/dev/null
	wait "$spid"
	bg_forget "$spid"
	[ "$rc" = 0 ] || { echo "   tcp-client exited $rc" >&2; return 1; }
	L_RATE=$(sed -n 's/^cps=//p' "$out.out")
	L_SENT="$(sed -n 's/^connections=//p' "$out.out") conns, $(sed -n 's/^errors=//p' "$out.out") errors"
	L_UNIT="connections/s"
}

# load_pktsend RATE: 0 = as fast as it can. The rate is frames B received.
load_pktsend() {
	local rate=$1 out=$WORK/$CELL.load
	LOAD_CMD="pktsend udp --dev eth0 --dst-mac MAC_B --dst-ip $IP_B --flows $FLOWS --rate $rate --seconds $SECONDS_LOAD"
	timeout $((SECONDS_LOAD + 30)) ip netns exec "$NS_A" "$PKTSEND" udp --dev eth0 \
		--dst-mac "$MAC_B" --dst-ip "$IP_B" --flows "$FLOWS" --rate "$rate" \
		--seconds "$SECONDS_LOAD" >"$out.out" 2>"$out.err" ||
		{ echo "   pktsend exited $?" >&2; return 1; }
	L_SENT=$(sed -n 's/^frames=//p' "$out.out")
	L_SECS=$(sed -n 's/^seconds=//p' "$out.out")
	L_UNIT="frames/s"
}

# ---- one cell -----------------------------------------------------------

# cell LOAD CAPTURER [RATE]: run the load under the capturer and record it
cell() {
	local load=$1 capt=$2 rate=${3:-} w0 w1 p0 p1 c0 c1 ok=1
	CELL=$load${rate:+@$rate}.$capt
	CELLS+=("$CELL")
	echo "== $load${rate:+ at $rate frames/s} / $capt"
	CAPT_CMD=
	if [ "$capt" != none ]; then
		capt_start "$capt" || { echo "   FAILED: $capt did not start" >&2; tail -5 "$WORK/$CELL.capt.err" >&2; FAILED=1; C_NOTE[$CELL]=FAILED; return; }
		echo "  \$ $CAPT_CMD"
		p0=$(proc_snap "$CPID")
	fi
	w0=$(wire_snap)
	c0=$(cpu_snap)
	case $load in
	udp|tcp) load_iperf "$load" || ok=0 ;;
	conn) load_conn || ok=0 ;;
	pktsend|steps) load_pktsend "${rate:-0}" || ok=0 ;;
	esac
	sleep 1	# let the capturer drain its buffer
	w1=$(wire_snap)
	c1=$(cpu_snap)
	[ "$capt" = none ] || p1=$(proc_snap "$CPID")
	if [ "$capt" != none ]; then
		local vm
		vm=$(sed -n 's/^VmHWM:\s*//p' "/proc/$CPID/status" 2>/dev/null)
		capt_stop "$capt" || ok=0
	fi
	echo "  \$ $LOAD_CMD"
	[ "$ok" = 1 ] || { FAILED=1; C_NOTE[$CELL]=FAILED; return; }
	set -- $w0 $w1
	C_WIRE[$CELL]=$(($4 - $1))
	local ldrop=$(($5 - $2)) brx=$(($6 - $3))
	if [ "$load" = pktsend ] || [ "$load" = steps ]; then
		L_RATE=$(awk -v n="$brx" -v s="$L_SECS" 'BEGIN { printf "%.0f", n / s }')
		L_SENT="$L_SENT sent, $brx reached B"
	fi
	C_RATE[$CELL]=$L_RATE
	C_UNIT[$CELL]=$L_UNIT
	set -- $c0 $c1
	C_BUSY[$CELL]=$(awk -v b="$(($3 - $1))" -v t="$(($4 - $2))" 'BEGIN { printf "%.0f", (t > 0 ? b / t * 100 : 0) }')
	if [ "$capt" != none ]; then
		set -- $p0 $p1
		# p0, p1: user sys voluntary involuntary threads
		C_USR[$CELL]=$(awk -v d="$(($6 - $1))" -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz }')
		C_SYS[$CELL]=$(awk -v d="$(($7 - $2))" -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz }')
		C_CSW[$CELL]=$(($8 - $3))
		C_ICSW[$CELL]=$(($9 - $4))
		C_THR[$CELL]=${10}
		C_SEEN[$CELL]=$CAP_SEEN
		C_UNIQ[$CELL]=$CAP_UNIQ
		C_DROP[$CELL]=$CAP_DROP
	fi
	printf '   %s %s (%s); %s frames crossed the bridge, lab drops %s; both cores %s%% busy\n' \
		"$L_RATE" "$L_UNIT" "$L_SENT" "${C_WIRE[$CELL]}" "$ldrop" "${C_BUSY[$CELL]}"
	[ "$capt" = none ] ||
		printf '   %s saw %s (%s unique), kernel drops %s; CPU %s s user + %s s sys; context switches %s voluntary + %s involuntary (%s threads); peak RSS %s\n' \
			"$capt" "$CAP_SEEN" "$CAP_UNIQ" "$CAP_DROP" "${C_USR[$CELL]}" "${C_SYS[$CELL]}" \
			"${C_CSW[$CELL]}" "${C_ICSW[$CELL]}" "${C_THR[$CELL]}" "${vm:-?}"
}

# ---- output -------------------------------------------------------------

# fmt_n N: 1234567 -> 1.23M, 12345 -> 12.3k
fmt_n() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.2fM", n / 1e6; else if (n >= 1e4) printf "%.0fk", n / 1e3; else if (n >= 1e3) printf "%.1fk", n / 1e3; else printf "%d", n }'; }

# row CELL BASE TCPCELL: one markdown row
row() {
	local c=$1 base=$2 tc=$3 load capt rate ratio cap cpu us usw csw vs
	load=${c%%.*}
	capt=${c#*.}
	if [ "${C_NOTE[$c]:-}" = FAILED ]; then
		echo "| $load | $capt | FAILED | | | | | | | | | |"
		return
	fi
	if [[ ${C_UNIT[$c]} == Gbit/s ]]; then rate="${C_RATE[$c]} Gbit/s"; else rate="$(fmt_n "${C_RATE[$c]}") ${C_UNIT[$c]}"; fi
	ratio=-
	[ -n "$base" ] && [ -n "${C_RATE[$base]:-}" ] &&
		ratio=$(awk -v a="${C_RATE[$c]}" -v b="${C_RATE[$base]}" 'BEGIN { printf "%.0f%%", (b > 0 ? a / b * 100 : 0) }')
	if [ "$capt" = none ]; then
		echo "| $load | none | $rate | $ratio | $(fmt_n "${C_WIRE[$c]}") | – | – | – | – | – | – | ${C_BUSY[$c]}% |"
		return
	fi
	cap=$(fmt_n "${C_SEEN[$c]}")
	[ "${C_SEEN[$c]}" = "${C_UNIQ[$c]}" ] || cap="$cap ($(fmt_n "${C_UNIQ[$c]}") unique)"
	cpu=$(awk -v u="${C_USR[$c]}" -v s="${C_SYS[$c]}" 'BEGIN { printf "%.2f (%.2f + %.2f)", u + s, u, s }')
	us=$(awk -v u="${C_USR[$c]}" -v s="${C_SYS[$c]}" -v n="${C_SEEN[$c]}" 'BEGIN { printf "%.2f", (n > 0 ? (u + s) * 1e6 / n : 0) }')
	usw=$(awk -v u="${C_USR[$c]}" -v s="${C_SYS[$c]}" -v n="${C_WIRE[$c]}" 'BEGIN { printf "%.2f", (n > 0 ? (u + s) * 1e6 / n : 0) }')
	csw=$(awk -v x="${C_CSW[$c]}" -v n="${C_SEEN[$c]}" 'BEGIN { printf "%.1f", (n > 0 ? x * 1000 / n : 0) }')
	vs=-
	if [ "$capt" != tcpdump ] && [ -n "$tc" ] && [ -n "${C_SEEN[$tc]:-}" ]; then
		vs=$(awk -v u="${C_USR[$c]}" -v s="${C_SYS[$c]}" -v n="${C_SEEN[$c]}" \
			-v tu="${C_USR[$tc]}" -v ts="${C_SYS[$tc]}" -v tn="${C_SEEN[$tc]}" 'BEGIN {
			a = n > 0 ? (u + s) / n : 0; b = tn > 0 ? (tu + ts) / tn : 0
			if (b > 0) printf "%.1f×", a / b; else print "-" }')
	fi
	echo "| $load | $capt | $rate | $ratio | $(fmt_n "${C_WIRE[$c]}") | $cap | ${C_DROP[$c]} | $cpu | $us / $usw | $csw | $vs | ${C_BUSY[$c]}% |"
}

print_table() {
	local c base tc
	echo
	echo "Live capture: $(nproc) cores, $(uname -r), ${SECONDS_LOAD} s per load, segwatch $("$SEGWATCH" --version 2>/dev/null | head -1)"
	echo
	echo "| load | capturer | rate | vs none | frames on the bridge | captured | kernel drops | CPU s (user + sys) | µs/pkt captured / on bridge | voluntary ctx sw / 1k pkts captured | CPU/pkt × tcpdump | both cores busy |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for c in "${CELLS[@]}"; do
		[[ $c == steps@* ]] && continue
		base=${c%%.*}.none
		tc=${c%%.*}.tcpdump
		row "$c" "$base" "$tc"
	done
	want_load steps || return 0
	echo
	echo "pktsend paced ($FLOWS flows, $(sed -n 's/^frame_bytes=//p' "$WORK"/steps@*.load.out 2>/dev/null | head -1)-byte frames): frames/s that reached B, and the capturer's kernel drops"
	echo
	local r capt hdr="| target frames/s |" sep="| --- |" line
	for capt in $ALL_CAPTS; do
		want_capt "$capt" || continue
		hdr="$hdr $capt |"
		sep="$sep --- |"
	done
	echo "$hdr"
	echo "$sep"
	for r in ${RATES//,/ }; do
		line="| $(fmt_n "$r") |"
		for capt in $ALL_CAPTS; do
			want_capt "$capt" || continue
			c=steps@$r.$capt
			if [ "${C_NOTE[$c]:-}" = FAILED ] || [ -z "${C_RATE[$c]:-}" ]; then
				line="$line FAILED |"
			elif [ "$capt" = none ]; then
				line="$line $(fmt_n "${C_RATE[$c]}") (cores ${C_BUSY[$c]}%) |"
			else
				line="$line $(fmt_n "${C_RATE[$c]}"), drops ${C_DROP[$c]}, CPU $(awk -v u="${C_USR[$c]}" -v s="${C_SYS[$c]}" -v t="$SECONDS_LOAD" 'BEGIN { printf "%.0f%%", (u + s) / (t + 1) * 100 }') of a core, cores ${C_BUSY[$c]}% |"
			fi
		done
		echo "$line"
	done
	echo
	# The best is what the capturer took with zero drops, not the target:
	# a capturer can keep its drops at zero by slowing the sender down.
	for capt in $ALL_CAPTS; do
		want_capt "$capt" || continue
		local best=0 btgt=0
		for r in ${RATES//,/ }; do
			c=steps@$r.$capt
			[ -n "${C_RATE[$c]:-}" ] || continue
			[ "$capt" = none ] || [ "${C_DROP[$c]:-x}" = 0 ] || continue
			if [ "${C_RATE[$c]}" -gt "$best" ]; then best=${C_RATE[$c]}; btgt=$r; fi
		done
		if [ "$best" = 0 ]; then
			echo "$capt: kernel drops at every paced rate"
		elif [ "$capt" = none ]; then
			echo "none: the sender reached at most $(fmt_n "$best") frames/s (target $(fmt_n "$btgt"))"
		else
			echo "$capt: at most $(fmt_n "$best") frames/s with zero kernel drops (target $(fmt_n "$btgt"))"
		fi
	done
}

print_notes() {
	echo
	echo "rate: udp = datagrams the iperf3 server received per second; tcp = iperf3 receiver Gbit/s;"
	echo "conn = completed connections/s; pktsend and steps = frames B received per second."
	echo "frames on the bridge: both ports' rx_packets over the load. captured: packets the capturer"
	echo "counted (segwatch default: every copy, unique = without duplicates). CPU: capturer user + sys"
	echo "from just before the load to 1 s after it ($HZ Hz ticks). µs/pkt: CPU / captured and / frames on"
	echo "the bridge. ctx sw: voluntary context switches (sleeps), all threads. × tcpdump: CPU per captured packet"
	echo "against tcpdump's on the same load. No CPU pinning."
}

main() {
	local l c r
	parse_args "$@"
	WORK=$(mktemp -d /tmp/segwatch-live.XXXXXX) || die "mktemp failed"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	require
	echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	awk '{ if ($1 > 0.5) print "warning: the machine is busy (load " $1 "): figures will be noisy" }' /proc/loadavg
	build
	echo "segwatch: $SEGWATCH"
	lab_up
	echo "lab: $NS_H (bridge $BR, ports $PA $PB), $NS_A $IP_A, $NS_B $IP_B"
	for l in udp tcp conn pktsend; do
		want_load "$l" || continue
		for c in $ALL_CAPTS; do
			want_capt "$c" && cell "$l" "$c"
		done
	done
	if want_load steps; then
		for r in ${RATES//,/ }; do
			for c in $ALL_CAPTS; do
				want_capt "$c" && cell steps "$c" "$r"
			done
		done
	fi
	print_table
	print_notes
	return "$FAILED"
}

main "$@"
