#!/bin/sh
# run_golden.sh SEGWATCH DIR [-g]: `segwatch policy import` of each
# DIR/fixtures/F.yaml (with DIR/namespaces.json) must print DIR/golden/F.json,
# all of them at once DIR/golden/all.json, and DIR/anp/anp.yaml with
# fixtures/egress.yaml DIR/golden/anp.json. With -g they are rewritten:
# review the diff (verdicts.py checks what they mean).
set -u
bin=$1 dir=$2 gen=${3:-}
fail=0
check() { # check NAME FILE...
	name=$1
	shift
	out=$("$bin" policy import "$@" --namespaces "$dir/namespaces.json" 2>/dev/null) || {
		echo "FAIL $name: import failed"
		fail=1
		return
	}
	if [ "$gen" = -g ]; then
		printf '%s\n' "$out" >"$dir/golden/$name.json"
	elif ! printf '%s\n' "$out" | diff -u "$dir/golden/$name.json" -; then
		echo "FAIL $name"
		fail=1
	fi
}
for f in "$dir"/fixtures/*.yaml; do
	check "$(basename "$f" .yaml)" "$f"
done
check all "$dir"/fixtures/*.yaml
# AdminNetworkPolicy and BaselineAdminNetworkPolicy around a NetworkPolicy
check anp "$dir"/anp/anp.yaml "$dir"/fixtures/egress.yaml
[ $fail = 0 ] && [ "$gen" != -g ] && echo "every fixture imports to its golden policy"
exit $fail
