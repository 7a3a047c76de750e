#!/usr/bin/env bash
# Install dependencies, build, and run the lab demo: namespaces acting as
# containers on a bridge, real traffic between them, and segwatch's view of it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh >/dev/null
SEGWATCH="$PWD/build/segwatch" exec tools/demo-capture.sh "$@"
