#!/bin/sh
# run_compile.sh SEGWATCH DIR [-g]: `policy compile` of DIR/terms.json with the
# workloads of DIR/pods.json must print DIR/terms.nft (match terms: namespace
# AND labels, NotIn, cidrs minus except split into prefixes, labels AND cidrs).
# With -g the golden file is rewritten: review the diff.
set -u
bin=$1 dir=$2
out=$("$bin" policy compile "$dir/terms.json" --inventory "$dir/pods.json" --no-engine --no-kernel) || exit 1
if [ "${3:-}" = -g ]; then
	printf '%s\n' "$out" >"$dir/terms.nft"
	exit 0
fi
printf '%s\n' "$out" | diff -u "$dir/terms.nft" - || exit 1
echo "policy compile of the match terms equals terms.nft"
