// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The graph: lifecycle, and folding flow records into nodes and edges.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/query.h>

#include "internal.h"


static bool sw_graph_alloc_policy(struct sw_graph *g)
{
	const struct sw_policy *p = g->policy;

	g->words = SW_POL_BITMAP_WORDS(p->n_groups) + 1;
	g->bits[0] = calloc(g->words, sizeof(uint64_t));
	g->bits[1] = calloc(g->words, sizeof(uint64_t));
	g->rule_hits = calloc(p->n_rules + 1, sizeof(uint64_t));
	return g->bits[0] && g->bits[1] && g->rule_hits;
}

struct sw_graph *sw_graph_alloc(const struct sw_graph_opts *o, struct sw_err *err)
{
	struct sw_graph *g;

	if (o->by == SW_GRAPH_BY_GROUP && !o->policy) {
		sw_err_set(err, SW_EXIT_USAGE, "grouping by group needs a policy (--policy FILE)");
		return NULL;
	}
	if (o->by == SW_GRAPH_BY_LABEL && (!o->label || !*o->label)) {
		sw_err_set(err, SW_EXIT_USAGE, "grouping by label needs a label key");
		return NULL;
	}
	if (o->staged && !o->policy) {
		sw_err_set(err, SW_EXIT_USAGE, "a staged policy is compared with the enforced one "
			   "(--policy FILE)");
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		goto nomem;
	g->by = o->by;
	g->policy = o->policy;
	g->kernel_log = o->kernel_log;
	g->all = o->all;
	g->filter = o->filter;
	g->nodes = json_array();
	g->node_index = json_object();
	g->edge_index = json_object();
	if (!g->nodes || !g->node_index || !g->edge_index)
		goto nomem_free;
	if (o->by == SW_GRAPH_BY_LABEL && !(g->label = strdup(o->label)))
		goto nomem_free;
	if (g->policy && !sw_graph_alloc_policy(g))
		goto nomem_free;
	g->staged = o->staged;
	if (g->staged && !sw_graph_staged_alloc(g))
		goto nomem_free;
	return g;
nomem_free:
	sw_graph_free(g);
nomem:
	sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return NULL;
}

void sw_graph_free(struct sw_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_edges; i++) {
		free(g->edges[i].rule);
		free(g->edges[i].rule_name);
		sw_gstaged_free(g->edges[i].staged);
	}
	free(g->edges);
	sw_graph_klog_free(&g->klog);
	sw_graph_infra_free(&g->infra);
	json_decref(g->nodes);
	json_decref(g->node_index);
	json_decref(g->edge_index);
	free(g->rule_hits);
	sw_graph_staged_free(g);
	free(g->bits[0]);
	free(g->bits[1]);
	free(g->label);
	free(g);
}

/* Read one end of a flow (or kernel_log) record; false when its address is missing or unparsable. */
bool sw_graph_end_read(json_t *flow, const char *end, struct sw_gend *e)
{
	char key[32];

	memset(e, 0, sizeof(*e));
	e->addr = json_string_value(json_object_get(flow, end));
	if (!e->addr || !sw_addr_parse(e->addr, e->addr16))
		return false;
	snprintf(key, sizeof(key), "%s_kind", end);
	e->kind = json_string_value(json_object_get(flow, key));
	snprintf(key, sizeof(key), "%s_workload", end);
	e->wl = json_object_get(flow, key);
	if (!json_is_object(e->wl))
		e->wl = NULL;
	else if (!e->kind)
		e->kind = "workload";
	return true;
}

