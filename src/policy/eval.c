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

static bool sw_pol_cidr_has(const struct sw_pol_cidr *c, const uint8_t a[16])
{
	unsigned full = c->plen / 8u, rest = c->plen % 8u;

	if (memcmp(c->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ c->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

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
		if (sw_pol_cidr_has(&g->cidrs[i], a))
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

static bool sw_pol_group_same(const struct sw_pol_group *a, const struct sw_pol_group *b)
{
	if (!sw_pol_str_same(a->name, b->name) || a->n_labels != b->n_labels ||
	    a->n_names != b->n_names || a->n_cidrs != b->n_cidrs)
		return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (!sw_pol_str_same(a->labels[i].key, b->labels[i].key) ||
		    !sw_pol_str_same(a->labels[i].value, b->labels[i].value))
			return false;
	for (size_t i = 0; i < a->n_names; i++)
		if (!sw_pol_str_same(a->names[i], b->names[i]))
			return false;
	for (size_t i = 0; i < a->n_cidrs; i++)
		if (memcmp(a->cidrs[i].addr, b->cidrs[i].addr, 16) != 0 ||
		    a->cidrs[i].plen != b->cidrs[i].plen || a->cidrs[i].v4 != b->cidrs[i].v4)
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
