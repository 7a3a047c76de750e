/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_ENFORCE_INTERNAL_H
#define SW_ENFORCE_INTERNAL_H

#include <segwatch/enforce.h>

/*
 * sw_enforce_plan_diff - the element changes from @applied to @fresh, set by
 * set (both compiled from the same policy: same sets in the same order).
 * *@ch (n entries, *@n_ch used) and their arrays live in one allocation the
 * caller frees with free(*@ch).
 */
int sw_enforce_plan_diff(const struct sw_nft_plan *applied, const struct sw_nft_plan *fresh,
			 struct sw_nft_set_change **ch, size_t *n_ch, size_t *added,
			 size_t *removed, struct sw_err *err);

/*
 * Incremental sync (incsync.c): the sets' elements counted per address
 * over the registry's running workloads, so that a few workloads changing
 * cost a few hash lookups whatever the registry's size.
 *
 * sw_enforce_inc_build - the counts of @reg at @generation for policy @p
 * as applied in @applied; *@out NULL (and SW_EXIT_OK) when they do not
 * give exactly @applied's hash sets (then only the full compile is used).
 * sw_enforce_inc_delta - the element changes since the last build or delta,
 * as sw_enforce_plan_diff gives them (*@ch freed with free()); 0 done, 1
 * the registry cannot say what changed, -1 out of memory. After 1 or -1,
 * or when the changes could not be sent, @inc must be freed.
 * sw_enforce_inc_commit - @applied (whose sets @ch points into) takes the
 * changes; false when one does not fit (then it must be recompiled).
 */
struct sw_enforce_inc;
int sw_enforce_inc_build(struct sw_enforce_inc **out, const struct sw_policy *p,
			 const struct sw_compile_opts *o, const struct sw_registry *reg,
			 uint64_t generation, const struct sw_nft_plan *applied, struct sw_err *err);
int sw_enforce_inc_delta(struct sw_enforce_inc *inc, const struct sw_registry *reg,
			 const struct sw_nft_plan *applied, struct sw_nft_set_change **ch,
			 size_t *n_ch, size_t *added, size_t *removed);
bool sw_enforce_inc_commit(struct sw_nft_plan *applied, const struct sw_nft_set_change *ch,
			   size_t n);
void sw_enforce_inc_free(struct sw_enforce_inc *inc);

#endif
