#!/usr/bin/env bash
# completion.sh SEGWATCH COMPLETION - tools/completion/segwatch.bash in a real
# bash: _segwatch fills COMPREPLY from COMP_WORDS/COMP_CWORD as bash does on
# TAB. Commands, verbs, a command's and a verb's options, file names after
# -r/-w/--policy, nothing after an option whose value is not a file.
set -u
SW=${1:?usage: completion.sh SEGWATCH COMPLETION}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
COMPLETION=${2:?usage: completion.sh SEGWATCH COMPLETION}
COMPLETION=$(cd "$(dirname "$COMPLETION")" && pwd)/$(basename "$COMPLETION")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
touch trace.pcap trace2.pcap policy.json
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fails=0 passes=0

# shellcheck disable=SC1090
source "$COMPLETION" || { echo "FAIL: cannot source $COMPLETION"; exit 1; }
complete -p segwatch | grep -q -- "-F _segwatch" || { echo "FAIL: no complete -F _segwatch segwatch"; exit 1; }

# expect "WANT" WORD...: TAB after the words (the last is the one being completed)
# gives exactly WANT (sorted, space-separated)
expect() {
	local want=$1 got
	shift
	COMP_WORDS=("$SW" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_segwatch segwatch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" != "$want" ]; then
		echo "FAIL: segwatch $* <TAB> -> \"$got\", want \"$want\""
		fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
}

expect "capture" cap
expect "flows" fl
expect "policy" po
expect "--version" --ver
expect "--help" --he
expect "--ipfix --ipfix-labels --ipfix-mode --ipfix-pen" capture --ipf
expect "--alert-config --alert-format --alerts --all" capture --al
expect "apply check compile export import remove status test" policy ""
expect "--name --namespaces" policy import --na
expect "policy.json" policy import np.yaml --namespaces pol
expect "test" policy t
expect "check" policy --json ch
expect "--flows" policy test --fl
expect "" policy check --fl             # check takes no --flows
expect "--cut" policy apply p.json --c
expect "adminnetworkpolicy networkpolicy" policy export p.json --format ""
expect "adminnetworkpolicy" learn --format adm
expect "policy.json" policy export --format networkpolicy -o pol
expect "check" agent ch
expect "merge" graph me
expect "policy" help pol
expect "status" help policy st
expect "trace.pcap trace2.pcap" capture -r tr
expect "policy.json" report --policy pol
expect "trace.pcap trace2.pcap" capture -r trace.pcap -w tr
expect "" capture --ipfix-mode ""       # a mode, not a file
expect "--since --state" flows --s
# the filters (docs/filters.md): the same options in every command that shows flows, their words
expect "--from" graph --fro
expect "--peer --policy --port --proto" report --p
expect "--state" capture --sta
expect "refused" capture --state ref
expect "denied" report --verdict d
expect "refused,attempted refused,closed refused,established" flows --state refused,
expect "icmp icmpv6" graph --proto ic
# a command's options are those of its --help, all of them
opts=$("$SW" flows --help | grep -oE -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "$opts" flows --

echo "completion: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
