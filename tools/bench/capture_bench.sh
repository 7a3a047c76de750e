#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# capture_bench.sh - how fast does `segwatch capture -r` turn a large pcap
# into exact flows, against the bare libpcap read loop and against the flow
# tools Debian ships (softflowd, pmacctd, nfpcapd, argus)?
#
# One generated file (tools/bench/gen_bench_pcap.c: default 5,000,000
# packets, 500,000 flows, each with a 5-tuple of its own, so the exact
# flow count is known) is read by every tool, one after the other. For each
# we take the wall time, packets/s, the flows it found against what it
# should find, and the peak RSS (GNU time %M: the largest process of the
# tool, not the sum over processes). See docs/benchmarks.md.
#
# usage: tools/bench/capture_bench.sh [--packets N] [--flows N] [--runs N]
#          [--only LIST] [--skip LIST] [--timeout S] [--build-dir DIR]
#          [--segwatch BIN] [--cache-dir DIR | --no-cache] [--keep]
#   --packets, --flows  size of the generated file (default 5000000, 500000)
#   --runs N            best of N for readloop and segwatch (default 3)
#   --only, --skip      comma-separated tools: readloop segwatch sw-nowrite
#                       softflowd pmacctd nfpcapd argus
#   --timeout S         bound on each tool's run (default 900 s)
#   --build-dir DIR     Release build used (default build-bench/ in the repo)
#   --segwatch BIN      measure this binary instead of building one
#   --cache-dir DIR     where generated files are kept for reuse
#                       (default /var/tmp/segwatch-bench, or $SW_BENCH_CACHE)
#   --keep              keep the work directory (tool outputs, logs)
#
# Exit status: 0 when every run worked and segwatch's flow count is exact;
# 1 when a run failed, timed out or segwatch miscounted; 2 on usage errors.
# Peers that are not installed are skipped (apt-get install softflowd
# pmacct nfdump argus-server argus-client time).

set -u
set -o pipefail

RUNS=3
TOOL_TIMEOUT=900
ONLY=
SKIP=
ALL_TOOLS="readloop segwatch sw-nowrite softflowd pmacctd nfpcapd argus"

WORK=
BG_PIDS=()
RMEM_OLD=
FAILED=0
declare -A R_SEC R_RSS R_FOUND R_EXP R_MARK R_CMD R_NOTE

BENCH_NAME=capture_bench
# shellcheck source=tools/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
bench_defaults

parse_args() {
	while [ $# -gt 0 ]; do
		if bench_option "$@"; then
			shift "$BENCH_SHIFT"
			continue
		fi
		case $1 in
		--runs) RUNS=${2:?}; shift ;;
		--only) ONLY=${2:?}; shift ;;
		--skip) SKIP=${2:?}; shift ;;
		--timeout) TOOL_TIMEOUT=${2:?}; shift ;;
		-h|--help) usage 0 ;;
		*) echo "capture_bench: unknown option: $1" >&2; usage 2 ;;
		esac
		shift
	done
	for v in "$PACKETS" "$FLOWS" "$SEED" "$RUNS" "$TOOL_TIMEOUT"; do
		[[ $v =~ ^[0-9]+$ ]] || die "not a number: $v"
	done
	[ "$RUNS" -ge 1 ] || die "--runs must be >= 1"
}

want() {
	local t=$1
	if [ -n "$ONLY" ]; then [[ ,$ONLY, == *,$t,* ]] || return 1; fi
	[[ ,$SKIP, == *,$t,* ]] && return 1
	return 0
}

# Everything we start in the background runs under `timeout`, which puts it
# in a process group of its own: signalling that timeout process signals the
# whole group, so cleanup only ever touches what this script started.
cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -n "$RMEM_OLD" ]; then
		sysctl -qw net.core.rmem_max="$RMEM_OLD" 2>/dev/null
	fi
	if [ -n "$WORK" ] && [ "$KEEP" = 0 ]; then
		rm -rf "$WORK"
	elif [ -n "$WORK" ]; then
		echo "capture_bench: kept $WORK" >&2
	fi
}

