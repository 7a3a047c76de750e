/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * End the connections that were open before the policy and that it denies.
 * The ruleset lets answers through as "established", so without this an
 * attacker's shell opened before the policy would outlive it. Each tracked
 * connection is judged from its initiator's side, like its first packet
 * would be (the default only between managed ends, as the kernel's default
 * rule); the entries of those the policy drops are deleted, and their next
 * packet is a new one that meets the ruleset.
 */
#include <string.h>

#include <segwatch/clock.h>
#include <segwatch/conntrack.h>

#include "internal.h"

struct sw_cut_ctx {
	const struct sw_policy *p;
	const struct sw_registry *reg;
	uint64_t now_us;
};

static bool sw_cut_judge(const struct sw_ct_conn *c, void *arg)
{
	const struct sw_cut_ctx *x = arg;
	size_t words = SW_POL_BITMAP_WORDS(x->p->n_groups) + 1;
	uint64_t sbits[words], dbits[words];
	struct sw_pol_conn conn = { .ipproto = c->proto, .dport = c->dport,
				    .icmp_type = c->icmp_type };
	struct sw_pol_verdict v;

	memset(sbits, 0, sizeof(sbits));
	memset(dbits, 0, sizeof(dbits));
	sw_policy_membership(x->p, sw_registry_lookup_addr(x->reg, c->src, x->now_us), c->src, sbits);
	sw_policy_membership(x->p, sw_registry_lookup_addr(x->reg, c->dst, x->now_us), c->dst, dbits);
	return sw_policy_outcome(x->p, sbits, dbits, &conn, &v) == SW_POL_OUT_DENIED;
}

int sw_enforce_cut(const struct sw_policy *p, const struct sw_registry *reg,
		   struct sw_ct_sweep_stats *st, struct sw_err *err)
{
	struct sw_cut_ctx x = { .p = p, .reg = reg, .now_us = sw_clock_wall_us() };

	return sw_ct_sweep(sw_cut_judge, &x, st, err);
}
