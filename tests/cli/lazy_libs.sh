#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# libcurl, libmicrohttpd, libfixbuf and libcrypto (and what they pull in: TLS, Kerberos,
# LDAP, glib) are opened on first use (include/segwatch/dynlib.h), not
# linked: the binary does not list them, and a short command loads none of
# them (docs/benchmarks.md, issue 14: start-up cost).
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
