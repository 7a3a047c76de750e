/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole-policy checks, run on a policy without errors: rules that can
 * never match, either by construction or because an earlier rule matches
 * everything they would (first match wins). The shadow test is
 * conservative: it compares the rules' own fields (group indices, not the
 * workloads the groups select), so a warning is always true and some
 * shadowing that depends on group contents is not reported.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool sw_pol_group_empty(const struct sw_pol_group *g)
{
	return g->n_labels == 0 && g->n_names == 0 && g->n_cidrs == 0 && g->n_terms == 0;
}

/* Does every group of the side select nothing? (A side without groups included.) */
static bool sw_pol_side_empty(const struct sw_policy *p, const size_t *v, size_t n, bool any)
{
	if (any)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!sw_pol_group_empty(&p->groups[v[i]]))
			return false;
	return true;
}

/* sw_pol_never - why rule @r can never match, or NULL. */
static const char *sw_pol_never(const struct sw_policy *p, const struct sw_pol_rule *r)
{
	if (r->n_from == 0 && !r->from_any)
		return "\"from\" names no group";
	if (r->n_to == 0 && !r->to_any)
		return "\"to\" names no group";
	if (sw_pol_side_empty(p, r->from, r->n_from, r->from_any))
		return "every group in \"from\" selects nothing";
	if (sw_pol_side_empty(p, r->to, r->n_to, r->to_any))
		return "every group in \"to\" selects nothing";
	if (p->intra == SW_POL_INTRA_ALLOW && !r->from_any && !r->to_any && r->n_from == 1 &&
	    r->n_to == 1 && r->from[0] == r->to[0])
		return "traffic inside one group is allowed by \"intra_group\": \"allow\"";
	return NULL;
}

static bool sw_pol_side_covers(const size_t *big, size_t n_big, bool big_any, const size_t *small,
			       size_t n_small, bool small_any)
{
	if (big_any)
		return true;
	if (small_any)
		return false;
	for (size_t i = 0; i < n_small; i++) {
		size_t j;

		for (j = 0; j < n_big && big[j] != small[i]; j++)
			;
		if (j == n_big)
			return false;
	}
	return true;
}

/* Is [lo, hi] inside the union of @v? */
static bool sw_pol_range_covered(const struct sw_pol_range *v, size_t n, unsigned lo, unsigned hi)
{
	unsigned pos = lo;
	bool moved = true;

	while (pos <= hi && moved) {
		moved = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].lo <= pos && pos <= v[i].hi) {
				pos = v[i].hi + 1u;
				moved = true;
			}
		}
	}
	return pos > hi;
}

static bool sw_pol_ports_cover(const struct sw_pol_rule *big, const struct sw_pol_rule *small)
{
	if (big->n_ports == 0)
		return true;
	if (small->n_ports == 0)
		return false;
	for (size_t i = 0; i < small->n_ports; i++)
		if (!sw_pol_range_covered(big->ports, big->n_ports, small->ports[i].lo,
					  small->ports[i].hi))
			return false;
	return true;
}

static bool sw_pol_types_cover(const struct sw_pol_rule *big, const struct sw_pol_rule *small)
{
	if (big->n_icmp_types == 0)
		return true;
	if (small->n_icmp_types == 0)
		return false;
	for (size_t i = 0; i < small->n_icmp_types; i++)
		if (!memchr(big->icmp_types, small->icmp_types[i], big->n_icmp_types))
			return false;
	return true;
}

/* Does every connection @small matches also match @big? */
static bool sw_pol_rule_covers(const struct sw_pol_rule *big, const struct sw_pol_rule *small)
{
	if (!sw_pol_side_covers(big->from, big->n_from, big->from_any, small->from, small->n_from,
				small->from_any) ||
	    !sw_pol_side_covers(big->to, big->n_to, big->to_any, small->to, small->n_to,
				small->to_any))
		return false;
	if (big->proto == SW_POL_PROTO_ANY)
		return true; /* "any" takes neither ports nor types */
	return big->proto == small->proto && sw_pol_ports_cover(big, small) &&
	       sw_pol_types_cover(big, small);
}

/* Rule @i shadowed by an earlier rule: its index, or SIZE_MAX. @never: rules that never match. */
static size_t sw_pol_shadowed_by(const struct sw_policy *p, size_t i, const bool *never)
{
	for (size_t j = 0; j < i; j++)
		if (!(never ? never[j] : sw_pol_never(p, &p->rules[j]) != NULL) &&
		    sw_pol_rule_covers(&p->rules[j], &p->rules[i]))
			return j;
	return SIZE_MAX;
}

void sw_pol_check(struct sw_pol_ctx *c)
{
	const struct sw_policy *p = c->pol;
	/* whether each rule never matches, once (out of memory: asked again for each pair) */
	bool *never = p->n_rules ? calloc(p->n_rules, sizeof(*never)) : NULL;
	struct sw_quote q, s;

	for (size_t i = 0; never && i < p->n_rules; i++)
		never[i] = sw_pol_never(p, &p->rules[i]) != NULL;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sw_pol_rule *r = &p->rules[i];
		const char *why = sw_pol_never(p, r);
		size_t j;

		if (why) {
			sw_pol_warn_at(c, r->where, "rule %s can never match: %s",
				       sw_text_quote(&q, r->name), why);
			continue;
		}
		if ((j = sw_pol_shadowed_by(p, i, never)) != SIZE_MAX)
			sw_pol_warn_at(c, r->where, "rule %s is shadowed by %s (%s) and can never match",
				       sw_text_quote(&q, r->name), p->rules[j].where,
				       sw_text_quote(&s, p->rules[j].name));
	}
	free(never);
}
