#!/usr/bin/env bash
# metrics_bench.sh - a /metrics scrape with about 10,000 series must answer
# in under 50 ms (issue 12); prints the scrape times (median, p99, max) and
# what rendering the page costs the capture thread (docs/benchmarks.md,
# "Metrics"). The server listens on 127.0.0.1 only.
# Usage: tools/bench/metrics_bench.sh [PAIRS [SCRAPES [PORT]]]   (3300, 200, 47617)
# 3,300 group pairs make 3 x 3,301 series, plus 64 interfaces x 3: 10,096.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j2 --target sw_bench_metrics >/dev/null
build-bench/tools/bench/metrics_bench "${1:-3300}" "${2:-200}" "${3:-47617}"
