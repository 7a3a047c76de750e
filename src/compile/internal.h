/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_COMPILE_INTERNAL_H
#define SW_COMPILE_INTERNAL_H

#include <segwatch/compile.h>

/* Origins of plan rules that do not come from a policy rule. */
#define SW_ORIGIN_PLUMBING (-1)
#define SW_ORIGIN_DEFAULT (-2)
#define SW_ORIGIN_INTRA (-3)
#define SW_ORIGIN_UNCLASSIFIED (-4)

struct sw_compile {
	const struct sw_policy *p;
	const struct sw_registry *reg;
	struct sw_compile_opts o;
	struct sw_nft_plan *plan;
	const struct sw_nft_plan *sets_from;	/* NULL, or the sets' elements to copy */
	/*
	 * Set indices, per group and family at [2g + (family == 6)]: the hash
	 * set of the members' addresses, and the interval set of the group's
	 * CIDRs (SIZE_MAX when it has none of that family). Addresses come and
	 * go with containers: a hash set takes them in constant time whatever
	 * its size; prefixes need an interval set, whose cost grows with its
	 * size, and change only with the policy.
	 */
	size_t *hosts, *nets;
	size_t managed[2];	/* hash sets: managed_v4, managed_v6 */
	size_t managed_nets[2];	/* interval: managed_v4_net, managed_v6_net, or SIZE_MAX */
	/* "unclassified": "deny": bridge_nets_v4/v6 and classified_v4/v6; SIZE_MAX: none */
	size_t bridge_nets[2], classified[2];
	bool nomem;
	/* set: a workload's addresses go to emit(emit_arg, set, address) instead (delta.c) */
	void (*emit)(void *arg, size_t set, const uint8_t addr[16]);
	void *emit_arg;
};

/* plan_build.c: growing the plan. SIZE_MAX / NULL on out of memory. */
size_t sw_plan_add_set(struct sw_compile *c, const char *name, uint8_t family, bool hash);
bool sw_plan_set_add(struct sw_nft_set *s, const uint8_t addr[16], uint8_t plen);
void sw_plan_set_normalize(struct sw_nft_set *s);
struct sw_nft_chain *sw_plan_add_chain(struct sw_compile *c, const char *name, int priority);
struct sw_nft_rule *sw_chain_add_rule(struct sw_nft_chain *ch);
struct sw_nft_match *sw_rule_add_match(struct sw_nft_rule *r, enum sw_nft_match_kind kind);
bool sw_match_add_range(struct sw_nft_match *m, uint16_t lo, uint16_t hi);

/* compile.c: the plan's sets (their CIDRs only, no registry) and chain. */
int sw_compile_layout(struct sw_compile *c);

/* A group selecting by labels only, under the first of them: found by binary search. */
struct sw_member_key {
	const char *key, *value;
	size_t g;
};

/* Which groups may select a workload, without asking all of them. */
struct sw_member_index {
	struct sw_compile *c;
	struct sw_member_key *by_label;	/* sorted by key, value */
	size_t n_by_label;
	size_t *other;			/* groups with patterns or CIDRs: each asked */
	size_t n_other;
};

/* members.c: group sets filled from the registry and the groups' CIDRs. */
bool sw_member_index_build(struct sw_member_index *ix, const struct sw_policy *p);
void sw_member_index_free(struct sw_member_index *ix);
void sw_member_visit(const struct sw_workload *w, bool running, void *arg);
int sw_compile_members(struct sw_compile *c);
int sw_compile_members_copy(struct sw_compile *c);
size_t sw_compile_group_set(const struct sw_compile *c, size_t g, uint8_t family);
size_t sw_compile_group_nets(const struct sw_compile *c, size_t g, uint8_t family);
bool sw_compile_group_has_cidrs(const struct sw_compile *c, size_t g, uint8_t family);

/*
 * A rule's side: the sets an address may be in (a hash set of addresses,
 * an interval set of prefixes), "any" when n is 0. A rule whose sides have
 * two sets each becomes one nft rule per pair: nft has no "in A or in B".
 */
struct sw_rule_side {
	size_t set[2];
	size_t n;
};

/* unclassified.c: the sets and rules of "unclassified": "deny" (none for "allow"). */
int sw_compile_unclassified_sets(struct sw_compile *c);
int sw_compile_unclassified_members(struct sw_compile *c);
void sw_unclassified_visit(const struct sw_workload *w, bool running, void *arg);
int sw_rules_unclassified(struct sw_compile *c, struct sw_nft_chain *ch);

/* guard.c: the L2 guard's bindings (plan->l2) when the policy turns it on. */
int sw_compile_guard(struct sw_compile *c);

/* rules.c */
struct sw_nft_rule *sw_rule_between(struct sw_nft_chain *ch, uint8_t family, size_t sset,
				    size_t dset);
void sw_rule_verdict(struct sw_compile *c, struct sw_nft_rule *nr, enum sw_pol_action a,
		     enum sw_pol_mode mode, const char *what);
int sw_rule_established(struct sw_compile *c, struct sw_nft_chain *ch);
int sw_rule_neighbour_discovery(struct sw_compile *c, struct sw_nft_chain *ch);
int sw_rules_intra(struct sw_compile *c, struct sw_nft_chain *ch);
int sw_rule_policy(struct sw_compile *c, struct sw_nft_chain *ch, size_t r, uint8_t family);
int sw_rule_default(struct sw_compile *c, struct sw_nft_chain *ch, uint8_t family);

#endif
