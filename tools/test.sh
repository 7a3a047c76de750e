#!/usr/bin/env bash
# Install dependencies, build, and run every test (unit, golden, namespace
# integration, bounded fuzzing) under ctest with ASan and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
# warnings must be clean with gcc too
tools/build.sh >/dev/null
CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DSW_SANITIZE=ON -DSW_FUZZ=ON \
	-DSW_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"
cd build-test
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --output-on-failure --timeout 900 "$@"
