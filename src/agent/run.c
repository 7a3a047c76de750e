/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch agent: start, run the pipeline until asked to stop, stop.
 *
 * Order at start matters: the kernel module for bridged traffic is loaded
 * and capabilities are dropped before any thread exists (libcap-ng works on
 * the calling thread only); the pipeline (identity, capture, history) opens
 * next, and only then is the policy applied, over the workloads it found.
 * A reload that changes what the pipeline reads is taken by the running
 * pipeline (reconfigure.c); only a new snaplen or dedup rebuilds it: every
 * live flow is written first, so none is lost, only split at that instant.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/clock.h>
#include <segwatch/diag.h>
#include <segwatch/history.h>
#include <segwatch/nft_l2.h>
#include <segwatch/text.h>

#include "runtime.h"

void sw_agent_health_alert(struct sw_agent *a, int level, const char *event, uint64_t count,
			   const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sw_log_event(a->log, (enum sw_log_level)level, event,
		     (const struct sw_log_field[]){ { "SEGWATCH_EVENT", event } }, 1, "%s", text);
	if (a->alerts)
		sw_sink_alerts_health(a->alerts, sw_clock_wall_us(), event,
				      level <= SW_LOG_WARNING ? 2 : level == SW_LOG_NOTICE ? 1 : 0,
				      text, count);
}

void sw_agent_pipeline_opts(struct sw_agent *a, const struct sw_agent_config *c,
			    struct sw_pipeline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->capture = c->capture.opts;
	o->capture.stop = &a->pl_stop;
	o->flow = c->capture.flow;
	for (unsigned i = 0; i < c->identity.n_inventories; i++)
		o->identity.inventories[i] = c->identity.inventories[i];
	o->identity.n_inventories = c->identity.n_inventories;
	o->identity.engine = c->identity.engine == SW_AGENT_ENGINE_OFF ? SW_ENGINE_OFF :
			     c->identity.engine == SW_AGENT_ENGINE_SOCKET ? SW_ENGINE_ON :
									    SW_ENGINE_AUTO;
	o->identity.engine_socket = c->identity.engine_socket;
	o->identity.kernel = c->identity.kernel;
	o->identity.engine_retry = true; /* the engine may start after the agent, or restart */
	o->identity.max_versions = c->limits.identity_versions;
	o->with_identity = true; /* the host's own addresses at least */
	/* the kernel logs what a policy denies: read it only with one */
	o->nflog_group = c->policy.file ? c->policy.nflog_group : -1;
	o->wait_for_ifaces = true;
	o->tick = sw_agent_tick;
	o->tick_arg = a;
}

static int sw_agent_sinks_open(struct sw_agent *a, struct sw_err *err)
{
	const struct sw_agent_config *c = &a->cfg;
	struct sw_sink_klog_opts ko = { .max_records = c->limits.kernel_log_records,
					.flush_every_us = SW_AGENT_KLOG_FLUSH_US };
	struct sw_sink_alerts_opts ao = { .dest = c->alerts.output, .policy = c->policy.file,
					  .baseline = c->alerts.baseline,
					  .config = c->alerts.config, .policy_obj = a->policy,
					  .format = c->alerts.format };
	struct sw_sink_metrics_opts mo;
	int rc = SW_EXIT_OK;

	sw_agent_metrics_sink_opts(c, a->policy, &mo);
	sw_agent_web_alerts_tee(a, &ao);
	if (c->history.enabled)
		rc = sw_pipeline_sink_add(a->pl, "history", &c->history.opts, &a->history, err);
	if (rc == SW_EXIT_OK && sw_pipeline_nflog(a->pl))
		rc = sw_pipeline_sink_add(a->pl, "klog", &ko, &a->klog, err);
	if (rc == SW_EXIT_OK && c->alerts.output)
		rc = sw_pipeline_sink_add(a->pl, "alerts", &ao, &a->alerts, err);
	if (rc == SW_EXIT_OK && c->metrics.listen)
		rc = sw_pipeline_sink_add(a->pl, "metrics", &mo, &a->metrics_sink, err);
	if (rc == SW_EXIT_OK && c->ipfix.collector) {
		struct sw_sink_ipfix_opts io = { &c->ipfix.opts, a->policy };

		rc = sw_pipeline_sink_add(a->pl, "ipfix", &io, &a->ipfix, err);
	}
	if (rc == SW_EXIT_OK)
		rc = sw_agent_web_sink_open(a, c, err);
	return rc;
}

