/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A policy kept in force. The plan last applied is kept, so that a change
 * of workloads sends only the elements that differ, and a deleted table
 * can be put back exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <segwatch/clock.h>
#include <segwatch/nft_l2.h>

#include "internal.h"

struct sw_enforcer {
	struct sw_compile_opts opts;
	struct sw_nft_conn *conn;
	const struct sw_policy *policy;	/* borrowed; NULL before the first apply */
	struct sw_nft_plan applied;
	const struct sw_registry *reg;	/* the sets were built from (not followed) */
	uint64_t generation;		/* its generation then */
	struct sw_enforce_set_change *last;	/* what the last sync changed */
	size_t n_last;
	bool handles_asked;		/* the applied rules' handles were read (or kept) */
	struct sw_enforce_inc *inc;	/* the applied sets counted (incsync.c); NULL: not yet */
	bool inc_refused;		/* they could not be, for this plan: not tried again */
};

int sw_enforcer_open(struct sw_enforcer **out, const struct sw_compile_opts *o,
		     struct sw_err *err)
{
	struct sw_enforcer *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	e->opts = *o;
	if (!(e->conn = sw_nft_conn_open(err))) {
		free(e);
		return err->code ? err->code : SW_EXIT_RUNTIME;
	}
	*out = e;
	return SW_EXIT_OK;
}

/*
 * Add when and from which file to the table's comment, for status: the
 * file's absolute path, its tail when the comment has no room for all of it.
 */
static void sw_enforce_stamp(struct sw_nft_plan *plan, const char *file)
{
	char *abs = realpath(file, NULL), when[32];
	const char *path = abs ? abs : file;
	size_t used, room, plen = strlen(path), have = strlen(plan->comment);
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	used = have + strlen(" applied= file=") + strlen(when);
	room = used < sizeof(plan->comment) - 1 ? sizeof(plan->comment) - 1 - used : 0;
	if (plen > room && room > 3)
		snprintf(plan->comment + have, sizeof(plan->comment) - have,
			 " applied=%s file=...%s", when, path + plen - (room - 3));
	else if (plen <= room)
		snprintf(plan->comment + have, sizeof(plan->comment) - have,
			 " applied=%s file=%s", when, path);
	free(abs);
}

static void sw_enforce_plan_size(const struct sw_nft_plan *plan, struct sw_enforce_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->sets = plan->n_sets;
	for (size_t c = 0; c < plan->n_chains; c++)
		rep->rules += plan->chains[c].n_rules;
	for (size_t s = 0; s < plan->n_sets; s++)
		rep->elements += plan->sets[s].n_elems;
}

/* The table's comment as compiled, before " applied=": which policy, mode and size. */
static size_t sw_enforce_comment_head(const char *comment)
{
	const char *at = strstr(comment, " applied=");

	return at ? (size_t)(at - comment) : strlen(comment);
}

/*
 * A reload of the same policy (name, mode, rule count, groups): only the
 * rules and the elements that changed are sent, in one batch, instead of the
 * whole ruleset; the table and its comment (when it was first applied) stay.
 */
static bool sw_enforce_delta_ok(struct sw_enforcer *e, const struct sw_nft_plan *fresh)
{
	size_t head = sw_enforce_comment_head(e->applied.comment);

	return e->policy && sw_nft_plan_same_layout(&e->applied, fresh) &&
	       head == strlen(fresh->comment) &&
	       strncmp(e->applied.comment, fresh->comment, head) == 0 &&
	       sw_nft_table_exists(e->applied.table) &&
	       (!fresh->l2 || sw_nft_l2_table_exists(e->applied.table) == 1);
}

/* Drop what is known of the applied rules' handles (they are read again when needed). */
static void sw_enforce_forget_handles(struct sw_enforcer *e)
{
	for (size_t c = 0; c < e->applied.n_chains; c++) {
		free(e->applied.chains[c].handles);
		e->applied.chains[c].handles = NULL;
	}
}

/*
 * Whether the handles of every applied rule are known. Unknown after a full
 * apply: read from the kernel once (by the first sync, before any reload
 * needs them, or by that reload); a chain not as applied is flushed instead.
 */
static bool sw_enforce_handles(struct sw_enforcer *e)
{
	struct sw_err ignored = { 0 };
	bool all = true;

	for (size_t c = 0; c < e->applied.n_chains; c++)
		all &= e->applied.chains[c].handles != NULL;
	if (all || e->handles_asked)
		return all;
	e->handles_asked = true;
	sw_nft_plan_learn_handles(&e->applied, &ignored);
	for (size_t c = 0; c < e->applied.n_chains; c++)
		if (!e->applied.chains[c].handles)
			return false;
	return true;
}

