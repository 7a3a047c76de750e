/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_METRICS_H
#define SEGWATCH_METRICS_H

/*
 * metrics - what the agent counts, for Prometheus (docs/metrics.md):
 *
 *   text    the text exposition format 0.0.4 written into a growing buffer:
 *           # HELP and # TYPE once per family, label values escaped
 *           (backslash, double quote, newline) and made valid UTF-8, since
 *           they come from interface names and policies nobody vetted
 *   pairs   flows, bytes and denials per (source group, destination group)
 *           with a bound on the number of series: the first N pairs seen
 *           keep a series of their own, every later pair is summed into one
 *           "(other)" pair, so label cardinality never grows with workloads
 *   server  GET /metrics over HTTP (libmicrohttpd, a thread of its own)
 *           answering with the last page published: the capture thread
 *           renders, the server only copies (no lock is held while either
 *           renders or sends)
 *
 * Nothing here reads the pipeline: the agent renders its own page
 * (src/agent/metrics.c) and the "metrics" sink keeps the pairs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>

/* ---- the exposition text ---- */

/* Longest label value written (bytes, before escaping); longer ones are cut at a character. */
#define SW_METRICS_LABEL_MAX 128

struct sw_metrics_text {
	char *buf;		/* NUL-terminated; NULL until something is written */
	size_t len, cap;
	bool nomem;		/* a write failed: the page is incomplete, do not publish it */
};

struct sw_metrics_label {
	const char *name;	/* a valid label name (ours, not escaped) */
	const char *value;	/* anything: escaped; NULL is "" */
};

enum sw_metrics_type { SW_METRICS_COUNTER = 0, SW_METRICS_GAUGE, SW_METRICS_UNTYPED };

void sw_metrics_text_init(struct sw_metrics_text *t);
/* sw_metrics_text_reset - empty, the buffer kept for the next page. */
void sw_metrics_text_reset(struct sw_metrics_text *t);
void sw_metrics_text_free(struct sw_metrics_text *t);

/* sw_metrics_family - "# HELP name help" (help escaped) and "# TYPE name type". */
void sw_metrics_family(struct sw_metrics_text *t, const char *name, enum sw_metrics_type type,
		       const char *help);
/* sw_metrics_u64 - one sample: name{labels} value, an exact integer. */
void sw_metrics_u64(struct sw_metrics_text *t, const char *name,
		    const struct sw_metrics_label *labels, size_t n, uint64_t value);
/* sw_metrics_f64 - the same with a float (NaN, +Inf and -Inf as the format writes them). */
void sw_metrics_f64(struct sw_metrics_text *t, const char *name,
		    const struct sw_metrics_label *labels, size_t n, double value);
/* sw_metrics_counter - a family with one unlabelled sample (the common case). */
void sw_metrics_counter(struct sw_metrics_text *t, const char *name, const char *help,
			uint64_t value);
void sw_metrics_gauge(struct sw_metrics_text *t, const char *name, const char *help,
		      uint64_t value);

/*
 * sw_metrics_escape - @value as a label value goes between the quotes: \\
 * \" \n escaped, bytes that are not UTF-8 replaced by U+FFFD, cut at
 * SW_METRICS_LABEL_MAX bytes of input on a character boundary. @size should
 * be at least 6 * SW_METRICS_LABEL_MAX + 1 (every byte may become U+FFFD).
 * Returns the length written (always terminated).
 */
size_t sw_metrics_escape(char *buf, size_t size, const char *value);

/* ---- flows, bytes and denials per group pair (bounded) ---- */

#define SW_METRICS_PAIRS_DEFAULT 100
#define SW_METRICS_PAIRS_MAX 10000
#define SW_METRICS_OTHER "(other)"

struct sw_metrics_pairs;

/* sw_metrics_pairs_alloc - room for @max pairs with a series of their own (1..SW_METRICS_PAIRS_MAX). */
struct sw_metrics_pairs *sw_metrics_pairs_alloc(size_t max);
void sw_metrics_pairs_free(struct sw_metrics_pairs *p);

/*
 * sw_metrics_pairs_add - count one ended flow of @bytes between groups @src
 * and @dst (names; NULL is ""); @denied: the policy denies it. A pair not
 * yet known gets a series while there is room, else it goes to "(other)".
 * Returns false when it went to "(other)".
 */
bool sw_metrics_pairs_add(struct sw_metrics_pairs *p, const char *src, const char *dst,
			  uint64_t bytes, bool denied);

/* sw_metrics_pairs_n - pairs with a series of their own. */
size_t sw_metrics_pairs_n(const struct sw_metrics_pairs *p);

/*
 * sw_metrics_pairs_render - the three families (segwatch_group_pair_flows_total,
 * _bytes_total, _denied_flows_total), one series per pair plus "(other)"
 * (always there, 0 until a pair overflows), and segwatch_group_pairs_overflow_total.
 */
void sw_metrics_pairs_render(const struct sw_metrics_pairs *p, struct sw_metrics_text *t);

/* ---- the HTTP server ---- */

/* Where the agent listens when its config says nothing (docs/metrics.md). */
#define SW_METRICS_LISTEN_DEFAULT "127.0.0.1:9617"

struct sw_metrics_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* 4 bytes for AF_INET */
	uint16_t port;		/* host order, 1..65535 */
};

/*
 * sw_metrics_addr_parse - "127.0.0.1:9617", "[::1]:9617", "0.0.0.0:9617" or
 * "[::]:9617" (numeric: no name is looked up). False with @why ("no port")
 * when it is not one.
 */
bool sw_metrics_addr_parse(const char *text, struct sw_metrics_addr *out, char *why, size_t size);

/*
 * sw_metrics_listen_socket - a TCP socket bound to @a and listening
 * (SO_REUSEADDR: a restarted agent takes its port back at once), for the
 * agent's HTTP servers (/metrics, the live graph); @what ("metrics", "web")
 * and @text (the address as given) name it in errors. -1 with @err.
 */
int sw_metrics_listen_socket(const struct sw_metrics_addr *a, const char *what, const char *text,
			     struct sw_err *err);

struct sw_metrics_server;

/*
 * sw_metrics_server_start - listen on @listen and answer GET /metrics from a
 * thread of libmicrohttpd's (503 until the first sw_metrics_server_publish).
 * Returns SW_EXIT_OK, SW_EXIT_USAGE (not an address) or SW_EXIT_RUNTIME
 * (cannot listen: in use, no permission) with @err.
 */
int sw_metrics_server_start(struct sw_metrics_server **out, const char *listen,
			    struct sw_err *err);

/*
 * sw_metrics_server_publish - the page scrapes answer with from now on
 * (copied). Pages with t->nomem are not published: scrapes keep the last.
 */
void sw_metrics_server_publish(struct sw_metrics_server *s, const struct sw_metrics_text *t);

/* sw_metrics_server_scrapes - pages served so far. */
uint64_t sw_metrics_server_scrapes(struct sw_metrics_server *s);

/* sw_metrics_server_listen - the address it listens on, as given. */
const char *sw_metrics_server_listen(const struct sw_metrics_server *s);

/* sw_metrics_server_stop - stop answering, join the thread, free; NULL is fine. */
void sw_metrics_server_stop(struct sw_metrics_server *s);

#endif
