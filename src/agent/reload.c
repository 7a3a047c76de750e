/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reloads: SIGHUP, or the policy file changing. The new config and the new
 * policy are read and checked completely, and the new policy is applied in
 * one batch, before anything is swapped: a bad file, or a policy the kernel
 * refuses, is logged and the running config and ruleset stay in force.
 *
 * What the new config changes decides what happens next: a new policy or
 * new alert settings replace the alerts sink in place; what is captured and
 * who names it are taken by the running pipeline before the ruleset is
 * applied (reconfigure.c), the history and kernel-log sinks follow at
 * commit; only a new snaplen or dedup rebuilds the pipeline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/clock.h>
#include <segwatch/diag.h>
#include <segwatch/web.h>

#include "runtime.h"

bool sw_agent_file_changed(const char *path, struct stat *st)
{
	struct stat now;

	if (stat(path, &now) != 0)
		memset(&now, 0, sizeof(now)); /* gone: a change too, when it comes back */
	if (now.st_ino == st->st_ino && now.st_dev == st->st_dev && now.st_size == st->st_size &&
	    now.st_mtim.tv_sec == st->st_mtim.tv_sec && now.st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    now.st_ctim.tv_sec == st->st_ctim.tv_sec && now.st_ctim.tv_nsec == st->st_ctim.tv_nsec)
		return false;
	*st = now;
	return true;
}

static void sw_agent_log_diags(struct sw_agent *a, const char *file, const struct sw_diags *d)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++)
		sw_log_write(a->log, d->v[i].severity == SW_DIAG_ERROR ? SW_LOG_ERR : SW_LOG_WARNING,
			     "%s", sw_diag_format(file, &d->v[i], buf, sizeof(buf)));
}

/* A policy file (@path, NULL: none) read and checked; errors logged. */
static int sw_agent_policy_file_load(struct sw_agent *a, const char *path,
				     struct sw_policy **out, struct stat *st)
{
	struct sw_diags d;
	int rc;

	*out = NULL;
	if (!path)
		return SW_EXIT_OK;
	/* the state first: a change while we read is seen at the next look */
	if (stat(path, st) != 0)
		memset(st, 0, sizeof(*st));
	sw_diags_init(&d);
	rc = sw_policy_load_file(path, out, &d);
	if (rc == SW_EXIT_OK && d.n_errors)
		rc = SW_EXIT_USAGE;
	sw_agent_log_diags(a, path, &d);
	sw_diags_clear(&d);
	if (rc != SW_EXIT_OK) {
		sw_policy_free(*out);
		*out = NULL;
	}
	return rc;
}

int sw_agent_policy_load(struct sw_agent *a, const struct sw_agent_config *cfg,
			 struct sw_policy **out, struct stat *st)
{
	return sw_agent_policy_file_load(a, cfg->policy.file, out, st);
}

int sw_agent_staged_load(struct sw_agent *a, const struct sw_agent_config *cfg,
			 struct sw_policy **out, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	/* a candidate is compared with the policy in force: none, nothing to compare */
	return sw_agent_policy_file_load(a, cfg->policy.file ? cfg->policy.staged : NULL, out, st);
}

void sw_agent_staged_follow(struct sw_agent *a)
{
	struct sw_err err = { 0 };

	if (a->pl && sw_pipeline_set_staged(a->pl, a->staged, a->policy, &err) != SW_EXIT_OK)
		sw_log_write(a->log, SW_LOG_ERR, "the staged policy is not judged: %s", err.msg);
	sw_web_server_set_staged(a->web, a->staged);
}

static int sw_agent_config_reread(struct sw_agent *a, struct sw_agent_config *cfg)
{
	struct sw_diags d;
	int rc;

	sw_agent_config_defaults(cfg);
	if (!a->config_path)
		return SW_EXIT_OK;
	sw_diags_init(&d);
	rc = sw_agent_config_load(a->config_path, cfg, &d);
	sw_agent_log_diags(a, a->config_path, &d);
	sw_diags_clear(&d);
	return rc;
}

/* The config without the parts a reload applies in place: what the pipeline is built from. */
static json_t *sw_agent_pipeline_part(const struct sw_agent_config *cfg)
{
	char *text = sw_agent_config_json(cfg, JSON_COMPACT);
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	json_t *pol = doc ? json_object_get(doc, "policy") : NULL;

	free(text);
	json_object_del(doc, "log");
	json_object_del(doc, "alerts");
	if (pol) {
		json_object_del(pol, "file");
		json_object_del(pol, "staged");
		json_object_del(pol, "mode");
		json_object_del(pol, "on_stop");
		json_object_del(pol, "watch_file");
	}
	return doc;
}

