#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run_golden.sh - pcap fixture -> `segwatch capture -r PCAP --json` -> compare
# with tests/golden/expected/<name>.json (model: tcpdump tests/TESTLIST).
#
#   run_golden.sh [-g] [-b SEGWATCH] [-f FIXTURE_DIR] [-l TESTLIST] [-e EXPECTED_DIR] [NAME...]
#
#   -g  regenerate the expected files instead of comparing (same as
#       SW_GOLDEN_REGEN=1). Review `git diff tests/golden/expected` afterwards:
#       a golden file is only right if it follows docs/flows.md.
#   -b  the segwatch binary (default: $SEGWATCH, else build/segwatch)
#   -f  directory holding the fixtures (default: $SW_FIXTURES, else they are
#       generated into a temporary directory with tools/gen_fixtures.py)
#   NAME  run only these TESTLIST rows (default: all)
#
# TESTLIST rows: `name pcap-file expected-file [extra flags...]`; '#' starts a
# comment. A flag `@exit=N` is not passed to segwatch: it says the run must
# exit with N instead of 0; then only the exit code is checked (expected-file: -).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
regen=${SW_GOLDEN_REGEN:-0}
segwatch=${SEGWATCH:-$root/build/segwatch}
fixtures=${SW_FIXTURES:-}
testlist=$here/TESTLIST
expdir=$here/expected
python=${PYTHON:-python3}

while getopts gb:f:l:e: opt; do
	case $opt in
	g) regen=1 ;;
	b) segwatch=$OPTARG ;;
	f) fixtures=$OPTARG ;;
	l) testlist=$OPTARG ;;
	e) expdir=$OPTARG ;;
	*) sed -n '3,19p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

case $segwatch in /*) ;; *) segwatch=$(pwd)/$segwatch ;; esac
if [ ! -x "$segwatch" ]; then
	echo "run_golden.sh: segwatch binary $segwatch not found; skipping" >&2
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$fixtures" ]; then
	fixtures=$tmp/fixtures
	"$python" "$root/tools/gen_fixtures.py" "$fixtures"
fi

# wanted NAME - true when NAME was asked for on the command line (or nothing was).
wanted() {
	[ -z "$names" ] && return 0
	for n in $names; do [ "$n" = "$1" ] && return 0; done
	return 1
}

# run_one NAME PCAP EXPECTED FLAGS... - returns 0 on pass (or regenerated).
run_one() {
	name=$1 pcap=$2 exp=$expdir/$3
	shift 3
	want_rc=0 flags=
	for f in "$@"; do
		case $f in
		@exit=*) want_rc=${f#@exit=} ;;
		*) flags="$flags $f" ;;
		esac
	done
	rc=0
	# Run from the fixture directory with a relative -r: the file name shows up
	# in counters.interfaces, and must not depend on where the tree is built.
	# Flags are split on blanks on purpose: TESTLIST has no quoting.
	# shellcheck disable=SC2086
	(cd "$fixtures" && exec "$segwatch" capture -r "$pcap" --json $flags) \
		</dev/null >"$tmp/out.json" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: segwatch exited $rc, expected $want_rc"
		sed 's/^/    stderr: /' "$tmp/err"
		return 1
	fi
	if [ "$want_rc" -ne 0 ]; then
		# A failed run prints no document: the exit code is the whole check.
		echo "ok   $name (exit $rc)"
		return 0
	fi
	if ! "$python" "$here/jsonnorm.py" norm "$tmp/out.json" "$fixtures" "$tmp/norm.json"; then
		echo "FAIL $name: output is not JSON"
		head -c 2000 "$tmp/out.json"
		return 1
	fi
	if [ "$regen" = 1 ]; then
		if [ -f "$exp" ] && "$python" "$here/jsonnorm.py" cmp "$exp" "$tmp/norm.json" >/dev/null; then
			echo "same $name"
		else
			cp "$tmp/norm.json" "$exp"
			echo "REGENERATED $name -> ${exp#"$root"/} (review it against docs/flows.md)"
		fi
		return 0
	fi
	if [ ! -f "$exp" ]; then
		echo "FAIL $name: no expected file ${exp#"$root"/} (run with -g, then review it)"
		return 1
	fi
	if ! "$python" "$here/jsonnorm.py" cmp "$exp" "$tmp/norm.json" >"$tmp/diff"; then
		echo "FAIL $name: output differs from ${exp#"$root"/}"
		cat "$tmp/diff"
		return 1
	fi
	echo "ok   $name"
}

names="$*"
pass=0 fail=0 seen=
while read -r name pcap exp rest; do
	case $name in '' | \#*) continue ;; esac
	wanted "$name" || continue
	seen="$seen $name"
	# shellcheck disable=SC2086
	if run_one "$name" "$pcap" "$exp" $rest; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done <"$testlist"

for n in $names; do
	case " $seen " in *" $n "*) ;; *) echo "FAIL $n: not in ${testlist#"$root"/}"; fail=$((fail + 1)) ;; esac
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
