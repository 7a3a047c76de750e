/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Group membership: the addresses of every running workload a group selects
 * (by labels, name patterns, CIDRs or match terms, see docs/policy.md) in the
 * group's hash set of their family, and the group's CIDRs (a match term's
 * minus its excepts) in its interval set; all of them also in the "managed"
 * sets (addresses, prefixes) the default rule is limited to.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool sw_addr_is_v4(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, 12) == 0;
}

size_t sw_compile_group_set(const struct sw_compile *c, size_t g, uint8_t family)
{
	return c->hosts[2 * g + (family == 6)];
}

size_t sw_compile_group_nets(const struct sw_compile *c, size_t g, uint8_t family)
{
	return c->nets[2 * g + (family == 6)];
}

/*
 * Whether group @g has CIDRs of @family (it then has a set of prefixes for
 * them): its own, or those of a match term that selects addresses (one with
 * workload keys selects its workloads' addresses instead).
 */
bool sw_compile_group_has_cidrs(const struct sw_compile *c, size_t g, uint8_t family)
{
	const struct sw_pol_group *grp = &c->p->groups[g];

	for (size_t i = 0; i < grp->n_cidrs; i++)
		if ((sw_addr_is_v4(grp->cidrs[i].addr) ? 4 : 6) == family)
			return true;
	for (size_t t = 0; t < grp->n_terms; t++) {
		if (sw_pol_term_workload(&grp->terms[t]))
			continue;
		for (size_t i = 0; i < grp->terms[t].n_cidrs; i++)
			if ((sw_addr_is_v4(grp->terms[t].cidrs[i].addr) ? 4 : 6) == family)
				return true;
	}
	return false;
}

/* A workload's address: into the group's set of addresses and the managed one. */
static bool sw_member_add(struct sw_compile *c, size_t g, const uint8_t addr[16])
{
	uint8_t family = sw_addr_is_v4(addr) ? 4 : 6;
	struct sw_nft_set *gs = &c->plan->sets[sw_compile_group_set(c, g, family)];
	struct sw_nft_set *ms = &c->plan->sets[c->managed[family == 6]];

	if (c->emit) {
		c->emit(c->emit_arg, sw_compile_group_set(c, g, family), addr);
		c->emit(c->emit_arg, c->managed[family == 6], addr);
		return true;
	}
	return sw_plan_set_add(gs, addr, 128) && sw_plan_set_add(ms, addr, 128);
}

/* A group's CIDR: into its set of prefixes and the managed one. */
static bool sw_member_add_net(struct sw_compile *c, size_t g, const uint8_t addr[16], uint8_t plen)
{
	uint8_t family = sw_addr_is_v4(addr) ? 4 : 6;
	size_t gs = sw_compile_group_nets(c, g, family), ms = c->managed_nets[family == 6];

	if (gs == SIZE_MAX || ms == SIZE_MAX)
		return false;	/* sw_compile_sets made them for every CIDR's family */
	return sw_plan_set_add(&c->plan->sets[gs], addr, plen) &&
	       sw_plan_set_add(&c->plan->sets[ms], addr, plen);
}

static int sw_member_key_cmp(const void *pa, const void *pb)
{
	const struct sw_member_key *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	return c ? c : strcmp(a->value, b->value);
}

bool sw_member_index_build(struct sw_member_index *ix, const struct sw_policy *p)
{
	ix->by_label = calloc(p->n_groups + 1, sizeof(*ix->by_label));
	ix->other = calloc(p->n_groups + 1, sizeof(*ix->other));
	if (!ix->by_label || !ix->other)
		return false;
	for (size_t g = 0; g < p->n_groups; g++) {
		const struct sw_pol_group *grp = &p->groups[g];

		if (grp->n_labels && !grp->n_names && !grp->n_cidrs && !grp->n_terms)
			ix->by_label[ix->n_by_label++] = (struct sw_member_key){
				grp->labels[0].key, grp->labels[0].value, g };
		else if (grp->n_names || grp->n_cidrs || grp->n_terms)
			ix->other[ix->n_other++] = g;
		/* a group with none of them selects nothing */
	}
	qsort(ix->by_label, ix->n_by_label, sizeof(*ix->by_label), sw_member_key_cmp);
	return true;
}

/*
 * @w's addresses into group @g when @g selects @who: the workload @w is one
 * with (sw_registry_merged), whose labels and name stand for it.
 */
static void sw_member_add_all(struct sw_compile *c, size_t g, const struct sw_workload *who,
			      const struct sw_workload *w)
{
	if (c->p->groups[g].n_terms) {
		/* a match term with cidrs takes some of a workload's addresses, not all */
		for (size_t i = 0; i < w->n_addrs; i++)
			if (sw_policy_group_selects(c->p, g, who, w->addrs[i]) &&
			    !sw_member_add(c, g, w->addrs[i]))
				c->nomem = true;
		return;
	}
	if (!sw_policy_group_selects(c->p, g, who, NULL))
		return;
	for (size_t i = 0; i < w->n_addrs; i++)
		if (!sw_member_add(c, g, w->addrs[i]))
			c->nomem = true;
}

