// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit report as text, from its JSON form (one source for both).
 */
#include <string.h>

#include <segwatch/flowfile.h>
#include <segwatch/text.h>

#include "internal.h"

static unsigned long long sw_ull(json_t *o, const char *key)
{
	return (unsigned long long)json_integer_value(json_object_get(o, key));
}

static const char *sw_s(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

static void sw_report_rule(json_t *e, FILE *out)
{
	if (json_object_get(e, "rule"))
		fprintf(out, " by %s%s%s%s", SW_CELL(sw_s(e, "rule")),
			json_object_get(e, "rule_name") ? " (" : "", SW_CELL(sw_s(e, "rule_name")),
			json_object_get(e, "rule_name") ? ")" : "");
	fputc('\n', out);
}

static void sw_report_edge_line(json_t *e, FILE *out)
{
	char port[32];
	json_t *t = json_object_get(e, "icmp_type");

	if (t)
		snprintf(port, sizeof(port), "%s type %lld", SW_CELL(sw_s(e, "proto")), json_integer_value(t));
	else
		snprintf(port, sizeof(port), "%s/%lld", SW_CELL(sw_s(e, "proto")),
			 json_integer_value(json_object_get(e, "port")));
	fprintf(out, "  %s -> %s %s (%llu flows)", SW_CELL(sw_s(e, "src_name")),
		SW_CELL(sw_s(e, "dst_name")), port, sw_ull(e, "flows"));
	sw_report_rule(e, out);
}

/* Whether @a and @b differ only by port: same ends, protocol (not ICMP) and rule. */
static bool sw_report_same_but_port(json_t *a, json_t *b)
{
	return !json_object_get(a, "icmp_type") && !json_object_get(b, "icmp_type") &&
	       strcmp(sw_s(a, "src"), sw_s(b, "src")) == 0 && strcmp(sw_s(a, "dst"), sw_s(b, "dst")) == 0 &&
	       strcmp(sw_s(a, "proto"), sw_s(b, "proto")) == 0 &&
	       strcmp(sw_s(a, "rule"), sw_s(b, "rule")) == 0;
}

/* Edges [@from, @to) of @list that differ only by port, as one line: a scan reads as one. */
static void sw_report_port_run(json_t *list, size_t from, size_t to, FILE *out)
{
	unsigned long long flows = 0, lo = 65535, hi = 0;
	json_t *e = json_array_get(list, from);

	for (size_t i = from; i < to; i++) {
		json_t *x = json_array_get(list, i);
		unsigned long long port = sw_ull(x, "port");

		flows = sw_flowfile_count_add(flows, sw_ull(x, "flows"));
		lo = port < lo ? port : lo;
		hi = port > hi ? port : hi;
	}
	fprintf(out, "  %s -> %s %s, %zu ports %llu-%llu (%llu flows)", SW_CELL(sw_s(e, "src_name")),
		SW_CELL(sw_s(e, "dst_name")), SW_CELL(sw_s(e, "proto")), to - from, lo, hi, flows);
	sw_report_rule(e, out);
}

#define SW_REPORT_RUN_MIN 4	/* this many edges to one peer's ports become one line */

static void sw_report_list(json_t *list, const char *title, FILE *out)
{
	size_t n = json_array_size(list), i = 0, j;

	if (!n)
		return;
	fprintf(out, "%s (%zu):\n", title, n);
	while (i < n) {
		for (j = i + 1; j < n && sw_report_same_but_port(json_array_get(list, i),
								  json_array_get(list, j)); j++)
			;
		if (j - i >= SW_REPORT_RUN_MIN) {
			sw_report_port_run(list, i, j, out);
		} else {
			for (; i < j; i++)
				sw_report_edge_line(json_array_get(list, i), out);
		}
		i = j;
	}
}

/* The NFLOG part of the completeness: how much of the kernel's log was read. */
static void sw_report_nflog_write(json_t *n, bool recorded, FILE *out)
{
	if (!recorded) {
		fputs("  kernel log: not recorded (capture without --nflog)\n", out);
		return;
	}
	fprintf(out, "  kernel log: %llu NFLOG messages read\n", sw_ull(n, "messages"));
	if (sw_ull(n, "overruns"))
		fprintf(out, "  warning: NFLOG overruns (%llu): the kernel dropped log messages; "
			     "kernel log counts are low\n", sw_ull(n, "overruns"));
	if (sw_ull(n, "undecoded") || sw_ull(n, "invalid"))
		fprintf(out, "  warning: %llu logged packets could not be decoded, %llu messages "
			     "were invalid\n", sw_ull(n, "undecoded"), sw_ull(n, "invalid"));
	if (sw_ull(n, "not_aggregated"))
		fprintf(out, "  warning: %llu logged packets did not fit in the capture's table\n",
			sw_ull(n, "not_aggregated"));
}

static void sw_report_completeness_write(json_t *c, FILE *out)
{
	fprintf(out, "completeness: %llu flow files, %llu packets seen, %llu kernel drops, "
		     "%llu malformed, %llu duplicates, %llu flows evicted\n",
		sw_ull(c, "files"), sw_ull(c, "packets_seen"), sw_ull(c, "kernel_drops"),
		sw_ull(c, "malformed"), sw_ull(c, "duplicates"), sw_ull(c, "evicted"));
	if (sw_ull(c, "files_without_counters"))
		fprintf(out, "  warning: %llu files have no counters line: completeness unknown\n",
			sw_ull(c, "files_without_counters"));
	if (sw_ull(c, "kernel_drops"))
		fputs("  warning: the kernel dropped packets: some flows are missing or incomplete\n", out);
	if (sw_ull(c, "malformed"))
		fputs("  warning: malformed packets were not counted in any flow\n", out);
	if (sw_ull(c, "evicted"))
		fputs("  warning: the flow table was full: flows were cut early\n", out);
	if (json_is_true(json_object_get(c, "complete")))
		fputs("  the picture is complete: no drops, no decode errors\n", out);
}

/* "/rules/2 (name)" or "default" */
static void sw_report_klog_rule(json_t *o, FILE *out)
{
	sw_text_fputs(sw_s(o, "rule"), out);
	if (json_object_get(o, "rule_name"))
		fprintf(out, " (%s)", SW_CELL(sw_s(o, "rule_name")));
}

/* "1 port (tcp/5432)", "200 ports (tcp 1-200)", "3 ICMP types" */
static void sw_report_klog_targets(json_t *o, FILE *out)
{
	unsigned long long n = sw_ull(o, "ports"), lo = sw_ull(o, "port_min"), hi = sw_ull(o, "port_max");
	json_t *protos = json_object_get(o, "protos"), *p;
	size_t i;

	fprintf(out, "%llu port%s (", n, n == 1 ? "" : "s");
	json_array_foreach(protos, i, p)
		fprintf(out, "%s%s", i ? "+" : "", SW_CELL(json_string_value(p)));
	if (json_object_get(o, "port_min"))
		fprintf(out, lo == hi ? " %llu" : " %llu-%llu", lo, hi);
	fputc(')', out);
}

/* The kernel log section: packets the kernel dropped or would have, by rule and pair. */
static void sw_report_klog_write(json_t *k, FILE *out)
{
	json_t *o;
	size_t i;

	if (!json_is_true(json_object_get(k, "recorded")))
		return;
	fprintf(out, "kernel log (NFLOG): %llu packets dropped (enforce), %llu packets monitor "
		     "mode would have dropped\n", sw_ull(k, "dropped"), sw_ull(k, "monitor"));
	json_array_foreach(json_object_get(k, "by_rule"), i, o) {
		fprintf(out, "%s    %-7s %10llu packets  ", i ? "" : "  by rule:\n",
			SW_CELL(sw_s(o, "action")), sw_ull(o, "packets"));
		sw_report_klog_rule(o, out);
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(k, "peers"), i, o) {
		fprintf(out, "%s    %s -> %s: %llu packets, ", i ? "" : "  top endpoint pairs:\n",
			SW_CELL(sw_s(o, "src_name")), SW_CELL(sw_s(o, "dst_name")), sw_ull(o, "packets"));
		sw_report_klog_targets(o, out);
		fprintf(out, ", %s by ", strcmp(sw_s(o, "action"), "monitor") ? "dropped" : "monitored");
		sw_report_klog_rule(o, out);
		fputc('\n', out);
	}
	if (sw_ull(k, "peers_total") > json_array_size(json_object_get(k, "peers")))
		fprintf(out, "  ... %llu endpoint pairs in all\n", sw_ull(k, "peers_total"));
}

void sw_graph_report_write(json_t *r, FILE *out)
{
	json_t *s = json_object_get(r, "summary"), *edges = json_object_get(r, "edges");
	json_t *since = json_object_get(r, "since"), *u;
	size_t i;

	fprintf(out, "policy %s: %llu edges: %llu allowed, %llu violation, %llu monitor "
		     "(would be denied), %llu unmanaged\n",
		sw_s(r, "policy")[0] ? SW_CELL(sw_s(r, "policy")) : "-",
		sw_ull(s, "edges"), sw_ull(s, "allowed"), sw_ull(s, "violation"),
		sw_ull(s, "monitor"), sw_ull(s, "unmanaged"));
	sw_report_list(json_object_get(edges, "violation"), "violation", out);
	sw_report_list(json_object_get(edges, "monitor"), "monitor (would be denied)", out);
	sw_report_list(json_object_get(edges, "unmanaged"), "unmanaged", out);
	sw_report_list(json_object_get(edges, "allowed"), "allowed", out);
	sw_report_list(json_object_get(edges, "none"), "not judged", out);
	sw_report_klog_write(json_object_get(r, "kernel_log"), out);
	sw_report_completeness_write(json_object_get(r, "completeness"), out);
	if (json_object_get(r, "kernel_log"))
		sw_report_nflog_write(json_object_get(json_object_get(r, "completeness"), "nflog"),
				      json_is_true(json_object_get(json_object_get(r, "kernel_log"),
								   "recorded")), out);
	sw_graph_infra_write(json_object_get(r, "infrastructure"), out);
	if (since) {
		fprintf(out, "since: %zu new edges, %zu vanished edges\n",
			json_array_size(json_object_get(since, "new_edges")),
			json_array_size(json_object_get(since, "vanished_edges")));
		sw_report_list(json_object_get(since, "new_edges"), "new", out);
		sw_report_list(json_object_get(since, "vanished_edges"), "vanished", out);
	}
	json_array_foreach(json_object_get(r, "unused_rules"), i, u)
		fprintf(out, "%s%s%s%s%s\n", i ? "  " : "allow rules never used:\n  ",
			SW_CELL(sw_s(u, "rule")),
			json_object_get(u, "rule_name") ? " (" : "", SW_CELL(sw_s(u, "rule_name")),
			json_object_get(u, "rule_name") ? ")" : "");
}
