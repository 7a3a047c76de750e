#!/bin/bash
# run.sh SEGWATCH [TABLE...] - the table of hostile inputs: each row runs one
# segwatch command on bad input and checks its exit code, a fragment of what
# it says, that it stays within time and memory, and that what must not
# change did not (input files, the kernel's ruleset).
#
# Tables are tests/hostile/*.tsv (all of them by default). One case a line,
# tab-separated; '#' starts a comment line:
#
#   name <TAB> exit <TAB> fragment <TAB> unchanged <TAB> command
#
#   name       unique in its table
#   exit       the exit code expected (docs: the exit-code table)
#   fragment   text that must appear in stdout+stderr (grep -F); - for none
#   unchanged  space-separated paths (relative to the case's directory) whose
#              sha256 must be the same after the run, or @ruleset for the
#              output of `nft list ruleset`; - for none
#   command    run by bash in a fresh directory holding a copy of
#              tests/hostile/inputs/; $SW is the segwatch binary. Keep
#              commands inside that directory (or /dev/zero, FIFOs made there)
#
# Each case runs with a 20 s limit (HOSTILE_TIMEOUT) and, under ASan, a
# resident-memory limit of 512 MiB (HOSTILE_RSS_MB; ASan's hard_rss_limit_mb),
# otherwise an address-space limit of 2 GiB: a reader without a bound fails
# here instead of eating the machine. Exit 0 when every case holds.
set -u
SW=${1:?usage: run.sh SEGWATCH [TABLE...]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
export SW
TIMEOUT=${HOSTILE_TIMEOUT:-20}
RSS_MB=${HOSTILE_RSS_MB:-512}
[ $# -gt 0 ] || set -- "$HERE"/*.tsv
WORK=$(mktemp -d /tmp/sw-hostile.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$RSS_MB:allocator_may_return_null=1"
asan=0
nm -D "$SW" 2>/dev/null | grep -q __asan_init && asan=1
nm "$SW" 2>/dev/null | grep -q __asan_init && asan=1

digest() { # digest DIR PATHS: one line per path
	local p
	for p in $2; do
		if [ "$p" = @ruleset ]; then
			echo "@ruleset $(nft list ruleset 2>/dev/null | sha256sum | cut -c1-64)"
		elif [ -e "$1/$p" ]; then
			echo "$p $(sha256sum <"$1/$p" | cut -c1-64) $(stat -c %s "$1/$p")"
		else
			echo "$p absent"
		fi
	done
}

pass=0 failed=0 n=0
for table in "$@"; do
	tname=$(basename "$table" .tsv)
	while IFS=$'\t' read -r name want frag unchanged cmd; do
		case "$name" in '' | '#'*) continue ;; esac
		n=$((n + 1))
		d=$WORK/$tname-$n
		mkdir -p "$d"
		cp -a "$HERE/inputs/." "$d/" 2>/dev/null
		[ "$unchanged" = - ] && unchanged=
		before=$(digest "$d" "$unchanged")
		start=$(date +%s%N)
		if [ "$asan" = 1 ]; then
			(cd "$d" && timeout -s KILL "$TIMEOUT" bash -c "$cmd") >"$d.out" 2>&1 </dev/null
		else
			(cd "$d" && ulimit -v 2097152 && timeout -s KILL "$TIMEOUT" bash -c "$cmd") >"$d.out" 2>&1 </dev/null
		fi
		rc=$?
		ms=$((($(date +%s%N) - start) / 1000000))
		after=$(digest "$d" "$unchanged")
		why=
		[ "$rc" = 137 ] && why="killed after ${TIMEOUT}s (stuck?)"
		[ -z "$why" ] && [ "$rc" != "$want" ] && why="exit $rc, want $want"
		[ -z "$why" ] && [ "$frag" != - ] && ! grep -qF -- "$frag" "$d.out" && why="output lacks \"$frag\""
		[ -z "$why" ] && [ "$before" != "$after" ] && why="changed: $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"
		[ -z "$why" ] && grep -q "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer" "$d.out" && why="sanitizer report"
		if [ -z "$why" ]; then
			pass=$((pass + 1))
			printf 'ok    %-12s %-40s exit %s, %d ms\n' "$tname" "$name" "$rc" "$ms"
		else
			failed=$((failed + 1))
			printf 'FAIL  %-12s %-40s %s\n' "$tname" "$name" "$why"
			printf '      command: %s\n' "$cmd"
			sed -n '1,12p' "$d.out" | sed 's/^/      | /'
		fi
	done <"$table"
done
echo "hostile: $pass passed, $failed failed, of $n cases"
[ "$failed" = 0 ] && [ "$n" -gt 0 ]
