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

#endif
