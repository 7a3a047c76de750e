/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_EXIT_H
#define SEGWATCH_EXIT_H

/* Exit codes of every segwatch command (documented in `segwatch --help` and README). */
enum sw_exit {
	SW_EXIT_OK = 0,		/* done, nothing to report */
	SW_EXIT_LATERAL = 1,	/* unexpected lateral flows found (report, policy test) */
	SW_EXIT_USAGE = 2,	/* bad command line, bad input file contents, unknown interface */
	SW_EXIT_RUNTIME = 3,	/* pcap, netlink, permission or I/O failure */
};

/* An error for the caller to print: what went wrong and the exit code it maps to. */
struct sw_err {
	int code;		/* enum sw_exit */
	char msg[512];
};

/* sw_err_set - record an error (printf-style); returns @code for `return sw_err_set(...)`. */
int sw_err_set(struct sw_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
