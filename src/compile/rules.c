/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rules of the forward chain; the order is explained in compile.c. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define SW_IPPROTO_ICMP 1
#define SW_IPPROTO_ICMPV6 58

int sw_rule_established(struct sw_compile *c, struct sw_nft_chain *ch)
{
	struct sw_nft_rule *r = sw_chain_add_rule(ch);
	struct sw_nft_match *m = r ? sw_rule_add_match(r, SW_NFT_M_CT_STATE) : NULL;

	(void)c;
	if (!m)
		return -1;
	m->ct_bits = SW_NFT_CT_ESTABLISHED | SW_NFT_CT_RELATED;
	r->counter = true;
	r->verdict = SW_NFT_ACCEPT;
	snprintf(r->comment, sizeof(r->comment), "return traffic of allowed connections");
	return 0;
}

/*
 * IPv6 neighbour discovery between two managed addresses (a neighbour
 * advertisement is unicast and belongs to no connection) must never meet
 * the default: without it, IPv6 between containers stops altogether.
 */
int sw_rule_neighbour_discovery(struct sw_compile *c, struct sw_nft_chain *ch)
{
	struct sw_nft_rule *r = sw_chain_add_rule(ch);
	struct sw_nft_match *m;

	(void)c;
	if (!r || !(m = sw_rule_add_match(r, SW_NFT_M_L4PROTO)))
		return -1;
	m->proto = SW_IPPROTO_ICMPV6;
	if (!(m = sw_rule_add_match(r, SW_NFT_M_ICMP_TYPE)))
		return -1;
	m->family = 6;
	if (!sw_match_add_range(m, 133, 133) || !sw_match_add_range(m, 134, 134) ||
	    !sw_match_add_range(m, 135, 135) || !sw_match_add_range(m, 136, 136) ||
	    !sw_match_add_range(m, 137, 137))
		return -1;
	r->counter = true;
	r->verdict = SW_NFT_ACCEPT;
	snprintf(r->comment, sizeof(r->comment), "IPv6 neighbour discovery");
	return 0;
}

/* meta nfproto F, then saddr/daddr lookups of the given sets (SIZE_MAX: none). */
struct sw_nft_rule *sw_rule_between(struct sw_nft_chain *ch, uint8_t family, size_t sset,
					   size_t dset)
{
	struct sw_nft_rule *r = sw_chain_add_rule(ch);
	struct sw_nft_match *m;

	if (!r || !(m = sw_rule_add_match(r, SW_NFT_M_NFPROTO)))
		return NULL;
	m->family = family;
	if (sset != SIZE_MAX) {
		if (!(m = sw_rule_add_match(r, SW_NFT_M_SADDR_SET)))
			return NULL;
		m->family = family;
		m->set = sset;
	}
	if (dset != SIZE_MAX) {
		if (!(m = sw_rule_add_match(r, SW_NFT_M_DADDR_SET)))
			return NULL;
		m->family = family;
		m->set = dset;
	}
	r->counter = true;
	return r;
}

int sw_rules_intra(struct sw_compile *c, struct sw_nft_chain *ch)
{
	if (c->p->intra != SW_POL_INTRA_ALLOW)
		return 0;
	for (size_t g = 0; g < c->p->n_groups; g++)
		for (uint8_t f = 4; f <= 6; f += 2) {
			size_t s = sw_compile_group_set(c, g, f);
			struct sw_nft_rule *r = sw_rule_between(ch, f, s, s);

			if (!r)
				return -1;
			r->verdict = SW_NFT_ACCEPT;
			r->origin = SW_ORIGIN_INTRA;
			snprintf(r->comment, sizeof(r->comment), "inside group %s",
				 c->p->groups[g].name);
		}
	return 0;
}

/*
 * The set for one side of a rule: the group's own when it names one group,
 * else a set of the rule's own holding the union. SIZE_MAX for "any".
 */
