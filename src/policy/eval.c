/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Evaluation: which groups select an endpoint and what the policy says
 * about a connection. The order is the one the nftables chain implements
 * (docs/policy.md): intra-group traffic when intra_group is "allow", then
 * the rules in order (first match wins), then the default.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool sw_pol_labels_match(const struct sw_pol_group *g, const struct sw_workload *w)
{
	if (g->n_labels == 0 || !w)
		return false;
	for (size_t i = 0; i < g->n_labels; i++) {
		const char *v = sw_workload_label(w, g->labels[i].key);

		if (!v || strcmp(v, g->labels[i].value) != 0)
			return false;
	}
	return true;
}

static bool sw_pol_name_match(const struct sw_pol_group *g, const struct sw_workload *w)
{
	if (!w || !w->name)
		return false;
	for (size_t i = 0; i < g->n_names; i++)
		/* a pattern without wildcards matches only itself: no fnmatch needed */
		if (strpbrk(g->names[i], "*?[\\") ? fnmatch(g->names[i], w->name, 0) == 0 :
						      strcmp(g->names[i], w->name) == 0)
			return true;
	return false;
}

static bool sw_pol_addr_match(const struct sw_pol_group *g, const uint8_t a[16])
{
	for (size_t i = 0; i < g->n_cidrs; i++)
		if (sw_pol_cidr_has_addr(&g->cidrs[i], a))
			return true;
	return false;
}

/* An address in a term's cidrs and in none of its excepts (a term without cidrs: any). */
static bool sw_pol_term_addr(const struct sw_pol_term *t, const uint8_t a[16])
{
	bool in = false;

	if (t->n_cidrs == 0)
		return true;
	for (size_t i = 0; i < t->n_cidrs && !in; i++)
		in = sw_pol_cidr_has_addr(&t->cidrs[i], a);
	for (size_t i = 0; i < t->n_except && in; i++)
		in = !sw_pol_cidr_has_addr(&t->except[i], a);
	return in;
}

/* A Kubernetes LabelSelectorRequirement: NotIn and DoesNotExist hold for an absent label. */
static bool sw_pol_expr_holds(const struct sw_pol_expr *x, const struct sw_workload *w)
{
	const char *v = sw_workload_label(w, x->key);
	bool listed = false;

	for (size_t i = 0; v && i < x->n_values && !listed; i++)
		listed = strcmp(v, x->values[i]) == 0;
	switch (x->op) {
	case SW_POL_EXPR_IN: return listed;
	case SW_POL_EXPR_NOT_IN: return !listed;
	case SW_POL_EXPR_EXISTS: return v != NULL;
	case SW_POL_EXPR_DOES_NOT_EXIST: return v == NULL;
	}
	return false;
}

/* The keys of @t that look at the workload itself (not its address). */
static bool sw_pol_term_workload_holds(const struct sw_pol_term *t, const struct sw_workload *w)
{
	bool ns = !t->has_namespaces;

	for (size_t i = 0; !ns && w->namespace && i < t->n_namespaces; i++)
		ns = strcmp(w->namespace, t->namespaces[i]) == 0;
	if (!ns)
		return false;
	for (size_t i = 0; i < t->n_labels; i++) {
		const char *v = sw_workload_label(w, t->labels[i].key);

		if (!v || strcmp(v, t->labels[i].value) != 0)
			return false;
	}
	for (size_t i = 0; i < t->n_exprs; i++)
		if (!sw_pol_expr_holds(&t->exprs[i], w))
			return false;
	return true;
}

/* Does match term @t select the endpoint (@addr, or any of @w's addresses when NULL)? */
static bool sw_pol_term_selects(const struct sw_pol_term *t, const struct sw_workload *w,
				const uint8_t addr[16])
{
	if (sw_pol_term_workload(t) && (!w || !sw_pol_term_workload_holds(t, w)))
		return false;
	if (addr)
		return sw_pol_term_addr(t, addr);
	if (!w)
		return false;
	if (t->n_cidrs == 0)
		return true;
	for (size_t i = 0; i < w->n_addrs; i++)
		if (sw_pol_term_addr(t, w->addrs[i]))
			return true;
	return false;
}

