/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy apply --watch: after the full apply, follow containers as
 * they start and stop (engine and kernel events); the enforcer changes only
 * the set elements that differ, every changed set in one batch.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>

#include <segwatch/clock.h>
#include <segwatch/enforce.h>
#include <segwatch/text.h>

#include "identity.h"
#include "policy_cmd.h"

static volatile sig_atomic_t sw_watch_stop;

static void sw_watch_on_signal(int sig)
{
	(void)sig;
	sw_watch_stop = 1;
}

static void sw_watch_print(const struct sw_enforcer *e, const struct sw_enforce_report *rep)
{
	size_t n;
	const struct sw_enforce_set_change *ch = sw_enforcer_last_changes(e, &n);

	printf("membership: %zu sets, +%zu -%zu elements, one batch in %.2f ms (compiled in %.2f ms)\n",
	       rep->sets_changed, rep->added, rep->removed, rep->ms, rep->compile_ms);
	for (size_t i = 0; i < n; i++)
		printf("  set %s: +%zu -%zu\n", SW_CELL(ch[i].set), ch[i].added, ch[i].removed);
	fflush(stdout);
}

int sw_policy_watch(struct sw_enforcer *e, struct sw_identity *id)
{
	struct sw_enforce_report rep;
	struct sw_err err = { 0 };
	bool changed;
	int rc = SW_EXIT_OK;

	signal(SIGINT, sw_watch_on_signal);
	signal(SIGTERM, sw_watch_on_signal);
	printf("watching workloads; membership changes update the sets (Ctrl-C ends, the ruleset stays)\n");
	fflush(stdout);
	while (!sw_watch_stop && rc == SW_EXIT_OK) {
		poll(NULL, 0, 50);
		sw_identity_poll(id, NULL, sw_clock_wall_us());
		rc = sw_enforcer_sync(e, sw_identity_registry(id), &changed, &rep, &err);
		if (rc != SW_EXIT_OK)
			fprintf(stderr, "segwatch: membership update failed: %s\n", SW_MSG(err.msg));
		else if (changed)
			sw_watch_print(e, &rep);
	}
	return rc;
}
