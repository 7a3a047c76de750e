// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit report as text, from its JSON form (one source for both).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/flowfile.h>
#include <segwatch/table.h>
#include <segwatch/term.h>
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

/* Port runs: edges of a list that differ only by port (same ends, protocol, rule, delivery). */
static int sw_report_run_cmp(size_t a, size_t b, void *ctx)
{
	json_t *x = json_array_get(ctx, a), *y = json_array_get(ctx, b);
	static const char *const keys[] = { "src", "dst", "proto", "rule", "delivery" };
	int c = (json_object_get(x, "icmp_type") != NULL) - (json_object_get(y, "icmp_type") != NULL);

	for (size_t k = 0; !c && k < sizeof(keys) / sizeof(keys[0]); k++)
		c = strcmp(sw_s(x, keys[k]), sw_s(y, keys[k]));
	return c;
}

static long sw_report_run_port(size_t i, void *ctx)
{
	json_t *e = json_array_get(ctx, i);

	return json_object_get(e, "icmp_type") || !json_object_get(e, "port") ?
	       -1 : (long)json_integer_value(json_object_get(e, "port"));
}

static const struct sw_table_runs_ops sw_report_runs = { sw_report_run_cmp, sw_report_run_port };

/* What the delivery field says, in the table's words. */
static const char *sw_report_delivery_text(const char *d)
{
	if (strcmp(d, "dropped") == 0)
		return "dropped by kernel";
	if (strcmp(d, "unanswered") == 0)
		return "no answer";
	return d[0] ? d : "-";
}

/*
 * The SERVICE cell of edge @i of @list, or of the port run it leads, into
 * @svc; returns the run's flows summed (its edges' @flows_key).
 */
static unsigned long long sw_report_service(json_t *list, size_t i, const size_t *next,
					    const char *flows_key, char svc[96])
{
	json_t *e = json_array_get(list, i), *type = json_object_get(e, "icmp_type");
	unsigned long long flows = 0;
	size_t n = 0, distinct = 0;
	char ports[40];
	uint16_t *pv;

	for (size_t j = i; j != SIZE_MAX; j = next[j])
		n++;
	pv = malloc(n * sizeof(*pv));
	n = 0;
	for (size_t j = i; j != SIZE_MAX; j = next[j], n++) {
		json_t *x = json_array_get(list, j);

		flows = sw_flowfile_count_add(flows, sw_ull(x, flows_key));
		if (pv)
			pv[n] = (uint16_t)sw_ull(x, "port");
	}
	if (n > 1 && pv) {
		sw_table_ports(ports, sizeof(ports), pv, n, &distinct);
		snprintf(svc, 96, "%.16s/%s (%zu ports)", sw_s(e, "proto"), ports, distinct);
	} else if (type) {
		snprintf(svc, 96, "%.16s type %lld", sw_s(e, "proto"), json_integer_value(type));
	} else {
		snprintf(svc, 96, "%.16s/%llu", sw_s(e, "proto"), sw_ull(e, "port"));
	}
	free(pv);
	return flows;
}

/* One row: edge @i of @list, or the port run it leads. */
/* An edge's first cells, FROM TO SERVICE FLOWS: @count names the flows counted ("flows", "flows_changed"). */
static void sw_report_edge_cells(struct sw_table *t, json_t *list, size_t i, const size_t *next,
				 const char *count)
{
	json_t *e = json_array_get(list, i);
	char svc[96];
	unsigned long long flows = sw_report_service(list, i, next, count, svc);

	sw_table_row(t);
	sw_table_cell(t, sw_s(e, "src_name"), NULL);
	sw_table_cell(t, sw_s(e, "dst_name"), NULL);
	sw_table_cell(t, svc, NULL);
	sw_table_cellf(t, NULL, "%llu", flows);
}

/* The columns of sw_report_edge_cells, which every edge table starts with. */
#define SW_REPORT_EDGE_COLS \
	{ "FROM", SW_TABLE_LEFT, 12, 0, true, true, 0 }, \
	{ "TO", SW_TABLE_LEFT, 12, 0, true, true, 0 }, \
	{ "SERVICE", SW_TABLE_LEFT, 0, 0, false, false, 0 }, \
	{ "FLOWS", SW_TABLE_RIGHT, 0, 0, false, false, 0 }