now_ns() { date +%s%N; }
# secs T0 T1: seconds between two now_ns stamps, 3 decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# last number in a GNU time -o file (it may say "Command exited with ..." first)
rss_kb() { grep -E '^[0-9]+$' "$1" 2>/dev/null | tail -1; }
meta() { sed -n "s/^$1=//p" "$META"; }

# descendants PID: every process below PID (children first level, then theirs)
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# cpu_ticks PID...: user + system clock ticks of these processes, summed
cpu_ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${1:-0} + ${2:-0}))
	done
	echo "$t"
}

# free_udp_port: a random high port nobody listens on (loopback only)
free_udp_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Hlun "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# bg_forget PID: a background job we already reaped, so cleanup leaves it be
bg_forget() {
	local p keep=()
	for p in "${BG_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
}

log_cmd() {
	R_CMD[$1]=$2
	echo "  \$ $2"
}

build() {
	local targets="sw_bench_gen sw_bench_readloop"

	[ -n "$SEGWATCH" ] || targets="segwatch $targets"
	# shellcheck disable=SC2086 # a list of targets
	bench_build $targets
	SEGWATCH=${SEGWATCH:-$(find "$BUILD_DIR" -name segwatch -type f -perm -u+x | head -1)}
	GEN=$BUILD_DIR/tools/bench/gen_bench_pcap
	READLOOP=$BUILD_DIR/tools/bench/readloop
	[ -x "$SEGWATCH" ] && [ -x "$GEN" ] && [ -x "$READLOOP" ] || die "build produced no binaries"
}

# The file depends on the generator's source and its options: cached on both.
generate() {
	bench_file "$GEN"
	EXP_FLOWS=$(meta flows)
	EXP_DIR=$(meta directional_flows)
	EXP_PKTS=$(meta packets)
	echo "   $EXP_PKTS packets, $EXP_FLOWS flows ($EXP_DIR one-way records), $(meta file_bytes) bytes," \
		"$(meta tcp_unanswered) unanswered SYN flows, peak $(meta peak_concurrent_flows) concurrent flows"
}

# run_timed NAME CMD...: run in the foreground under timeout and GNU time;
# sets T_SEC, T_RSS (KB) and T_RC. Output goes to $WORK/NAME.{out,err}.
run_timed() {
	local name=$1 t0 t1
	shift
	t0=$(now_ns)
	timeout --kill-after=10 "$TOOL_TIMEOUT" /usr/bin/time -f '%M' -o "$WORK/$name.rss" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"
	T_RC=$?
	t1=$(now_ns)
	T_SEC=$(secs "$t0" "$t1")
	T_RSS=$(rss_kb "$WORK/$name.rss")
	[ "$T_RC" = 124 ] && echo "   TIMEOUT after $TOOL_TIMEOUT s" >&2
	return "$T_RC"
}

record() {	# record TOOL SECONDS RSS_KB FOUND EXPECTED [NOTE]
	R_SEC[$1]=$2
	R_RSS[$1]=$3
	R_FOUND[$1]=$4
	R_EXP[$1]=$5
	R_NOTE[$1]=${6:-}
	if [ -z "$4" ] || [ "$4" = "-" ]; then
		R_MARK[$1]=FAILED
	elif [ "$4" = "$5" ]; then
		R_MARK[$1]=exact
	else
		R_MARK[$1]=$(awk -v f="$4" -v e="$5" 'BEGIN { d = (f - e) / e * 100; printf "%+.2f%%", d }')
	fi
	echo "   $2 s, found $4 (expected $5: ${R_MARK[$1]}), peak RSS $3 KB${6:+; $6}"
}

fail() {	# fail TOOL WHY
	echo "   FAILED: $2" >&2
	[ -s "$WORK/$1.err" ] && tail -5 "$WORK/$1.err" | sed 's/^/   | /' >&2
	R_MARK[$1]=FAILED
	R_NOTE[$1]=$2
	FAILED=1
}

