// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The graph document (docs/graph.md): writing it, and merging saved ones.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *sw_graph_node_id(const struct sw_graph *g, size_t idx)
{
	return json_string_value(json_object_get(json_array_get(g->nodes, idx), "id")) ?: "";
}

const char *sw_graph_node_label(const struct sw_graph *g, size_t idx)
{
	return json_string_value(json_object_get(json_array_get(g->nodes, idx), "name")) ?: "";
}

/* sw_graph_vflows_json - {"allowed": 2, "violation": 1}: flows per verdict, the zeros left out. */
json_t *sw_graph_vflows_json(const uint64_t vflows[SW_GV_MAX])
{
	json_t *o = json_object();

	for (int v = SW_GV_ALLOWED; v < SW_GV_MAX; v++)
		if (vflows[v])
			json_object_set_new(o, sw_graph_verdict_name(v), json_integer((json_int_t)vflows[v]));
	return o;
}

json_t *sw_graph_edge_json(const struct sw_graph *g, const struct sw_gedge *e)
{
	json_t *o, *st = json_object();
	char id[1400];

	for (int s = 0; s < SW_GS_MAX; s++)
		json_object_set_new(st, sw_gstate_name(s), json_integer((json_int_t)e->state[s]));
	snprintf(id, sizeof(id), "%s -> %s %s/%s%u", sw_graph_node_id(g, e->src),
		 sw_graph_node_id(g, e->dst), e->proto, e->icmp ? "type " : "", e->port);
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:o, s:{s:I, s:I}, s:{s:I, s:I}}", "id", id,
		      "src", sw_graph_node_id(g, e->src), "dst", sw_graph_node_id(g, e->dst),
		      "proto", e->proto, "proto_num", e->proto_num, "flows", (json_int_t)e->flows,
		      "states", st, "fwd", "packets", (json_int_t)e->fwd_packets, "bytes",
		      (json_int_t)e->fwd_bytes, "rev", "packets", (json_int_t)e->rev_packets,
		      "bytes", (json_int_t)e->rev_bytes);
	if (!o)
		return NULL;
	json_object_set_new(o, e->icmp ? "icmp_type" : "port", json_integer(e->port));
	if (e->first[0])
		json_object_set_new(o, "first_seen", json_string(e->first));
	if (e->last[0])
		json_object_set_new(o, "last_seen", json_string(e->last));
	if (e->verdict == SW_GV_NONE)
		return o;
	json_object_set_new(o, "verdict", json_string(sw_graph_verdict_name(e->verdict)));
	if (e->rule)
		json_object_set_new(o, "rule", json_string(e->rule));
	if (e->rule_name)
		json_object_set_new(o, "rule_name", json_string(e->rule_name));
	json_object_set_new(o, "verdicts", sw_graph_vflows_json(e->vflows));
	if (e->staged)
		json_object_set_new(o, "staged", sw_graph_staged_edge_json(e->staged));
	return o;
}

static int sw_cmp_node(const void *a, const void *b, void *arg)
{
	const struct sw_graph *g = arg;

	return strcmp(sw_graph_node_id(g, *(const size_t *)a), sw_graph_node_id(g, *(const size_t *)b));
}

static int sw_cmp_edge(const void *a, const void *b, void *arg)
{
	const struct sw_graph *g = arg;
	const struct sw_gedge *x = &g->edges[*(const size_t *)a], *y = &g->edges[*(const size_t *)b];
	int c = strcmp(sw_graph_node_id(g, x->src), sw_graph_node_id(g, y->src));

	if (!c)
		c = strcmp(sw_graph_node_id(g, x->dst), sw_graph_node_id(g, y->dst));
	if (!c)
		c = (int)x->proto_num - (int)y->proto_num;
	if (!c)
		c = (int)x->icmp - (int)y->icmp;
	return c ? c : (int)x->port - (int)y->port;
}

/* sw_graph_order - indices of nodes (@edges false) or edges sorted by id; caller frees. */
size_t *sw_graph_order(const struct sw_graph *g, bool edges)
{
	size_t n = edges ? g->n_edges : json_array_size(g->nodes);
	size_t *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	qsort_r(v, n, sizeof(*v), edges ? sw_cmp_edge : sw_cmp_node, (void *)g);
	return v;
}

static json_t *sw_completeness_json(const struct sw_graph_completeness *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "files", (json_int_t)c->files,
			 "files_without_counters", (json_int_t)c->files_without_counters,
			 "packets_seen", (json_int_t)c->packets_seen, "decoded",
			 (json_int_t)c->decoded, "duplicates", (json_int_t)c->duplicates,
			 "malformed", (json_int_t)c->malformed, "kernel_drops",
			 (json_int_t)c->kernel_drops, "evicted", (json_int_t)c->evicted);
}

static json_t *sw_graph_head_json(const struct sw_graph *g)
{
	static const char *const by[] = { "workload", "group", "label" };
	json_t *o = json_pack("{s:s, s:i, s:s}", "type", "graph", "version", 1, "group_by", by[g->by]);

	if (o && g->label)
		json_object_set_new(o, "label", json_string(g->label));
	if (o && g->policy && g->policy->name)
		json_object_set_new(o, "policy", json_string(g->policy->name));
	return o;
}

