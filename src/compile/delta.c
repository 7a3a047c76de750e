/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which of a policy's sets one workload's addresses are in, without
 * compiling the whole registry: what a membership change needs (enforce's
 * incremental sync). The same code as the full compile decides (members.c,
 * unclassified.c), its additions sent to a callback instead of the plan.
 * The union sets of rules naming several groups (rules.c
 * sw_rule_side_sets) hold what their groups' sets hold: the caller derives
 * them from which sets feed which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sw_compile_members {
	struct sw_compile c;
	struct sw_nft_plan layout;	/* the sets and rules, no workload in them */
	struct sw_member_index ix;
	size_t **unions;		/* per set: the union sets it feeds */
	size_t *n_unions;
	size_t **feeders;		/* per union set: the sets it is the union of */
	size_t *n_feeders;
	sw_compile_emit_fn fn;
	void *arg;
};

static size_t sw_layout_find(const struct sw_nft_plan *pl, const char *name)
{
	for (size_t s = 0; s < pl->n_sets; s++)
		if (strcmp(pl->sets[s].name, name) == 0)
			return s;
	return SIZE_MAX;
}

static bool sw_index_push(size_t **v, size_t *n, size_t x)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return false;
	nv[(*n)++] = x;
	*v = nv;
	return true;
}

static bool sw_union_add(struct sw_compile_members *m, size_t from, size_t to)
{
	return sw_index_push(&m->unions[from], &m->n_unions[from], to) &&
	       sw_index_push(&m->feeders[to], &m->n_feeders[to], from);
}

/* The union sets "r<N>_from_v<F>" / "r<N>_to_v<F>" of sides with two groups or more. */
static bool sw_unions_build(struct sw_compile_members *m)
{
	const struct sw_policy *p = m->c.p;
	char name[SW_NFT_NAME_MAX];

	m->unions = calloc(m->layout.n_sets + 1, sizeof(*m->unions));
	m->n_unions = calloc(m->layout.n_sets + 1, sizeof(*m->n_unions));
	m->feeders = calloc(m->layout.n_sets + 1, sizeof(*m->feeders));
	m->n_feeders = calloc(m->layout.n_sets + 1, sizeof(*m->n_feeders));
	if (!m->unions || !m->n_unions || !m->feeders || !m->n_feeders)
		return false;
	for (size_t r = 0; r < p->n_rules; r++)
		for (int side = 0; side < 2; side++) {
			const struct sw_pol_rule *pr = &p->rules[r];
			const size_t *gs = side ? pr->to : pr->from;
			size_t n = side ? pr->n_to : pr->n_from;

			if ((side ? pr->to_any : pr->from_any) || n < 2)
				continue;
			for (int f = 4; f <= 6; f += 2) {
				size_t u;

				snprintf(name, sizeof(name), "r%zu_%s_v%d", r, side ? "to" : "from", f);
				if ((u = sw_layout_find(&m->layout, name)) == SIZE_MAX)
					continue;
				for (size_t i = 0; i < n; i++)
					if (!sw_union_add(m, sw_compile_group_set(&m->c, gs[i], (uint8_t)f), u))
						return false;
			}
		}
	return true;
}

static void sw_members_emit(void *arg, size_t set, const uint8_t addr[16])
{
	struct sw_compile_members *m = arg;

	m->fn(m->arg, set, addr);
}

const size_t *sw_compile_members_unions(const struct sw_compile_members *m, size_t set,
					size_t *n)
{
	*n = set < m->layout.n_sets ? m->n_unions[set] : 0;
	return *n ? m->unions[set] : NULL;
}

const size_t *sw_compile_members_feeders(const struct sw_compile_members *m, size_t set,
					 size_t *n)
{
	*n = set < m->layout.n_sets ? m->n_feeders[set] : 0;
	return *n ? m->feeders[set] : NULL;
}

int sw_compile_members_open(struct sw_compile_members **out, const struct sw_policy *p,
			    const struct sw_compile_opts *o, struct sw_err *err)
{
	struct sw_compile_members *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	m->c.p = p;
	m->c.plan = &m->layout;
	if (o)
		m->c.o = *o;
	else
		sw_compile_opts_defaults(&m->c.o);
	m->ix.c = &m->c;
	if (sw_compile_layout(&m->c) < 0 || !sw_unions_build(m) ||
	    !sw_member_index_build(&m->ix, p)) {
		sw_compile_members_close(m);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory while compiling the policy");
	}
	m->c.emit = sw_members_emit;
	m->c.emit_arg = m;
	*out = m;
	return SW_EXIT_OK;
}

const struct sw_nft_plan *sw_compile_members_layout(const struct sw_compile_members *m)
{
	return &m->layout;
}

void sw_compile_members_of(struct sw_compile_members *m, const struct sw_registry *reg,
			   const struct sw_workload *w, sw_compile_emit_fn fn, void *arg)
{
	m->c.reg = reg;
	m->fn = fn;
	m->arg = arg;
	sw_member_visit(w, true, &m->ix);
	if (m->c.classified[0] != SIZE_MAX)
		sw_unclassified_visit(w, true, &m->c);
}

void sw_compile_members_close(struct sw_compile_members *m)
{
	if (!m)
		return;
	for (size_t s = 0; m->unions && s < m->layout.n_sets; s++)
		free(m->unions[s]);
	for (size_t s = 0; m->feeders && s < m->layout.n_sets; s++)
		free(m->feeders[s]);
	free(m->unions);
	free(m->n_unions);
	free(m->feeders);
	free(m->n_feeders);
	sw_member_index_free(&m->ix);
	free(m->c.hosts);
	free(m->c.nets);
	sw_nft_plan_free(&m->layout);
	free(m);
}