/*
 * Only the changed elements and rules; the rules in place by their handles.
 * Should that fail (a rule was replaced or deleted by hand since: its handle
 * is gone), once more with the chains flushed and every rule added.
 */
static int sw_enforce_send_delta(struct sw_enforcer *e, struct sw_nft_plan *fresh,
				 struct sw_err *err)
{
	struct sw_nft_set_change *ch = NULL;
	size_t n = 0, added, removed;
	int rc = sw_enforce_plan_diff(&e->applied, fresh, &ch, &n, &added, &removed, err);

	if (rc == SW_EXIT_OK) {
		bool by_handle = sw_enforce_handles(e);

		rc = sw_nft_apply_delta(e->conn, &e->applied, fresh, ch, n, err);
		if (rc != SW_EXIT_OK && by_handle) {
			sw_enforce_forget_handles(e);
			*err = (struct sw_err){ 0 };
			rc = sw_nft_apply_delta(e->conn, &e->applied, fresh, ch, n, err);
		}
	}
	if (rc == SW_EXIT_OK) /* the L2 guard's bindings: their own batch */
		rc = sw_nft_l2_update(e->conn, e->applied.table, e->applied.l2, fresh->l2, &added,
				      &removed, err);
	free(ch);
	if (rc == SW_EXIT_OK)
		memcpy(fresh->comment, e->applied.comment, sizeof(fresh->comment));
	return rc;
}

/*
 * The plan whose sets a new policy @p can take as they are: a new policy
 * (a reload; the same one again is applied after the registry was replaced)
 * with the same groups, over the same registry unchanged since.
 */
static const struct sw_nft_plan *sw_enforce_sets_reusable(const struct sw_enforcer *e,
							  const struct sw_policy *p,
							  const struct sw_registry *reg)
{
	if (!e->policy || e->policy == p || !reg || reg != e->reg ||
	    sw_registry_generation(reg) != e->generation || !sw_policy_groups_same(e->policy, p))
		return NULL;
	return &e->applied;
}

int sw_enforcer_apply(struct sw_enforcer *e, const struct sw_policy *p, const char *file,
		      const struct sw_registry *reg, struct sw_enforce_report *rep,
		      struct sw_err *err)
{
	struct sw_nft_plan plan = { 0 };
	bool in_place;
	double t0 = sw_clock_mono_ms(), compile_ms;
	int rc = sw_policy_compile_reusing(p, reg, &e->opts, sw_enforce_sets_reusable(e, p, reg),
					   &plan, err);

	if (rc != SW_EXIT_OK)
		return rc;
	compile_ms = sw_clock_mono_ms() - t0;
	t0 = sw_clock_mono_ms();
	rep->in_place = sw_enforce_delta_ok(e, &plan);
	if (rep->in_place) {
		rc = sw_enforce_send_delta(e, &plan, err);
	} else {
		sw_enforce_stamp(&plan, file);
		rc = sw_nft_apply(&plan, err);
	}
	if (rc != SW_EXIT_OK) {
		sw_nft_plan_free(&plan);
		return rc;
	}
	in_place = rep->in_place;
	sw_enforce_plan_size(&plan, rep);
	rep->in_place = in_place;
	rep->ms = sw_clock_mono_ms() - t0;
	rep->compile_ms = compile_ms;
	sw_nft_plan_free(&e->applied);
	e->applied = plan;
	sw_enforce_inc_free(e->inc);	/* counted again at the next quiet sync */
	e->inc = NULL;
	e->inc_refused = false;
	e->handles_asked = false; /* kept by a delta, else read at the next sync or delta */
	e->policy = p;
	e->reg = reg;
	e->generation = reg ? sw_registry_generation(reg) : 0;
	return SW_EXIT_OK;
}

/* The names and sizes of @ch, for sw_enforcer_last_changes (before @ch's plan is freed). */
static void sw_enforce_keep_changes(struct sw_enforcer *e, const struct sw_nft_set_change *ch,
				    size_t n)
{
	struct sw_enforce_set_change *last = n ? calloc(n, sizeof(*last)) : NULL;

	free(e->last);
	e->last = last;
	e->n_last = last ? n : 0;
	for (size_t i = 0; i < e->n_last; i++) {
		snprintf(last[i].set, sizeof(last[i].set), "%s", ch[i].set->name);
		last[i].added = ch[i].n_add;
		last[i].removed = ch[i].n_del;
	}
}

