#!/usr/bin/env bash
# history_bench.sh - records per second the flow history writes (plain and
# zstd) and reads back, with ~420-byte flow records, 64 MiB files.
# Usage: tools/bench/history_bench.sh [RECORDS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
records=${1:-1000000}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j2 --target sw_bench_history >/dev/null
work=$(mktemp -d /tmp/sw-histbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
for compress in 0 1; do
	rm -rf "$work/h"
	printf 'compress=%s records=%s ' "$compress" "$records"
	build-bench/tools/bench/history_bench "$work/h" "$records" "$compress"
done
