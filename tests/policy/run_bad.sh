#!/bin/sh
# run_bad.sh POLICY_DIAG DIR [-g]: for every DIR/*.json, the diagnostics
# policy_diag prints (and its exit code, last line "exit N") must equal
# DIR/*.err. With -g the .err files are (re)generated: review the diff.
set -u
. "$(dirname "$0")/../expect.sh"
expect_init run_bad.sh "$1" "$2" "${3:-}"
for f in *.json; do
	expect_same "${f%.json}.err" "$("$tool" "$f"; echo "exit $?")" "$f"
done
[ $fail = 0 ] && [ "$gen" != -g ] && echo "all $(ls *.json | wc -l) bad policies give their expected diagnostics"
exit $fail
