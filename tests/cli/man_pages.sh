#!/usr/bin/env bash
# man_pages.sh SEGWATCH MANDIR - the man pages the build made (tools/man) say
# what the --help texts say: a page for segwatch, each command and each verb
# (policy's, agent check); every option and example of a --help is in its page (source and roff);
# man(1) renders each page without warnings. Exit 77 (skipped) when the build
# had no scdoc.
set -u
SW=${1:?usage: man_pages.sh SEGWATCH MANDIR}
MAN=${2:?usage: man_pages.sh SEGWATCH MANDIR}
if [ ! -f "$MAN/segwatch.1" ]; then
	echo "man_pages: no pages in $MAN (built without scdoc): skipped"
	exit 77
fi
fails=0 passes=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# the pages there must be: segwatch, segwatch-CMD, segwatch-CMD-VERB (its "verbs:")
# list HEADING: the names under HEADING ("commands:", "verbs:") of the help on stdin
list() {
	awk -v h="$1" '$0 == h { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'
}
want=(segwatch)
for c in $("$SW" help | list "commands:"); do
	[ "$c" = help ] || [ "$c" = version ] && continue
	want+=("segwatch-$c")
	for v in $("$SW" help "$c" | list "verbs:"); do
		want+=("segwatch-$c-$v")
	done
done
[ "${#want[@]}" -ge 15 ] || fail "only ${#want[@]} pages expected: ${want[*]}"
have=$(cd "$MAN" && ls -- *.1 | sed 's/\.1$//' | sort | tr '\n' ' ')
[ "$have" = "$(printf '%s\n' "${want[@]}" | sort | tr '\n' ' ')" ] ||
	fail "pages in $MAN: $have; want: ${want[*]}"

for page in "${want[@]}"; do
	topic=${page#segwatch}
	topic=${topic#-}
	topic=${topic/-/ }
	src="$MAN/$page.1.scd" roff="$MAN/$page.1"
	[ -f "$src" ] && [ -f "$roff" ] || { fail "$page: no $src or $roff"; continue; }
	# shellcheck disable=SC2086
	help=$("$SW" help $topic)
	# every option of the --help, in the page's source and in the page
	opts=$(awk 'match($0, /^ +-/) && RLENGTH <= 7' <<<"$help" | grep -oE -- '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		tr -d ' ,' | sort -u)
	n=0
	for o in $opts; do
		n=$((n + 1))
		grep -qF -- "$o" "$src" || fail "$page: option $o of \"segwatch $topic --help\" not in $src"
		grep -qF -- "$o" "$roff" || fail "$page: option $o not in $roff"
	done
	[ "$n" -ge 1 ] || fail "$page: no options found in its --help"
	# every example
	while read -r ex; do
		grep -qF -- "$ex" "$src" || fail "$page: example \"$ex\" not in $src"
	done < <(awk '/^examples:$/ { on = 1; next } on && /^$/ { on = 0 } on && /^  segwatch / { sub(/^  /, ""); print }' <<<"$help")
	grep -q '^\.SH "\?EXAMPLES' "$roff" || fail "$page: no EXAMPLES section"
	if command -v man >/dev/null; then
		warn=$(MANWIDTH=80 man --warnings -l "$roff" 2>&1 >/dev/null)
		[ -z "$warn" ] || fail "$page: man warns: $(head -c 200 <<<"$warn")"
	fi
	passes=$((passes + 1))
done

echo "man_pages: $passes pages passed, $fails failures"
[ "$fails" -eq 0 ]
