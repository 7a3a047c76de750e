/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What changed between two compilations of one policy: elements to add and remove per set. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int sw_prefix_cmp(const struct sw_nft_prefix *a, const struct sw_nft_prefix *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->plen - (int)b->plen;
}

/*
 * Elements of @old missing from @new go to @del, the reverse to @add. Both
 * are sorted (the compiler normalizes sets), so one merge pass does it.
 */
static void sw_set_diff(const struct sw_nft_set *old, const struct sw_nft_set *new,
			struct sw_nft_prefix *add, size_t *n_add, struct sw_nft_prefix *del,
			size_t *n_del)
{
	size_t i = 0, j = 0;

	*n_add = *n_del = 0;
	while (i < old->n_elems || j < new->n_elems) {
		int c = i == old->n_elems ? 1 : j == new->n_elems ? -1 :
			sw_prefix_cmp(&old->elems[i], &new->elems[j]);

		if (c < 0)
			del[(*n_del)++] = old->elems[i++];
		else if (c > 0)
			add[(*n_add)++] = new->elems[j++];
		else
			i++, j++;
	}
}

int sw_enforce_plan_diff(const struct sw_nft_plan *applied, const struct sw_nft_plan *fresh,
			 struct sw_nft_set_change **out, size_t *n_ch, size_t *added,
			 size_t *removed, struct sw_err *err)
{
	size_t n_sets = fresh->n_sets < applied->n_sets ? fresh->n_sets : applied->n_sets;
	size_t room = 0, used = 0, n = 0;
	struct sw_nft_set_change *ch;
	struct sw_nft_prefix *buf;

	*out = NULL;
	*n_ch = *added = *removed = 0;
	for (size_t s = 0; s < n_sets; s++)
		room += fresh->sets[s].n_elems + applied->sets[s].n_elems;
	/* the changes, then every set's add and del arrays, in one block */
	ch = calloc(1, (n_sets + 1) * sizeof(*ch) + (room + 1) * sizeof(*buf));
	if (!ch)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	buf = (struct sw_nft_prefix *)(ch + n_sets + 1);
	for (size_t s = 0; s < n_sets; s++) {
		struct sw_nft_prefix *add = buf + used, *del = add + fresh->sets[s].n_elems;
		size_t n_add, n_del;

		sw_set_diff(&applied->sets[s], &fresh->sets[s], add, &n_add, del, &n_del);
		if (!n_add && !n_del)
			continue;
		used += fresh->sets[s].n_elems + applied->sets[s].n_elems;
		ch[n++] = (struct sw_nft_set_change){ &fresh->sets[s], add, del, n_add, n_del };
		*added += n_add;
		*removed += n_del;
	}
	*out = ch;
	*n_ch = n;
	return SW_EXIT_OK;
}