/* One kind of edge table: its columns, how port runs fold, how a row is filled. */
struct sw_edge_table {
	const struct sw_table_col *cols;
	size_t n_cols;
	const struct sw_table_runs_ops *runs;
	void (*row)(struct sw_table *t, json_t *list, size_t i, const size_t *next);
	bool colour_title;	/* the title in its word's colour (sw_term_word_sgr) */
};

/*
 * One section of edges as a table under its title: "violation (2 edges,
 * 1 row):". Four or more edges that differ only by port make one row.
 */
static void sw_edge_table_write(const struct sw_edge_table *k, json_t *list, const char *title,
				const char *note, FILE *out)
{
	size_t n = json_array_size(list), rows = 0;
	size_t *lead = calloc(n ? n : 1, sizeof(*lead)), *next = calloc(n ? n : 1, sizeof(*next));
	struct sw_table *t = sw_table_new(k->cols, k->n_cols);
	const char *sgr = k->colour_title ? sw_term_word_sgr(title) : NULL;

	if (!n || !lead || !next || !t)
		goto out;
	sw_table_runs(n, k->runs, list, lead, next);
	for (size_t i = 0; i < n; i++)
		if (lead[i] == i) {
			k->row(t, list, i, next);
			rows++;
		}
	if (sgr && sw_term_colour(out))
		fprintf(out, "\033[%sm%s\033[0m", sgr, title);
	else
		fputs(title, out);
	fprintf(out, " (%zu edge%s%s", n, sw_text_s(n), note);
	if (rows != n)
		fprintf(out, " in %zu row%s: port runs on one row", rows, sw_text_s(rows));
	fputs("):\n", out);
	sw_table_print(t, out);
out:
	sw_table_free(t);
	free(lead);
	free(next);
}

static void sw_report_row(struct sw_table *t, json_t *list, size_t i, const size_t *next)
{
	json_t *e = json_array_get(list, i);
	const char *delivery = sw_report_delivery_text(sw_s(e, "delivery"));

	sw_report_edge_cells(t, list, i, next, "flows");
	sw_table_cell(t, delivery, sw_term_word_sgr(delivery));
	if (json_object_get(e, "rule_name"))
		sw_table_cellf(t, NULL, "%s (%s)", sw_s(e, "rule"), sw_s(e, "rule_name"));
	else
		sw_table_cell(t, json_object_get(e, "rule") ? sw_s(e, "rule") : "-", NULL);
}

static const struct sw_table_col sw_report_cols[] = {
	SW_REPORT_EDGE_COLS,
	{ "PACKETS WERE", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "RULE", SW_TABLE_LEFT, 10, 0, true, false, 0 },
};

static const struct sw_edge_table sw_report_table = {
	sw_report_cols, sizeof(sw_report_cols) / sizeof(sw_report_cols[0]), &sw_report_runs,
	sw_report_row, true,
};

static void sw_report_list(json_t *list, const char *title, const char *note, FILE *out)
{
	sw_edge_table_write(&sw_report_table, list, title, note, out);
}

