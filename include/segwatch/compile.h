/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_COMPILE_H
#define SEGWATCH_COMPILE_H

/*
 * compile - a checked policy and the workloads known now, to an nftables
 * plan: per group and family a hash set holding the members' addresses and,
 * for a group with CIDRs, an interval set of its prefixes; rules that
 * reference sets (so the rule count follows the policy, not the number of
 * containers), one inet table judged in the forward hook.
 */

#include <segwatch/exit.h>
#include <segwatch/nft.h>
#include <segwatch/policy.h>
#include <segwatch/workload.h>

#define SW_COMPILE_TABLE "segwatch"
#define SW_COMPILE_CHAIN "sw_forward"
#define SW_COMPILE_LOG_GROUP 42
#define SW_COMPILE_PRIORITY (-10)	/* before Docker's and Podman's filter chains (0) */

struct sw_compile_opts {
	int log_group;		/* NFLOG group for denied and monitored packets */
	int priority;
};

void sw_compile_opts_defaults(struct sw_compile_opts *o);

/*
 * sw_policy_compile - build @out (freed with sw_nft_plan_free) from @p and the
 * workloads running in @reg (may be NULL: CIDRs only).
 */
int sw_policy_compile(const struct sw_policy *p, const struct sw_registry *reg,
		      const struct sw_compile_opts *o, struct sw_nft_plan *out, struct sw_err *err);

/*
 * sw_policy_compile_reusing - sw_policy_compile, with the sets' elements
 * copied from @prev instead of matched again over every workload: @prev must
 * be a plan compiled from a policy with the same groups
 * (sw_policy_groups_same) over the registry as it is now. A reload that
 * changes rules only costs the rules. When @prev's sets are not the ones @p
 * needs (other names or count), the members are computed as usual.
 */
int sw_policy_compile_reusing(const struct sw_policy *p, const struct sw_registry *reg,
			      const struct sw_compile_opts *o, const struct sw_nft_plan *prev,
			      struct sw_nft_plan *out, struct sw_err *err);

/* The name of group @g's set of addresses (family 4 or 6); its prefixes' set adds "_net". */
void sw_compile_group_set_name(const struct sw_policy *p, size_t g, int family, char *buf,
			       size_t len);

/*
 * Incremental membership (enforce's sync of a policy kept in force): the
 * hash sets one running workload of the registry puts each of its addresses
 * in, as sw_policy_compile would (group sets, the managed and classified
 * sets). Set indices are those of the plan sw_policy_compile gives for the
 * same policy and options (the layout). sw_compile_members_of calls @fn
 * once per (set, address) it contributes: such a set's elements are the
 * addresses some running workload contributes (CIDRs only go to interval
 * sets). A union set (a rule's side naming several groups) holds what the
 * sets feeding it hold: sw_compile_members_unions gives the union sets a
 * set feeds, sw_compile_members_feeders the sets a union set is fed by
 * (none: not a union set).
 */
struct sw_compile_members;
typedef void (*sw_compile_emit_fn)(void *arg, size_t set, const uint8_t addr[16]);
int sw_compile_members_open(struct sw_compile_members **out, const struct sw_policy *p,
			    const struct sw_compile_opts *o, struct sw_err *err);
const struct sw_nft_plan *sw_compile_members_layout(const struct sw_compile_members *m);
void sw_compile_members_of(struct sw_compile_members *m, const struct sw_registry *reg,
			   const struct sw_workload *w, sw_compile_emit_fn fn, void *arg);
const size_t *sw_compile_members_unions(const struct sw_compile_members *m, size_t set,
					size_t *n);
const size_t *sw_compile_members_feeders(const struct sw_compile_members *m, size_t set,
					 size_t *n);
void sw_compile_members_close(struct sw_compile_members *m);

/*
 * sw_compile_l2_guard - the L2 guard's bindings alone, as sw_policy_compile
 * puts them in plan->l2 (*@out NULL when the policy has none; freed with
 * sw_nft_l2_free).
 */
struct sw_nft_l2;
int sw_compile_l2_guard(const struct sw_policy *p, const struct sw_registry *reg,
			const struct sw_compile_opts *o, struct sw_nft_l2 **out, struct sw_err *err);

#endif
