/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_ENFORCE_H
#define SEGWATCH_ENFORCE_H

/*
 * enforce - a policy kept in force: compiled over today's workloads and
 * applied as one atomic batch; its sets then follow the workloads (only
 * the elements that changed, every changed set in one batch); re-applied
 * when someone deletes the table; replaced atomically by a new policy.
 * `policy apply --watch` and the agent use it.
 */

#include <stdbool.h>
#include <stddef.h>

#include <segwatch/compile.h>
#include <segwatch/exit.h>
#include <segwatch/nft.h>
#include <segwatch/policy.h>
#include <segwatch/workload.h>

/* What an apply or a membership update did. */
struct sw_enforce_report {
	size_t sets, elements, rules;	/* apply: the plan's size */
	size_t sets_changed, added, removed; /* sync: elements changed */
	double ms;			/* the batch, in milliseconds */
	double compile_ms;		/* compiling the policy over the workloads (sync: and */
					/* the difference to what is applied), before it */
	bool in_place;			/* apply: only rules and changed elements were sent */
};

struct sw_enforcer;

/*
 * sw_bridge_nf_state - whether bridged traffic reaches the inet forward hook
 * (br_netfilter loaded, bridge-nf-call-ip(6)tables = 1); @desc says so in words.
 * sw_bridge_nf_enable - try to make it so (modprobe, sysctls); same result.
 */
bool sw_bridge_nf_state(char *desc, size_t len);
bool sw_bridge_nf_enable(char *desc, size_t len);

/* sw_enforcer_open - an enforcer with its netlink socket; nothing applied yet. */
int sw_enforcer_open(struct sw_enforcer **out, const struct sw_compile_opts *o,
		     struct sw_err *err);

/*
 * sw_enforcer_apply - compile @p (from @file, named in the table's comment)
 * over the workloads of @reg and replace the ruleset with it in one batch.
 * On failure the ruleset in force, and the enforcer's policy, are unchanged.
 * @p is borrowed: it must live until the next successful apply or close.
 */
int sw_enforcer_apply(struct sw_enforcer *e, const struct sw_policy *p, const char *file,
		      const struct sw_registry *reg, struct sw_enforce_report *rep,
		      struct sw_err *err);

/*
 * sw_enforcer_sync - when @reg changed since the last apply or sync, update
 * the sets to its workloads (one batch). *@changed says whether anything was
 * sent. Nothing applied yet: nothing to do.
 */
int sw_enforcer_sync(struct sw_enforcer *e, const struct sw_registry *reg, bool *changed,
		     struct sw_enforce_report *rep, struct sw_err *err);

/* One set's change in the last sync. */
struct sw_enforce_set_change {
	char set[SW_NFT_NAME_MAX];
	size_t added, removed;
};

/* sw_enforcer_last_changes - the sets the last sync changed (valid until the next sync). */
const struct sw_enforce_set_change *sw_enforcer_last_changes(const struct sw_enforcer *e,
							     size_t *n);

/* sw_enforcer_table_present - whether the applied table is still in the kernel. */
bool sw_enforcer_table_present(struct sw_enforcer *e);

/* sw_enforcer_plan - what is applied (NULL before the first apply). */
const struct sw_nft_plan *sw_enforcer_plan(const struct sw_enforcer *e);
const struct sw_policy *sw_enforcer_policy(const struct sw_enforcer *e);

/* sw_enforcer_remove - delete the table (the ruleset no longer enforced). */
int sw_enforcer_remove(struct sw_enforcer *e, struct sw_err *err);

/*
 * sw_enforce_cut - end the tracked connections @p denies (judged from their
 * initiator's side, the workloads of @reg now): their conntrack entries are
 * deleted so their next packet meets the ruleset (`policy apply --cut`).
 */
struct sw_ct_sweep_stats;
int sw_enforce_cut(const struct sw_policy *p, const struct sw_registry *reg,
		   struct sw_ct_sweep_stats *st, struct sw_err *err);

/* sw_enforcer_close - the ruleset stays as it is; NULL is fine. */
void sw_enforcer_close(struct sw_enforcer *e);

#endif