static void sw_report_staged_write(json_t *st, FILE *out);

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
	fprintf(out, "completeness: %llu flow file%s, %llu packets seen, %llu kernel drops, "
		     "%llu malformed, %llu duplicates, %llu flows evicted\n",
		sw_ull(c, "files"), sw_ull(c, "files") == 1 ? "" : "s", sw_ull(c, "packets_seen"), sw_ull(c, "kernel_drops"),
		sw_ull(c, "malformed"), sw_ull(c, "duplicates"), sw_ull(c, "evicted"));
	if (sw_ull(c, "files_without_counters"))
		fprintf(out, "  warning: %llu file%s %s no counters line: completeness unknown\n",
			sw_ull(c, "files_without_counters"), sw_text_s(sw_ull(c, "files_without_counters")),
			sw_ull(c, "files_without_counters") == 1 ? "has" : "have");
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
	fprintf(out, "kernel log (NFLOG): %llu packet%s dropped (enforce), %llu packet%s monitor "
		     "mode would have dropped\n", sw_ull(k, "dropped"), sw_text_s(sw_ull(k, "dropped")),
		sw_ull(k, "monitor"), sw_text_s(sw_ull(k, "monitor")));
	json_array_foreach(json_object_get(k, "by_rule"), i, o) {
		fprintf(out, "%s    %-7s %10llu packets  ", i ? "" : "  by rule:\n",
			SW_CELL(sw_s(o, "action")), sw_ull(o, "packets"));
		sw_report_klog_rule(o, out);
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(k, "peers"), i, o) {
		fprintf(out, "%s    %s -> %s: %llu packet%s, ", i ? "" : "  top endpoint pairs:\n",
			SW_CELL(sw_s(o, "src_name")), SW_CELL(sw_s(o, "dst_name")), sw_ull(o, "packets"),
			sw_text_s(sw_ull(o, "packets")));
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

	fprintf(out, "policy %s: %llu edge%s: %llu allowed, %llu violation, %llu monitor "
		     "(would be denied), %llu unmanaged\n",
		sw_s(r, "policy")[0] ? SW_CELL(sw_s(r, "policy")) : "-",
		sw_ull(s, "edges"), sw_ull(s, "edges") == 1 ? "" : "s", sw_ull(s, "allowed"),
		sw_ull(s, "violation"),
		sw_ull(s, "monitor"), sw_ull(s, "unmanaged"));
	sw_report_list(json_object_get(edges, "violation"), "violation", "", out);
	sw_report_list(json_object_get(edges, "monitor"), "monitor", ", would be denied", out);
	sw_report_list(json_object_get(edges, "unmanaged"), "unmanaged", "", out);
	sw_report_list(json_object_get(edges, "allowed"), "allowed", "", out);
	sw_report_list(json_object_get(edges, "none"), "not judged", "", out);
	sw_report_klog_write(json_object_get(r, "kernel_log"), out);
	sw_report_completeness_write(json_object_get(r, "completeness"), out);
	if (json_object_get(r, "kernel_log"))
		sw_report_nflog_write(json_object_get(json_object_get(r, "completeness"), "nflog"),
				      json_is_true(json_object_get(json_object_get(r, "kernel_log"),
								   "recorded")), out);
	sw_graph_infra_write(json_object_get(r, "infrastructure"), out);
	if (since) {
		size_t nn = json_array_size(json_object_get(since, "new_edges"));
		size_t nv = json_array_size(json_object_get(since, "vanished_edges"));

		fprintf(out, "since: %zu new edge%s, %zu vanished edge%s\n", nn, sw_text_s(nn), nv,
			sw_text_s(nv));
		sw_report_list(json_object_get(since, "new_edges"), "new", "", out);
		sw_report_list(json_object_get(since, "vanished_edges"), "vanished", "", out);
	}
	json_array_foreach(json_object_get(r, "unused_rules"), i, u)
		fprintf(out, "%s%s%s%s%s\n", i ? "  " : "allow rules never used:\n  ",
			SW_CELL(sw_s(u, "rule")),
			json_object_get(u, "rule_name") ? " (" : "", SW_CELL(sw_s(u, "rule_name")),
			json_object_get(u, "rule_name") ? ")" : "");
	sw_report_staged_write(json_object_get(r, "staged"), out);
}

/* Port runs of a staged list: the enforced and the candidate's verdict and rule must match too. */
static int sw_staged_run_cmp(size_t a, size_t b, void *ctx)
{
	json_t *x = json_array_get(ctx, a), *y = json_array_get(ctx, b);
	json_t *sx = json_object_get(x, "staged"), *sy = json_object_get(y, "staged");
	int c = sw_report_run_cmp(a, b, ctx);

	if (!c)
		c = strcmp(sw_s(x, "verdict"), sw_s(y, "verdict"));
	if (!c)
		c = strcmp(sw_s(sx, "verdict"), sw_s(sy, "verdict"));
	if (!c)
		c = strcmp(sw_s(sx, "rule"), sw_s(sy, "rule"));
	return c;
}

static const struct sw_table_runs_ops sw_staged_runs = { sw_staged_run_cmp, sw_report_run_port };

static const struct sw_table_col sw_staged_cols[] = {
	SW_REPORT_EDGE_COLS,
	{ "NOW", SW_TABLE_LEFT, 10, 0, true, false, 0 },
	{ "CANDIDATE", SW_TABLE_LEFT, 10, 0, true, false, 0 },
};

/* A verdict and its rule in one cell: "allowed /rules/0 (web-to-api)", "violation default". */
static void sw_staged_verdict_cell(struct sw_table *t, json_t *o)
{
	const char *v = sw_s(o, "verdict");

	if (json_object_get(o, "rule_name"))
		sw_table_cellf(t, sw_term_word_sgr(v), "%s %s (%s)", v, sw_s(o, "rule"),
			       sw_s(o, "rule_name"));
	else if (json_object_get(o, "rule"))
		sw_table_cellf(t, sw_term_word_sgr(v), "%s %s", v, sw_s(o, "rule"));
	else
		sw_table_cell(t, v, sw_term_word_sgr(v));
}

