// SPDX-License-Identifier: GPL-2.0-or-later
/* table.c - the node and edge tables of a learner: arrays indexed by open-addressing hashes. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_LEARN_SEED 0xcbf29ce484222325ull

static bool sw_learn_grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	void *nv;

	if (n < *cap)
		return true;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

static uint64_t sw_learn_node_hash(const char *name)
{
	return sw_learn_hash(name, strlen(name), SW_LEARN_SEED);
}

static uint64_t sw_learn_edge_hash(size_t from, size_t to, uint8_t proto, uint16_t port)
{
	uint64_t h = sw_learn_hash(&from, sizeof(from), SW_LEARN_SEED);

	h = sw_learn_hash(&to, sizeof(to), h);
	h = sw_learn_hash(&proto, sizeof(proto), h);
	return sw_learn_hash(&port, sizeof(port), h);
}

/* sw_learn_rehash - rebuild an index at twice the size (keeps the load under 1/2). */
static bool sw_learn_rehash(struct sw_learn *l, bool edges)
{
	size_t n = edges ? l->n_edges : l->n_nodes;
	size_t *capp = edges ? &l->edge_idx_cap : &l->node_idx_cap;
	uint32_t **idxp = edges ? &l->edge_idx : &l->node_idx;
	size_t cap = *capp ? *capp * 2 : 128;
	uint32_t *idx;

	if ((n + 1) * 2 <= *capp)
		return true;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t h = edges ? sw_learn_edge_hash(l->edges[i].from, l->edges[i].to,
							l->edges[i].proto, l->edges[i].port)
				   : sw_learn_node_hash(l->nodes[i].name);
		size_t s = h & (cap - 1);

		while (idx[s])
			s = (s + 1) & (cap - 1);
		idx[s] = (uint32_t)(i + 1);
	}
	free(*idxp);
	*idxp = idx;
	*capp = cap;
	return true;
}

size_t sw_learn_node_get(struct sw_learn *l, const char *name, const char *raw,
			 enum sw_learn_sel sel)
{
	struct sw_learn_node *nd;
	size_t s;

	if (!sw_learn_rehash(l, false))
		return SIZE_MAX;
	s = sw_learn_node_hash(name) & (l->node_idx_cap - 1);
	for (; l->node_idx[s]; s = (s + 1) & (l->node_idx_cap - 1))
		if (strcmp(l->nodes[l->node_idx[s] - 1].name, name) == 0)
			return l->node_idx[s] - 1;
	if (!sw_learn_grow((void **)&l->nodes, &l->cap_nodes, l->n_nodes, sizeof(*l->nodes)))
		return SIZE_MAX;
	nd = &l->nodes[l->n_nodes];
	nd->name = strdup(name);
	nd->raw = strdup(raw);
	nd->sel = sel;
	if (!nd->name || !nd->raw) {
		free(nd->name);
		free(nd->raw);
		return SIZE_MAX;
	}
	l->node_idx[s] = (uint32_t)++l->n_nodes;
	return l->n_nodes - 1;
}

size_t sw_learn_edge_get(struct sw_learn *l, size_t from, size_t to, uint8_t proto,
			 uint16_t port)
{
	struct sw_learn_edge *e;
	size_t s;

	if (!sw_learn_rehash(l, true))
		return SIZE_MAX;
	s = sw_learn_edge_hash(from, to, proto, port) & (l->edge_idx_cap - 1);
	for (; l->edge_idx[s]; s = (s + 1) & (l->edge_idx_cap - 1)) {
		e = &l->edges[l->edge_idx[s] - 1];
		if (e->from == from && e->to == to && e->proto == proto && e->port == port)
			return l->edge_idx[s] - 1;
	}
	if (!sw_learn_grow((void **)&l->edges, &l->cap_edges, l->n_edges, sizeof(*l->edges)))
		return SIZE_MAX;
	e = &l->edges[l->n_edges];
	memset(e, 0, sizeof(*e));
	e->from = from;
	e->to = to;
	e->proto = proto;
	e->port = port;
	l->edge_idx[s] = (uint32_t)++l->n_edges;
	return l->n_edges - 1;
}

struct sw_learn *sw_learn_alloc(const char *group_by)
{
	struct sw_learn *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->group_by = strdup(group_by ? group_by : "app");
	if (!l->group_by) {
		free(l);
		return NULL;
	}
	return l;
}

void sw_learn_set_all(struct sw_learn *l, bool all)
{
	l->all = all;
}

void sw_learn_free(struct sw_learn *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_nodes; i++) {
		free(l->nodes[i].name);
		free(l->nodes[i].raw);
	}
	free(l->nodes);
	free(l->edges);
	free(l->node_idx);
	free(l->edge_idx);
	free(l->group_by);
	free(l);
}

const struct sw_learn_stats *sw_learn_stats(const struct sw_learn *l)
{
	return &l->stats;
}
