# expect.sh - sourced by the scripts that run a tool over every input of a
# folder and compare what it prints with a reviewed file beside the input
# (tests/policy/run_bad.sh, tests/netpol/bad/run_bad.sh,
# tests/agent/run_golden.sh); with -g they write the files instead (review
# the diff).

# expect_init WHO TOOL DIR GEN: $tool is TOOL made absolute (exit 2 when it
# is not built), the script continues in DIR; $gen is GEN, $fail 0.
expect_init() {
	tool=$2 gen=$4 fail=0
	case "$tool" in /*) ;; *) tool=$(pwd)/$tool ;; esac
	if [ ! -x "$tool" ]; then
		echo "$1: $tool is not built" >&2
		exit 2
	fi
	cd "$3" || exit 2
}

# expect_same EXP OUT [WHAT]: OUT must equal the file EXP (with -g it becomes
# EXP); a difference is printed under "FAIL WHAT:" (WHAT defaults to EXP).
expect_same() {
	if [ "$gen" = -g ]; then
		printf '%s\n' "$2" >"$1"
		return
	fi
	if ! printf '%s\n' "$2" | diff -u "$1" - >/dev/null 2>&1; then
		echo "FAIL ${3:-$1}:"
		printf '%s\n' "$2" | diff -u "$1" -
		fail=1
	fi
}
