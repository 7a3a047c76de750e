#!/bin/sh
# run_bad.sh SEGWATCH DIR [-g]: for every DIR/*.yaml, what `segwatch policy
# import` prints on stderr (and its exit code, last line "exit N") must equal
# DIR/*.err. With -g the .err files are (re)generated: review the diff.
set -u
bin=$1 dir=$2 gen=${3:-}
case "$bin" in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$dir" || exit 2
fail=0
for f in *.yaml; do
	exp=${f%.yaml}.err
	out=$("$bin" policy import "$f" 2>&1 >/dev/null; echo "exit $?")
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
[ $fail = 0 ] && [ "$gen" != -g ] && echo "all $(ls *.yaml | wc -l) bad inputs give their expected diagnostics"
exit $fail
