/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_DYNLIB_H
#define SEGWATCH_DYNLIB_H

/*
 * dynlib - a shared library opened with dlopen the first time a command
 * needs it, its functions resolved into a struct of typed pointers.
 *
 * Why: libcurl, libmicrohttpd and libfixbuf pull in 40 more libraries
 * (TLS, Kerberos, LDAP, SSH, glib) that the dynamic loader would map and
 * relocate at every start, 10-20 ms of CPU that `policy apply` or
 * `segwatch --version` never use (docs/benchmarks.md, issue 14).
 *
 * A binding (src/engine/curl_api.c is one) declares its table with the
 * library's own header giving each type, and the library's SONAME coming
 * from the build (CMake reads it from the file pkg-config found):
 *
 *	struct sw_curl_api { __typeof__(curl_easy_init) *easy_init; ... };
 *	static const struct sw_dynlib_sym syms[] = {
 *		SW_DYNLIB_SYM(struct sw_curl_api, easy_init, "curl_easy_init"), ... };
 *	static struct sw_curl_api api;
 *	static struct sw_dynlib lib = SW_DYNLIB_INIT(SW_CURL_SONAME, SW_CURL_PACKAGE, "", syms, &api);
 *
 * Fields are named after the function less the library's prefix (curl.h
 * defines curl_easy_setopt as a macro, which `api->curl_easy_setopt(` would expand).
 */

#include <stdbool.h>
#include <stddef.h>

#include <segwatch/exit.h>

/* One function of a library: its name and where its pointer goes in the table. */
struct sw_dynlib_sym {
	const char *name;
	size_t off;
};

#define SW_DYNLIB_SYM(type, field, name) { (name), offsetof(type, field) }

/* A library and its table; static storage, initialised with SW_DYNLIB_INIT. */
struct sw_dynlib {
	const char *soname;		/* "libcurl.so.4" */
	const char *package;		/* the Debian package that has it, for the hint; "" if unknown */
	const char *needs;		/* "" or a library it uses without naming it, opened first */
	const struct sw_dynlib_sym *syms;
	size_t n_syms;
	void *api;			/* a struct of function pointers only, n_syms of them */
	int state;			/* 0 not tried, 1 loaded, -1 failed (why says it): under a lock */
	char why[400];
};

#define SW_DYNLIB_INIT(soname, package, needs, syms, api)                                   \
	{ (soname), (package), (needs), (syms), sizeof(syms) / sizeof((syms)[0]), (api), 0, "" }

/*
 * sw_dynlib_load - open @l and fill its table, once per process (thread-safe;
 * a failure is kept and reported again). SW_EXIT_OK, or SW_EXIT_RUNTIME with
 * @err naming the library and its package. The library is never closed.
 */
int sw_dynlib_load(struct sw_dynlib *l, struct sw_err *err);

#endif
