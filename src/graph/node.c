// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Nodes: what a flow's end becomes, by aggregation mode. A node's id is
 * stable across hosts and runs (docs/graph.md "Node ids"), so graphs
 * built on several hosts merge by id.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* sw_json_list_add - append @value to the array @obj[@key] unless present or full. */
bool sw_json_list_add(json_t *obj, const char *key, const char *value)
{
	json_t *a = json_object_get(obj, key), *v;
	size_t i;

	if (!a) {
		if (json_object_set_new(obj, key, json_array()))
			return false;
		a = json_object_get(obj, key);
	}
	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v) ?: "", value) == 0)
			return true;
	if (json_array_size(a) >= SW_GRAPH_LIST_MAX) {
		json_object_set_new(obj, "truncated", json_true());
		return true;
	}
	return json_array_append_new(a, json_string(value)) == 0;
}

static const char *sw_wl_str(const struct sw_gend *e, const char *key)
{
	return json_string_value(json_object_get(e->wl, key));
}

/* A node that is one workload, or an address. */
static const char *sw_node_plain(const struct sw_gend *e, char *id, size_t len, const char **name)
{
	const char *src = sw_wl_str(e, "source"), *wid = sw_wl_str(e, "id");
	const char *kind = e->kind ?: "address";

	*name = e->addr;
	if (e->wl && (*name = sw_wl_str(e, "name") ?: e->addr) && src && wid)
		snprintf(id, len, "wl:%s:%s", src, wid);
	else if (e->wl)
		snprintf(id, len, "wl:name:%s", *name);
	else if (strcmp(kind, "host") == 0)
		snprintf(id, len, "host"), *name = "host";
	else if (strcmp(kind, "external") == 0)
		snprintf(id, len, "ext:%s", e->addr);
	else if (strcmp(kind, "multicast") == 0)
		snprintf(id, len, "mc:%s", e->addr);
	else
		snprintf(id, len, "%s:%s", strcmp(kind, "unspecified") == 0 ? "unspec" : "addr",
			 e->addr);
	return e->wl ? "workload" : kind;
}

/* sw_graph_node_key - the id, name and kind of the node @e belongs to. */
const char *sw_graph_node_key(const struct sw_graph *g, const struct sw_gend *e, char *id,
			       size_t len, char *name, size_t nlen)
{
	const char *kind, *plain, *v;
	char groups[512];

	if (g->by == SW_GRAPH_BY_GROUP && (sw_policy_groups_text(g->policy, e->bits, groups, sizeof(groups)) || e->wl)) {
		snprintf(id, len, "group:%s", *groups ? groups : "(none)");
		snprintf(name, nlen, "%s", *groups ? groups : "(no group)");
		return "group";
	}
	if (g->by == SW_GRAPH_BY_LABEL && e->wl) {
		v = json_string_value(json_object_get(json_object_get(e->wl, "labels"), g->label));
		if (v)
			snprintf(id, len, "label:%s=%s", g->label, v), snprintf(name, nlen, "%s", v);
		else
			snprintf(id, len, "nolabel:%s", g->label),
				snprintf(name, nlen, "(no %s)", g->label);
		return "label";
	}
	kind = sw_node_plain(e, id, len, &plain);
	snprintf(name, nlen, "%s", plain);
	return kind;
}

static json_t *sw_node_new(const struct sw_graph *g, const struct sw_gend *e, const char *id,
			   const char *name, const char *kind)
{
	json_t *n = json_pack("{s:s, s:s, s:s}", "id", id, "kind", kind, "name", name);
	json_t *labels;
	const char *v;

	if (!n || strcmp(kind, "workload") != 0) {
		if (n && strcmp(kind, "label") == 0)
			json_object_set_new(n, "label", json_string(g->label));
		return n;
	}
	if ((v = sw_wl_str(e, "namespace")))
		json_object_set_new(n, "namespace", json_string(v));
	if ((v = sw_wl_str(e, "id")))
		json_object_set_new(n, "workload_id", json_string(v));
	if ((v = sw_wl_str(e, "source")))
		json_object_set_new(n, "source", json_string(v));
	labels = json_object_get(e->wl, "labels");
	json_object_set_new(n, "labels", json_is_object(labels) ? json_deep_copy(labels) :
				json_object());
	return n;
}

/* Fold what this end adds to the node: its groups, its address or its name. */
static bool sw_node_update(const struct sw_graph *g, json_t *n, const struct sw_gend *e)
{
	const char *kind = json_string_value(json_object_get(n, "kind"));
	bool ok = true;

	for (size_t i = 0; e->bits && i < g->policy->n_groups; i++)
		if (e->bits[i / 64] & (UINT64_C(1) << (i % 64)))
			ok = ok && sw_json_list_add(n, "groups", g->policy->groups[i].name);
	if (strcmp(kind, "group") == 0 || strcmp(kind, "label") == 0)
		return ok && sw_json_list_add(n, "members", e->wl ? (sw_wl_str(e, "name") ?: e->addr) :
					      e->addr);
	return ok && sw_json_list_add(n, "addresses", e->addr);
}

int sw_graph_node_for_end(struct sw_graph *g, const struct sw_gend *e, size_t *idx,
			  struct sw_err *err)
{
	char id[640], name[512];
	const char *kind = sw_graph_node_key(g, e, id, sizeof(id), name, sizeof(name));
	json_t *at = json_object_get(g->node_index, id), *n;

	if (at) {
		*idx = (size_t)json_integer_value(at);
		n = json_array_get(g->nodes, *idx);
	} else {
		n = sw_node_new(g, e, id, name, kind);
		*idx = json_array_size(g->nodes);
		if (!n || json_array_append_new(g->nodes, n) ||
		    json_object_set_new(g->node_index, id, json_integer((json_int_t)*idx)))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (!sw_node_update(g, n, e))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}

static bool sw_node_merge_lists(json_t *into, json_t *from)
{
	static const char *const keys[] = { "groups", "members", "addresses" };
	json_t *v;
	size_t i;

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		json_array_foreach(json_object_get(from, keys[k]), i, v)
			if (json_is_string(v) && !sw_json_list_add(into, keys[k], json_string_value(v)))
				return false;
	return true;
}

/* sw_graph_node_merge - add a node of a saved graph (borrowed), matched by id. */
int sw_graph_node_merge(struct sw_graph *g, json_t *node, size_t *idx, struct sw_err *err)
{
	const char *id = json_string_value(json_object_get(node, "id"));
	json_t *at, *n;

	if (!id || !json_is_string(json_object_get(node, "kind")))
		return sw_err_set(err, SW_EXIT_USAGE, "node without \"id\" or \"kind\"");
	if ((at = json_object_get(g->node_index, id))) {
		*idx = (size_t)json_integer_value(at);
		n = json_array_get(g->nodes, *idx);
	} else {
		n = json_deep_copy(node);
		*idx = json_array_size(g->nodes);
		if (!n || json_array_append_new(g->nodes, n) ||
		    json_object_set_new(g->node_index, id, json_integer((json_int_t)*idx)))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		return SW_EXIT_OK;
	}
	if (!sw_node_merge_lists(n, node))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}