bool sw_policy_group_selects(const struct sw_policy *p, size_t g, const struct sw_workload *w,
			     const uint8_t addr[16])
{
	const struct sw_pol_group *grp;

	if (g >= p->n_groups)
		return false;
	grp = &p->groups[g];
	if (sw_pol_labels_match(grp, w) || sw_pol_name_match(grp, w))
		return true;
	for (size_t i = 0; i < grp->n_terms; i++)
		if (sw_pol_term_selects(&grp->terms[i], w, addr))
			return true;
	if (addr)
		return sw_pol_addr_match(grp, addr);
	for (size_t i = 0; w && i < w->n_addrs; i++)
		if (sw_pol_addr_match(grp, w->addrs[i]))
			return true;
	return false;
}

static bool sw_pol_str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool sw_pol_cidrs_same(const struct sw_pol_cidr *a, const struct sw_pol_cidr *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(a[i].addr, b[i].addr, 16) != 0 || a[i].plen != b[i].plen ||
		    a[i].v4 != b[i].v4)
			return false;
	return true;
}

static bool sw_pol_labels_same(const struct sw_label *a, const struct sw_label *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sw_pol_str_same(a[i].key, b[i].key) || !sw_pol_str_same(a[i].value, b[i].value))
			return false;
	return true;
}

static bool sw_pol_strs_same(char *const *a, char *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sw_pol_str_same(a[i], b[i]))
			return false;
	return true;
}

static bool sw_pol_term_same(const struct sw_pol_term *a, const struct sw_pol_term *b)
{
	if (a->has_namespaces != b->has_namespaces || a->has_labels != b->has_labels ||
	    a->has_exprs != b->has_exprs || a->n_namespaces != b->n_namespaces ||
	    a->n_labels != b->n_labels || a->n_exprs != b->n_exprs || a->n_cidrs != b->n_cidrs ||
	    a->n_except != b->n_except)
		return false;
	if (!sw_pol_strs_same(a->namespaces, b->namespaces, a->n_namespaces) ||
	    !sw_pol_labels_same(a->labels, b->labels, a->n_labels) ||
	    !sw_pol_cidrs_same(a->cidrs, b->cidrs, a->n_cidrs) ||
	    !sw_pol_cidrs_same(a->except, b->except, a->n_except))
		return false;
	for (size_t i = 0; i < a->n_exprs; i++)
		if (!sw_pol_str_same(a->exprs[i].key, b->exprs[i].key) ||
		    a->exprs[i].op != b->exprs[i].op || a->exprs[i].n_values != b->exprs[i].n_values ||
		    !sw_pol_strs_same(a->exprs[i].values, b->exprs[i].values, a->exprs[i].n_values))
			return false;
	return true;
}

static bool sw_pol_group_same(const struct sw_pol_group *a, const struct sw_pol_group *b)
{
	if (!sw_pol_str_same(a->name, b->name) || a->n_labels != b->n_labels ||
	    a->n_names != b->n_names || a->n_cidrs != b->n_cidrs || a->n_terms != b->n_terms)
		return false;
	if (!sw_pol_labels_same(a->labels, b->labels, a->n_labels) ||
	    !sw_pol_strs_same(a->names, b->names, a->n_names) ||
	    !sw_pol_cidrs_same(a->cidrs, b->cidrs, a->n_cidrs))
		return false;
	for (size_t i = 0; i < a->n_terms; i++)
		if (!sw_pol_term_same(&a->terms[i], &b->terms[i]))
			return false;
	return true;
}

bool sw_policy_groups_same(const struct sw_policy *a, const struct sw_policy *b)
{
	if (a->n_groups != b->n_groups)
		return false;
	for (size_t g = 0; g < a->n_groups; g++)
		if (!sw_pol_group_same(&a->groups[g], &b->groups[g]))
			return false;
	return true;
}

void sw_policy_membership(const struct sw_policy *p, const struct sw_workload *w,
			  const uint8_t addr[16], uint64_t *bits)
{
	memset(bits, 0, SW_POL_BITMAP_WORDS(p->n_groups) * sizeof(*bits));
	for (size_t g = 0; g < p->n_groups; g++)
		if (sw_policy_group_selects(p, g, w, addr))
			bits[g / 64] |= (uint64_t)1 << (g % 64);
}

static bool sw_pol_bit(const uint64_t *bits, size_t g)
{
	return (bits[g / 64] >> (g % 64)) & 1u;
}

static bool sw_pol_side_match(const size_t *v, size_t n, bool any, const uint64_t *bits)
{
	if (any)
		return true;
	for (size_t i = 0; i < n; i++)
		if (sw_pol_bit(bits, v[i]))
			return true;
	return false;
}

