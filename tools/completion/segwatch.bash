# bash completion for segwatch                       -*- shell-script -*-
# Installed as share/bash-completion/completions/segwatch.
#
# Commands, verbs and options are read from the binary's own help
# (`segwatch help`, `segwatch help CMD [VERB]`), so they are always those of
# the segwatch being completed, never a copy that drifts. Each text is asked
# for once per shell. Options whose value is a file or directory (-r, -w, -o,
# --policy FILE, --flows ...) complete file names; the filters' --state,
# --verdict, --proto (and flows' --type) their words.

declare -gA _segwatch_cache

# _segwatch_help PROG [TOPIC...]: the help text of TOPIC, cached.
_segwatch_help()
{
	local key="$*"
	if [[ -z ${_segwatch_cache[$key]+set} ]]; then
		_segwatch_cache[$key]=$("$1" help "${@:2}" 2>/dev/null)
	fi
	printf '%s\n' "${_segwatch_cache[$key]}"
}

# _segwatch_list HEADING: the names listed under HEADING ("commands:", "verbs:") on stdin.
_segwatch_list()
{
	awk -v h="$1" '$0 == h { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'
}

# _segwatch_verbs PROG CMD: the verbs of CMD (its "verbs:" list, or the
# lowercase word after "segwatch CMD" in its usage lines).
_segwatch_verbs()
{
	local text
	text=$(_segwatch_help "$1" "$2")
	{
		_segwatch_list "verbs:" <<<"$text"
		awk -v c="$2" '/^(usage:)? +segwatch / {
			for (i = 1; i < NF; i++) if ($i == "segwatch" && $(i + 1) == c) {
				if ($(i + 2) ~ /^[a-z]+$/) print $(i + 2); break } }' <<<"$text"
	} | sort -u
}

# _segwatch_opts PROG TOPIC...: "OPTION ARG" per option of the help ("-" when it takes none).
_segwatch_opts()
{
	_segwatch_help "$@" | awk 'match($0, /^ +-/) && RLENGTH <= 7 {
		arg = "-"
		for (i = 1; i <= NF; i++) {
			w = $i; sub(/,$/, "", w)
			if (w ~ /^-/) names[++n] = w
			else { if (w ~ /^[A-Z[]/) arg = w; break }
		}
		for (j = 1; j <= n; j++) print names[j], arg
		n = 0
	}'
}

_segwatch()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd="" verb="" i w
	local -a topic
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		[[ $w == -* ]] && continue
		if [[ -z $cmd ]]; then
			cmd=$w
		elif [[ -z $verb ]] && _segwatch_verbs "$prog" "$cmd" | grep -qxF -- "$w"; then
			verb=$w
		fi
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "-h --help -V --version" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_segwatch_help "$prog" |
				_segwatch_list "commands:")" -- "$cur")
		fi
		return
	fi
	if [[ $cmd == help ]]; then
		if ((COMP_CWORD == 2)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_segwatch_help "$prog" |
				_segwatch_list "commands:")" -- "$cur")
		elif ((COMP_CWORD == 3)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_segwatch_verbs "$prog" "${COMP_WORDS[2]}")" -- "$cur")
		fi
		return
	fi
	topic=("$cmd")
	[[ -n $verb ]] && topic+=("$verb")

	# the value of the option before the cursor: file names when it names a file
	if [[ $prev == -* ]]; then
		local arg
		arg=$(_segwatch_opts "$prog" "${topic[@]}" | awk -v o="$prev" '$1 == o { print $2; exit }')
		case $arg in
		"" | - | "[SOCKET]" | "[GROUP]") ;;
		*FILE* | *DIR* | FLOWS* | GRAPH* | OLD | POLICY | CANDIDATE | F | DEST)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return ;;
		*)
			# the filters' words (docs/filters.md); a list value completes its last item
			local words=""
			case $prev in
			--state) words="attempted refused established closed" ;;
			--verdict) words="allowed denied monitored unmanaged" ;;
			--proto) words="tcp udp sctp udplite icmp icmpv6" ;;
			--type) words="flow kernel_log counters all" ;;
			esac
			if [[ -n $words ]]; then
				local head="" w
				if [[ $cur == *,* ]]; then # not the items already given
					head=${cur%,*},
					for w in ${head//,/ }; do words=" $words "; words=${words/ $w / }; done
				fi
				mapfile -t COMPREPLY < <(compgen -P "$head" -W "$words" -- "${cur##*,}")
			fi
			return ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_segwatch_opts "$prog" "${topic[@]}" |
			awk '{ print $1 }')" -- "$cur")
		return
	fi
	if [[ -z $verb ]]; then
		local verbs
		verbs=$(_segwatch_verbs "$prog" "$cmd")
		if [[ -n $verbs ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
			[[ $cmd == graph ]] || return
		fi
	fi
	compopt -o filenames 2>/dev/null
	mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _segwatch segwatch