bench_readloop() {
	local best='' rss='' pk
	echo "== readloop (bare libpcap: pcap_next_ex over the file), best of $RUNS"
	log_cmd readloop "$READLOOP $PCAP"
	for _ in $(seq 1 "$RUNS"); do
		run_timed readloop "$READLOOP" "$PCAP" || { fail readloop "exit $T_RC"; return; }
		if [ -z "$best" ] || awk -v a="$T_SEC" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$T_SEC
			rss=$T_RSS
		fi
	done
	pk=$(sed -n 's/^packets=//p' "$WORK/readloop.out")
	record readloop "$best" "$rss" "$pk" "$EXP_PKTS" "counts packets; in-loop $(sed -n 's/^seconds=//p' "$WORK/readloop.out") s"
	R_FOUND[readloop]="$pk pkts"
	R_EXP[readloop]="$EXP_PKTS pkts"
	[ "$pk" = "$EXP_PKTS" ] || FAILED=1
}

bench_segwatch() {
	local best='' rss='' flows decoded lines out=$WORK/segwatch.jsonl
	echo "== segwatch capture, best of $RUNS"
	log_cmd segwatch "$SEGWATCH capture -r $PCAP -q --json -w $out"
	for _ in $(seq 1 "$RUNS"); do
		rm -f "$out"
		run_timed segwatch "$SEGWATCH" capture -r "$PCAP" -q --json -w "$out" ||
			{ fail segwatch "exit $T_RC"; return; }
		if [ -z "$best" ] || awk -v a="$T_SEC" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$T_SEC
			rss=$T_RSS
		fi
	done
	# counters.flow.flows; "flow": {...} holds no nested object.
	flows=$(grep -o '"flow": *{[^}]*}' "$WORK/segwatch.out" | grep -o '"flows": *[0-9]*' | grep -o '[0-9]*$')
	decoded=$(grep -o '"decoded": *[0-9]*' "$WORK/segwatch.out" | head -1 | grep -o '[0-9]*$')
	lines=$(grep -c '"type": *"flow"' "$out")
	record segwatch "$best" "$rss" "${flows:--}" "$EXP_FLOWS" \
		"decoded $decoded packets, $lines flow lines in -w file, peak_live $(grep -o '"peak_live": *[0-9]*' "$WORK/segwatch.out" | grep -o '[0-9]*$')"
	SW_PEAK_LIVE=$(grep -o '"peak_live": *[0-9]*' "$WORK/segwatch.out" | grep -o '[0-9]*$')
	if [ "$flows" != "$EXP_FLOWS" ] || [ "$lines" != "$EXP_FLOWS" ] || [ "$decoded" != "$EXP_PKTS" ]; then
		echo "   segwatch must be exact: flows=$flows lines=$lines decoded=$decoded" >&2
		FAILED=1
	fi
}

# The same without -w: how much of segwatch's time goes to writing 500,000
# JSON lines (300 MB) rather than to decoding and the flow table.
bench_segwatch_nowrite() {
	local best='' rss='' flows
	echo "== segwatch capture without -w (counters only), best of $RUNS"
	log_cmd sw-nowrite "$SEGWATCH capture -r $PCAP -q --json"
	for _ in $(seq 1 "$RUNS"); do
		run_timed sw-nowrite "$SEGWATCH" capture -r "$PCAP" -q --json ||
			{ fail sw-nowrite "exit $T_RC"; return; }
		if [ -z "$best" ] || awk -v a="$T_SEC" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$T_SEC
			rss=$T_RSS
		fi
	done
	flows=$(grep -o '"flow": *{[^}]*}' "$WORK/sw-nowrite.out" | grep -o '"flows": *[0-9]*' | grep -o '[0-9]*$')
	record sw-nowrite "$best" "$rss" "${flows:--}" "$EXP_FLOWS" "segwatch without -w"
	[ "$flows" = "$EXP_FLOWS" ] || FAILED=1
}

