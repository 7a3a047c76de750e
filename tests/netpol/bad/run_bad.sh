#!/bin/sh
# run_bad.sh SEGWATCH DIR [-g]: for every DIR/*.yaml, what `segwatch policy
# import` prints on stderr (and its exit code, last line "exit N") must equal
# DIR/*.err. With -g the .err files are (re)generated: review the diff.
set -u
. "$(dirname "$0")/../../expect.sh"
expect_init run_bad.sh "$1" "$2" "${3:-}"
for f in *.yaml; do
	expect_same "${f%.yaml}.err" "$("$tool" policy import "$f" 2>&1 >/dev/null; echo "exit $?")" "$f"
done
[ $fail = 0 ] && [ "$gen" != -g ] && echo "all $(ls *.yaml | wc -l) bad inputs give their expected diagnostics"
exit $fail
