// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Infrastructure traffic (docs/flows.md, "Infrastructure traffic"): by
 * default such flows make no node and no edge; they are tallied, in total,
 * per kind and per node of the end they belong to, and the tally is shown
 * instead ("infrastructure" in the graph and report documents, one line in
 * the tables). With sw_graph_opts.all they are drawn like any flow and no
 * tally is kept: the graph is what it was before the tally existed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>

#include "internal.h"

void sw_graph_infra_free(struct sw_ginfra *t)
{
	json_decref(t->by_node);
}

/*
 * An address that names no one: multicast, broadcast or unspecified. Told
 * from the address, since records read without identity sources have no kind.
 */
static bool sw_infra_anonymous(const struct sw_gend *e)
{
	static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff }, zero[16];
	const uint8_t *a = e->addr16;

	if (memcmp(a, v4, sizeof(v4)) == 0)
		return (a[12] & 0xf0) == 0xe0 || memcmp(a + 12, "\xff\xff\xff\xff", 4) == 0 ||
		       memcmp(a + 12, zero, 4) == 0;
	return a[0] == 0xff || memcmp(a, zero, 16) == 0;
}

/* The end a tally belongs to: a workload first, else an end with an address of its own. */
static const struct sw_gend *sw_infra_owner(const struct sw_gend *s, const struct sw_gend *d)
{
	if (s->wl || d->wl)
		return s->wl ? s : d;
	if (sw_infra_anonymous(s) && !sw_infra_anonymous(d))
		return d;
	return s;
}

static bool sw_infra_count(json_t *o, const char *key, uint64_t n)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return json_object_set_new(o, key, json_integer((json_int_t)sw_flowfile_count_add((uint64_t)(v > 0 ? v : 0), n))) == 0;
}

/* Add @n flows of @kind to the node @id (created with @name). */
static bool sw_infra_node_add(struct sw_ginfra *t, const char *id, const char *name,
			      const char *kind, uint64_t n)
{
	json_t *o;

	if (!t->by_node && !(t->by_node = json_object()))
		return false;
	o = json_object_get(t->by_node, id);
	if (!o) {
		o = json_pack("{s:s, s:s, s:I, s:{}}", "id", id, "name", name, "flows", (json_int_t)0,
			      "kinds");
		if (!o || json_object_set_new(t->by_node, id, o))
			return false;
	}
	return sw_infra_count(o, "flows", n) && sw_infra_count(json_object_get(o, "kinds"), kind, n);
}

bool sw_graph_infra_add(struct sw_graph *g, enum sw_infra_kind k, const struct sw_gend *s,
			const struct sw_gend *d, enum sw_graph_verdict v)
{
	struct sw_ginfra *t = &g->infra;
	char id[640], name[512];

	if (v == SW_GV_VIOLATION || v == SW_GV_MONITOR)
		t->denied = sw_flowfile_count_add(t->denied, 1);

	sw_graph_node_key(g, sw_infra_owner(s, d), id, sizeof(id), name, sizeof(name));
	t->flows = sw_flowfile_count_add(t->flows, 1);
	t->kinds[k] = sw_flowfile_count_add(t->kinds[k], 1);
	return sw_infra_node_add(t, id, name, sw_infra_kind_name(k), 1);
}

void sw_graph_infra_counters(struct sw_graph *g, json_t *counters)
{
	json_t *nt = json_object_get(counters, "not_tracked");

	if (!g->all)
		g->infra.kinds[SW_INFRA_ARP] = sw_flowfile_count_add(g->infra.kinds[SW_INFRA_ARP],
								     sw_json_u64(nt, "arp"));
}

static int sw_infra_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "id")) ?: "",
		      json_string_value(json_object_get(*(json_t *const *)b, "id")) ?: "");
}

json_t *sw_graph_infra_json(const struct sw_graph *g)
{
	const struct sw_ginfra *t = &g->infra;
	json_t *o, *kinds, *nodes, *v, **sorted;
	const char *key;
	size_t n = 0;

	if (g->all || (!t->flows && !t->kinds[SW_INFRA_ARP]))
		return NULL;
	o = json_pack("{s:I, s:{}, s:I, s:[]}", "flows", (json_int_t)t->flows, "kinds",
		      "arp_frames", (json_int_t)t->kinds[SW_INFRA_ARP], "by_node");
	if (!o)
		return NULL;
	if (g->policy)
		json_object_set_new(o, "denied", json_integer((json_int_t)t->denied));
	kinds = json_object_get(o, "kinds");
	for (int k = SW_INFRA_NONE + 1; k < SW_INFRA_ARP; k++)
		if (t->kinds[k])
			json_object_set_new(kinds, sw_infra_kind_name(k), json_integer((json_int_t)t->kinds[k]));
	nodes = json_object_get(o, "by_node");
	sorted = malloc((json_object_size(t->by_node) + 1) * sizeof(*sorted));
	if (!sorted) {
		json_decref(o);
		return NULL;
	}
	json_object_foreach(t->by_node, key, v)
		sorted[n++] = v;
	qsort(sorted, n, sizeof(*sorted), sw_infra_cmp);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(nodes, json_deep_copy(sorted[i]));
	free(sorted);
	return o;
}

/* Merge the tally of a saved graph or report document (borrowed; NULL is fine). */
bool sw_graph_infra_merge(struct sw_graph *g, json_t *infra)
{
	struct sw_ginfra *t = &g->infra;
	json_t *kinds = json_object_get(infra, "kinds"), *v, *n;
	const char *kk;
	size_t i;

	if (g->all || !json_is_object(infra))
		return true;
	t->flows = sw_flowfile_count_add(t->flows, sw_json_u64(infra, "flows"));
	t->denied = sw_flowfile_count_add(t->denied, sw_json_u64(infra, "denied"));
	t->kinds[SW_INFRA_ARP] = sw_flowfile_count_add(t->kinds[SW_INFRA_ARP],
						       sw_json_u64(infra, "arp_frames"));
	for (int k = SW_INFRA_NONE + 1; k < SW_INFRA_ARP; k++)
		t->kinds[k] = sw_flowfile_count_add(t->kinds[k], sw_json_u64(kinds, sw_infra_kind_name(k)));
	json_array_foreach(json_object_get(infra, "by_node"), i, n) {
		const char *id = json_string_value(json_object_get(n, "id"));

		if (!id)
			continue;
		json_object_foreach(json_object_get(n, "kinds"), kk, v)
			if (json_integer_value(v) > 0 &&
			    !sw_infra_node_add(t, id, json_string_value(json_object_get(n, "name")) ?: id,
					       kk, (uint64_t)json_integer_value(v)))
				return false;
	}
	return true;
}

void sw_graph_infra_write(json_t *infra, FILE *out)
{
	json_t *kinds = json_object_get(infra, "kinds");
	uint64_t k[SW_INFRA_MAX] = { 0 };

	if (!json_is_object(infra))
		return;
	for (int i = SW_INFRA_NONE + 1; i < SW_INFRA_ARP; i++)
		k[i] = sw_json_u64(kinds, sw_infra_kind_name(i));
	k[SW_INFRA_ARP] = sw_json_u64(infra, "arp_frames");
	sw_report_infra_text(out, k, json_array_size(json_object_get(infra, "by_node")), "drawn");
	if (sw_json_u64(infra, "denied"))
		fprintf(out, "  warning: the policy would deny %" PRIu64 " of them (--all shows which)\n",
			sw_json_u64(infra, "denied"));
}
