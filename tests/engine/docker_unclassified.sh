#!/usr/bin/env bash
# docker_unclassified.sh SEGWATCH - "unclassified": "deny" with a real
# dockerd: a container whose identity has not arrived cannot talk east-west,
# and can once it is classified (tests/engine/unclassified_lib.sh says how).
set -u
SEGWATCH=${1:?usage: docker_unclassified.sh SEGWATCH}
# shellcheck source=tests/engine/docker_lib.sh
. "$(dirname "$0")/docker_lib.sh" uncl
# shellcheck source=tests/engine/unclassified_lib.sh
. "$(dirname "$0")/unclassified_lib.sh"
NET=swdk-uncl
[ -x "$SEGWATCH" ] || fail "no segwatch at $SEGWATCH"
docker_up
docker_net "$NET" "swdu$$" 10.213.44.0/24
c_run() { local n=$1 l=$2; shift 2; dk_run "$n" "$NET" --label "$l" -- "$@"; }
c_ip() { ip_of "$1" "$NET"; }
# in the background subshell: exec nsenter, which execs segwatch: $! is segwatch
c_watch() { exec nsenter --net="/run/netns/$DK_NETNS" "$SEGWATCH" policy apply "$1" --engine "$DK_SOCK" --watch; }
unclassified_check
echo "PASS"
