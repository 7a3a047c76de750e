// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The graph for people: a table, and Graphviz dot (nodes coloured by their
 * first group, edges by verdict). Both write only to the caller's stream.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/text.h>

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

void sw_graph_write_table(const struct sw_graph *g, FILE *out)
{
	size_t *o = sw_graph_order(g, true);
	json_t *infra;
	char port[32];

	if (!o)
		return;
	fprintf(out, "%-28s %-28s %-14s %6s %5s %5s %5s %5s %9s %9s  %s\n", "SRC", "DST", "PROTO",
		"FLOWS", "EST", "ATT", "REF", "CLO", "BYTES>", "BYTES<", "VERDICT");
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct sw_gedge *e = &g->edges[o[i]];

		sw_edge_port(e, port, sizeof(port));
		fprintf(out, "%-28s %-28s %-14s %6llu %5llu %5llu %5llu %5llu %9llu %9llu  %s%s%s\n",
			SW_CELL(sw_graph_node_label(g, e->src)),
			SW_CELL(sw_graph_node_label(g, e->dst)), SW_CELL(port),
			(unsigned long long)e->flows,
			(unsigned long long)e->state[SW_GS_ESTABLISHED],
			(unsigned long long)e->state[SW_GS_ATTEMPTED],
			(unsigned long long)e->state[SW_GS_REFUSED],
			(unsigned long long)e->state[SW_GS_CLOSED],
			(unsigned long long)e->fwd_bytes, (unsigned long long)e->rev_bytes,
			e->verdict ? sw_graph_verdict_name(e->verdict) : "-",
			e->rule ? " " : "", e->rule ? SW_CELL(e->rule_name ?: e->rule) : "");
	}
	fprintf(out, "%zu nodes, %zu edges\n", sw_graph_n_nodes(g), g->n_edges);
	if ((infra = sw_graph_infra_json(g)))
		sw_graph_infra_write(infra, out);
	json_decref(infra);
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