int sw_agent_pipeline_open(struct sw_agent *a, struct sw_err *err)
{
	struct sw_pipeline_opts o;
	int rc;

	sw_agent_pipeline_opts(a, &a->cfg, &o);
	a->pl_stop = 0;
	a->history = a->alerts = a->klog = a->metrics_sink = a->ipfix = a->live = NULL;
	rc = sw_pipeline_open(&a->pl, &o, err);
	if (rc == SW_EXIT_OK)
		rc = sw_agent_sinks_open(a, err);
	if (rc == SW_EXIT_OK && a->staged)
		rc = sw_pipeline_set_staged(a->pl, a->staged, a->policy, err);
	if (rc != SW_EXIT_OK) {
		sw_pipeline_close(a->pl);
		a->pl = NULL;
	}
	return rc;
}

void sw_agent_pipeline_close(struct sw_agent *a)
{
	if (!a->pl)
		return;
	/* every live flow, the kernel's log and the counters into the history */
	sw_pipeline_finish(a->pl);
	if (!sw_pipeline_close(a->pl))
		sw_log_write(a->log, SW_LOG_ERR, "the flow history lost records at close");
	a->pl = NULL;
	a->history = a->alerts = a->klog = a->metrics_sink = a->ipfix = a->live = NULL;
}

/* The L2 guard's ports left out for their names: said at each full apply, as policy apply does. */
static void sw_agent_warn_unguarded(struct sw_agent *a, const struct sw_nft_plan *plan)
{
	const struct sw_nft_l2 *l2 = plan ? plan->l2 : NULL;

	for (size_t i = 0; l2 && i < l2->n_unguarded; i++)
		sw_log_write(a->log, SW_LOG_WARNING,
			     "L2 guard: port %s of workload %s is not guarded: a name nft cannot take",
			     SW_QUOTE(l2->unguarded[i].ifname),
			     SW_QUOTE(l2->unguarded[i].workload ? l2->unguarded[i].workload : "?"));
}

int sw_agent_enforce(struct sw_agent *a, const char *why)
{
	struct sw_identity *id = sw_pipeline_identity(a->pl);
	struct sw_enforce_report rep;
	struct sw_err err = { 0 };
	int rc;

	if (!a->enf || !a->policy)
		return SW_EXIT_OK;
	rc = sw_enforcer_apply(a->enf, a->policy, a->cfg.policy.file,
			       id ? sw_identity_registry(id) : NULL, &rep, &err);
	if (rc != SW_EXIT_OK) {
		sw_log_write(a->log, SW_LOG_ERR, "%s: not applied (%s): %s", a->cfg.policy.file, why,
			     err.msg);
		return rc;
	}
	sw_log_write(a->log, SW_LOG_INFO,
		     "%s: applied (%s): policy \"%s\", mode %s, %zu sets (%zu elements), %zu rules, in %.1f ms",
		     a->cfg.policy.file, why, a->policy->name ? a->policy->name : "",
		     sw_pol_mode_name(a->policy->mode), rep.sets, rep.elements, rep.rules, rep.ms);
	sw_agent_warn_unguarded(a, sw_enforcer_plan(a->enf));
	return SW_EXIT_OK;
}

static int sw_agent_log_open(struct sw_agent *a, struct sw_err *err)
{
	struct sw_log_opts lo = {
		.target = a->cfg.log.target == SW_AGENT_LOG_STDERR ? SW_LOG_TARGET_STDERR :
			  a->cfg.log.target == SW_AGENT_LOG_JOURNAL ? SW_LOG_TARGET_JOURNAL :
								       SW_LOG_TARGET_AUTO,
		.level = (enum sw_log_level)a->cfg.log.level,
		.fd = -1,
	};

	a->log = sw_log_open(&lo, err);
	return a->log ? SW_EXIT_OK : SW_EXIT_RUNTIME;
}

/* The config file, its errors on stderr: there is no logger before it is read. */
static int sw_agent_config_read(struct sw_agent *a)
{
	struct sw_diags d;
	char buf[1024];
	int rc = SW_EXIT_OK;

	sw_agent_config_defaults(&a->cfg);
	a->cfg_loaded = true;
	if (!a->config_path)
		return SW_EXIT_OK;
	sw_diags_init(&d);
	rc = sw_agent_config_load(a->config_path, &a->cfg, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "segwatch: %s\n",
			SW_MSG(sw_diag_format(a->config_path, &d.v[i], buf, sizeof(buf))));
	sw_diags_clear(&d);
	return rc;
}

