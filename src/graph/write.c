// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The graph for people: a table, and Graphviz dot (nodes coloured by their
 * first group, edges by verdict). Both write only to the caller's stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/table.h>
#include <segwatch/term.h>
#include <segwatch/text.h>
#include <segwatch/units.h>

#include "internal.h"

static void sw_edge_port(const struct sw_gedge *e, char *buf, size_t len)
{
	const char *proto = e->proto;

	if (e->icmp)
		snprintf(buf, len, "%s type %u", proto, e->port);
	else if (e->port)
		snprintf(buf, len, "%s/%u", proto, e->port);
	else
		snprintf(buf, len, "%s", proto);
}

/* Port runs: edges that differ only by port (same ends, protocol, verdict and rule). */
static int sw_edge_run_cmp(size_t a, size_t b, void *ctx)
{
	const struct sw_gedge *const *e = ctx, *x = e[a], *y = e[b];

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	if (x->proto_num != y->proto_num || x->icmp != y->icmp)
		return x->proto_num != y->proto_num ? (x->proto_num < y->proto_num ? -1 : 1) :
		       x->icmp ? 1 : -1;
	if (x->verdict != y->verdict)
		return x->verdict < y->verdict ? -1 : 1;
	return strcmp(x->rule ?: "", y->rule ?: "");
}

static long sw_edge_run_port(size_t i, void *ctx)
{
	const struct sw_gedge *const *e = ctx;

	return e[i]->icmp || !e[i]->port ? -1 : e[i]->port;
}

static const struct sw_table_runs_ops sw_edge_runs = { sw_edge_run_cmp, sw_edge_run_port };

/*
 * "3 established, 1 refused": the flows' states in words, most common first.
 * Returns the most common one's name (its colour is the cell's), or NULL.
 */
static const char *sw_edge_states(const uint64_t st[SW_GS_MAX], char *buf, size_t len)
{
	size_t o = 0;
	bool done[SW_GS_MAX] = { false };
	const char *first = NULL;

	buf[0] = '\0';
	for (int k = 0; k < SW_GS_MAX; k++) {
		int best = -1;

		for (int s = 0; s < SW_GS_MAX; s++)
			if (!done[s] && st[s] && (best < 0 || st[s] > st[best]))
				best = s;
		if (best < 0)
			break;
		done[best] = true;
		first = first ?: sw_gstate_name(best);
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%llu %s", o ? ", " : "",
				      (unsigned long long)st[best], sw_gstate_name(best));
		if (o >= len)
			break;
	}
	return first;
}

/* One row: edge @i of @e, or the port run it leads. */
static void sw_edge_row(const struct sw_graph *g, struct sw_table *t,
			const struct sw_gedge *const *e, size_t i, const size_t *next)
{
	uint64_t flows = 0, st[SW_GS_MAX] = { 0 }, by[2] = { 0 };
	char port[96], list[40], states[128], a[16], b[16];
	size_t n = 0, distinct = 0;
	uint16_t *ports;
	const char *main_state;
	/* no policy: no verdict, and the VERDICT and RULE columns are left out */
	const char *verdict = e[i]->verdict ? sw_graph_verdict_name(e[i]->verdict) : g->policy ? "-" : "";

	for (size_t j = i; j != SIZE_MAX; j = next[j])
		n++;
	ports = malloc(n * sizeof(*ports));
	n = 0;
	for (size_t j = i; j != SIZE_MAX; j = next[j], n++) {
		/* saturating, as the graph's own counts (flowfile.h) */
		flows = sw_flowfile_count_add(flows, e[j]->flows);
		for (int s = 0; s < SW_GS_MAX; s++)
			st[s] = sw_flowfile_count_add(st[s], e[j]->state[s]);
		by[0] = sw_flowfile_count_add(by[0], e[j]->fwd_bytes);
		by[1] = sw_flowfile_count_add(by[1], e[j]->rev_bytes);
		if (ports)
			ports[n] = e[j]->port;
	}
	if (n > 1 && ports) {
		sw_table_ports(list, sizeof(list), ports, n, &distinct);
		snprintf(port, sizeof(port), "%s/%s (%zu ports)", e[i]->proto, list, distinct);
	} else {
		sw_edge_port(e[i], port, sizeof(port));
	}
	free(ports);
	main_state = sw_edge_states(st, states, sizeof(states));
	sw_table_row(t);
	sw_table_cell(t, sw_graph_node_label(g, e[i]->src), NULL);
	sw_table_cell(t, sw_graph_node_label(g, e[i]->dst), NULL);
	sw_table_cell(t, port, NULL);
	sw_table_cellf(t, NULL, "%llu", (unsigned long long)flows);
	sw_table_cell(t, states, sw_term_word_sgr(main_state));
	sw_table_cellf(t, NULL, "%s/%s", sw_units_size_format(a, sizeof(a), by[0]),
		       sw_units_size_format(b, sizeof(b), by[1]));
	sw_table_cell(t, verdict, sw_term_word_sgr(verdict));
	sw_table_cell(t, e[i]->rule ? e[i]->rule_name ?: e[i]->rule : "", NULL);
}