static bool sw_pol_conn_match(const struct sw_pol_rule *r, const struct sw_pol_conn *c)
{
	if (r->proto == SW_POL_PROTO_ANY)
		return true;
	if (c->ipproto != sw_pol_proto_number(r->proto))
		return false;
	if (r->n_ports) {
		for (size_t i = 0; i < r->n_ports; i++)
			if (r->ports[i].lo <= c->dport && c->dport <= r->ports[i].hi)
				return true;
		return false;
	}
	if (r->n_icmp_types)
		return memchr(r->icmp_types, c->icmp_type, r->n_icmp_types) != NULL;
	return true;
}

static void sw_pol_verdict_set(struct sw_pol_verdict *v, enum sw_pol_action a,
			       enum sw_pol_reason why, size_t rule, enum sw_pol_mode mode)
{
	v->action = a;
	v->reason = why;
	v->rule = rule;
	v->mode = mode;
	v->drop = a == SW_POL_DENY && mode == SW_POL_ENFORCE;
}

void sw_policy_evaluate_sets(const struct sw_policy *p, const uint64_t *src_bits,
			     const uint64_t *dst_bits, const struct sw_pol_conn *c,
			     struct sw_pol_verdict *v)
{
	if (p->intra == SW_POL_INTRA_ALLOW) {
		for (size_t w = 0; w < SW_POL_BITMAP_WORDS(p->n_groups); w++) {
			if (src_bits[w] & dst_bits[w]) {
				sw_pol_verdict_set(v, SW_POL_ALLOW, SW_POL_BY_INTRA, 0, p->mode);
				return;
			}
		}
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sw_pol_rule *r = &p->rules[i];

		if (sw_pol_side_match(r->from, r->n_from, r->from_any, src_bits) &&
		    sw_pol_side_match(r->to, r->n_to, r->to_any, dst_bits) && sw_pol_conn_match(r, c)) {
			sw_pol_verdict_set(v, r->action, SW_POL_BY_RULE, i, r->mode);
			return;
		}
	}
	sw_pol_verdict_set(v, p->default_action, SW_POL_BY_DEFAULT, 0, p->mode);
}

bool sw_policy_evaluate(const struct sw_policy *p, const struct sw_workload *src_w,
			const uint8_t src_addr[16], const struct sw_workload *dst_w,
			const uint8_t dst_addr[16], const struct sw_pol_conn *c,
			struct sw_pol_verdict *v)
{
	size_t words = SW_POL_BITMAP_WORDS(p->n_groups);
	uint64_t *bits = calloc(words ? 2 * words : 2, sizeof(*bits));

	if (!bits)
		return false;
	sw_policy_membership(p, src_w, src_addr, bits);
	sw_policy_membership(p, dst_w, dst_addr, bits + words);
	sw_policy_evaluate_sets(p, bits, bits + words, c, v);
	free(bits);
	return true;
}

static bool sw_pol_managed(const struct sw_policy *p, const uint64_t *bits)
{
	for (size_t i = 0; i < SW_POL_BITMAP_WORDS(p->n_groups); i++)
		if (bits[i])
			return true;
	return false;
}

enum sw_pol_outcome sw_policy_outcome(const struct sw_policy *p, const uint64_t *src_bits,
				      const uint64_t *dst_bits, const struct sw_pol_conn *c,
				      struct sw_pol_verdict *v)
{
	/* the compiled ruleset's neighbour discovery accept (src/compile/rules.c) */
	if (c->ipproto == 58 && c->icmp_type >= 133 && c->icmp_type <= 137) {
		sw_pol_verdict_set(v, SW_POL_ALLOW, SW_POL_BY_PLUMBING, 0, p->mode);
		return SW_POL_OUT_ALLOWED;
	}
	sw_policy_evaluate_sets(p, src_bits, dst_bits, c, v);
	if (v->reason == SW_POL_BY_DEFAULT &&
	    !(sw_pol_managed(p, src_bits) && sw_pol_managed(p, dst_bits)))
		return SW_POL_OUT_UNMANAGED;
	if (v->action == SW_POL_ALLOW)
		return SW_POL_OUT_ALLOWED;
	return v->mode == SW_POL_MONITOR ? SW_POL_OUT_MONITORED : SW_POL_OUT_DENIED;
}
