#!/usr/bin/env bash
# compile_golden.sh SEGWATCH [-g] - `segwatch policy compile` output for the
# example policies (with the demo lab's inventory) must equal the reviewed
# scripts in tests/cli/golden/*.nft and libnftnl payload dumps in *.payload;
# -g regenerates them (review the diff).
set -u
SEGWATCH=${1:?usage: compile_golden.sh SEGWATCH [-g]}
regen=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fails=0 passes=0
check() { # check NAME POLICY [ARGS...]
	local name=$1 policy=$2 out
	shift 2
	out=$("$SEGWATCH" policy compile "$top/$policy" --no-engine --no-kernel "$@") ||
		{ echo "FAIL: $name: compile exited $?"; fails=$((fails + 1)); return; }
	if [ "$regen" = -g ]; then
		printf '%s\n' "$out" >"$here/golden/$name.nft"
		echo "regenerated $name.nft"
	elif ! diff -u "$here/golden/$name.nft" <(printf '%s\n' "$out"); then
		echo "FAIL: $name"
		fails=$((fails + 1))
		return
	fi
	# and what the batch sends, as libnftnl prints it
	pl=$("$SEGWATCH" policy compile "$top/$policy" --no-engine --no-kernel --payload "$@") ||
		{ echo "FAIL: $name: --payload exited $?"; fails=$((fails + 1)); return; }
	if [ "$regen" = -g ]; then
		printf '%s\n' "$pl" >"$here/golden/$name.payload"
	elif ! diff -u "$here/golden/$name.payload" <(printf '%s\n' "$pl"); then
		echo "FAIL: $name (payload)"
		fails=$((fails + 1))
		return
	fi
	# what is reviewed must load: nft checks it in a namespace of its own
	if [ "$(id -u)" -eq 0 ] && command -v nft >/dev/null &&
		! unshare -n nft -c -f - <<<"$out"; then
		echo "FAIL: $name: nft -c refuses the script"
		fails=$((fails + 1))
		return
	fi
	passes=$((passes + 1))
}
check shop policy/examples/shop.json
check staging policy/examples/staging.json
check demo policy/examples/demo.json --inventory "$top/tools/examples/inventory.json"
check lockdown policy/examples/lockdown.json --inventory "$top/tools/examples/inventory.json"
echo "compile_golden: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