uint64_t sw_json_u64(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

static void sw_graph_count_flow(struct sw_gedge *e, json_t *flow)
{
	json_t *fwd = json_object_get(flow, "fwd"), *rev = json_object_get(flow, "rev");

	e->flows++;
	e->state[sw_gstate_parse(json_string_value(json_object_get(flow, "state")))]++;
	e->fwd_packets = sw_flowfile_count_add(e->fwd_packets, sw_json_u64(fwd, "packets"));
	e->fwd_bytes = sw_flowfile_count_add(e->fwd_bytes, sw_json_u64(fwd, "bytes"));
	e->rev_packets = sw_flowfile_count_add(e->rev_packets, sw_json_u64(rev, "packets"));
	e->rev_bytes = sw_flowfile_count_add(e->rev_bytes, sw_json_u64(rev, "bytes"));
	sw_graph_edge_times(e, json_string_value(json_object_get(flow, "first_seen")),
			    json_string_value(json_object_get(flow, "last_seen")));
}

/* The edge this flow belongs to, created when new. */
static struct sw_gedge *sw_graph_flow_edge(struct sw_graph *g, json_t *flow, size_t s, size_t d)
{
	const char *proto = json_string_value(json_object_get(flow, "proto"));
	json_int_t num = json_integer_value(json_object_get(flow, "proto_num"));
	bool icmp = num == 1 || num == 58;
	json_int_t port = json_integer_value(json_object_get(flow, icmp ? "icmp_type" : "dport"));
	char buf[16];

	if (!proto) {
		snprintf(buf, sizeof(buf), "%d", (int)(num & 0xff));
		proto = buf;
	}
	return sw_graph_edge_get(g, s, d, proto, (uint8_t)num, icmp, (uint16_t)port);
}

int sw_graph_add_flow(struct sw_graph *g, json_t *flow, struct sw_err *err)
{
	struct sw_gend s, d;
	struct sw_gjudge j = { .verdict = SW_GV_NONE, .rule = -1 };
	struct sw_gedge *e;
	enum sw_infra_kind ik;
	size_t si, di;
	int rc;

	if (!sw_graph_end_read(flow, "src", &s) || !sw_graph_end_read(flow, "dst", &d))
		return sw_err_set(err, SW_EXIT_USAGE, "flow record without usable src/dst addresses");
	if (g->filter && !sw_query_match(g->filter, flow, NULL)) {
		g->left_out++;
		return SW_EXIT_OK;
	}
	if (!g->all && (ik = sw_flow_json_infra_kind(flow)) != SW_INFRA_NONE) {
		if (g->policy && (!sw_graph_end_bits(g, &s, 0) || !sw_graph_end_bits(g, &d, 1)))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		/* not drawn, but what the ruleset would drop is worth a word */
		if (g->policy)
			sw_graph_judge(g, flow, &s, &d, &j);
		return sw_graph_infra_add(g, ik, &s, &d, j.verdict) ? SW_EXIT_OK :
			sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (g->policy && (!sw_graph_end_bits(g, &s, 0) || !sw_graph_end_bits(g, &d, 1)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if ((rc = sw_graph_node_for_end(g, &s, &si, err)) ||
	    (rc = sw_graph_node_for_end(g, &d, &di, err)))
		return rc;
	if (!(e = sw_graph_flow_edge(g, flow, si, di)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_graph_count_flow(e, flow);
	if (!g->policy)
		return SW_EXIT_OK;
	sw_graph_judge(g, flow, &s, &d, &j);
	if (j.rule >= 0)
		g->rule_hits[j.rule]++;
	e->vflows[j.verdict]++;
	if (!sw_graph_edge_verdict(e, j.verdict, j.rule_where,
				   j.rule >= 0 ? g->policy->rules[j.rule].name : NULL) ||
	    (g->staged && !sw_graph_staged_add(g, flow, &s, &d, e, &j)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}

void sw_graph_add_counters(struct sw_graph *g, json_t *c)
{
	g->comp.packets_seen = sw_flowfile_count_add(g->comp.packets_seen, sw_json_u64(c, "packets_seen"));
	g->comp.decoded = sw_flowfile_count_add(g->comp.decoded, sw_json_u64(c, "decoded"));
	g->comp.duplicates = sw_flowfile_count_add(g->comp.duplicates, sw_json_u64(c, "duplicates"));
	g->comp.malformed = sw_flowfile_count_add(g->comp.malformed, sw_json_u64(c, "malformed"));
	g->comp.kernel_drops = sw_flowfile_count_add(g->comp.kernel_drops, sw_json_u64(c, "kernel_drops"));
	g->comp.evicted = sw_flowfile_count_add(g->comp.evicted, sw_json_u64(json_object_get(c, "flow"), "evicted"));
	sw_graph_infra_counters(g, c);
	if (g->kernel_log && json_is_object(json_object_get(c, "nflog")))
		sw_graph_klog_counters(g, json_object_get(c, "nflog"));
}

uint64_t sw_graph_flows_left_out(const struct sw_graph *g)
{
	return g->left_out;
}

size_t sw_graph_n_nodes(const struct sw_graph *g)
{
	return json_array_size(g->nodes);
}

size_t sw_graph_n_edges(const struct sw_graph *g)
{
	return g->n_edges;
}

const struct sw_graph_completeness *sw_graph_completeness(const struct sw_graph *g)
{
	return &g->comp;
}

size_t sw_graph_count_verdict(const struct sw_graph *g, enum sw_graph_verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_edges; i++)
		n += g->edges[i].verdict == v;
	return n;
}
