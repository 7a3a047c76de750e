/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's /metrics (docs/metrics.md): the server started, moved and
 * stopped with the config, the "metrics" sink kept with the policy, and the
 * page (metrics_page.c) rendered once a second on the capture thread, which
 * is the only writer of every counter it reads, so the page is one
 * consistent snapshot taken without locks (the history writer's own
 * counters are copied under its mutex). The page is then published to the
 * HTTP server (src/metrics/server.c), whose thread only copies it out: a
 * scrape never waits for the capture, nor the capture for a scrape. About
 * 0.1 ms a second with the default bound on group pairs, 1.5 ms at 10,000
 * series (docs/benchmarks.md, "Metrics").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/clock.h>
#include <segwatch/compile.h>
#include <segwatch/nft.h>

#include "runtime.h"

/* Rule series at most (a policy of more rules sums the rest under "(other)"). */
#define SW_AGENT_RULE_SERIES_MAX 2000

void sw_agent_metrics_start(struct sw_agent *a)
{
	struct sw_err err = { 0 };

	if (!a->cfg.metrics.listen)
		return;
	if (sw_metrics_server_start(&a->metrics, a->cfg.metrics.listen, &err) != SW_EXIT_OK) {
		sw_log_write(a->log, SW_LOG_ERR, "%s (metrics.listen); running without /metrics",
			     err.msg);
		return;
	}
	sw_log_write(a->log, SW_LOG_INFO, "metrics: http://%s/metrics", a->cfg.metrics.listen);
}

void sw_agent_metrics_stop(struct sw_agent *a)
{
	sw_metrics_server_stop(a->metrics);
	a->metrics = NULL;
	free(a->rules);
	a->rules = NULL;
	a->n_rules = 0;
	sw_metrics_text_free(&a->page);
}

void sw_agent_metrics_sink_opts(const struct sw_agent_config *cfg, struct sw_policy *policy,
				struct sw_sink_metrics_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_pairs = cfg->metrics.group_pairs;
	o->policy = policy;
}

static bool sw_agent_str_same(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

void sw_agent_metrics_follow(struct sw_agent *a, const struct sw_agent_config *cfg,
			     struct sw_policy *policy, bool rebuild)
{
	struct sw_sink_metrics_opts mo;
	struct sw_err err = { 0 };

	if (!sw_agent_str_same(a->cfg.metrics.listen, cfg->metrics.listen)) {
		/* the same port cannot be bound twice: the old server goes first */
		sw_metrics_server_stop(a->metrics);
		a->metrics = NULL;
		if (cfg->metrics.listen &&
		    sw_metrics_server_start(&a->metrics, cfg->metrics.listen, &err) != SW_EXIT_OK)
			sw_log_write(a->log, SW_LOG_ERR, "%s (metrics.listen); no /metrics until "
				     "the next reload", err.msg);
		else
			sw_log_write(a->log, SW_LOG_INFO, "metrics: %s%s%s",
				     cfg->metrics.listen ? "http://" : "off",
				     cfg->metrics.listen ? cfg->metrics.listen : "",
				     cfg->metrics.listen ? "/metrics" : "");
		a->next_metrics = 0;
	}
	if (rebuild || !a->pl) /* the sinks are opened anew with the new config */
		return;
	sw_agent_metrics_sink_opts(cfg, policy, &mo);
	if (!cfg->metrics.listen) {
		if (a->metrics_sink)
			sw_pipeline_sink_remove(a->pl, a->metrics_sink);
		a->metrics_sink = NULL;
	} else if (!a->metrics_sink) {
		if (sw_pipeline_sink_add(a->pl, "metrics", &mo, &a->metrics_sink, &err) != SW_EXIT_OK)
			sw_log_write(a->log, SW_LOG_ERR, "metrics: %s", err.msg);
	} else if (cfg->metrics.group_pairs != a->cfg.metrics.group_pairs) {
		/* another bound: the pairs start again (Prometheus reads it as a reset) */
		if (sw_pipeline_sink_replace(a->pl, a->metrics_sink, &mo, &err) != SW_EXIT_OK)
			sw_log_write(a->log, SW_LOG_ERR, "metrics: %s", err.msg);
	} else {
		sw_sink_metrics_set_policy(a->metrics_sink, policy);
	}
}

static int sw_agent_rule_cmp(const void *x, const void *y)
{
	const struct sw_nft_rule_counters *a = x, *b = y;
	int c = strcmp(a->comment, b->comment);

	if (!c)
		c = strcmp(a->action, b->action);
	return c ? c : (int)a->family - (int)b->family;
}

/*
 * The kernel's counters of the rules in force. A netlink dump of one chain
 * (a few ms for a thousand rules) on the capture thread every few seconds:
 * the capture ring holds what arrives meanwhile. Rules of the same name,
 * action and family (a rule split by the compiler) are summed, so no series
 * is written twice, which would make Prometheus refuse the scrape.
 */
static void sw_agent_rules_read(struct sw_agent *a, uint64_t mono)
{
	const struct sw_nft_plan *plan = a->enf ? sw_enforcer_plan(a->enf) : NULL;
	struct sw_nft_rule_counters *v = NULL;
	struct sw_err err = { 0 };
	size_t n = 0, m = 0;

	if (mono < a->next_rules)
		return;
	a->next_rules = mono + SW_AGENT_RULES_US;
	if (plan && sw_nft_read_counters(plan->table, SW_COMPILE_CHAIN, &v, &n, &err) != SW_EXIT_OK) {
		a->rules_read_errors++; /* the table deleted: it comes back by itself */
		n = 0;
	}
	if (n) {
		qsort(v, n, sizeof(*v), sw_agent_rule_cmp);
		for (size_t i = 0; i < n; i++) {
			if (m && sw_agent_rule_cmp(&v[m - 1], &v[i]) == 0) {
				v[m - 1].packets += v[i].packets;
				v[m - 1].bytes += v[i].bytes;
			} else if (m == SW_AGENT_RULE_SERIES_MAX) {
				snprintf(v[m - 1].comment, sizeof(v[m - 1].comment), "%s", SW_METRICS_OTHER);
				v[m - 1].action[0] = '\0';
				v[m - 1].family = 0;
				v[m - 1].packets += v[i].packets;
				v[m - 1].bytes += v[i].bytes;
			} else {
				v[m++] = v[i];
			}
		}
	}
	free(a->rules);
	a->rules = v;
	a->n_rules = m;
}

void sw_agent_metrics_tick(struct sw_agent *a, uint64_t mono)
{
	double t0;

	if (!a->metrics || mono < a->next_metrics)
		return;
	a->next_metrics = mono + SW_AGENT_METRICS_US;
	sw_agent_rules_read(a, mono);
	t0 = sw_clock_mono_ms();
	sw_metrics_text_reset(&a->page);
	sw_agent_metrics_render(a, &a->page);
	sw_metrics_server_publish(a->metrics, &a->page);
	a->render_ms = sw_clock_mono_ms() - t0;
}
