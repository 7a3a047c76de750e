# SPDX-License-Identifier: GPL-2.0-or-later
# bench_lib.sh - what the benchmark scripts share; source it after setting
# BENCH_NAME (the prefix of their messages). The build and file helpers use
# REPO, BUILD_DIR, WORK, CACHE_DIR, PACKETS, FLOWS and SEED.

# bench_defaults - the options of the benchmarks that read the generated
# file (bench_option), at their defaults.
bench_defaults() {
	REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	PACKETS=5000000
	FLOWS=500000
	SEED=1
	BUILD_DIR=$REPO/build-bench
	SEGWATCH=
	CACHE_DIR=${SW_BENCH_CACHE:-/var/tmp/segwatch-bench}
	KEEP=0
}

# bench_option OPTION [VALUE] - one of those options: set it, and BENCH_SHIFT
# to the words it took; false when OPTION is not one of them.
bench_option() {
	BENCH_SHIFT=2
	case $1 in
	--packets) PACKETS=${2:?"$1 wants a value"} ;;
	--flows) FLOWS=${2:?"$1 wants a value"} ;;
	--seed) SEED=${2:?"$1 wants a value"} ;;
	--build-dir) BUILD_DIR=${2:?"$1 wants a value"} ;;
	--segwatch) SEGWATCH=${2:?"$1 wants a value"} ;;
	--cache-dir) CACHE_DIR=${2:?"$1 wants a value"} ;;
	--no-cache) CACHE_DIR=; BENCH_SHIFT=1 ;;
	--keep) KEEP=1; BENCH_SHIFT=1 ;;
	*) return 1 ;;
	esac
}

# usage [STATUS] - the script's "# usage:" header block, then exit (2 by default).
usage() {
	sed -n '/^# usage:/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

# die MESSAGE - a usage or setup error: exit 2.
die() {
	echo "$BENCH_NAME: $*" >&2
	exit 2
}

# bench_build TARGET... - configure (once) and build a Release (-O2) tree in
# BUILD_DIR with the benchmark tools, then build TARGETs.
bench_build() {
	if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
		echo "== configuring a Release (-O2) build in $BUILD_DIR"
		cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
			-DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DSW_BENCH=ON >"$WORK/cmake.log" 2>&1 ||
			{ cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
	fi
	echo "== building $* in $BUILD_DIR"
	cmake --build "$BUILD_DIR" -j"$(nproc)" --target "$@" >"$WORK/build.log" 2>&1 ||
		{ tail -30 "$WORK/build.log" >&2; die "build failed"; }
}

# bench_file GEN - the benchmark file of PACKETS, FLOWS and SEED made by the
# generator GEN, cached in CACHE_DIR (WORK when empty) on the generator's
# sources (its random stream is in tools/pkt/sw_pkt.h) and those options;
# sets PCAP and META (its key=value summary) and reads it once so every run
# starts with it in the page cache.
bench_file() {
	local gen=$1 tag dir t0 t1
	tag=$(cat "$REPO/tools/bench/gen_bench_pcap.c" "$REPO/tools/pkt/sw_pkt.h" | sha1sum | cut -c1-10)
	dir=${CACHE_DIR:-$WORK}
	mkdir -p "$dir" || die "cannot create $dir"
	PCAP=$dir/bench-p$PACKETS-f$FLOWS-s$SEED-$tag.pcap
	META=$PCAP.meta
	if [ -s "$PCAP" ] && [ -s "$META" ]; then
		echo "== reusing $PCAP"
	else
		# Files from an older generator are never read again: drop them.
		find "$dir" -maxdepth 1 -name 'bench-p*-f*-s*-*.pcap*' ! -name "*-$tag.pcap*" -delete 2>/dev/null
		echo "== generating $PCAP"
		t0=$(date +%s%N)
		"$gen" -o "$PCAP.tmp" --packets "$PACKETS" --flows "$FLOWS" --seed "$SEED" >"$META.tmp" ||
			{ rm -f "$PCAP.tmp" "$META.tmp"; die "generator failed"; }
		t1=$(date +%s%N)
		mv "$PCAP.tmp" "$PCAP" && mv "$META.tmp" "$META"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "   generated in %.3f s\n", (b - a) / 1e9 }'
	fi
	cat "$PCAP" >/dev/null
}
