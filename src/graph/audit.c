// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit: edges by verdict, how complete the picture is, and what
 * changed since an earlier graph.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * What became of an edge's packets (docs/graph.md "delivery"): the kernel's
 * log says it dropped them (@dropped), else the flows' states say whether
 * the target answered (established, closed), refused (RST, ICMP
 * unreachable) or never answered (attempted only: dropped on the way, or a
 * silent target).
 */
static const char *sw_report_delivery(const struct sw_gedge *e, bool dropped)
{
	if (dropped)
		return "dropped";
	if (e->state[SW_GS_ESTABLISHED] || e->state[SW_GS_CLOSED])
		return "answered";
	if (e->state[SW_GS_REFUSED])
		return "refused";
	if (e->state[SW_GS_ATTEMPTED])
		return "unanswered";
	return NULL;
}

/*
 * Edges some of whose packets the kernel logged as dropped (deny rows of the
 * kernel log, enforce mode), by index into g->edges; NULL when none or
 * out of memory.
 */
static bool *sw_report_dropped(const struct sw_graph *g)
{
	bool *d = NULL;

	for (size_t i = 0; i < g->klog.n && g->n_edges; i++) {
		const struct sw_gklog_row *r = &g->klog.rows[i];
		const struct sw_gedge *e;

		if (r->monitor ||
		    !(e = sw_graph_edge_find(g, r->src, r->dst, r->proto_num, r->icmp, r->port)))
			continue;
		if (!d && !(d = calloc(g->n_edges, sizeof(*d))))
			return NULL;
		d[e - g->edges] = true;
	}
	return d;
}

/* An edge for the report: the graph's form plus the two ends' names and its delivery. */
json_t *sw_graph_report_edge(const struct sw_graph *g, const struct sw_gedge *e,
			     const bool *dropped)
{
	json_t *o = sw_graph_edge_json(g, e);
	const char *delivery = sw_report_delivery(e, dropped && dropped[e - g->edges]);

	if (o) {
		json_object_set_new(o, "src_name", json_string(sw_graph_node_label(g, e->src)));
		json_object_set_new(o, "dst_name", json_string(sw_graph_node_label(g, e->dst)));
		if (delivery)
			json_object_set_new(o, "delivery", json_string(delivery));
	}
	return o;
}

/* Edges of @a whose key @b does not have, sorted. */
static json_t *sw_edges_missing(const struct sw_graph *a, const struct sw_graph *b)
{
	json_t *out = json_array();
	size_t *o = sw_graph_order(a, true);
	char key[1400];

	for (size_t i = 0; out && o && i < a->n_edges; i++) {
		sw_graph_edge_key(a, &a->edges[o[i]], key, sizeof(key));
		if (!json_object_get(b->edge_index, key))
			json_array_append_new(out, sw_graph_report_edge(a, &a->edges[o[i]], NULL));
	}
	free(o);
	return out;
}

static json_t *sw_unused_rules(const struct sw_graph *g)
{
	json_t *out = json_array(), *r;

	for (size_t i = 0; out && g->policy && i < g->policy->n_rules; i++) {
		const struct sw_pol_rule *rule = &g->policy->rules[i];

		if (rule->action != SW_POL_ALLOW || g->rule_hits[i])
			continue;
		r = json_pack("{s:s}", "rule", rule->where);
		if (r && rule->name)
			json_object_set_new(r, "rule_name", json_string(rule->name));
		json_array_append_new(out, r);
	}
	return out;
}

json_t *sw_graph_diff(const struct sw_graph *g, const struct sw_graph *old)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "new_edges", old ? sw_edges_missing(g, old) : json_array());
	json_object_set_new(o, "vanished_edges", old ? sw_edges_missing(old, g) : json_array());
	json_object_set_new(o, "unused_rules", sw_unused_rules(g));
	return o;
}

static json_t *sw_report_completeness(const struct sw_graph *g)
{
	const struct sw_graph_completeness *c = &g->comp;
	bool complete = c->files_without_counters == 0 && c->kernel_drops == 0 &&
			c->malformed == 0 && c->evicted == 0;

	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o*}", "complete", complete,
			 "files", (json_int_t)c->files, "files_without_counters",
			 (json_int_t)c->files_without_counters, "packets_seen",
			 (json_int_t)c->packets_seen, "decoded", (json_int_t)c->decoded,
			 "duplicates", (json_int_t)c->duplicates, "malformed",
			 (json_int_t)c->malformed, "kernel_drops", (json_int_t)c->kernel_drops,
			 "evicted", (json_int_t)c->evicted, "nflog",
			 g->kernel_log ? sw_graph_klog_completeness(g) : NULL);
}

/* Edges by verdict, worst first. */
static json_t *sw_report_edges(const struct sw_graph *g, json_t *summary)
{
	json_t *by = json_object(), *list;
	size_t *o = sw_graph_order(g, true);
	bool *dropped = sw_report_dropped(g);

	for (int v = SW_GV_MAX - 1; by && o && v >= SW_GV_NONE; v--) {
		if (v == SW_GV_NONE && !sw_graph_count_verdict(g, SW_GV_NONE))
			continue;
		list = json_array();
		for (size_t i = 0; i < g->n_edges; i++)
			if (g->edges[o[i]].verdict == (enum sw_graph_verdict)v)
				json_array_append_new(list, sw_graph_report_edge(g, &g->edges[o[i]], dropped));
		json_object_set_new(summary, sw_graph_verdict_name(v),
				    json_integer((json_int_t)json_array_size(list)));
		json_object_set_new(by, sw_graph_verdict_name(v), list);
	}
	free(dropped);
	free(o);
	return by;
}

json_t *sw_graph_report_json(const struct sw_graph *g, const struct sw_graph *old)
{
	json_t *r = json_pack("{s:s, s:i}", "type", "report", "version", 1);
	json_t *summary = json_pack("{s:I}", "edges", (json_int_t)g->n_edges), *diff, *infra;

	if (!r || !summary || !(diff = sw_graph_diff(g, old))) {
		json_decref(r);
		json_decref(summary);
		return NULL;
	}
	if (g->policy && g->policy->name)
		json_object_set_new(r, "policy", json_string(g->policy->name));
	json_object_set_new(r, "edges", sw_report_edges(g, summary));
	json_object_set_new(r, "summary", summary);
	json_object_set_new(r, "completeness", sw_report_completeness(g));
	if ((infra = sw_graph_infra_json(g)))
		json_object_set_new(r, "infrastructure", infra);
	if (g->kernel_log)
		json_object_set_new(r, "kernel_log", sw_graph_klog_report(g));
	json_object_set(r, "unused_rules", json_object_get(diff, "unused_rules"));
	if (g->staged)
		json_object_set_new(r, "staged", sw_graph_staged_report(g));
	if (old) {
		json_object_del(diff, "unused_rules");
		json_object_set(r, "since", diff);
	}
	json_decref(diff);
	return r;
}