# softflowd has no file output: it exports NetFlow v9 over UDP, so a local
# nfcapd collects and nfdump counts. softflowd sends its whole table at EOF
# in one burst (about 30,000 datagrams for the default file); with the
# default 4 MB net.core.rmem_max nfcapd loses a quarter of them, so the cap
# is raised for the run and restored by cleanup().
bench_softflowd() {
	local port dir=$WORK/softflowd.nf ncpid q n recs
	echo "== softflowd -> nfcapd (NetFlow v9 on 127.0.0.1)"
	port=$(free_udp_port) || { fail softflowd "no free UDP port"; return; }
	mkdir -p "$dir"
	RMEM_OLD=$(sysctl -n net.core.rmem_max 2>/dev/null)
	if [ -n "$RMEM_OLD" ] && [ "$RMEM_OLD" -lt 268435456 ]; then
		sysctl -qw net.core.rmem_max=268435456 2>/dev/null ||
			{ echo "   cannot raise net.core.rmem_max: nfcapd may drop records" >&2; RMEM_OLD=; }
	else
		RMEM_OLD=
	fi
	timeout --kill-after=10 "$TOOL_TIMEOUT" nfcapd -b 127.0.0.1 -p "$port" -w "$dir" -B 268435456 \
		>"$WORK/nfcapd.log" 2>&1 &
	ncpid=$!
	BG_PIDS+=("$ncpid")
	for _ in $(seq 1 50); do
		ss -Hlun "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	log_cmd softflowd "softflowd -r $PCAP -c none -m 1000000 -v 9 -n 127.0.0.1:$port   (collector: nfcapd -b 127.0.0.1 -p $port -w DIR -B 268435456; count: nfdump -R DIR -I)"
	run_timed softflowd softflowd -r "$PCAP" -c none -m 1000000 -v 9 -n "127.0.0.1:$port" ||
		{ fail softflowd "exit $T_RC"; kill -TERM "$ncpid"; wait "$ncpid"; bg_forget "$ncpid"; return; }
	# Let nfcapd drain its socket before asking it to write its file.
	for _ in $(seq 1 300); do
		q=$(ss -Hun state all "sport = :$port" | awk '{ print $2; exit }')
		[ "${q:-0}" = 0 ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -TERM "$ncpid"
	wait "$ncpid"
	bg_forget "$ncpid"
	if [ -n "$RMEM_OLD" ]; then
		sysctl -qw net.core.rmem_max="$RMEM_OLD"
		RMEM_OLD=
	fi
	n=$(nfdump -R "$dir" -I 2>/dev/null | sed -n 's/^Flows: //p')
	recs=$(sed -n 's/.*Flows exported: .*(\([0-9]*\) records).*/\1/p' "$WORK/softflowd.out" "$WORK/softflowd.err" | head -1)
	record softflowd "$T_SEC" "$T_RSS" "${n:--}" "$EXP_DIR" "one record per direction; softflowd says it exported ${recs:-?} records"
}

# pmacctd reads a savefile far faster than its plugin consumes it, and with
# its home-grown pipe it then loses data (ctrl channel overruns: the plugin
# stops at the first buffer, or the last partial buffer is never flushed).
# The ZeroMQ pipe with the xlarge profile queues instead and delivers the
# whole file. pcap_savefile_wait keeps it alive at EOF; we must not query the
# memory table before the plugin is idle (a query while it is busy wedged
# it in our tests), so the end of the run is when the plugins stop using CPU.
bench_pmacctd() {
	local conf=$WORK/pmacctd.conf pipe=$WORK/pmacctd.pipe log=$WORK/pmacctd.log
	local t0 tl pid pids last c now n pk dl
	echo "== pmacctd (memory plugin, ZeroMQ pipe)"
	cat >"$conf" <<-EOF
	daemonize: false
	pcap_savefile: $PCAP
	pcap_savefile_wait: true
	plugins: memory[bench]
	aggregate[bench]: src_host,dst_host,src_port,dst_port,proto
	imt_path[bench]: $pipe
	imt_buckets[bench]: 1048573
	imt_mem_pools_number[bench]: 16384
	imt_mem_pools_size[bench]: 65536
	plugin_pipe_zmq[bench]: true
	plugin_pipe_zmq_profile[bench]: xlarge
	EOF
	log_cmd pmacctd "pmacctd -f $conf   (config: $(grep -v -e '^daemonize' -e '^pcap_savefile:' -e '^imt_path' "$conf" | tr '\n' ';' | sed 's/;$//'); count: pmacct -p PIPE -s)"
	t0=$(now_ns)
	timeout --kill-after=10 "$TOOL_TIMEOUT" /usr/bin/time -f '%M' -o "$WORK/pmacctd.rss" \
		pmacctd -f "$conf" >"$log" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	dl=$(( $(date +%s) + TOOL_TIMEOUT ))
	until grep -q "finished reading" "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$dl" ] || { fail pmacctd "died or timed out before EOF"; return; }
		sleep 0.1
	done
	pids=$(for p in $(descendants "$pid"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = pmacctd ] && echo "$p"; done)
	last=$(cpu_ticks $pids)
	tl=$(now_ns)
	while sleep 0.1; do
		c=$(cpu_ticks $pids)
		now=$(now_ns)
		if [ "$c" != "$last" ]; then
			last=$c
			tl=$now
		elif [ $(( (now - tl) / 1000000 )) -ge 1500 ]; then
			break
		fi
		[ "$(date +%s)" -lt "$dl" ] || { fail pmacctd "timed out"; kill -TERM "$pid"; return; }
	done
	n=$(pmacct -p "$pipe" -s 2>/dev/null | sed -n 's/^For a total of: \([0-9]*\) entries.*/\1/p')
	pk=$(pmacct -p "$pipe" -c proto -N '6;17;1' -n packets -S 2>/dev/null | grep -E '^[0-9]+$')
	kill -INT "$pid"
	wait "$pid"
	bg_forget "$pid"
	T_RSS=$(rss_kb "$WORK/pmacctd.rss")
	# pmacctd sleeps 2 s before reading a savefile ("PCAP capture file,
	# sleeping for 2 seconds"): not work, so not counted.
	T_SEC=$(awk -v a="$t0" -v b="$tl" 'BEGIN { printf "%.3f", (b - a) / 1e9 - 2 }')
	grep -q "Missing data" "$log" && echo "   pmacctd logged missing data" >&2
	record pmacctd "$T_SEC" "$T_RSS" "${n:--}" "$EXP_DIR" "one entry per direction; ${pk:-?} packets accounted; its 2 s start-up sleep not counted"
}