json_t *sw_graph_to_json(const struct sw_graph *g)
{
	json_t *o = sw_graph_head_json(g), *nodes = json_array(), *edges = json_array(), *infra;
	size_t *on = sw_graph_order(g, false), *oe = sw_graph_order(g, true);

	if (!o || !nodes || !edges || !on || !oe)
		goto fail;
	for (size_t i = 0; i < json_array_size(g->nodes); i++)
		if (json_array_append(nodes, json_array_get(g->nodes, on[i])))
			goto fail;
	for (size_t i = 0; i < g->n_edges; i++)
		if (json_array_append_new(edges, sw_graph_edge_json(g, &g->edges[oe[i]])))
			goto fail;
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "edges", edges);
	json_object_set_new(o, "completeness", sw_completeness_json(&g->comp));
	if ((infra = sw_graph_infra_json(g)))
		json_object_set_new(o, "infrastructure", infra);
	free(on);
	free(oe);
	return o;
fail:
	free(on);
	free(oe);
	json_decref(o);
	json_decref(nodes);
	json_decref(edges);
	return NULL;
}

static uint64_t sw_u64(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

static void sw_edge_sum(struct sw_gedge *e, json_t *j)
{
	json_t *st = json_object_get(j, "states"), *vf = json_object_get(j, "verdicts");

	e->flows = sw_flowfile_count_add(e->flows, sw_u64(j, "flows"));
	for (int s = 0; s < SW_GS_MAX; s++)
		e->state[s] = sw_flowfile_count_add(e->state[s], sw_u64(st, sw_gstate_name(s)));
	e->fwd_packets = sw_flowfile_count_add(e->fwd_packets, sw_u64(json_object_get(j, "fwd"), "packets"));
	e->fwd_bytes = sw_flowfile_count_add(e->fwd_bytes, sw_u64(json_object_get(j, "fwd"), "bytes"));
	e->rev_packets = sw_flowfile_count_add(e->rev_packets, sw_u64(json_object_get(j, "rev"), "packets"));
	e->rev_bytes = sw_flowfile_count_add(e->rev_bytes, sw_u64(json_object_get(j, "rev"), "bytes"));
	for (int v = SW_GV_ALLOWED; v < SW_GV_MAX; v++)
		e->vflows[v] = sw_flowfile_count_add(e->vflows[v], sw_u64(vf, sw_graph_verdict_name(v)));
	sw_graph_edge_times(e, json_string_value(json_object_get(j, "first_seen")),
			    json_string_value(json_object_get(j, "last_seen")));
}

static int sw_edge_merge(struct sw_graph *g, json_t *j, struct sw_err *err)
{
	json_t *s = json_object_get(g->node_index, json_string_value(json_object_get(j, "src")) ?: "");
	json_t *d = json_object_get(g->node_index, json_string_value(json_object_get(j, "dst")) ?: "");
	const char *proto = json_string_value(json_object_get(j, "proto"));
	json_t *type = json_object_get(j, "icmp_type");
	struct sw_gedge *e;

	if (!s || !d || !proto)
		return sw_err_set(err, SW_EXIT_USAGE, "edge without known \"src\", \"dst\" or \"proto\"");
	e = sw_graph_edge_get(g, (size_t)json_integer_value(s), (size_t)json_integer_value(d), proto,
			      (uint8_t)json_integer_value(json_object_get(j, "proto_num")),
			      type != NULL,
			      (uint16_t)json_integer_value(type ?: json_object_get(j, "port")));
	if (!e)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_edge_sum(e, j);
	if (!sw_graph_edge_verdict(e, sw_graph_verdict_parse(json_string_value(json_object_get(j, "verdict"))),
				   json_string_value(json_object_get(j, "rule")),
				   json_string_value(json_object_get(j, "rule_name"))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}

static void sw_completeness_merge(struct sw_graph *g, json_t *c)
{
	g->comp.files = sw_flowfile_count_add(g->comp.files, sw_u64(c, "files"));
	g->comp.files_without_counters = sw_flowfile_count_add(g->comp.files_without_counters, sw_u64(c, "files_without_counters"));
	sw_graph_add_counters(g, c);
}

/* Prefix the error with where it is: "g.json: /edges/3: error: ...". */
static int sw_err_where(struct sw_err *err, int rc, const char *name, const char *what, size_t i)
{
	char msg[sizeof(err->msg)];

	memcpy(msg, err->msg, sizeof(msg));
	return sw_err_set(err, rc, "%s: /%s/%zu: error: %.400s", name, what, i, msg);
}

int sw_graph_merge_json(struct sw_graph *g, json_t *doc, const char *name, struct sw_err *err)
{
	json_t *nodes = json_object_get(doc, "nodes"), *edges = json_object_get(doc, "edges"), *v;
	size_t i, idx;
	int rc;

	if (strcmp(json_string_value(json_object_get(doc, "type")) ?: "", "graph") != 0 ||
	    !json_is_array(nodes) || !json_is_array(edges))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: error: not a graph document "
				  "({\"type\":\"graph\",\"nodes\":[...],\"edges\":[...]})", name);
	json_array_foreach(nodes, i, v)
		if ((rc = sw_graph_node_merge(g, v, &idx, err)))
			return sw_err_where(err, rc, name, "nodes", i);
	json_array_foreach(edges, i, v)
		if ((rc = sw_edge_merge(g, v, err)))
			return sw_err_where(err, rc, name, "edges", i);
	sw_completeness_merge(g, json_object_get(doc, "completeness"));
	if (!sw_graph_infra_merge(g, json_object_get(doc, "infrastructure")))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}
