/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy -> nftables plan.
 *
 * Chain "forward" (inet, hook forward, priority -10), in order:
 *   1. ct state established,related accept   -- policies are about who may open
 *      IPv6 neighbour discovery accept       -- plumbing, never judged
 *      "unclassified": "deny": an address of a bridge's network that no identified
 *      workload holds, at either end of east-west traffic: log + drop (unclassified.c)
 *   2. intra-group allow (if the policy says so), one rule per group and family
 *   3. one rule per policy rule and family, first match wins:
 *        [ip saddr @from] [ip daddr @to] [meta l4proto P] [th dport {..}] counter
 *        allow: accept; deny: log group G + drop; monitor deny: log + accept
 *   4. the default, for traffic between two managed addresses (selected by a
 *      group): counter, and log + drop when it is deny
 * Addresses no group selects are not judged ("unmanaged"): segwatch never cuts
 * a container's other traffic.
 *
 * An accept here is not final for the packet (other tables, e.g. Docker's,
 * still see it) and a drop is: our denials hold whatever their tables say.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/compile.h>

#include "internal.h"

void sw_compile_opts_defaults(struct sw_compile_opts *o)
{
	o->log_group = SW_COMPILE_LOG_GROUP;
	o->priority = SW_COMPILE_PRIORITY;
}

/* "g2_front_end_v4": the index keeps names unique, the group's name keeps them readable. */
void sw_compile_group_set_name(const struct sw_policy *p, size_t g, int family, char *buf,
			       size_t len)
{
	char clean[40];
	const char *n = p->groups[g].name ? p->groups[g].name : "";
	size_t i;

	for (i = 0; n[i] && i < sizeof(clean) - 1; i++)
		clean[i] = isalnum((unsigned char)n[i]) ? n[i] : '_';
	clean[i] = '\0';
	snprintf(buf, len, "g%u_%s_v%c", (unsigned)g, clean, family == 4 ? '4' : '6');
}

/*
 * Per group and family a hash set of addresses ("g2_db_v4"), then one of
 * prefixes when the group has CIDRs of that family ("g2_db_v4_net"); then
 * "managed_v4"/"_v6" and, when any group has CIDRs, "managed_v4_net"/"_v6_net".
 * Which sets exist follows the policy only, never the workloads.
 */
static int sw_compile_sets(struct sw_compile *c)
{
	size_t n = 2 * c->p->n_groups;
	char name[SW_NFT_NAME_MAX];

	c->hosts = calloc(n + 1, sizeof(*c->hosts));
	c->nets = calloc(n + 1, sizeof(*c->nets));
	if (!c->hosts || !c->nets)
		return -1;
	for (size_t g = 0; g < c->p->n_groups; g++)
		for (uint8_t f = 4; f <= 6; f += 2) {
			size_t *h = &c->hosts[2 * g + (f == 6)], *net = &c->nets[2 * g + (f == 6)];

			sw_compile_group_set_name(c->p, g, f, name, sizeof(name));
			if ((*h = sw_plan_add_set(c, name, f, true)) == SIZE_MAX)
				return -1;
			*net = SIZE_MAX;
			if (!sw_compile_group_has_cidrs(c, g, f))
				continue;
			snprintf(name + strlen(name), sizeof(name) - strlen(name), "_net");
			if ((*net = sw_plan_add_set(c, name, f, false)) == SIZE_MAX)
				return -1;
		}
	c->managed[0] = sw_plan_add_set(c, "managed_v4", 4, true);
	c->managed[1] = sw_plan_add_set(c, "managed_v6", 6, true);
	if (c->managed[0] == SIZE_MAX || c->managed[1] == SIZE_MAX ||
	    sw_compile_unclassified_sets(c) < 0)
		return -1;
	for (uint8_t f = 4; f <= 6; f += 2) {
		bool any = false;

		c->managed_nets[f == 6] = SIZE_MAX;
		for (size_t g = 0; g < c->p->n_groups; g++)
			any |= c->nets[2 * g + (f == 6)] != SIZE_MAX;
		if (any && (c->managed_nets[f == 6] = sw_plan_add_set(c, f == 4 ? "managed_v4_net" :
								      "managed_v6_net", f, false)) == SIZE_MAX)
			return -1;
	}
	if (c->sets_from) {
		int rc = sw_compile_members_copy(c);

		if (rc <= 0)
			return rc;
	}
	if (sw_compile_members(c) < 0)
		return -1;
	return sw_compile_unclassified_members(c);
}