# nfpcapd writes every DNS (port 53) and ICMP packet as a record of its own
# and the rest as one record per direction; nfdump -a merges records of
# the same 5-tuple, which gives the per-direction count.
bench_nfpcapd() {
	local dir=$WORK/nfpcapd.nf raw n
	echo "== nfpcapd"
	mkdir -p "$dir"
	log_cmd nfpcapd "nfpcapd -r $PCAP -w $dir   (count: nfdump -R DIR -a -q -o 'fmt:%pr' | wc -l)"
	run_timed nfpcapd nfpcapd -r "$PCAP" -w "$dir" || { fail nfpcapd "exit $T_RC"; return; }
	raw=$(nfdump -R "$dir" -I 2>/dev/null | sed -n 's/^Flows: //p')
	n=$(nfdump -R "$dir" -a -q -o 'fmt:%pr' 2>/dev/null | wc -l)
	record nfpcapd "$T_SEC" "$T_RSS" "$n" "$EXP_DIR" "one record per direction after nfdump -a ($raw raw records: DNS and ICMP are per packet)"
}

# argus writes a status record per flow every 5 s (Debian's argus.conf);
# racluster merges them back into one bidirectional record per flow.
bench_argus() {
	local conf=$WORK/argus.conf out=$WORK/out.argus n
	echo "== argus"
	printf '%s\n' 'ARGUS_FLOW_TYPE="Bidirectional"' 'ARGUS_FLOW_KEY="CLASSIC_5_TUPLE"' \
		'ARGUS_FLOW_STATUS_INTERVAL=5' 'ARGUS_MAR_STATUS_INTERVAL=60' >"$conf"
	log_cmd argus "argus -F $conf -r $PCAP -w $out   (conf: Debian's flow settings without its output file; count: racluster -r OUT -w - | ra -r - -n -L -1 -s proto - ip | wc -l)"
	run_timed argus argus -F "$conf" -r "$PCAP" -w "$out" || { fail argus "exit $T_RC"; return; }
	n=$(racluster -r "$out" -w - 2>/dev/null | ra -r - -n -L -1 -s proto - ip 2>/dev/null | wc -l)
	record argus "$T_SEC" "$T_RSS" "$n" "$EXP_FLOWS" "bidirectional, after racluster"
}

have_tools() {	# have_tools TOOL CMD...: true when all commands exist
	local t=$1 c
	shift
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		echo "== $t: skipped ($c not installed)"
		R_MARK[$t]=skipped
		return 1
	done
}

