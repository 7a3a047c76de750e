#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# libcurl, libmicrohttpd, libfixbuf and libcrypto (and what they pull in: TLS, Kerberos,
# LDAP, glib) are opened on first use (include/segwatch/dynlib.h), not
# linked: the binary does not list them, and a short command loads none of
# them (docs/benchmarks.md, issue 14: start-up cost). As root, with each
# library hidden in a mount namespace of its own (a bind mount of /dev/null
# over the file; nothing outside it changes), a command that needs it exits
# 3 naming it and its package, and Community IDs are left out without libcrypto.
#   tests/cli/lazy_libs.sh build/segwatch
set -eu
SEGWATCH=${1:?usage: lazy_libs.sh SEGWATCH}
LAZY='libcrypto|libcurl|libmicrohttpd|libfixbuf|libglib|libgnutls|libssh2|libldap|libkrb5|libnghttp2'

fail() { echo "FAIL: $*" >&2; exit 1; }

needed=$(readelf -d "$SEGWATCH" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || fail "readelf -d $SEGWATCH lists no NEEDED at all"
if echo "$needed" | grep -E "$LAZY"; then
	fail "linked, not opened on first use (above)"
fi

# what the loader opens for a short command (LD_DEBUG=files: one line per object)
loaded=$(LD_DEBUG=files "$SEGWATCH" --version 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\).*\[0\].*/\1/p' | sort -u)
echo "$loaded" | grep -q 'libjansson' || fail "LD_DEBUG=files shows no libjansson: cannot tell what was loaded"
if echo "$loaded" | grep -E "$LAZY"; then
	fail "segwatch --version loaded the above"
fi
echo "ok: $(echo "$needed" | wc -l) libraries linked, none of $LAZY loaded by --version"

if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "skipped: the missing-library checks need root (unshare -m)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$(dirname "$0")/scan_pcap.py" "$tmp/scan.pcap" || fail "cannot write the scan pcap"

# the file the loader would open for SONAME pattern $1 (ldconfig's cache)
lib_file() { readlink -f "$(ldconfig -p | awk -v re="^$1\\.so\\.[0-9]+$" '$1 ~ re { print $NF; exit }')"; }

# without: run "$@" with library $1 (a name pattern) hidden; its stdout in $tmp/out, stderr in $tmp/err
without() {
	f=$(lib_file "$1")
	[ -f "$f" ] || fail "no $1 in ldconfig -p"
	shift
	rc=0
	unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$f" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

without libcurl "$SEGWATCH" capture -r "$tmp/scan.pcap" -q --alerts http://127.0.0.1:9/hook
[ "$rc" -eq 3 ] || fail "webhook without libcurl: exit $rc, want 3 ($(cat "$tmp/err"))"
grep -Eq 'cannot load libcurl\.so\.[0-9]+ \(apt install libcurl[0-9]*\): .*file too short' "$tmp/err" ||
	fail "webhook without libcurl: $(cat "$tmp/err")"

without libfixbuf "$SEGWATCH" capture -r "$tmp/scan.pcap" -q --ipfix udp://127.0.0.1:4739
[ "$rc" -eq 3 ] && grep -Eq 'IPFIX: cannot load libfixbuf\.so\.[0-9]+ \(apt install libfixbuf[0-9]*\)' "$tmp/err" ||
	fail "IPFIX without libfixbuf: exit $rc, $(cat "$tmp/err")"
# glib, which libfixbuf uses without naming it, is opened first and named
without libglib-2.0 "$SEGWATCH" capture -r "$tmp/scan.pcap" -q --ipfix udp://127.0.0.1:4739
[ "$rc" -eq 3 ] && grep -q 'libglib-2.0.so.0: file too short' "$tmp/err" ||
	fail "IPFIX without glib: exit $rc, $(cat "$tmp/err")"

# Community IDs: left out (as with a libcrypto without SHA-1), the flows all there
"$SEGWATCH" capture -r "$tmp/scan.pcap" --json >"$tmp/with" || fail "capture --json failed"
grep -q '"community_id":"1:' "$tmp/with" || fail "no Community ID with libcrypto"
without libcrypto "$SEGWATCH" capture -r "$tmp/scan.pcap" --json
[ "$rc" -eq 0 ] || fail "capture --json without libcrypto: exit $rc ($(cat "$tmp/err"))"
! grep -q community_id "$tmp/out" || fail "a Community ID without libcrypto"
[ "$(grep -o '"sport"' "$tmp/out" | wc -l)" -eq "$(grep -o '"sport"' "$tmp/with" | wc -l)" ] ||
	fail "capture --json without libcrypto lost flows"
echo "ok: without libcurl, libfixbuf, glib: exit 3 naming them; without libcrypto: no Community IDs"
