/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "unclassified": "deny" (docs/policy.md): a container on a bridge whose
 * identity is not known yet (its engine event has not arrived, no inventory
 * names it) holds an address no group selects, so without this the policy
 * leaves it alone: it could talk east-west before its labels are known.
 *
 * Two sets per family say who that is without waiting for any event:
 *   bridge_nets_vF   the networks the host's bridges are configured with
 *                    (the kernel's view keeps them in the registry): where
 *                    containers take their addresses from (interval set)
 *   classified_vF    every address of a running workload the engine, an
 *                    inventory or a pod list identifies (the kernel's own
 *                    entries are not an identity)
 * and two rules, after established and neighbour discovery, before anything
 * else: a connection between two addresses of bridge networks is logged and
 * dropped ("sw deny unclassified"; logged and accepted in monitor mode) when
 * either end is not classified. The sets follow the registry like the
 * groups' sets, so the container's connections open once it is identified.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static bool sw_unclassified_on(const struct sw_compile *c)
{
	return c->p->unclassified == SW_POL_UNCLASSIFIED_DENY;
}

static bool sw_addr_is_mapped_v4(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, 12) == 0;
}

int sw_compile_unclassified_sets(struct sw_compile *c)
{
	static const char *const names[2][2] = { { "bridge_nets_v4", "bridge_nets_v6" },
						 { "classified_v4", "classified_v6" } };

	c->bridge_nets[0] = c->bridge_nets[1] = c->classified[0] = c->classified[1] = SIZE_MAX;
	if (!sw_unclassified_on(c))
		return 0;
	for (int f = 0; f < 2; f++) {
		c->bridge_nets[f] = sw_plan_add_set(c, names[0][f], f ? 6 : 4, false);
		c->classified[f] = sw_plan_add_set(c, names[1][f], f ? 6 : 4, true);
		if (c->bridge_nets[f] == SIZE_MAX || c->classified[f] == SIZE_MAX)
			return -1;
	}
	return 0;
}

void sw_unclassified_visit(const struct sw_workload *w, bool running, void *arg)
{
	struct sw_compile *c = arg;
	const struct sw_workload *who;

	if (!running || c->nomem)
		return;
	/* the kernel's entry of an identified container: identified (with its fe80::) */
	who = sw_registry_merged(c->reg, w, SW_REG_NOW);
	if (who->source == SW_WL_SRC_KERNEL)
		return;
	for (size_t i = 0; i < w->n_addrs; i++) {
		size_t s = c->classified[!sw_addr_is_mapped_v4(w->addrs[i])];

		if (c->emit)
			c->emit(c->emit_arg, s, w->addrs[i]);
		else if (!sw_plan_set_add(&c->plan->sets[s], w->addrs[i], 128))
			c->nomem = true;
	}
}

int sw_compile_unclassified_members(struct sw_compile *c)
{
	const struct sw_bridge_net *nets;
	size_t n = 0;

	if (!sw_unclassified_on(c) || !c->reg)
		return 0;
	nets = sw_registry_bridge_nets(c->reg, &n);
	for (size_t i = 0; i < n; i++) {
		size_t s = c->bridge_nets[!sw_addr_is_mapped_v4(nets[i].addr)];

		if (!sw_plan_set_add(&c->plan->sets[s], nets[i].addr, nets[i].plen))
			return -1;
	}
	sw_registry_foreach(c->reg, sw_unclassified_visit, c);
	if (c->nomem)
		return -1;
	for (int f = 0; f < 2; f++) {
		sw_plan_set_normalize(&c->plan->sets[c->bridge_nets[f]]);
		sw_plan_set_normalize(&c->plan->sets[c->classified[f]]);
	}
	return 0;
}

/* Both ends in bridge networks, the one at @src_side (or the other) not classified. */
static int sw_rule_unclassified_end(struct sw_compile *c, struct sw_nft_chain *ch, int f,
				    bool src_side)
{
	size_t nets = c->bridge_nets[f];
	struct sw_nft_rule *r = sw_rule_between(ch, f ? 6 : 4, nets, nets);
	struct sw_nft_match *m = r ? sw_rule_add_match(r, src_side ? SW_NFT_M_SADDR_SET
								  : SW_NFT_M_DADDR_SET)
				   : NULL;

	if (!m)
		return -1;
	m->family = f ? 6 : 4;
	m->set = c->classified[f];
	m->negate = true;
	sw_rule_verdict(c, r, SW_POL_DENY, c->p->mode, "unclassified");
	r->origin = SW_ORIGIN_UNCLASSIFIED;
	snprintf(r->comment, sizeof(r->comment), "unclassified %s: not identified yet",
		 src_side ? "source" : "destination");
	return 0;
}

int sw_rules_unclassified(struct sw_compile *c, struct sw_nft_chain *ch)
{
	if (!sw_unclassified_on(c))
		return 0;
	for (int f = 0; f < 2; f++)
		if (sw_rule_unclassified_end(c, ch, f, true) < 0 ||
		    sw_rule_unclassified_end(c, ch, f, false) < 0)
			return -1;
	return 0;
}