print_table() {
	local t rl sw
	rl=${R_SEC[readloop]:-}
	sw=${R_SEC[segwatch]:-}
	echo
	echo "Capture throughput: $EXP_PKTS packets, $EXP_FLOWS flows ($EXP_DIR one-way), $(nproc) cores, $(uname -r)"
	printf '%-10s %8s %11s %22s %9s %9s %7s %9s %9s\n' \
		tool seconds packets/s "found (expected)" check "peak MB" "B/flow" "vs read" "vs sw"
	for t in $ALL_TOOLS; do
		[ -n "${R_MARK[$t]:-}" ] || continue
		if [ "${R_MARK[$t]}" = skipped ]; then
			printf '%-10s %8s\n' "$t" skipped
			continue
		fi
		if [ -z "${R_SEC[$t]:-}" ]; then
			printf '%-10s %8s  %s\n' "$t" FAILED "${R_NOTE[$t]:-}"
			continue
		fi
		awk -v t="$t" -v s="${R_SEC[$t]}" -v p="$EXP_PKTS" -v f="${R_FOUND[$t]}" -v e="${R_EXP[$t]}" \
			-v m="${R_MARK[$t]}" -v r="${R_RSS[$t]:-0}" -v fl="$EXP_FLOWS" -v rl="$rl" -v sw="$sw" 'BEGIN {
			pps = s > 0 ? p / s : 0
			vr = rl != "" && s > 0 ? sprintf("%.3fx", rl / s) : "-"
			vs = sw != "" && s > 0 ? sprintf("%.2fx", sw / s) : "-"
			bpf = t == "readloop" ? "-" : sprintf("%.0f", r * 1024 / fl)
			printf "%-10s %8.2f %11.0f %22s %9s %9.1f %7s %9s %9s\n", t, s, pps, f " (" e ")", m, r / 1024, bpf, vr, vs
		}'
	done
	echo
	echo "seconds: wall time of the tool's own run (best of $RUNS for readloop and segwatch); packets/s = packets / seconds;"
	echo "B/flow: peak RSS / $EXP_FLOWS flows; vs read, vs sw: packets/s relative to readloop and to segwatch."
	if [ -n "$sw" ] && [ -n "${SW_PEAK_LIVE:-}" ] && [ "${SW_PEAK_LIVE:-0}" -gt 0 ]; then
		echo "segwatch: peak $SW_PEAK_LIVE live flows, $(awk -v r="${R_RSS[segwatch]}" -v l="$SW_PEAK_LIVE" 'BEGIN { printf "%.0f", r * 1024 / l }') bytes of peak RSS per live flow;" \
			"$(awk -v a="$rl" -v b="$sw" 'BEGIN { if (a != "") printf "%.1f%%", a / b * 100 }') of readloop's packets/s."
	fi
	echo
	echo "Commands:"
	for t in $ALL_TOOLS; do
		[ -n "${R_CMD[$t]:-}" ] && echo "  $t: ${R_CMD[$t]}"
		[ -n "${R_NOTE[$t]:-}" ] && echo "      note: ${R_NOTE[$t]}"
	done
	return 0
}

main() {
	local t
	parse_args "$@"
	[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
	WORK=$(mktemp -d /tmp/segwatch-bench.XXXXXX) || die "mktemp failed"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	awk '{ if ($1 > 0.5) print "warning: the machine is busy (load " $1 "): figures will be noisy" }' /proc/loadavg
	build
	generate
	want readloop && bench_readloop
	want segwatch && bench_segwatch
	want sw-nowrite && bench_segwatch_nowrite
	want softflowd && have_tools softflowd softflowd nfcapd nfdump && bench_softflowd
	want pmacctd && have_tools pmacctd pmacctd pmacct && bench_pmacctd
	want nfpcapd && have_tools nfpcapd nfpcapd nfdump && bench_nfpcapd
	want argus && have_tools argus argus racluster ra && bench_argus
	for t in $ALL_TOOLS; do
		[ "${R_MARK[$t]:-}" = FAILED ] && FAILED=1
	done
	print_table
	return "$FAILED"
}

main "$@"