static void sw_staged_row(struct sw_table *t, json_t *list, size_t i, const size_t *next)
{
	json_t *e = json_array_get(list, i);

	sw_report_edge_cells(t, list, i, next, "flows_changed");
	sw_staged_verdict_cell(t, e);
	sw_staged_verdict_cell(t, json_object_get(e, "staged"));
}

static const struct sw_edge_table sw_staged_table = {
	sw_staged_cols, sizeof(sw_staged_cols) / sizeof(sw_staged_cols[0]), &sw_staged_runs,
	sw_staged_row, false,
};

/* "newly denied (2 edges, 3 flows):" and its table; FLOWS counts the flows that change. */
static void sw_staged_list(json_t *list, const char *title, FILE *out)
{
	sw_edge_table_write(&sw_staged_table, list, title, "", out);
}

/* "  /rules/2 (name): allow" per rule; @title once, before the first. */
static void sw_staged_unused_write(json_t *list, const char *title, FILE *out)
{
	json_t *u;
	size_t i;

	json_array_foreach(list, i, u) {
		if (!i)
			fprintf(out, "%s:\n", title);
		fprintf(out, "  %s", SW_CELL(sw_s(u, "rule")));
		if (json_object_get(u, "rule_name"))
			fprintf(out, " (%s)", SW_CELL(sw_s(u, "rule_name")));
		fprintf(out, ": %s%s\n", SW_CELL(sw_s(u, "action")),
			strcmp(sw_s(u, "mode"), "monitor") ? "" : " (monitor)");
	}
}

/* "allowed /rules/0 (web-to-api)" for the changes list. */
static void sw_staged_side_write(json_t *o, FILE *out)
{
	fputs(SW_CELL(sw_s(o, "verdict")), out);
	if (json_object_get(o, "rule"))
		fprintf(out, " %s", SW_CELL(sw_s(o, "rule")));
	if (json_object_get(o, "rule_name"))
		fprintf(out, " (%s)", SW_CELL(sw_s(o, "rule_name")));
}

static void sw_report_staged_write(json_t *st, FILE *out)
{
	json_t *s = json_object_get(st, "summary"), *c;
	json_t *den = json_object_get(s, "newly_denied"), *alw = json_object_get(s, "newly_allowed");
	size_t i;

	if (!st)
		return;
	fprintf(out, "staged policy %s (a candidate, not enforced): %llu flow%s on %llu edge%s "
		     "judged\n  %llu edge%s newly denied (%llu flow%s), %llu newly allowed "
		     "(%llu flow%s), %llu unchanged\n",
		sw_s(st, "policy")[0] ? SW_CELL(sw_s(st, "policy")) : "-",
		sw_ull(st, "flows"), sw_text_s(sw_ull(st, "flows")), sw_ull(st, "edges"),
		sw_text_s(sw_ull(st, "edges")), sw_ull(den, "edges"), sw_text_s(sw_ull(den, "edges")),
		sw_ull(den, "flows"), sw_text_s(sw_ull(den, "flows")), sw_ull(alw, "edges"),
		sw_ull(alw, "flows"), sw_text_s(sw_ull(alw, "flows")), sw_ull(s, "unchanged_edges"));
	sw_staged_list(json_object_get(st, "newly_denied"), "newly denied", out);
	sw_staged_list(json_object_get(st, "newly_allowed"), "newly allowed", out);
	json_array_foreach(json_object_get(st, "changes"), i, c) {
		fputs(i ? "  " : "verdict changes by rule (now -> candidate):\n  ", out);
		sw_staged_side_write(json_object_get(c, "from"), out);
		fputs(" -> ", out);
		sw_staged_side_write(json_object_get(c, "to"), out);
		fprintf(out, ": %llu flow%s, %llu edge%s\n", sw_ull(c, "flows"),
			sw_text_s(sw_ull(c, "flows")), sw_ull(c, "edges"), sw_text_s(sw_ull(c, "edges")));
	}
	sw_staged_unused_write(json_object_get(st, "unused_rules"), "candidate rules never used", out);
	sw_staged_unused_write(json_object_get(st, "enforced_unused_rules"),
			       "enforced rules never used", out);
}