static const struct sw_table_col sw_edge_cols[] = {
	{ "FROM", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "TO", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "SERVICE", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "FLOWS", SW_TABLE_RIGHT, 0, 0, false, false, 0 },
	{ "STATES", SW_TABLE_LEFT, 12, 0, true, false, 0 },
	{ "BYTES", SW_TABLE_RIGHT, 0, 0, false, false, 2 },
	{ "VERDICT", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "RULE", SW_TABLE_LEFT, 8, 0, true, false, 1 },
};

void sw_graph_write_table(const struct sw_graph *g, FILE *out)
{
	size_t *o = sw_graph_order(g, true), n = g->n_edges, shown = 0;
	const struct sw_gedge **e = calloc(n ? n : 1, sizeof(*e));
	size_t *lead = calloc(n ? n : 1, sizeof(*lead)), *next = calloc(n ? n : 1, sizeof(*next));
	struct sw_table *t = sw_table_new(sw_edge_cols, sizeof(sw_edge_cols) / sizeof(sw_edge_cols[0]));
	size_t nodes = sw_graph_n_nodes(g);
	json_t *infra;

	if (!o || !e || !lead || !next || !t)
		goto out;
	for (size_t i = 0; i < n; i++)
		e[i] = &g->edges[o[i]];
	sw_table_runs(n, &sw_edge_runs, e, lead, next);
	for (size_t i = 0; i < n; i++)
		if (lead[i] == i) {
			sw_edge_row(g, t, e, i, next);
			shown++;
		}
	sw_table_print(t, out);
	fprintf(out, "%zu node%s, %zu edge%s", nodes, nodes == 1 ? "" : "s", n, n == 1 ? "" : "s");
	if (shown != n)
		fprintf(out, " in %zu row%s (port runs on one row)", shown, shown == 1 ? "" : "s");
	fprintf(out, "%s\n", sw_table_shown(t, 5, sw_term_width(out)) ? "; BYTES: sent by FROM / by TO" : "");
	if ((infra = sw_graph_infra_json(g)))
		sw_graph_infra_write(infra, out);
	json_decref(infra);
out:
	sw_table_free(t);
	free(lead);
	free(next);
	free(e);
	free(o);
}

/*
 * A dot double-quoted string: escaped for terminals first (the escaping is
 * one-to-one, so node ids stay distinct), then for dot (backslash and quote).
 */
static void sw_dot_str(FILE *out, const char *s)
{
	char *esc = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&esc, &len);

	if (m) {
		sw_text_fputs(s, m);
		fclose(m);
	}
	fputc('"', out);
	for (const char *p = esc ? esc : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
	free(esc);
}

static const char *sw_dot_fill(json_t *node)
{
	static const char *const palette[] = { "#8dd3c7", "#ffffb3", "#bebada", "#fb8072",
					       "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
					       "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f" };
	const char *kind = json_string_value(json_object_get(node, "kind")) ?: "";
	const char *grp = json_string_value(json_array_get(json_object_get(node, "groups"), 0));
	unsigned h = 5381;

	if (!grp && strcmp(kind, "group") == 0)
		grp = json_string_value(json_object_get(node, "name"));
	if (!grp || strcmp(grp, "(no group)") == 0)
		return strcmp(kind, "host") == 0 ? "#c6dbef" :
		       strcmp(kind, "workload") == 0 || strcmp(kind, "label") == 0 ||
		       strcmp(kind, "group") == 0 ? "#ffffff" : "#eeeeee";
	for (; *grp; grp++)
		h = h * 33 + (unsigned char)*grp;
	return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

static const char *sw_dot_colour(enum sw_graph_verdict v)
{
	static const char *const c[SW_GV_MAX] = { "#444444", "#1a9641", "#fdae61", "#7b3294",
						  "#d7191c" };

	return v < SW_GV_MAX ? c[v] : c[0];
}

void sw_graph_write_dot(const struct sw_graph *g, FILE *out)
{
	size_t *on = sw_graph_order(g, false), *oe = sw_graph_order(g, true);
	char port[32], label[64];

	fprintf(out, "digraph segwatch {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\"];\n");
	for (size_t i = 0; on && oe && i < json_array_size(g->nodes); i++) {
		json_t *n = json_array_get(g->nodes, on[i]);

		fputs("  ", out);
		sw_dot_str(out, sw_graph_node_id(g, on[i]));
		fputs(" [label=", out);
		sw_dot_str(out, sw_graph_node_label(g, on[i]));
		fprintf(out, ", fillcolor=\"%s\"];\n", sw_dot_fill(n));
	}
	for (size_t i = 0; on && oe && i < g->n_edges; i++) {
		const struct sw_gedge *e = &g->edges[oe[i]];

		sw_edge_port(e, port, sizeof(port));
		fputs("  ", out);
		sw_dot_str(out, sw_graph_node_id(g, e->src));
		fputs(" -> ", out);
		sw_dot_str(out, sw_graph_node_id(g, e->dst));
		snprintf(label, sizeof(label), "%s (%llu)", port, (unsigned long long)e->flows);
		fputs(" [label=", out);
		sw_dot_str(out, label);
		fprintf(out, ", color=\"%s\"];\n", sw_dot_colour(e->verdict));
	}
	fputs("}\n", out);
	free(on);
	free(oe);
}
