#!/bin/sh
# run_golden.sh SEGWATCH DIR [-g]: for every DIR/*.json, what
# `segwatch agent check NAME.json` prints (stderr, then stdout, then its exit
# code as "exit N"), run inside DIR, must equal DIR/NAME.err. Files a config
# names are looked up relative to DIR, so the output is the same everywhere.
# For each DIR/NAME.effective, `agent check --json --pretty NAME.json` must
# print it (the effective config, every default explicit).
# With -g the .err files are (re)generated: review the diff.
set -u
tool=$1 dir=$2 gen=${3:-}
case "$tool" in /*) ;; *) tool=$(pwd)/$tool ;; esac
if [ ! -x "$tool" ]; then
	echo "run_golden.sh: $tool is not built" >&2
	exit 2
fi
cd "$dir" || exit 2
fail=0 n=0
for f in *.json; do
	case "$f" in *.policy.json|*.inventory.json|*.alerts.json|*.baseline.json) continue ;; esac
	n=$((n + 1))
	exp=${f%.json}.err
	out=$("$tool" agent check "$f" 2>&1; echo "exit $?")
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
# The effective config as JSON: NAME.effective is `agent check --json --pretty NAME.json`.
for exp in *.effective; do
	[ -e "$exp" ] || continue
	n=$((n + 1))
	out=$("$tool" agent check --json --pretty "${exp%.effective}.json" 2>&1; echo "exit $?")
	if [ "$gen" = -g ]; then
		printf '%s\n' "$out" >"$exp"
	elif ! printf '%s\n' "$out" | diff -u "$exp" - >/dev/null 2>&1; then
		echo "FAIL $exp:"
		printf '%s\n' "$out" | diff -u "$exp" -
		fail=1
	fi
done
[ $fail = 0 ] && [ "$gen" != -g ] && echo "all $n agent configs give their expected output"
exit $fail
