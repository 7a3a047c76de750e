/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_REPORT_H
#define SEGWATCH_REPORT_H

/*
 * report - flows and counters for people (tables) and machines (JSON, built
 * with jansson). The JSON shapes are documented in docs/flows.md.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include <segwatch/capture.h>
#include <segwatch/flow.h>
#include <segwatch/infra.h>
#include <segwatch/workload.h>

/* sw_report_addr - text form of a 16-byte address (IPv4-mapped shown as IPv4). */
void sw_report_addr(char *buf, size_t len, const uint8_t addr[16], int family);
/* sw_report_time - RFC 3339 UTC with microseconds. */
void sw_report_time(char *buf, size_t len, uint64_t us);
/* sw_report_tcp_flags - letters FSRPAUEC for the flags set. @buf holds at least 9 bytes. */
const char *sw_report_tcp_flags(uint8_t flags, char *buf);

/* Caches the formatted date of the last second printed (see flow_line.c). */
struct sw_report_clock {
	uint64_t sec;
	bool valid;
	char text[32];
};

/*
 * sw_report_flow_line - one flow as a compact JSON object, NUL-terminated;
 * @id may be NULL (no identity fields). Returns its length, or 0 when @len is
 * too small. SW_REPORT_FLOW_LINE_MAX always fits: labels that would not are
 * left out and the endpoint says "labels_truncated": true.
 */
#define SW_REPORT_FLOW_LINE_MAX 16384
size_t sw_report_flow_line(struct sw_report_clock *clk, const struct sw_flow *f,
			   const struct sw_flow_ident *id, char *buf, size_t len);

/*
 * One aggregated row of the kernel's log (NFLOG) during a capture: what
 * sw_report_kernel_log_line writes as a "type":"kernel_log" record
 * (docs/flows.md). Addresses are borrowed.
 */
/* Kernel-log rules that are no policy rule (the prefixes "sw deny default", "sw deny unclassified"). */
#define SW_KLOG_RULE_DEFAULT (-1)
#define SW_KLOG_RULE_UNCLASSIFIED (-3)

/* sw_report_klog_rule_word - "default" or "unclassified" for those rules, NULL for others. */
const char *sw_report_klog_rule_word(int rule);
/* sw_report_klog_rule_parse - the reverse: false for any other word. */
bool sw_report_klog_rule_parse(const char *word, int *rule);

struct sw_report_klog {
	const char *action;		/* "deny" or "monitor" */
	int rule;			/* policy rule index, or SW_KLOG_RULE_* */
	const char *prefix;		/* the log prefix, "sw deny rules/3" */
	uint8_t family, proto;
	bool icmp;			/* port is the ICMP type */
	uint16_t port;			/* destination port or ICMP type */
	const uint8_t *src, *dst;	/* 16-byte form */
	uint64_t packets, first_us, last_us;
};

/*
 * sw_report_flow_staged - @s appended to the flow line @buf of @n bytes (a
 * sw_report_flow_line result) as "staged": {"verdict", "rule", "rule_name",
 * "change"} (docs/flows.md). Returns the new length, or @n unchanged (the
 * line whole, without it) when @len is too small.
 */
struct sw_flow_staged;
size_t sw_report_flow_staged(char *buf, size_t n, size_t len, const struct sw_flow_staged *s);

/*
 * sw_report_kernel_log_line - @k as a compact JSON object, endpoints named
 * as in flow records (@id may be NULL). Same contract as sw_report_flow_line.
 */
size_t sw_report_kernel_log_line(struct sw_report_clock *clk, const struct sw_report_klog *k,
				 const struct sw_flow_ident *id, char *buf, size_t len);

/* sw_report_counters_json - new reference to the counters object. */
json_t *sw_report_counters_json(const struct sw_capture_counters *c,
				const struct sw_flow_stats *fs, uint32_t max_flows);

/*
 * sw_flow_writer - JSON lines of flow records, written by a thread of its own.
 * _push copies the record (and waits only when 8192 are queued); _stop writes
 * what is queued, ends the thread, frees the writer and says whether every
 * write worked. @out is not closed.
 */
struct sw_flow_writer;
struct sw_flow_writer *sw_flow_writer_start(FILE *out);
void sw_flow_writer_push(struct sw_flow_writer *w, const struct sw_flow_rec *rec);
/* sw_flow_writer_push_line - a record already formatted (@len bytes, no newline), in order. */
void sw_flow_writer_push_line(struct sw_flow_writer *w, const char *line, size_t len);
bool sw_flow_writer_stop(struct sw_flow_writer *w);

/* sw_report_flows_sort - order by first packet, then tuple: stable output. */
void sw_report_flows_sort(struct sw_flow_rec *flows, size_t n);
void sw_report_flows_text(FILE *out, const struct sw_flow_rec *flows, size_t n);
/*
 * sw_report_flows_infra_split - move infrastructure flows (include/segwatch/
 * infra.h) after the others, keeping both in order; count them by kind into
 * @kinds (added to). Returns how many are not infrastructure.
 */
size_t sw_report_flows_infra_split(struct sw_flow_rec *flows, size_t n,
				   uint64_t kinds[SW_INFRA_MAX]);
/*
 * sw_report_infra_text - the one line every table prints for infrastructure
 * traffic it left out: "infrastructure: 42 flows (nd 30, mld 8, igmp 4) of
 * 3 nodes not drawn (--all draws them); 6 ARP frames". @kinds[SW_INFRA_ARP]
 * counts ARP frames; @owners 0 leaves "of N nodes" out; @verb "drawn",
 * "listed", "learned". Nothing when there is nothing to say.
 */
void sw_report_infra_text(FILE *out, const uint64_t kinds[SW_INFRA_MAX], size_t owners,
			  const char *verb);
void sw_report_counters_text(FILE *out, const struct sw_capture_counters *c,
			     const struct sw_flow_stats *fs, uint32_t max_flows);

/* sw_report_progress_line - one line, rewritten in place with \r (terminals only). */
void sw_report_progress_line(FILE *out, const struct sw_capture_progress *p);
void sw_report_progress_clear(FILE *out);

#endif