static bool sw_agent_pipeline_differs(const struct sw_agent_config *a,
				      const struct sw_agent_config *b)
{
	json_t *x = sw_agent_pipeline_part(a), *y = sw_agent_pipeline_part(b);
	bool differs = !x || !y || !json_equal(x, y);

	json_decref(x);
	json_decref(y);
	/* the kernel's log is read only with a policy */
	return differs || !a->policy.file != !b->policy.file;
}

/* How long each step of a reload took, in ms, for the debug log (0: not reached). */
struct sw_reload_times {
	double config, policy, pipeline, compile, batch, alerts;
};

/* The ms since *@t; *@t moves to now. */
static double sw_reload_lap(double *t)
{
	double now = sw_clock_mono_ms(), d = now - *t;

	*t = now;
	return d;
}

/* The ruleset for the new config, in one batch; on failure nothing changed. */
static int sw_agent_reload_ruleset(struct sw_agent *a, const struct sw_agent_config *cfg,
				   struct sw_policy *p, struct sw_reload_times *tm)
{
	struct sw_identity *id = sw_pipeline_identity(a->pl);
	bool enforce = p && cfg->policy.mode == SW_AGENT_POLICY_ENFORCE;
	struct sw_enforce_report rep = { 0 };
	struct sw_err err = { 0 };
	int rc;

	if (enforce && !a->enf) {
		struct sw_compile_opts co;

		sw_compile_opts_defaults(&co);
		if (cfg->policy.nflog_group >= 0)
			co.log_group = cfg->policy.nflog_group;
		if ((rc = sw_enforcer_open(&a->enf, &co, &err)) != SW_EXIT_OK) {
			sw_log_write(a->log, SW_LOG_ERR, "reload refused: %s", err.msg);
			return rc;
		}
	}
	if (enforce) {
		rc = sw_enforcer_apply(a->enf, p, cfg->policy.file,
				       id ? sw_identity_registry(id) : NULL, &rep, &err);
		tm->compile = rep.compile_ms;
		tm->batch = rep.ms;
		if (rc != SW_EXIT_OK) {
			sw_log_write(a->log, SW_LOG_ERR,
				     "reload refused: %s: not applied, the ruleset in force stays: %s",
				     cfg->policy.file, err.msg);
			return rc;
		}
		sw_log_write(a->log, SW_LOG_INFO, "%s: applied (reload%s): %zu sets (%zu elements), "
			     "%zu rules, in %.1f ms (compile %.1f ms, batch %.1f ms)",
			     cfg->policy.file,
			     rep.in_place ? ", rules and changed elements in place" : "", rep.sets,
			     rep.elements, rep.rules, rep.compile_ms + rep.ms, rep.compile_ms,
			     rep.ms);
	} else if (a->enf) {
		/* no policy to enforce any more: segwatch's table goes */
		if (sw_enforcer_remove(a->enf, &err) != SW_EXIT_OK)
			sw_log_write(a->log, SW_LOG_WARNING, "the old ruleset stays: %s", err.msg);
		sw_enforcer_close(a->enf);
		a->enf = NULL;
	}
	return SW_EXIT_OK;
}

/*
 * The alerts with the new policy (@p, loaded and checked already: shared,
 * not read again) and settings, turned on or off as the config says.
 */
static void sw_agent_reload_alerts(struct sw_agent *a, const struct sw_agent_config *cfg,
				   struct sw_policy *p)
{
	struct sw_sink_alerts_opts ao = { .dest = cfg->alerts.output, .policy = cfg->policy.file,
					  .baseline = cfg->alerts.baseline,
					  .config = cfg->alerts.config, .policy_obj = p,
					  .format = cfg->alerts.format };
	struct sw_err err = { 0 };

	sw_agent_web_alerts_tee(a, &ao);
	if (!cfg->alerts.output) {
		if (sw_pipeline_sink_active(a->alerts))
			sw_pipeline_sink_remove(a->pl, a->alerts);
		a->alerts = NULL;
	} else if (!sw_pipeline_sink_active(a->alerts)) {
		if (sw_pipeline_sink_add(a->pl, "alerts", &ao, &a->alerts, &err) != SW_EXIT_OK) {
			a->alerts = NULL;
			sw_log_write(a->log, SW_LOG_ERR, "alerts not opened: %s", err.msg);
		}
	} else if (sw_pipeline_sink_replace(a->pl, a->alerts, &ao, &err) != SW_EXIT_OK) {
		sw_log_write(a->log, SW_LOG_ERR, "alerts not reloaded, the old settings stay: %s",
			     err.msg);
	}
}

