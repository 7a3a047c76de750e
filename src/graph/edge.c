// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Edges: initiator -> responder per (protocol, destination port or ICMP
 * type), indexed by a key made of the two node ids so that the same edge
 * has the same key in every graph (merge, diff).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sw_gstate_names[SW_GS_MAX] = {
	[SW_GS_ESTABLISHED] = "established",
	[SW_GS_ATTEMPTED] = "attempted",
	[SW_GS_REFUSED] = "refused",
	[SW_GS_CLOSED] = "closed",
	[SW_GS_OTHER] = "other",
};

static const char *const sw_gv_names[SW_GV_MAX] = {
	[SW_GV_NONE] = "none",
	[SW_GV_ALLOWED] = "allowed",
	[SW_GV_UNMANAGED] = "unmanaged",
	[SW_GV_MONITOR] = "monitor",
	[SW_GV_VIOLATION] = "violation",
};

enum sw_gstate sw_gstate_parse(const char *s)
{
	for (int i = 0; s && i < SW_GS_OTHER; i++)
		if (strcmp(s, sw_gstate_names[i]) == 0)
			return (enum sw_gstate)i;
	return SW_GS_OTHER;
}

const char *sw_gstate_name(enum sw_gstate s)
{
	return s < SW_GS_MAX ? sw_gstate_names[s] : "other";
}

const char *sw_graph_verdict_name(enum sw_graph_verdict v)
{
	return v < SW_GV_MAX ? sw_gv_names[v] : "none";
}

enum sw_graph_verdict sw_graph_verdict_parse(const char *s)
{
	for (int i = 0; s && i < SW_GV_MAX; i++)
		if (strcmp(s, sw_gv_names[i]) == 0)
			return (enum sw_graph_verdict)i;
	return SW_GV_NONE;
}

static void sw_edge_key_ids(const char *src, const char *dst, uint8_t proto_num, bool icmp,
			    uint16_t port, char *buf, size_t len)
{
	snprintf(buf, len, "%s\x1f%s\x1f%u\x1f%s%u", src, dst, proto_num, icmp ? "type" : "",
		 port);
}

void sw_graph_edge_key(const struct sw_graph *g, const struct sw_gedge *e, char *buf,
		       size_t len)
{
	sw_edge_key_ids(sw_graph_node_id(g, e->src), sw_graph_node_id(g, e->dst), e->proto_num,
			e->icmp, e->port, buf, len);
}

static struct sw_gedge *sw_graph_edge_push(struct sw_graph *g)
{
	struct sw_gedge *v;
	size_t cap;

	if (g->n_edges == g->cap_edges) {
		cap = g->cap_edges ? 2 * g->cap_edges : 64;
		v = realloc(g->edges, cap * sizeof(*v));
		if (!v)
			return NULL;
		g->edges = v;
		g->cap_edges = cap;
	}
	v = &g->edges[g->n_edges];
	memset(v, 0, sizeof(*v));
	return v;
}

/* sw_graph_edge_get - the edge for this key, created (zeroed) when new; NULL on out of memory. */
struct sw_gedge *sw_graph_edge_get(struct sw_graph *g, size_t src, size_t dst, const char *proto,
				   uint8_t proto_num, bool icmp, uint16_t port)
{
	char key[1400];
	json_t *at;
	struct sw_gedge *e;

	sw_edge_key_ids(sw_graph_node_id(g, src), sw_graph_node_id(g, dst), proto_num, icmp, port,
			key, sizeof(key));
	if ((at = json_object_get(g->edge_index, key)))
		return &g->edges[json_integer_value(at)];
	if (!(e = sw_graph_edge_push(g)))
		return NULL;
	if (json_object_set_new(g->edge_index, key, json_integer((json_int_t)g->n_edges)))
		return NULL;
	e->src = src;
	e->dst = dst;
	snprintf(e->proto, sizeof(e->proto), "%s", proto);
	e->proto_num = proto_num;
	e->icmp = icmp;
	e->port = port;
	g->n_edges++;
	return e;
}

/* sw_graph_edge_find - the edge between two node ids, or NULL. */
const struct sw_gedge *sw_graph_edge_find(const struct sw_graph *g, const char *src,
					  const char *dst, uint8_t proto_num, bool icmp,
					  uint16_t port)
{
	char key[1400];
	json_t *at;

	sw_edge_key_ids(src, dst, proto_num, icmp, port, key, sizeof(key));
	at = json_object_get(g->edge_index, key);
	return at ? &g->edges[json_integer_value(at)] : NULL;
}

/* Times are RFC 3339 UTC with a fixed number of digits, so text order is time order. */
void sw_graph_times_widen(char first[SW_GRAPH_TIME_LEN], char last[SW_GRAPH_TIME_LEN],
			  const char *f, const char *l)
{
	if (f && (!first[0] || strcmp(f, first) < 0))
		snprintf(first, SW_GRAPH_TIME_LEN, "%s", f);
	if (l && strcmp(l, last) > 0)
		snprintf(last, SW_GRAPH_TIME_LEN, "%s", l);
}

void sw_graph_edge_times(struct sw_gedge *e, const char *first, const char *last)
{
	sw_graph_times_widen(e->first, e->last, first, last);
}

/*
 * sw_graph_verdict_keep - keep the worse of (*@cur, *@rule, *@name) and @v
 * (with @rule_v, @name_v, copied): an edge's enforced verdict and its staged one.
 */
bool sw_graph_verdict_keep(enum sw_graph_verdict *cur, char **rule, char **name,
			   enum sw_graph_verdict v, const char *rule_v, const char *name_v)
{
	char *r = NULL, *n = NULL;

	if (v < *cur || (v == *cur && *rule))
		return true;
	if ((rule_v && !(r = strdup(rule_v))) || (name_v && !(n = strdup(name_v)))) {
		free(r);
		return false;
	}
	free(*rule);
	free(*name);
	*cur = v;
	*rule = r;
	*name = n;
	return true;
}

/* sw_graph_edge_verdict - keep the worse of the edge's verdict and @v (with its rule). */
bool sw_graph_edge_verdict(struct sw_gedge *e, enum sw_graph_verdict v, const char *rule,
			   const char *rule_name)
{
	return sw_graph_verdict_keep(&e->verdict, &e->rule, &e->rule_name, v, rule, rule_name);
}