const struct sw_enforce_set_change *sw_enforcer_last_changes(const struct sw_enforcer *e,
							     size_t *n)
{
	*n = e->n_last;
	return e->last;
}

/*
 * Count the applied sets' elements over @reg (once after an apply or a full
 * recompile, while nothing changes), so that later changes are incremental.
 */
static void sw_enforce_inc_prepare(struct sw_enforcer *e, const struct sw_registry *reg)
{
	struct sw_err ignored = { 0 };

	if (e->inc || e->inc_refused || reg != e->reg)
		return;
	sw_enforce_inc_build(&e->inc, e->policy, &e->opts, reg, e->generation, &e->applied,
			     &ignored);
	e->inc_refused = !e->inc;
}

/* The applied plan after an incremental change the kernel took: the changes, or recompiled. */
static void sw_enforce_inc_adopt(struct sw_enforcer *e, const struct sw_registry *reg,
				 const struct sw_nft_set_change *ch, size_t n)
{
	struct sw_nft_plan fresh = { 0 };
	struct sw_err ignored = { 0 };

	if (sw_enforce_inc_commit(&e->applied, ch, n))
		return;
	/* cannot be (the counts and the plan agreed): the kernel took what a compile gives */
	sw_enforce_inc_free(e->inc);
	e->inc = NULL;
	if (sw_policy_compile(e->policy, reg, &e->opts, &fresh, &ignored) != SW_EXIT_OK)
		return;
	for (size_t s = 0; s < fresh.n_sets && s < e->applied.n_sets; s++) {
		struct sw_nft_prefix *t = e->applied.sets[s].elems;
		size_t tn = e->applied.sets[s].n_elems;

		e->applied.sets[s].elems = fresh.sets[s].elems;
		e->applied.sets[s].n_elems = fresh.sets[s].n_elems;
		fresh.sets[s].elems = t;
		fresh.sets[s].n_elems = tn;
	}
	sw_nft_plan_free(&fresh);
}

/*
 * The L2 guard's bindings follow the same workloads: compiled again (they are
 * per port, joined over every entry of a container: not counted), only the
 * bindings that differ sent.
 */
static int sw_enforce_l2_follow(struct sw_enforcer *e, const struct sw_registry *reg,
				bool *changed, struct sw_enforce_report *rep, struct sw_err *err)
{
	struct sw_nft_l2 *fresh = NULL;
	size_t added = 0, removed = 0;
	double t0 = sw_clock_mono_ms();
	int rc;

	if (!e->applied.l2)
		return SW_EXIT_OK;
	rc = sw_compile_l2_guard(e->policy, reg, &e->opts, &fresh, err);
	rep->compile_ms += sw_clock_mono_ms() - t0;
	t0 = sw_clock_mono_ms();
	if (rc == SW_EXIT_OK)
		rc = sw_nft_l2_update(e->conn, e->applied.table, e->applied.l2, fresh, &added,
				      &removed, err);
	rep->ms += sw_clock_mono_ms() - t0;
	if (rc != SW_EXIT_OK) {
		sw_nft_l2_free(fresh);
		return rc;
	}
	sw_nft_l2_free(e->applied.l2);
	e->applied.l2 = fresh;
	if (added || removed) {
		rep->sets_changed++;
		rep->added += added;
		rep->removed += removed;
		*changed = true;
	}
	return SW_EXIT_OK;
}

/*
 * Only the workloads the registry says changed: their elements counted out
 * and in (incsync.c). 0 sent (or nothing to send), 1 the full compile is
 * needed, else the batch's error.
 */
static int sw_enforce_sync_inc(struct sw_enforcer *e, const struct sw_registry *reg, bool *changed,
			       struct sw_enforce_report *rep, struct sw_err *err)
{
	struct sw_nft_set_change *ch = NULL;
	size_t n = 0;
	double t0 = sw_clock_mono_ms();
	int rc = sw_enforce_inc_delta(e->inc, reg, &e->applied, &ch, &n, &rep->added,
				      &rep->removed);

	if (rc != 0) {
		sw_enforce_inc_free(e->inc);
		e->inc = NULL;
		rep->added = rep->removed = 0;
		return 1;
	}
	rep->compile_ms = sw_clock_mono_ms() - t0;
	t0 = sw_clock_mono_ms();
	if (n && (rc = sw_nft_sets_update(e->conn, e->applied.table, ch, n, err)) != SW_EXIT_OK) {
		/* the counts moved on, the kernel did not: recompiled at the next sync */
		sw_enforce_inc_free(e->inc);
		e->inc = NULL;
		free(ch);
		return rc;
	}
	rep->ms = sw_clock_mono_ms() - t0;
	rep->sets_changed = n;
	*changed = n > 0;
	sw_enforce_keep_changes(e, ch, n);
	sw_enforce_inc_adopt(e, reg, ch, n);
	free(ch);
	/* a failure here leaves the generation behind: the next sync tries the bindings again */
	if ((rc = sw_enforce_l2_follow(e, reg, changed, rep, err)) != SW_EXIT_OK)
		return rc;
	e->generation = sw_registry_generation(reg);
	return SW_EXIT_OK;
}

