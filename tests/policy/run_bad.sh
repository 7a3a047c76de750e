#!/bin/sh
# run_bad.sh POLICY_DIAG DIR [-g]: for every DIR/*.json, the diagnostics
# policy_diag prints (and its exit code, last line "exit N") must equal
# DIR/*.err. With -g the .err files are (re)generated: review the diff.
set -u
tool=$1 dir=$2 gen=${3:-}
case "$tool" in /*) ;; *) tool=$(pwd)/$tool ;; esac
if [ ! -x "$tool" ]; then
	echo "run_bad.sh: $tool is not built" >&2
	exit 2
fi
cd "$dir" || exit 2
fail=0
for f in *.json; do
	exp=${f%.json}.err
	out=$("$tool" "$f"; echo "exit $?")
	if [ "$gen" = -g ]; then
		printf '%s\n' "$out" >"$exp"
		continue
	fi
	if ! printf '%s\n' "$out" | diff -u "$exp" - >/dev/null 2>&1; then
		echo "FAIL $f:"
		printf '%s\n' "$out" | diff -u "$exp" -
		fail=1
	fi
done
[ $fail = 0 ] && [ "$gen" != -g ] && echo "all $(ls *.json | wc -l) bad policies give their expected diagnostics"
exit $fail
