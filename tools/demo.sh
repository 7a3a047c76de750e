#!/usr/bin/env bash
# Install dependencies, build, and run the demo story on a lab of namespaces
# acting as containers: normal traffic and its graph, a policy learned from it,
# applied in monitor then enforce mode, a compromised container scanning its
# neighbours, the alerts that catch it and the packets the kernel dropped.
# (tools/demo-capture.sh is the shorter, capture-only demo.)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh >/dev/null
SEGWATCH="$PWD/build/segwatch" exec tools/demo-story.sh "$@"