static size_t sw_rule_side_set(struct sw_compile *c, size_t r, bool from, uint8_t family)
{
	const struct sw_pol_rule *pr = &c->p->rules[r];
	const size_t *gs = from ? pr->from : pr->to;
	size_t n = from ? pr->n_from : pr->n_to;
	char name[SW_NFT_NAME_MAX];
	size_t idx;

	if (from ? pr->from_any : pr->to_any)
		return SIZE_MAX;
	if (n == 1)
		return sw_compile_group_set(c, gs[0], family);
	snprintf(name, sizeof(name), "r%zu_%s_v%d", r, from ? "from" : "to", family);
	idx = sw_plan_add_set(c, name, family);
	if (idx == SIZE_MAX)
		return SIZE_MAX - 1;
	for (size_t i = 0; i < n; i++) {
		const struct sw_nft_set *g = &c->plan->sets[sw_compile_group_set(c, gs[i], family)];

		for (size_t e = 0; e < g->n_elems; e++)
			if (!sw_plan_set_add(&c->plan->sets[idx], g->elems[e].addr, g->elems[e].plen))
				return SIZE_MAX - 1;
	}
	sw_plan_set_normalize(&c->plan->sets[idx]);
	return idx;
}

static int sw_rule_service(struct sw_nft_rule *nr, const struct sw_pol_rule *pr, uint8_t family)
{
	uint8_t proto = sw_pol_proto_number(pr->proto);
	struct sw_nft_match *m;

	if (pr->proto == SW_POL_PROTO_ANY)
		return 0;
	if (!(m = sw_rule_add_match(nr, SW_NFT_M_L4PROTO)))
		return -1;
	m->proto = proto;
	if (pr->n_ports) {
		if (!(m = sw_rule_add_match(nr, SW_NFT_M_DPORT)))
			return -1;
		for (size_t i = 0; i < pr->n_ports; i++)
			if (!sw_match_add_range(m, pr->ports[i].lo, pr->ports[i].hi))
				return -1;
	}
	if (pr->n_icmp_types) {
		if (!(m = sw_rule_add_match(nr, SW_NFT_M_ICMP_TYPE)))
			return -1;
		m->family = family;
		for (size_t i = 0; i < pr->n_icmp_types; i++)
			if (!sw_match_add_range(m, pr->icmp_types[i], pr->icmp_types[i]))
				return -1;
	}
	return 0;
}

/* What a verdict becomes: allow accepts; deny logs and drops, or only logs in monitor mode. */
void sw_rule_verdict(struct sw_compile *c, struct sw_nft_rule *nr, enum sw_pol_action a,
		     enum sw_pol_mode mode, const char *what)
{
	if (a == SW_POL_ALLOW) {
		nr->verdict = SW_NFT_ACCEPT;
		return;
	}
	nr->log_group = c->o.log_group;
	snprintf(nr->log_prefix, sizeof(nr->log_prefix), "sw %s %s",
		 mode == SW_POL_MONITOR ? "monitor" : "deny", what);
	nr->verdict = mode == SW_POL_MONITOR ? SW_NFT_ACCEPT : SW_NFT_DROP;
}

int sw_rule_policy(struct sw_compile *c, struct sw_nft_chain *ch, size_t r, uint8_t family)
{
	const struct sw_pol_rule *pr = &c->p->rules[r];
	size_t from, to;
	struct sw_nft_rule *nr;
	char what[48];

	if ((pr->proto == SW_POL_PROTO_ICMP && family == 6) ||
	    (pr->proto == SW_POL_PROTO_ICMPV6 && family == 4))
		return 0; /* this rule cannot match in that family */
	from = sw_rule_side_set(c, r, true, family);
	to = sw_rule_side_set(c, r, false, family);
	if (from == SIZE_MAX - 1 || to == SIZE_MAX - 1)
		return -1;
	nr = sw_rule_between(ch, family, from, to);
	if (!nr || sw_rule_service(nr, pr, family) < 0)
		return -1;
	snprintf(what, sizeof(what), "rules/%zu", r);
	sw_rule_verdict(c, nr, pr->action, pr->mode, what);
	nr->origin = (int)r;
	snprintf(nr->comment, sizeof(nr->comment), "%s%s%s", pr->where ? pr->where + 1 : what,
		 pr->name ? " " : "", pr->name ? pr->name : "");
	return 0;
}

int sw_rule_default(struct sw_compile *c, struct sw_nft_chain *ch, uint8_t family)
{
	size_t m = c->managed[family == 6];
	struct sw_nft_rule *nr = sw_rule_between(ch, family, m, m);

	if (!nr)
		return -1;
	sw_rule_verdict(c, nr, c->p->default_action, c->p->mode, "default");
	nr->origin = SW_ORIGIN_DEFAULT;
	snprintf(nr->comment, sizeof(nr->comment), "default %s between managed addresses",
		 sw_pol_action_name(c->p->default_action));
	return 0;
}
