/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reload that changes what is captured, how endpoints are named, the
 * kernel's log, the history or the limits is taken by the running pipeline
 * (sw_pipeline_reconfigure): the packet rings and the flow table stay, so no
 * packet is missed and no flow is split. Only a new snaplen or dedup mode
 * still rebuilds the pipeline (a ring is sized when it opens).
 */
#include <string.h>

#include <segwatch/diag.h>

#include "runtime.h"

int sw_agent_pipeline_retarget(struct sw_agent *a, const struct sw_agent_config *cfg,
			       bool *rebuild)
{
	struct sw_pipeline_changes done;
	struct sw_pipeline_opts o;
	struct sw_err err = { 0 };
	int rc;

	*rebuild = false;
	sw_agent_pipeline_opts(a, cfg, &o);
	if (!sw_pipeline_reconfigurable(a->pl, &o)) {
		*rebuild = true;
		return SW_EXIT_OK;
	}
	rc = sw_pipeline_reconfigure(a->pl, &o, &done, &err);
	if (rc != SW_EXIT_OK) {
		sw_log_write(a->log, SW_LOG_ERR, "reload refused: the capture cannot take it: %s",
			     err.msg);
		return rc;
	}
	if (err.msg[0])
		sw_log_write(a->log, SW_LOG_WARNING, "reload: %s", err.msg);
	sw_log_write(a->log, SW_LOG_INFO, "reload: the running capture took it:%s%s%s%s "
		     "%u interfaces added, %u dropped", done.identity ? " identity reopened," : "",
		     done.nflog ? " NFLOG group," : "", done.filter ? " filter," : "",
		     done.flow ? " flow timeouts and bound," : "", done.ifaces_added,
		     done.ifaces_dropped);
	return rc;
}

static bool sw_history_opts_eq(const struct sw_agent_history_cfg *a,
			       const struct sw_agent_history_cfg *b)
{
	const struct sw_history_opts *x = &a->opts, *y = &b->opts;

	return a->enabled == b->enabled && (x->dir == y->dir || (x->dir && y->dir && strcmp(x->dir, y->dir) == 0)) &&
	       x->rotate_us == y->rotate_us && x->rotate_bytes == y->rotate_bytes &&
	       x->keep_us == y->keep_us && x->keep_bytes == y->keep_bytes &&
	       x->compress == y->compress && x->queue_max == y->queue_max;
}

/*
 * The history owns its directory (its recovery closes files left open), so
 * the old writer is closed (its queue written) before the new one opens.
 */
static void sw_agent_history_follow(struct sw_agent *a, const struct sw_agent_config *old,
				    const struct sw_agent_config *cfg)
{
	struct sw_err err = { 0 };

	if (sw_history_opts_eq(&old->history, &cfg->history))
		return;
	a->seen.history_lost = 0; /* a new writer counts from zero */
	if (!cfg->history.enabled) {
		if (!sw_pipeline_sink_remove(a->pl, a->history))
			sw_log_write(a->log, SW_LOG_ERR, "the flow history lost records at close");
		a->history = NULL;
	} else if (!sw_pipeline_sink_active(a->history)) {
		if (sw_pipeline_sink_add(a->pl, "history", &cfg->history.opts, &a->history,
					 &err) != SW_EXIT_OK) {
			a->history = NULL;
			sw_agent_health_alert(a, SW_LOG_ERR, "history_loss", 0,
					      "flow history not opened: %s", err.msg);
		}
	} else if (sw_pipeline_sink_reopen(a->pl, a->history, &cfg->history.opts,
					   &old->history.opts, &err) != SW_EXIT_OK) {
		bool kept = sw_pipeline_sink_active(a->history);

		sw_agent_health_alert(a, SW_LOG_ERR, "history_loss", 0, "flow history: %s; %s",
				      err.msg, kept ? "writing on with the old settings" :
						      "nothing is written");
		if (!kept)
			a->history = NULL;
	}
}

/* The kernel's log is aggregated when a socket reads it; a new bound reopens the table. */
static void sw_agent_klog_follow(struct sw_agent *a, const struct sw_agent_config *old,
				 const struct sw_agent_config *cfg)
{
	struct sw_sink_klog_opts ko = { .max_records = cfg->limits.kernel_log_records,
					.flush_every_us = SW_AGENT_KLOG_FLUSH_US };
	bool want = sw_pipeline_nflog(a->pl) != NULL;
	struct sw_err err = { 0 };
	int rc = SW_EXIT_OK;

	if (!want && sw_pipeline_sink_active(a->klog)) {
		sw_pipeline_sink_remove(a->pl, a->klog); /* its records go to the history first */
		a->klog = NULL;
	} else if (want && !sw_pipeline_sink_active(a->klog)) {
		rc = sw_pipeline_sink_add(a->pl, "klog", &ko, &a->klog, &err);
		if (rc != SW_EXIT_OK)
			a->klog = NULL;
	} else if (want && old->limits.kernel_log_records != cfg->limits.kernel_log_records) {
		rc = sw_pipeline_sink_replace(a->pl, a->klog, &ko, &err);
	}
	if (rc != SW_EXIT_OK)
		sw_log_write(a->log, SW_LOG_ERR, "the kernel's log is not aggregated: %s", err.msg);
}

/*
 * IPFIX export: a new collector or options is a new exporter (the old one
 * drains first); the same one judges by the new @policy from now on.
 */
static void sw_agent_ipfix_follow(struct sw_agent *a, const struct sw_agent_config *old,
				  const struct sw_agent_config *cfg, struct sw_policy *policy)
{
	const struct sw_ipfix_opts *o = &old->ipfix.opts, *n = &cfg->ipfix.opts;
	struct sw_sink_ipfix_opts io = { n, policy };
	bool want = cfg->ipfix.collector != NULL;
	struct sw_err err = { 0 };
	int rc = SW_EXIT_OK;

	if (want && sw_pipeline_sink_active(a->ipfix) && old->ipfix.collector &&
	    strcmp(old->ipfix.collector, cfg->ipfix.collector) == 0 && o->mode == n->mode &&
	    o->pen == n->pen && o->domain == n->domain &&
	    o->template_refresh_s == n->template_refresh_s &&
	    strcmp(o->label_keys, n->label_keys) == 0) {
		sw_sink_ipfix_set_policy(a->ipfix, policy);
		return;
	}
	if (!want) {
		if (sw_pipeline_sink_active(a->ipfix))
			sw_pipeline_sink_remove(a->pl, a->ipfix);
		a->ipfix = NULL;
	} else if (!sw_pipeline_sink_active(a->ipfix)) {
		if ((rc = sw_pipeline_sink_add(a->pl, "ipfix", &io, &a->ipfix, &err)) != SW_EXIT_OK)
			a->ipfix = NULL;
	} else {
		rc = sw_pipeline_sink_replace(a->pl, a->ipfix, &io, &err);
	}
	if (rc != SW_EXIT_OK)
		sw_log_write(a->log, SW_LOG_ERR, "IPFIX export: %s", err.msg);
}

void sw_agent_sinks_follow(struct sw_agent *a, const struct sw_agent_config *old,
			   const struct sw_agent_config *cfg, struct sw_policy *policy)
{
	sw_agent_history_follow(a, old, cfg);
	sw_agent_klog_follow(a, old, cfg);
	sw_agent_ipfix_follow(a, old, cfg, policy);
}
