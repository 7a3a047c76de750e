#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ipfix_bench.sh - does IPFIX export keep up with offline capture? The
# capture benchmark's file (gen_bench_pcap.c: 5,000,000 packets, 500,000
# flows by default) is read twice: without export, then with --ipfix to a
# local TCP collector (socat writing the stream to a file), in alternating
# rounds (a busy machine moves both the same way). The figures: wall and
# CPU time and flows/s of each round, the medians and their ratio, the
# exporter's counters, and the data records in each collector's file as
# ipfixDump counts them. See docs/benchmarks.md and docs/ipfix.md.
#
# usage: tools/bench/ipfix_bench.sh [--packets N] [--flows N] [--mode biflow|uniflow]
#          [--rounds N] [--segwatch BIN] [--cache-dir DIR]
#   --rounds N       alternating rounds of each (default 3)
#   --segwatch BIN   default build/segwatch (tools/build.sh)
#   --cache-dir DIR  where the generated file is kept (default /var/tmp/segwatch-bench)
#
# Exit status: 0 when nothing was lost and the collector has every record;
# 1 otherwise; 2 on usage or setup errors.

set -u
set -o pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PACKETS=5000000
FLOWS=500000
MODE=biflow
ROUNDS=3
SEGWATCH=$REPO/build/segwatch
CACHE_DIR=${SW_BENCH_CACHE:-/var/tmp/segwatch-bench}
BENCH_NAME=ipfix_bench
# shellcheck source=tools/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

while [ $# -gt 0 ]; do
	case $1 in
		--packets) PACKETS=${2:?}; shift ;;
		--flows) FLOWS=${2:?}; shift ;;
		--mode) MODE=${2:?}; shift ;;
		--rounds) ROUNDS=${2:?}; shift ;;
		--segwatch) SEGWATCH=${2:?}; shift ;;
		--cache-dir) CACHE_DIR=${2:?}; shift ;;
		-h|--help) usage 0 ;;
		*) usage ;;
	esac
	shift
done
for t in socat ipfixDump cc python3; do
	command -v "$t" >/dev/null || die "$t is not installed (tools/deps.sh)"
done
[ -x "$SEGWATCH" ] || die "$SEGWATCH: not built (tools/build.sh)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"

WORK=$(mktemp -d /tmp/sw-ipfix-bench.XXXXXX)
COL=
cleanup() {
	[ -n "$COL" ] && kill "$COL" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# the generator (in the benchmarks' Release tree) and its file, shared with capture_bench.sh
BUILD_DIR=$REPO/build-bench
bench_build sw_bench_gen
SEED=1
bench_file "$BUILD_DIR/tools/bench/gen_bench_pcap"

field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# timed OUT ARGS...: segwatch capture ARGS, its wall and CPU seconds appended to OUT.times
timed() {
	local out=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$out.time" "$SEGWATCH" capture -r "$PCAP" -q --json "$@" \
		>"$out.json" || die "capture $* failed"
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$out.time" >>"$WORK/$(basename "$out" | sed 's/[0-9]*$//').times"
}

BAD=0
for r in $(seq "$ROUNDS"); do
	echo "== round $r: without export"
	timed "$WORK/plain$r"
	flows=$(field "$WORK/plain$r.json" 'd["counters"]["flow"]["flows"]')

	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "OPEN:$WORK/stream.ipfix,creat,trunc" &
	COL=$!
	for _ in $(seq 30); do ss -tln "sport = :$port" | grep -q ":$port" && break; sleep 0.1; done
	echo "== round $r: with --ipfix tcp://127.0.0.1:$port --ipfix-mode $MODE"
	timed "$WORK/ipfix$r" --ipfix "tcp://127.0.0.1:$port" --ipfix-mode "$MODE"
	wait "$COL"
	COL=
	collected=$(ipfixDump -s --in "$WORK/stream.ipfix" 2>/dev/null |
		awk '$1 ~ /^25[67]$/ { n += $3 } END { print n + 0 }')
	sent=$(field "$WORK/ipfix$r.json" 'd["counters"]["ipfix"]["records_sent"]')
	lost=$(field "$WORK/ipfix$r.json" 'd["counters"]["ipfix"]["records_lost"]')
	bytes=$(stat -c %s "$WORK/stream.ipfix")
	echo "   exporter: $sent sent, $lost lost, $bytes bytes; collector (ipfixDump): $collected data records"
	[ "$lost" = 0 ] && [ "$sent" = "$collected" ] && [ "$sent" -ge "$flows" ] || BAD=1
done

# median WALL|CPU FILE: the median of a column
median() {
	awk -v c="$1" '{ print $c }' "$2" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf '\n%-28s %s\n' "file" "$PCAP ($PACKETS packets, $flows flows)"
printf '%-28s %s\n' "rounds (wall s, cpu s)" ""
paste "$WORK/plain.times" "$WORK/ipfix.times" |
	awk '{ printf "  %-26s %5.2f %5.2f   with IPFIX %5.2f %5.2f\n", "without", $1, $2, $3, $4 }'
pw=$(median 1 "$WORK/plain.times") pc=$(median 2 "$WORK/plain.times")
iw=$(median 1 "$WORK/ipfix.times") ic=$(median 2 "$WORK/ipfix.times")
printf '%-28s %8.2f s  %10.0f flows/s  cpu %5.2f s\n' "capture (median)" "$pw" "$(echo "$flows / $pw" | bc -l)" "$pc"
printf '%-28s %8.2f s  %10.0f flows/s  cpu %5.2f s\n' "capture + IPFIX ($MODE)" "$iw" \
	"$(echo "$flows / $iw" | bc -l)" "$ic"
printf '%-28s %8.2f x wall; export costs %.2f us of CPU a flow\n' "ratio" "$(echo "$iw / $pw" | bc -l)" \
	"$(echo "($ic - $pc) * 1000000 / $flows" | bc -l)"
[ "$BAD" = 0 ] || {
	echo "$BENCH_NAME: records lost or missing at the collector" >&2
	exit 1
}
