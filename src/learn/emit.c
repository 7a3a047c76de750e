// SPDX-License-Identifier: GPL-2.0-or-later
/* emit.c - the learned policy (docs/policy.md), baseline and unanswered edges as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

struct sw_learn_sort {
	const struct sw_learn *l;
	const struct sw_learn_edge **v;
	size_t n;
};

static int sw_learn_edge_cmp(const void *a, const void *b)
{
	const struct sw_learn_edge *x = *(const struct sw_learn_edge *const *)a;
	const struct sw_learn_edge *y = *(const struct sw_learn_edge *const *)b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (int)x->port - (int)y->port;
}

/* sw_learn_sorted - the edges that are (or are not) answered, sorted by (from, to, proto, port). */
static bool sw_learn_sorted(const struct sw_learn *l, bool answered, struct sw_learn_sort *s)
{
	s->l = l;
	s->n = 0;
	s->v = calloc(l->n_edges ? l->n_edges : 1, sizeof(*s->v));
	if (!s->v)
		return false;
	for (size_t i = 0; i < l->n_edges; i++)
		if ((l->edges[i].answered > 0) == answered)
			s->v[s->n++] = &l->edges[i];
	qsort(s->v, s->n, sizeof(*s->v), sw_learn_edge_cmp);
	return true;
}

/* sw_learn_fnmatch_escape - a workload name as a pattern that matches only itself. */
static json_t *sw_learn_fnmatch_escape(const char *name)
{
	size_t n = strlen(name);
	char *buf = malloc(2 * n + 1), *p = buf;
	json_t *j;

	if (!buf)
		return NULL;
	for (; *name; name++) {
		if (strchr("*?[\\", *name))
			*p++ = '\\';
		*p++ = *name;
	}
	*p = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

static json_t *sw_learn_group_json(const struct sw_learn *l, const struct sw_learn_node *nd)
{
	switch (nd->sel) {
	case SW_LEARN_SEL_LABEL:
		return json_pack("{s:{s:s}}", "labels", l->group_by, nd->raw);
	case SW_LEARN_SEL_NAME:
		return json_pack("{s:[o]}", "names", sw_learn_fnmatch_escape(nd->raw));
	default:
		return json_pack("{s:[s]}", "cidrs", nd->raw);
	}
}

/* sw_learn_ports_json - ports or ICMP types of edges [i, j) as integers and "lo-hi" ranges. */
static json_t *sw_learn_ports_json(const struct sw_learn_sort *s, size_t i, size_t j)
{
	json_t *a = json_array();
	char range[16];

	while (a && i < j) {
		size_t k = i;

		while (k + 1 < j && s->v[k + 1]->port == s->v[k]->port + 1)
			k++;
		if (k == i || !sw_learn_proto_has_ports(s->v[i]->proto)) {
			k = i;
			json_array_append_new(a, json_integer(s->v[i]->port));
		} else {
			snprintf(range, sizeof(range), "%u-%u", s->v[i]->port, s->v[k]->port);
			json_array_append_new(a, json_string(range));
		}
		i = k + 1;
	}
	return a;
}

static json_t *sw_learn_rule_json(const struct sw_learn_sort *s, size_t i, size_t j)
{
	const struct sw_learn_edge *e = s->v[i];
	const char *from = s->l->nodes[e->from].name, *to = s->l->nodes[e->to].name;
	const char *proto = sw_learn_proto_name(e->proto);
	char name[260];
	bool ports = sw_learn_proto_has_ports(e->proto);

	snprintf(name, sizeof(name), "%s.%s.%s", from, to, proto);
	/* A zero port (fragments without their first) cannot be written: every port then. */
	if (ports && s->v[i]->port == 0)
		return json_pack("{s:s,s:[s],s:[s],s:s,s:s}", "name", name, "from", from, "to", to,
				 "proto", proto, "action", "allow");
	return json_pack("{s:s,s:[s],s:[s],s:s,s:o,s:s}", "name", name, "from", from, "to", to,
			 "proto", proto, ports ? "ports" : "icmp_types",
			 sw_learn_ports_json(s, i, j), "action", "allow");
}

static bool sw_learn_rules_fill(const struct sw_learn_sort *s, json_t *rules, json_t *groups)
{
	for (size_t i = 0, j; i < s->n; i = j) {
		const struct sw_learn_edge *e = s->v[i];
		size_t ends[2] = { e->from, e->to };

		for (j = i + 1; j < s->n; j++)
			if (s->v[j]->from != e->from || s->v[j]->to != e->to ||
			    s->v[j]->proto != e->proto)
				break;
		if (json_array_append_new(rules, sw_learn_rule_json(s, i, j)) < 0)
			return false;
		for (int k = 0; k < 2; k++) {
			const struct sw_learn_node *nd = &s->l->nodes[ends[k]];

			if (!json_object_get(groups, nd->name) &&
			    json_object_set_new(groups, nd->name, sw_learn_group_json(s->l, nd)) < 0)
				return false;
		}
	}
	return true;
}

void *sw_learn_policy_json(const struct sw_learn *l, const struct sw_learn_policy_opts *o)
{
	struct sw_learn_sort s;
	json_t *doc, *groups = json_object(), *rules = json_array();

	if (!groups || !rules || !sw_learn_sorted(l, true, &s)) {
		json_decref(groups);
		json_decref(rules);
		return NULL;
	}
	if (!sw_learn_rules_fill(&s, rules, groups)) {
		free(s.v);
		json_decref(groups);
		json_decref(rules);
		return NULL;
	}
	free(s.v);
	doc = json_pack("{s:i,s:s,s:s,s:s,s:s,s:o,s:o}", "version", 1, "name",
			o && o->name ? o->name : "learned", "mode",
			o && o->enforce ? "enforce" : "monitor", "default", "deny", "intra_group",
			"policy", "groups", groups, "rules", rules);
	return doc;
}

static json_t *sw_learn_edges_json(const struct sw_learn *l, bool answered)
{
	struct sw_learn_sort s;
	json_t *a = json_array();

	if (!a || !sw_learn_sorted(l, answered, &s)) {
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct sw_learn_edge *e = s.v[i];
		bool ports = sw_learn_proto_has_ports(e->proto);

		json_array_append_new(
			a, json_pack("{s:s,s:s,s:s,s:i,s:i,s:I,s:s,s:s}", "from",
				     l->nodes[e->from].name, "to", l->nodes[e->to].name, "proto",
				     sw_learn_proto_name(e->proto), "proto_num", e->proto,
				     ports ? "port" : "icmp_type", e->port, "flows",
				     (json_int_t)(answered ? e->answered : e->unanswered),
				     "first_seen", e->first_seen, "last_seen", e->last_seen));
	}
	free(s.v);
	return a;
}

void *sw_learn_baseline_json(const struct sw_learn *l)
{
	return json_pack("{s:s,s:i,s:s,s:o}", "type", "baseline", "version", 1, "group_by",
			 l->group_by, "edges", sw_learn_edges_json(l, true));
}

void *sw_learn_unanswered_json(const struct sw_learn *l)
{
	return sw_learn_edges_json(l, false);
}
