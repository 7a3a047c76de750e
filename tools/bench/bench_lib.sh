# SPDX-License-Identifier: GPL-2.0-or-later
# bench_lib.sh - what the benchmark scripts share; source it after setting
# BENCH_NAME (the prefix of their messages).

# usage [STATUS] - the script's "# usage:" header block, then exit (2 by default).
usage() {
	sed -n '/^# usage:/,/^$/p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

# die MESSAGE - a usage or setup error: exit 2.
die() {
	echo "$BENCH_NAME: $*" >&2
	exit 2
}