/* Before any thread: the module for bridged traffic, then only the capabilities we need. */
static void sw_agent_privileges(struct sw_agent *a)
{
	struct sw_service_caps_want want;
	struct sw_err err = { 0 };
	char brnf[256];

	if (a->cfg.policy.file && a->cfg.policy.mode == SW_AGENT_POLICY_ENFORCE &&
	    !sw_bridge_nf_enable(brnf, sizeof(brnf)))
		sw_log_write(a->log, SW_LOG_WARNING, "%s", brnf);
	sw_service_caps_agent(&want);
	if (sw_service_caps_drop(&want, &err) != SW_EXIT_OK)
		sw_log_write(a->log, SW_LOG_WARNING, "capabilities not dropped: %s", err.msg);
}

static int sw_agent_start(struct sw_agent *a, struct sw_err *err)
{
	int rc = sw_agent_config_read(a);

	if (rc != SW_EXIT_OK)
		return sw_err_set(err, rc, "%s: not started", a->config_path);
	if ((rc = sw_agent_log_open(a, err)) != SW_EXIT_OK)
		return rc;
	sw_service_init(&a->svc);
	rc = sw_agent_policy_load(a, &a->cfg, &a->policy, &a->policy_st);
	if (rc != SW_EXIT_OK)
		return sw_err_set(err, rc, "%s: not started", a->cfg.policy.file);
	rc = sw_agent_staged_load(a, &a->cfg, &a->staged, &a->staged_st);
	if (rc != SW_EXIT_OK)
		return sw_err_set(err, rc, "%s (policy.staged): not started", a->cfg.policy.staged);
	sw_agent_privileges(a);
	/* its thread after the capabilities are dropped (they are per thread) */
	sw_agent_metrics_start(a);
	sw_agent_web_start(a);
	if (a->policy && a->cfg.policy.mode == SW_AGENT_POLICY_ENFORCE) {
		struct sw_compile_opts co;

		sw_compile_opts_defaults(&co);
		if (a->cfg.policy.nflog_group >= 0)
			co.log_group = a->cfg.policy.nflog_group;
		if ((rc = sw_enforcer_open(&a->enf, &co, err)) != SW_EXIT_OK)
			return rc;
	}
	return SW_EXIT_OK;
}

/* The ruleset when the agent stops: kept (the default) or removed, as configured. */
static void sw_agent_stop(struct sw_agent *a)
{
	struct sw_err err = { 0 };

	if (a->enf && a->cfg.policy.on_stop == SW_AGENT_ON_STOP_REMOVE) {
		if (sw_enforcer_remove(a->enf, &err) == SW_EXIT_OK)
			sw_log_write(a->log, SW_LOG_INFO, "stopped: the ruleset is removed (on_stop remove)");
		else
			sw_log_write(a->log, SW_LOG_ERR, "stopped: removing the ruleset failed: %s",
				     err.msg);
	} else if (a->enf) {
		sw_log_write(a->log, SW_LOG_INFO, "stopped: the ruleset stays in force (on_stop keep)");
	} else if (a->log) {
		sw_log_write(a->log, SW_LOG_INFO, "stopped");
	}
	sw_agent_metrics_stop(a);
	sw_agent_web_stop(a);
	sw_enforcer_close(a->enf);
	sw_policy_free(a->staged);
	sw_policy_free(a->policy);
	if (a->cfg_loaded)
		sw_agent_config_clear(&a->cfg);
	sw_log_close(a->log);
}

/* One life of the pipeline: open, enforce over its workloads, run, write every flow. */
static int sw_agent_run_pipeline(struct sw_agent *a, struct sw_err *err)
{
	int rc = sw_agent_pipeline_open(a, err);

	if (rc == SW_EXIT_OK)
		rc = sw_agent_enforce(a, a->ready ? "reload" : "start");
	if (rc != SW_EXIT_OK)
		return rc;
	a->announce = true; /* READY once the capture is open: its first tick */
	a->restart = false;
	rc = sw_pipeline_run(a->pl, err);
	sw_agent_pipeline_close(a);
	return rc;
}

int sw_agent_run(const char *config_path, const struct sw_agent_signals *sig)
{
	struct sw_agent a = { .config_path = config_path, .sig = sig };
	struct sw_err err = { 0 };
	int rc = sw_agent_start(&a, &err);

	a.started_us = sw_clock_mono_us();
	a.started_wall_us = a.last_reload_wall_us = sw_clock_wall_us();
	a.last_reload_ok = rc == SW_EXIT_OK;
	while (rc == SW_EXIT_OK) {
		rc = sw_agent_run_pipeline(&a, &err);
		if (rc != SW_EXIT_OK || *sig->stop || !a.restart)
			break;
	}
	if (rc != SW_EXIT_OK && err.msg[0]) {
		if (a.log)
			sw_log_write(a.log, SW_LOG_ERR, "%s", err.msg);
		else
			fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	}
	sw_service_notify_stopping(&a.svc, &err);
	sw_agent_stop(&a);
	return rc;
}
