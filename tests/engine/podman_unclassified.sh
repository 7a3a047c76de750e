#!/usr/bin/env bash
# podman_unclassified.sh SEGWATCH - "unclassified": "deny" with real Podman
# containers: one whose identity has not arrived cannot talk east-west, and
# can once it is classified (tests/engine/unclassified_lib.sh says how).
set -u
SEGWATCH=${1:?usage: podman_unclassified.sh SEGWATCH}
# shellcheck source=tests/engine/podman_lib.sh
. "$(dirname "$0")/podman_lib.sh" puncl
# shellcheck source=tests/engine/unclassified_lib.sh
. "$(dirname "$0")/unclassified_lib.sh"
podman_up
c_run() { local n=$1 l=$2; shift 2; "$LAB" run "$n" --label "$l" -- "$@" >/dev/null; }
c_ip() { ip_of "$1" IPAddress; }
# in the background subshell: exec podman-lab.sh, which execs nsenter, which execs
# segwatch: $! is segwatch
c_watch() { exec "$LAB" exec "$SEGWATCH" policy apply "$1" --engine "$SW_PODMAN_DIR/podman.sock" --watch; }
unclassified_check
echo "PASS"