/* The label groups whose first label is @l (each then checked in full). */
static void sw_member_by_label(struct sw_member_index *ix, const struct sw_label *l,
			       const struct sw_workload *who, const struct sw_workload *w)
{
	struct sw_member_key want = { l->key, l->value, 0 };
	size_t lo = 0, hi = ix->n_by_label;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sw_member_key_cmp(&ix->by_label[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n_by_label && sw_member_key_cmp(&ix->by_label[lo], &want) == 0; lo++)
		sw_member_add_all(ix->c, ix->by_label[lo].g, who, w);
}

void sw_member_index_free(struct sw_member_index *ix)
{
	free(ix->by_label);
	free(ix->other);
	ix->by_label = NULL;
	ix->other = NULL;
}

void sw_member_visit(const struct sw_workload *w, bool running, void *arg)
{
	struct sw_member_index *ix = arg;
	const struct sw_workload *who;

	if (!running || ix->c->nomem)
		return;
	/*
	 * The kernel's entry for a container the engine or an inventory also
	 * describes holds addresses only it knows (fe80::): they belong in the
	 * sets of the groups that select the container by its labels.
	 */
	who = sw_registry_merged(ix->c->reg, w, SW_REG_NOW);
	for (size_t i = 0; i < who->n_labels; i++)
		if (who->labels[i].key && who->labels[i].value)
			sw_member_by_label(ix, &who->labels[i], who, w);
	for (size_t i = 0; i < ix->n_other; i++)
		sw_member_add_all(ix->c, ix->other[i], who, w);
}

struct sw_member_piece {
	struct sw_compile *c;
	size_t g;
};

static bool sw_member_piece_add(const struct sw_pol_cidr *piece, void *arg)
{
	struct sw_member_piece *mp = arg;

	return sw_member_add_net(mp->c, mp->g, piece->addr, piece->plen);
}

/* A match term selecting addresses: its cidrs minus its excepts, as prefixes. */
static void sw_member_term_prefixes(struct sw_compile *c, size_t g, const struct sw_pol_term *t)
{
	struct sw_member_piece mp = { c, g };

	if (sw_pol_term_workload(t))
		return; /* its workloads' addresses were added with the registry's */
	for (size_t i = 0; i < t->n_cidrs; i++)
		if (!sw_pol_cidr_subtract(&t->cidrs[i], t->except, t->n_except, sw_member_piece_add,
					  &mp))
			c->nomem = true;
}

int sw_compile_members(struct sw_compile *c)
{
	struct sw_member_index ix = { .c = c };

	if (c->reg && sw_member_index_build(&ix, c->p))
		sw_registry_foreach(c->reg, sw_member_visit, &ix);
	else if (c->reg)
		c->nomem = true;
	sw_member_index_free(&ix);
	for (size_t g = 0; g < c->p->n_groups && !c->nomem; g++) {
		const struct sw_pol_group *grp = &c->p->groups[g];

		for (size_t i = 0; i < grp->n_cidrs; i++)
			if (!sw_member_add_net(c, g, grp->cidrs[i].addr, grp->cidrs[i].plen))
				c->nomem = true;
		for (size_t i = 0; i < grp->n_terms && !c->nomem; i++)
			sw_member_term_prefixes(c, g, &grp->terms[i]);
	}
	for (size_t s = 0; s < c->plan->n_sets; s++)
		sw_plan_set_normalize(&c->plan->sets[s]);
	return c->nomem ? -1 : 0;
}

/*
 * Every set's elements copied from c->sets_from (already normalized there):
 * 0 done, 1 when its sets are not the plan's (compute them instead), -1 out
 * of memory.
 */
int sw_compile_members_copy(struct sw_compile *c)
{
	const struct sw_nft_plan *from = c->sets_from;

	if (from->n_sets != c->plan->n_sets)
		return 1;
	for (size_t s = 0; s < from->n_sets; s++)
		if (strcmp(from->sets[s].name, c->plan->sets[s].name) != 0 ||
		    from->sets[s].family != c->plan->sets[s].family)
			return 1;
	for (size_t s = 0; s < from->n_sets; s++) {
		struct sw_nft_set *to = &c->plan->sets[s];
		size_t n = from->sets[s].n_elems;

		if (!n)
			continue;
		if (!(to->elems = malloc(n * sizeof(*to->elems))))
			return -1;
		memcpy(to->elems, from->sets[s].elems, n * sizeof(*to->elems));
		to->n_elems = n;
	}
	return 0;
}