static int sw_compile_chain(struct sw_compile *c)
{
	struct sw_nft_chain *ch = sw_plan_add_chain(c, SW_COMPILE_CHAIN, c->o.priority);

	if (!ch || sw_rule_established(c, ch) < 0 || sw_rule_neighbour_discovery(c, ch) < 0 ||
	    sw_rules_unclassified(c, ch) < 0 || sw_rules_intra(c, ch) < 0)
		return -1;
	for (size_t r = 0; r < c->p->n_rules; r++)
		for (int f = 4; f <= 6; f += 2)
			if (sw_rule_policy(c, ch, r, (uint8_t)f) < 0)
				return -1;
	for (int f = 4; f <= 6; f += 2)
		if (sw_rule_default(c, ch, (uint8_t)f) < 0)
			return -1;
	return 0;
}

int sw_compile_layout(struct sw_compile *c)
{
	return sw_compile_sets(c) < 0 || sw_compile_chain(c) < 0 ? -1 : 0;
}

/*
 * The table's comment says which policy the ruleset is, in words status can
 * read back: "segwatch policy=NAME mode=MODE rules=N groups=M" (the name
 * reduced to letters, digits, '.', '_' and '-').
 */
static void sw_compile_comment(const struct sw_policy *p, struct sw_nft_plan *out)
{
	char name[65] = "";
	size_t i;

	for (i = 0; p->name && p->name[i] && i < sizeof(name) - 1; i++) {
		char ch = p->name[i];

		name[i] = (isalnum((unsigned char)ch) || ch == '.' || ch == '_' || ch == '-') ? ch : '_';
	}
	name[i] = '\0';
	snprintf(out->comment, sizeof(out->comment), "segwatch policy=%s mode=%s rules=%zu groups=%zu",
		 name[0] ? name : "-", sw_pol_mode_name(p->mode), p->n_rules, p->n_groups);
}

int sw_policy_compile(const struct sw_policy *p, const struct sw_registry *reg,
		      const struct sw_compile_opts *o, struct sw_nft_plan *out, struct sw_err *err)
{
	return sw_policy_compile_reusing(p, reg, o, NULL, out, err);
}

int sw_policy_compile_reusing(const struct sw_policy *p, const struct sw_registry *reg,
			      const struct sw_compile_opts *o, const struct sw_nft_plan *prev,
			      struct sw_nft_plan *out, struct sw_err *err)
{
	struct sw_compile c = { .p = p, .reg = reg, .plan = out, .sets_from = prev };

	memset(out, 0, sizeof(*out));
	snprintf(out->table, sizeof(out->table), "%s", SW_COMPILE_TABLE);
	sw_compile_comment(p, out);
	if (o)
		c.o = *o;
	else
		sw_compile_opts_defaults(&c.o);
	if (sw_compile_sets(&c) < 0 || sw_compile_chain(&c) < 0 || sw_compile_guard(&c) < 0) {
		free(c.hosts);
		free(c.nets);
		sw_nft_plan_free(out);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory while compiling the policy");
	}
	free(c.hosts);
	free(c.nets);
	return SW_EXIT_OK;
}

int sw_compile_l2_guard(const struct sw_policy *p, const struct sw_registry *reg,
			const struct sw_compile_opts *o, struct sw_nft_l2 **out, struct sw_err *err)
{
	struct sw_nft_plan plan = { 0 };
	struct sw_compile c = { .p = p, .reg = reg, .plan = &plan };

	*out = NULL;
	if (o)
		c.o = *o;
	else
		sw_compile_opts_defaults(&c.o);
	if (sw_compile_guard(&c) < 0) {
		sw_nft_plan_free(&plan);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory while compiling the L2 guard");
	}
	*out = plan.l2;
	plan.l2 = NULL;
	sw_nft_plan_free(&plan);
	return SW_EXIT_OK;
}
