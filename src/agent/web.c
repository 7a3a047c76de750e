/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's live graph (docs/web.md): the store kept for the agent's whole
 * life (a pipeline rebuilt by a reload writes on into it, and an alerts sink
 * being closed may still hand it lines), the "live" sink that fills it, and
 * the HTTP server started, moved and stopped with the config, judging by
 * the policy in force.
 */
#include <string.h>

#include <segwatch/web.h>

#include "runtime.h"

static bool sw_agent_web_same(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* Alert lines into the store, besides the alerts' own destination. */
static void sw_agent_web_alert(uint64_t ts_us, const char *line, void *arg)
{
	sw_web_store_alert(arg, ts_us, line, strlen(line));
}

void sw_agent_web_alerts_tee(struct sw_agent *a, struct sw_sink_alerts_opts *o)
{
	o->tee = a->web_store ? sw_agent_web_alert : NULL;
	o->tee_arg = a->web_store;
}

static void sw_agent_web_server(struct sw_agent *a, const struct sw_agent_config *cfg,
				struct sw_policy *policy, const char *why)
{
	struct sw_web_server_opts o = { .listen = cfg->web.listen, .token = cfg->web.token,
					.store = a->web_store };
	struct sw_err err = { 0 };

	if (sw_web_server_start(&a->web, &o, &err) != SW_EXIT_OK) {
		sw_log_write(a->log, SW_LOG_ERR, "%s (web.listen); no live graph %s", err.msg, why);
		a->web = NULL;
		return;
	}
	sw_web_server_set_policy(a->web, policy);
	sw_web_server_set_staged(a->web, a->staged); /* a reload sets the new one at commit */
	sw_log_write(a->log, SW_LOG_INFO, "live graph: http://%s/%s", cfg->web.listen,
		     cfg->web.token ? " (token required)" : "");
}

void sw_agent_web_start(struct sw_agent *a)
{
	const struct sw_agent_web_cfg *w = &a->cfg.web;

	if (!w->listen)
		return;
	if (!(a->web_store = sw_web_store_alloc(w->window_us, w->max_flows, w->max_alerts))) {
		sw_log_write(a->log, SW_LOG_ERR, "out of memory: no live graph");
		return;
	}
	sw_agent_web_server(a, &a->cfg, a->policy, "until the next reload");
}

int sw_agent_web_sink_open(struct sw_agent *a, const struct sw_agent_config *cfg,
			   struct sw_err *err)
{
	struct sw_sink_live_opts lo = { .store = a->web_store };

	if (!cfg->web.listen || !a->web_store || sw_pipeline_sink_active(a->live))
		return SW_EXIT_OK;
	return sw_pipeline_sink_add(a->pl, "live", &lo, &a->live, err);
}

void sw_agent_web_follow(struct sw_agent *a, const struct sw_agent_config *cfg,
			 struct sw_policy *policy, bool rebuild)
{
	const struct sw_agent_web_cfg *o = &a->cfg.web, *n = &cfg->web;
	struct sw_err err = { 0 };

	if (!a->web_store && n->listen &&
	    !(a->web_store = sw_web_store_alloc(n->window_us, n->max_flows, n->max_alerts))) {
		sw_log_write(a->log, SW_LOG_ERR, "out of memory: no live graph");
		return;
	}
	if (a->web_store)
		sw_web_store_limits(a->web_store, n->window_us, n->max_flows, n->max_alerts);
	if (!sw_agent_web_same(o->listen, n->listen) || !sw_agent_web_same(o->token, n->token) ||
	    (n->listen && !a->web)) {
		/* the old socket goes first: the new address may be the same port */
		sw_web_server_stop(a->web);
		a->web = NULL;
		if (n->listen)
			sw_agent_web_server(a, cfg, policy, "until the next reload");
		else
			sw_log_write(a->log, SW_LOG_INFO, "live graph: off");
	}
	sw_web_server_set_policy(a->web, policy);
	if (rebuild || !a->pl)
		return; /* the new pipeline opens its sinks from @cfg */
	if (!n->listen && sw_pipeline_sink_active(a->live)) {
		sw_pipeline_sink_remove(a->pl, a->live);
		a->live = NULL;
	} else if (n->listen && sw_agent_web_sink_open(a, cfg, &err) != SW_EXIT_OK) {
		a->live = NULL;
		sw_log_write(a->log, SW_LOG_ERR, "live graph: %s", err.msg);
	}
}

void sw_agent_web_stop(struct sw_agent *a)
{
	sw_web_server_stop(a->web);
	a->web = NULL;
	sw_web_store_free(a->web_store);
	a->web_store = NULL;
}