int sw_enforcer_sync(struct sw_enforcer *e, const struct sw_registry *reg, bool *changed,
		     struct sw_enforce_report *rep, struct sw_err *err)
{
	struct sw_nft_plan fresh = { 0 };
	struct sw_nft_set_change *ch = NULL;
	size_t n = 0, l2_added = 0, l2_removed = 0;
	double t0;
	int rc;

	*changed = false;
	memset(rep, 0, sizeof(*rep));
	if (e->policy)
		sw_enforce_handles(e); /* read once, now, rather than during the next reload */
	if (!e->policy || !reg)
		return SW_EXIT_OK;
	if (sw_registry_generation(reg) == e->generation) {
		sw_enforce_inc_prepare(e, reg); /* while nothing changes */
		return SW_EXIT_OK;
	}
	if (e->inc && reg == e->reg && (rc = sw_enforce_sync_inc(e, reg, changed, rep, err)) != 1)
		return rc;
	sw_enforce_inc_free(e->inc);	/* recompiled: counted again when quiet */
	e->inc = NULL;
	e->inc_refused = false;
	t0 = sw_clock_mono_ms();
	rc = sw_policy_compile(e->policy, reg, &e->opts, &fresh, err);
	if (rc == SW_EXIT_OK)
		rc = sw_enforce_plan_diff(&e->applied, &fresh, &ch, &n, &rep->added, &rep->removed,
					  err);
	rep->compile_ms = sw_clock_mono_ms() - t0;
	t0 = sw_clock_mono_ms();
	if (rc == SW_EXIT_OK && n)
		rc = sw_nft_sets_update(e->conn, e->applied.table, ch, n, err);
	if (rc == SW_EXIT_OK) /* the L2 guard's bindings follow the same workloads */
		rc = sw_nft_l2_update(e->conn, e->applied.table, e->applied.l2, fresh.l2, &l2_added,
				      &l2_removed, err);
	if (rc != SW_EXIT_OK) {
		free(ch);
		sw_nft_plan_free(&fresh);
		return rc;
	}
	rep->ms = sw_clock_mono_ms() - t0;
	rep->sets_changed = n + (l2_added || l2_removed);
	rep->added += l2_added;
	rep->removed += l2_removed;
	*changed = n > 0 || l2_added || l2_removed;
	sw_enforce_keep_changes(e, ch, n);
	/* the fresh plan is what the kernel holds now; comment and rules stay the applied's */
	memcpy(fresh.comment, e->applied.comment, sizeof(fresh.comment));
	for (size_t c = 0; c < fresh.n_chains && c < e->applied.n_chains; c++)
		if (fresh.chains[c].n_rules == e->applied.chains[c].n_rules) {
			fresh.chains[c].handles = e->applied.chains[c].handles;
			e->applied.chains[c].handles = NULL;
		}
	free(ch);
	sw_nft_plan_free(&e->applied);
	e->applied = fresh;
	e->reg = reg;
	e->generation = sw_registry_generation(reg);
	return SW_EXIT_OK;
}

bool sw_enforcer_table_present(struct sw_enforcer *e)
{
	/* the L2 guard's bridge table counts too: a deleted one is put back by the same apply */
	return e->policy && sw_nft_table_exists(e->applied.table) &&
	       (!e->applied.l2 || sw_nft_l2_table_exists(e->applied.table) != 0);
}

const struct sw_nft_plan *sw_enforcer_plan(const struct sw_enforcer *e)
{
	return e->policy ? &e->applied : NULL;
}

const struct sw_policy *sw_enforcer_policy(const struct sw_enforcer *e)
{
	return e->policy;
}

int sw_enforcer_remove(struct sw_enforcer *e, struct sw_err *err)
{
	const char *table = e->policy ? e->applied.table : SW_COMPILE_TABLE;

	return sw_nft_remove(table, err);
}

void sw_enforcer_close(struct sw_enforcer *e)
{
	if (!e)
		return;
	sw_nft_conn_close(e->conn);
	sw_nft_plan_free(&e->applied);
	sw_enforce_inc_free(e->inc);
	free(e->last);
	free(e);
}
