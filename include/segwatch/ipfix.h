/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_IPFIX_H
#define SEGWATCH_IPFIX_H

/*
 * ipfix - flow records to an IPFIX collector (RFC 7011/7012), encoded with
 * libfixbuf, sent over UDP or TCP by a thread of its own (docs/ipfix.md).
 *
 * Records are biflows (RFC 5103: reverse elements under PEN 29305) or, for
 * collectors that ignore reverse elements, one record per direction. What
 * only segwatch knows (workload names, namespaces, ...) goes in enterprise
 * elements under a configurable enterprise number, described to collectors
 * by RFC 5610 type information records.
 *
 * A collector that is down or restarts never stops the capture: records that
 * cannot be sent are counted and dropped, TCP reconnects with backoff.
 */

#include <stdbool.h>
#include <stdint.h>

#include <segwatch/exit.h>
#include <segwatch/workload.h>

/*
 * The default enterprise number: 32473, which RFC 5612 reserves for
 * documentation and examples. segwatch has no number of its own; an operator
 * who has one (or wants the fields under another) sets it.
 */
#define SW_IPFIX_PEN_DEFAULT 32473u
#define SW_IPFIX_TEMPLATE_REFRESH_DEFAULT 60	/* seconds, UDP */

enum sw_ipfix_mode {
	SW_IPFIX_BIFLOW = 0,	/* one record per flow, reverse elements for the answer */
	SW_IPFIX_UNIFLOW,	/* one record per direction that saw a packet */
};

enum sw_ipfix_proto { SW_IPFIX_UDP = 0, SW_IPFIX_TCP };

struct sw_ipfix_url {
	enum sw_ipfix_proto proto;
	char host[256];		/* a name, an IPv4 address, or an IPv6 address without brackets */
	char port[6];
};

/*
 * sw_ipfix_url_parse - "udp://HOST:PORT" or "tcp://HOST:PORT" ([v6]:PORT for
 * IPv6). On failure @err (SW_EXIT_USAGE) says why, without naming the option.
 */
int sw_ipfix_url_parse(const char *text, struct sw_ipfix_url *out, struct sw_err *err);

/* sw_ipfix_mode_parse - "biflow" or "uniflow". */
bool sw_ipfix_mode_parse(const char *text, enum sw_ipfix_mode *out);
const char *sw_ipfix_mode_name(enum sw_ipfix_mode m);

#define SW_IPFIX_LABEL_KEYS_MAX 512

struct sw_ipfix_opts {
	struct sw_ipfix_url url;
	enum sw_ipfix_mode mode;
	uint32_t pen;			/* 0: SW_IPFIX_PEN_DEFAULT */
	uint32_t domain;		/* observation domain id */
	uint32_t template_refresh_s;	/* UDP; 0: SW_IPFIX_TEMPLATE_REFRESH_DEFAULT */
	/*
	 * Wait for a TCP connection at start (up to 2 s) rather than count the
	 * first records lost: a file read is over before a connection would be
	 * retried.
	 */
	bool wait_connect;
	/*
	 * The label keys exported (elements 12 and 13), separated by commas:
	 * "app,tier". Empty: every label.
	 */
	char label_keys[SW_IPFIX_LABEL_KEYS_MAX];
};

/* sw_ipfix_label_keys_set - @text ("app,tier") into @o; false when it does not fit or a key is empty. */
bool sw_ipfix_label_keys_set(struct sw_ipfix_opts *o, const char *text);

/*
 * What the policy said about a flow, as exported (elements 5-8). Copied with
 * the record (a reload may free the policy before the record is sent); a
 * list of groups longer than its field is cut at a name.
 */
#define SW_IPFIX_GROUPS_MAX 256
struct sw_ipfix_verdict {
	char src_groups[SW_IPFIX_GROUPS_MAX];	/* '+'-joined, "" when no group selects the end */
	char dst_groups[SW_IPFIX_GROUPS_MAX];
	char rule[257];				/* rule name, "intra_group", "default"; "" unmanaged */
	char verdict[10];			/* allowed, denied, monitored, unmanaged */
};

struct sw_ipfix_stats {
	uint64_t records;		/* flow records handed to the exporter */
	uint64_t records_sent;		/* IPFIX data records sent (uniflow: up to 2 per flow) */
	uint64_t records_lost;		/* ... that could not be sent (collector down, send failed) */
	uint64_t messages_sent;
	uint64_t bytes_sent;
	uint64_t templates_sent;	/* template (and type information) rounds */
	uint64_t connects;		/* TCP connections made */
	uint64_t connect_failures;
	uint64_t send_errors;
	bool connected;			/* TCP: connected now; UDP: the socket is open */
	char last_error[160];
};

struct sw_ipfix_exporter;

/* sw_ipfix_exporter_start - the exporter and its thread; nothing is sent yet. */
int sw_ipfix_exporter_start(struct sw_ipfix_exporter **out, const struct sw_ipfix_opts *o,
			    struct sw_err *err);
/*
 * sw_ipfix_exporter_push - copy @r and @v (NULL: no policy, the elements
 * empty) into the queue (waits only while the thread encodes: it never
 * waits for a collector). @r's workloads must stay valid until the record
 * is sent (the registry's prune horizon covers it).
 */
void sw_ipfix_exporter_push(struct sw_ipfix_exporter *e, const struct sw_flow_rec *r,
			    const struct sw_ipfix_verdict *v);
/* sw_ipfix_exporter_drain - until every record pushed is sent or counted lost. */
void sw_ipfix_exporter_drain(struct sw_ipfix_exporter *e);
void sw_ipfix_exporter_stats(struct sw_ipfix_exporter *e, struct sw_ipfix_stats *out);
/*
 * sw_ipfix_exporter_stop - drain, close, free. NULL is fine. Records lost
 * are no failure (a collector may be down): they are in the counters.
 */
void sw_ipfix_exporter_stop(struct sw_ipfix_exporter *e);

#endif
