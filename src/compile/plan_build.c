/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growing an nftables plan one set, chain, rule and match at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Grow an array by one zeroed element; NULL on out of memory. */
static void *sw_grow(void **arr, size_t *n, size_t size)
{
	void *p = realloc(*arr, (*n + 1) * size);

	if (!p)
		return NULL;
	*arr = p;
	memset((char *)p + *n * size, 0, size);
	return (char *)p + (*n)++ * size;
}

size_t sw_plan_add_set(struct sw_compile *c, const char *name, uint8_t family, bool hash)
{
	struct sw_nft_set *s = sw_grow((void **)&c->plan->sets, &c->plan->n_sets, sizeof(*s));

	if (!s)
		return SIZE_MAX;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->family = family;
	s->hash = hash;
	return c->plan->n_sets - 1;
}

/*
 * Elements are added one by one, 20,000 to a managed set: the array grows to
 * twice its size when its size is a power of two (4 at first), not by one
 * element at a time. Its room is implied by its size, so only arrays grown
 * here from empty may be added to (the compiler's, before normalizing).
 */
bool sw_plan_set_add(struct sw_nft_set *s, const uint8_t addr[16], uint8_t plen)
{
	size_t n = s->n_elems;
	struct sw_nft_prefix *e;

	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		struct sw_nft_prefix *nv = realloc(s->elems, (n ? 2 * n : 4) * sizeof(*nv));

		if (!nv)
			return false;
		s->elems = nv;
	}
	e = &s->elems[s->n_elems++];
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, addr, 16);
	e->plen = plen;
	return true;
}

static int sw_prefix_cmp(const void *pa, const void *pb)
{
	const struct sw_nft_prefix *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->plen - (int)b->plen;
}

/* Whether @inner lies within @outer. */
static bool sw_prefix_covers(const struct sw_nft_prefix *outer, const struct sw_nft_prefix *inner)
{
	unsigned full = outer->plen / 8, rest = outer->plen % 8;

	if (inner->plen < outer->plen || memcmp(outer->addr, inner->addr, full) != 0)
		return false;
	return rest == 0 || ((outer->addr[full] ^ inner->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * Sorted, without duplicates or prefixes inside others: interval sets refuse
 * overlapping elements, and the script reads better.
 */
void sw_plan_set_normalize(struct sw_nft_set *s)
{
	size_t kept = 0;

	if (s->n_elems > 1)
		qsort(s->elems, s->n_elems, sizeof(*s->elems), sw_prefix_cmp);
	for (size_t i = 0; i < s->n_elems; i++) {
		/* sorted by address then length: a covering prefix comes first */
		if (kept && sw_prefix_covers(&s->elems[kept - 1], &s->elems[i]))
			continue;
		s->elems[kept++] = s->elems[i];
	}
	s->n_elems = kept;
}

struct sw_nft_chain *sw_plan_add_chain(struct sw_compile *c, const char *name, int priority)
{
	struct sw_nft_chain *ch = sw_grow((void **)&c->plan->chains, &c->plan->n_chains,
					  sizeof(*ch));

	if (!ch)
		return NULL;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->base = true;
	ch->hook = 2; /* NF_INET_FORWARD */
	ch->priority = priority;
	return ch;
}

struct sw_nft_rule *sw_chain_add_rule(struct sw_nft_chain *ch)
{
	struct sw_nft_rule *r = sw_grow((void **)&ch->rules, &ch->n_rules, sizeof(*r));

	if (r) {
		r->log_group = -1;
		r->origin = SW_ORIGIN_PLUMBING;
	}
	return r;
}

struct sw_nft_match *sw_rule_add_match(struct sw_nft_rule *r, enum sw_nft_match_kind kind)
{
	struct sw_nft_match *m = sw_grow((void **)&r->matches, &r->n_matches, sizeof(*m));

	if (m)
		m->kind = kind;
	return m;
}

bool sw_match_add_range(struct sw_nft_match *m, uint16_t lo, uint16_t hi)
{
	struct sw_nft_range *rg = sw_grow((void **)&m->ranges, &m->n_ranges, sizeof(*rg));

	if (!rg)
		return false;
	rg->lo = lo;
	rg->hi = hi;
	return true;
}
