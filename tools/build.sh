#!/usr/bin/env bash
# Build segwatch into ./build (optimised, warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSW_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
