#!/bin/sh
# run_golden.sh SEGWATCH DIR [-g]: for every DIR/*.json, what
# `segwatch agent check NAME.json` prints (stderr, then stdout, then its exit
# code as "exit N"), run inside DIR, must equal DIR/NAME.err. Files a config
# names are looked up relative to DIR, so the output is the same everywhere.
# For each DIR/NAME.effective, `agent check --json --pretty NAME.json` must
# print it (the effective config, every default explicit).
# With -g the .err files are (re)generated: review the diff.
set -u
. "$(dirname "$0")/../expect.sh"
expect_init run_golden.sh "$1" "$2" "${3:-}"
n=0
for f in *.json; do
	case "$f" in *.policy.json|*.inventory.json|*.alerts.json|*.baseline.json) continue ;; esac
	n=$((n + 1))
	expect_same "${f%.json}.err" "$("$tool" agent check "$f" 2>&1; echo "exit $?")" "$f"
done
# The effective config as JSON: NAME.effective is `agent check --json --pretty NAME.json`.
for exp in *.effective; do
	[ -e "$exp" ] || continue
	n=$((n + 1))
	expect_same "$exp" "$("$tool" agent check --json --pretty "${exp%.effective}.json" 2>&1; echo "exit $?")"
done
[ $fail = 0 ] && [ "$gen" != -g ] && echo "all $n agent configs give their expected output"
exit $fail
