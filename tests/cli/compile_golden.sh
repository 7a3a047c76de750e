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
	# the L2 guard's rules: what the batch sends is what nft makes of the script
	if [ "$(id -u)" -eq 0 ] && command -v nft >/dev/null && grep -q '^table bridge' <<<"$out" &&
		! diff -u <(sed -n '/^# L2 guard/,$p' <<<"$pl" | grep -v '^#' | grep -v '^$') \
			<(unshare -n nft --debug=netlink -f - <<<"$out" 2>&1 |
				sed -n '/^bridge segwatch l2_guard$/,$p' | grep -v '^$'); then
		echo "FAIL: $name: the L2 guard's expressions differ from nft's for the script"
		fails=$((fails + 1))
		return
	fi
	passes=$((passes + 1))
}
check shop policy/examples/shop.json
check staging policy/examples/staging.json
check demo policy/examples/demo.json --inventory "$top/tools/examples/inventory.json"
check lockdown policy/examples/lockdown.json --inventory "$top/tools/examples/inventory.json"
check l2guard tests/cli/l2guard.json --inventory "$top/tests/cli/l2guard_inventory.json"
check l2guard_monitor tests/cli/l2guard_monitor.json --inventory "$top/tests/cli/l2guard_inventory.json"
echo "compile_golden: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