/* Everything checked and applied: the new config and policy are the ones in force. */
static void sw_agent_reload_commit(struct sw_agent *a, struct sw_agent_config *cfg,
				   struct sw_policy *p, const struct stat *st, struct sw_policy *staged,
				   const struct stat *staged_st, bool rebuild)
{
	sw_agent_metrics_follow(a, cfg, p, rebuild);
	sw_agent_web_follow(a, cfg, p, rebuild);
	if (!rebuild) {
		sw_agent_sinks_follow(a, &a->cfg, cfg, p);
		/* the alerts sink shares the policy just checked: same file, new contents */
		sw_agent_reload_alerts(a, cfg, p);
	}
	sw_policy_free(a->policy);
	a->policy = p;
	a->policy_st = *st;
	sw_policy_free(a->staged);
	a->staged = staged;
	a->staged_st = *staged_st;
	sw_agent_staged_follow(a); /* a rebuilt pipeline takes it when it opens */
	sw_agent_config_clear(&a->cfg);
	a->cfg = *cfg; /* the config owns its strings; moved, not copied */
	sw_log_level_set(a->log, (enum sw_log_level)a->cfg.log.level);
	a->reloads++;
	if (rebuild) {
		sw_log_write(a->log, SW_LOG_NOTICE, "reloaded: the capture's snaplen or dedup "
			     "changed, the pipeline is rebuilt (every live flow is written first)");
		a->restart = true;
	} else {
		sw_log_write(a->log, SW_LOG_NOTICE, "reloaded");
	}
}

void sw_agent_reload(struct sw_agent *a, const char *why)
{
	struct sw_agent_config cfg;
	struct sw_policy *p = NULL, *staged = NULL;
	struct sw_err err = { 0 };
	bool retargeted = false, rebuild = false;
	struct sw_reload_times tm = { 0 };
	double t = sw_clock_mono_ms(), t0 = t;
	struct stat st, staged_st;
	int rc;

	sw_log_write(a->log, SW_LOG_NOTICE, "reloading: %s", why);
	sw_service_notify_reloading(&a->svc, sw_clock_mono_us(), &err);
	rc = sw_agent_config_reread(a, &cfg);
	tm.config = sw_reload_lap(&t);
	memset(&staged_st, 0, sizeof(staged_st));
	if (rc == SW_EXIT_OK)
		rc = sw_agent_policy_load(a, &cfg, &p, &st);
	else
		memset(&st, 0, sizeof(st));
	/* the candidate is checked as the policy is: a bad one refuses the reload */
	if (rc == SW_EXIT_OK)
		rc = sw_agent_staged_load(a, &cfg, &staged, &staged_st);
	tm.policy = sw_reload_lap(&t);
	/* the capture and identity first: the ruleset is compiled over what they name */
	if (rc == SW_EXIT_OK && sw_agent_pipeline_differs(&a->cfg, &cfg)) {
		rc = sw_agent_pipeline_retarget(a, &cfg, &rebuild);
		retargeted = rc == SW_EXIT_OK && !rebuild;
	}
	tm.pipeline = sw_reload_lap(&t);
	if (rc == SW_EXIT_OK)
		rc = sw_agent_reload_ruleset(a, &cfg, p, &tm);
	sw_reload_lap(&t);
	if (rc != SW_EXIT_OK && retargeted) {
		bool ignored;

		/* the ruleset was refused: the pipeline goes back to the config in force */
		if (sw_agent_pipeline_retarget(a, &a->cfg, &ignored) != SW_EXIT_OK)
			sw_log_write(a->log, SW_LOG_ERR, "the capture keeps the refused config's "
				     "sources: going back to the old ones failed");
	}
	if (rc == SW_EXIT_OK) {
		sw_agent_reload_commit(a, &cfg, p, &st, staged, &staged_st, rebuild);
		tm.alerts = sw_reload_lap(&t);
	} else {
		a->reloads_refused++;
		/* a policy file that stays bad is not read again until it changes */
		if (a->cfg.policy.file)
			stat(a->cfg.policy.file, &a->policy_st);
		if (a->cfg.policy.staged)
			stat(a->cfg.policy.staged, &a->staged_st);
		sw_agent_health_alert(a, SW_LOG_ERR, "reload_refused", a->reloads_refused,
				      "reload refused (%s): the running config and policy stay in force",
				      why);
		sw_policy_free(p);
		sw_policy_free(staged);
		sw_agent_config_clear(&cfg);
	}
	a->last_reload_wall_us = sw_clock_wall_us();
	a->last_reload_ok = rc == SW_EXIT_OK;
	sw_log_write(a->log, SW_LOG_DEBUG, "reload: config %.1f ms, policy %.1f ms, "
		     "pipeline %.1f ms, compile %.1f ms, batch %.1f ms, alerts %.1f ms; %.1f ms in all",
		     tm.config, tm.policy, tm.pipeline, tm.compile, tm.batch, tm.alerts,
		     sw_clock_mono_ms() - t0);
	sw_service_notify_ready(&a->svc, &err);
}
