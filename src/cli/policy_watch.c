/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy apply --watch: after the full apply, follow containers as
 * they start and stop (engine and kernel events) and change only the set
 * elements that differ, in one small batch per set.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <segwatch/compile.h>

#include "identity.h"
#include "policy_cmd.h"

static volatile sig_atomic_t sw_watch_stop;

static void sw_watch_on_signal(int sig)
{
	(void)sig;
	sw_watch_stop = 1;
}

static uint64_t sw_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static double sw_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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

/*
 * Push the differences between the applied plan and a fresh one, every
 * changed set in one batch; the fresh plan becomes the applied one.
 */
static int sw_watch_update(const struct sw_policy *p, struct sw_identity *id,
			   const struct sw_compile_opts *o, struct sw_nft_conn *conn,
			   struct sw_nft_plan *applied)
{
	struct sw_nft_plan fresh = { 0 };
	struct sw_err err = { 0 };
	struct sw_nft_set_change *ch = NULL;
	struct sw_nft_prefix *buf = NULL;
	size_t n = 0, used = 0, room = 0, total_add = 0, total_del = 0;
	double t0;
	int rc = sw_policy_compile(p, id->reg, o, &fresh, &err);

	for (size_t s = 0; rc == SW_EXIT_OK && s < fresh.n_sets && s < applied->n_sets; s++)
		room += fresh.sets[s].n_elems + applied->sets[s].n_elems;
	if (rc == SW_EXIT_OK && (!(ch = calloc(fresh.n_sets + 1, sizeof(*ch))) ||
				 !(buf = calloc(room + 1, sizeof(*buf)))))
		rc = sw_err_set(&err, SW_EXIT_RUNTIME, "out of memory");
	for (size_t s = 0; rc == SW_EXIT_OK && s < fresh.n_sets && s < applied->n_sets; s++) {
		struct sw_nft_prefix *add = buf + used, *del;
		size_t n_add, n_del;

		del = add + fresh.sets[s].n_elems;
		sw_set_diff(&applied->sets[s], &fresh.sets[s], add, &n_add, del, &n_del);
		if (!n_add && !n_del)
			continue;
		used += fresh.sets[s].n_elems + applied->sets[s].n_elems;
		ch[n++] = (struct sw_nft_set_change){ &fresh.sets[s], add, del, n_add, n_del };
		total_add += n_add;
		total_del += n_del;
	}
	t0 = sw_mono_ms();
	if (rc == SW_EXIT_OK && n)
		rc = sw_nft_sets_update(conn, applied->table, ch, n, &err);
	if (rc == SW_EXIT_OK && n) {
		printf("membership: %zu sets, +%zu -%zu elements, one batch in %.2f ms\n", n,
		       total_add, total_del, sw_mono_ms() - t0);
		for (size_t i = 0; i < n; i++)
			printf("  set %s: +%zu -%zu\n", ch[i].set->name, ch[i].n_add, ch[i].n_del);
	}
	fflush(stdout);
	free(ch);
	free(buf);
	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: membership update failed: %s\n", err.msg);
		sw_nft_plan_free(&fresh);
		return rc;
	}
	sw_nft_plan_free(applied);
	*applied = fresh;
	return SW_EXIT_OK;
}

int sw_policy_watch(const struct sw_policy *p, struct sw_identity *id,
		    const struct sw_compile_opts *o, struct sw_nft_plan *applied)
{
	uint64_t seen = sw_registry_generation(id->reg);
	struct sw_err err = { 0 };
	struct sw_nft_conn *conn = sw_nft_conn_open(&err);
	int rc = SW_EXIT_OK;

	if (!conn) {
		fprintf(stderr, "segwatch: %s\n", err.msg);
		return err.code;
	}

	signal(SIGINT, sw_watch_on_signal);
	signal(SIGTERM, sw_watch_on_signal);
	printf("watching workloads; membership changes update the sets (Ctrl-C ends, the ruleset stays)\n");
	fflush(stdout);
	while (!sw_watch_stop && rc == SW_EXIT_OK) {
		poll(NULL, 0, 50);
		sw_identity_tick(NULL, sw_wall_us(), id);
		if (sw_registry_generation(id->reg) == seen)
			continue;
		seen = sw_registry_generation(id->reg);
		rc = sw_watch_update(p, id, o, conn, applied);
	}
	sw_nft_conn_close(conn);
	return rc;
}
