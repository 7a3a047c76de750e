/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's tick, about every 100 ms on the capture thread: signals, files
 * that changed, the ruleset kept in force, health, systemd. Everything here
 * is quick or rare: the capture waits while it runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <segwatch/clock.h>
#include <segwatch/engine.h>
#include <segwatch/history.h>
#include <segwatch/report.h>

#include "runtime.h"

void sw_agent_status(struct sw_agent *a, char *buf, size_t len)
{
	struct sw_capture *cap = a->pl ? sw_pipeline_capture(a->pl) : NULL;
	struct sw_identity *id = a->pl ? sw_pipeline_identity(a->pl) : NULL;
	unsigned ifaces = 0;
	uint64_t live = a->pl ? sw_flow_table_stats(sw_pipeline_flow_table(a->pl))->live : 0;
	size_t wl = id ? sw_registry_count(sw_identity_registry(id)) : 0;

	if (cap) {
		const struct sw_capture_counters *c = sw_capture_counters(cap);

		for (unsigned i = 0; i < c->n_ifaces; i++)
			ifaces += c->ifaces[i].active;
	}
	snprintf(buf, len, "capturing on %u interfaces, %" PRIu64 " flows live, %zu workloads; "
		 "policy %s%s%s; history %s", ifaces, live, wl,
		 a->policy && a->policy->name ? a->policy->name : a->policy ? "(unnamed)" : "none",
		 a->policy ? (a->enf ? " enforced" : " judged") : "",
		 a->policy && a->enf ? "" : "",
		 a->cfg.history.enabled ? a->cfg.history.opts.dir : "off");
}

/* The ruleset kept in force: sets follow workloads; a deleted table comes back. */
static void sw_agent_keep_ruleset(struct sw_agent *a, uint64_t mono)
{
	struct sw_identity *id = sw_pipeline_identity(a->pl);
	struct sw_enforce_report rep;
	struct sw_err err = { 0 };
	bool changed;

	if (!a->enf || !sw_enforcer_plan(a->enf))
		return;
	if (id && sw_enforcer_sync(a->enf, sw_identity_registry(id), &changed, &rep, &err) ==
		  SW_EXIT_OK) {
		if (changed)
			sw_log_write(a->log, SW_LOG_INFO,
				     "membership: %zu sets, +%zu -%zu elements, one batch in %.2f ms",
				     rep.sets_changed, rep.added, rep.removed, rep.ms);
	} else if (id) {
		sw_log_write(a->log, SW_LOG_WARNING, "membership update failed: %s", err.msg);
		a->next_table_check = 0; /* perhaps the table is gone: look now */
	}
	if (mono < a->next_table_check)
		return;
	a->next_table_check = mono + SW_AGENT_TABLE_CHECK_US;
	if (sw_enforcer_table_present(a->enf))
		return;
	a->ruleset_restored++;
	sw_agent_health_alert(a, SW_LOG_WARNING, "ruleset_deleted", a->ruleset_restored,
			      "table inet %s was deleted by someone else: applying the policy again",
			      sw_enforcer_plan(a->enf)->table);
	sw_agent_enforce(a, "table deleted");
}

/* Files that changed under the agent: the policy (when watched) reloads all of it. */
static void sw_agent_check_files(struct sw_agent *a, uint64_t mono)
{
	if (mono < a->next_file_check)
		return;
	a->next_file_check = mono + SW_AGENT_FILE_CHECK_US;
	if (a->cfg.policy.file && a->cfg.policy.watch_file &&
	    sw_agent_file_changed(a->cfg.policy.file, &a->policy_st))
		sw_agent_reload(a, "the policy file changed");
	else if (a->cfg.policy.file && a->cfg.policy.staged && a->cfg.policy.watch_file &&
		 sw_agent_file_changed(a->cfg.policy.staged, &a->staged_st))
		sw_agent_reload(a, "the staged policy file changed");
	if (a->pl && sw_pipeline_identity(a->pl))
		sw_identity_inventories_refresh(sw_pipeline_identity(a->pl), sw_clock_wall_us());
}

/* What did not fit or could not be written since the last look: logged and alerted. */
static void sw_agent_check_losses(struct sw_agent *a)
{
	const struct sw_flow_stats *fs = sw_flow_table_stats(sw_pipeline_flow_table(a->pl));
	struct sw_history_stats hs;
	uint64_t lost;

	if (a->history) {
		sw_sink_history_stats(a->history, &hs);
		lost = hs.dropped_queue_full + hs.dropped_write_error;
		if (lost > a->seen.history_lost)
			sw_agent_health_alert(a, SW_LOG_ERR, "history_loss", lost - a->seen.history_lost,
					      "flow history: %" PRIu64 " records lost (%s)",
					      lost - a->seen.history_lost,
					      hs.failing ? hs.last_error : "the writer fell behind");
		a->seen.history_lost = lost;
	}
	if (fs->evicted > a->seen.evictions)
		sw_agent_health_alert(a, SW_LOG_WARNING, "table_full", fs->evicted - a->seen.evictions,
				      "flow table full (max_flows %" PRIu32 "): %" PRIu64
				      " flows written early", a->cfg.capture.flow.max_flows,
				      fs->evicted - a->seen.evictions);
	a->seen.evictions = fs->evicted;
}

/*
 * sw_agent_log_engine - say when the engine is found, lost or found again:
 * without it an agent that never reached its engine (or lost it) only shows
 * it by flows and sets that lack the containers.
 */
static void sw_agent_log_engine(struct sw_agent *a, struct sw_identity *id,
				const struct sw_identity_stats *st)
{
	struct sw_engine *e = sw_identity_engine(id);

	if (st->engine_connected && !a->seen.engine_connected && e)
		sw_log_write(a->log, SW_LOG_NOTICE, "engine: following %s (%s)", sw_engine_socket(e),
			     sw_engine_server(e));
	else if (!st->engine_connected && a->seen.engine_connected)
		sw_log_write(a->log, SW_LOG_WARNING, "engine: its events stream ended; "
			     "reconnecting with back-off, the containers listed again then");
	if (!st->engine_connected && st->engine_error[0] &&
	    strcmp(st->engine_error, a->seen.engine_error) != 0)
		sw_log_write(a->log, SW_LOG_WARNING, "engine: not in use (%s); asked again in 10 s to a minute",
			     st->engine_error);
	a->seen.engine_connected = st->engine_connected;
	snprintf(a->seen.engine_error, sizeof(a->seen.engine_error), "%s", st->engine_error);
}

static void sw_agent_check_engine(struct sw_agent *a)
{
	struct sw_identity *id = sw_pipeline_identity(a->pl);
	struct sw_identity_stats st;

	if (!id)
		return;
	sw_identity_stats(id, &st);
	sw_agent_log_engine(a, id, &st);
	if (st.port_errors > a->seen.port_errors)
		sw_log_write(a->log, SW_LOG_WARNING, "%" PRIu64 " bridge ports could not be captured on",
			     st.port_errors - a->seen.port_errors);
	a->seen.port_errors = st.port_errors;
}

/*
 * How long a stopped workload must be remembered: a flow is written at the
 * latest an active timeout after its first packet, plus its idle timeout,
 * plus a margin for the writer threads' queues.
 */
static uint64_t sw_agent_prune_horizon(const struct sw_agent *a)
{
	const struct sw_flow_config *f = &a->cfg.capture.flow;
	uint32_t idle = f->idle_tcp_s;

	idle = f->idle_udp_s > idle ? f->idle_udp_s : idle;
	idle = f->idle_icmp_s > idle ? f->idle_icmp_s : idle;
	idle = f->idle_other_s > idle ? f->idle_other_s : idle;
	idle = f->idle_tcp_closed_s > idle ? f->idle_tcp_closed_s : idle;
	return ((uint64_t)f->active_s + idle + 600) * 1000000u;
}

static void sw_agent_health(struct sw_agent *a, uint64_t mono, uint64_t now_us)
{
	if (mono < a->next_health)
		return;
	a->next_health = mono + SW_AGENT_HEALTH_US;
	sw_agent_check_losses(a);
	sw_agent_check_engine(a);
	if (sw_pipeline_identity(a->pl))
		sw_identity_prune(sw_pipeline_identity(a->pl), now_us, sw_agent_prune_horizon(a));
}

/* The agent's own part of the counters record: identity and its bounds, reloads, the ruleset. */
static void sw_agent_counters_add(struct sw_agent *a, json_t *c)
{
	struct sw_identity *id = sw_pipeline_identity(a->pl);
	struct sw_registry_stats rs;
	struct sw_identity_stats is;

	if (id) {
		sw_registry_stats(sw_identity_registry(id), &rs);
		sw_identity_stats(id, &is);
		json_object_set_new(c, "identity", json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:I, s:I}",
			"running", (json_int_t)rs.entries_running,
			"stopped", (json_int_t)rs.entries_stopped,
			"bindings", (json_int_t)rs.bindings, "pruned", (json_int_t)rs.pruned,
			"forced_pruned", (json_int_t)rs.forced_pruned,
			"versions_dropped", (json_int_t)rs.versions_dropped,
			"engine_connected", is.engine_connected,
			"inventory_reloads", (json_int_t)is.inventory_reloads,
			"inventory_errors", (json_int_t)is.inventory_errors,
			"merge_bindings", (json_int_t)rs.merge_bindings,
			"learned_linklocal", (json_int_t)rs.learned_linklocal));
	}
	json_object_set_new(c, "agent", json_pack(
		"{s:I, s:I, s:I, s:I}", "uptime_s",
		(json_int_t)((sw_clock_mono_us() - a->started_us) / 1000000u),
		"reloads", (json_int_t)a->reloads, "reloads_refused", (json_int_t)a->reloads_refused,
		"ruleset_restored", (json_int_t)a->ruleset_restored));
}

/* A counters record into the history now and then: what a reader of it needs to trust it. */
static void sw_agent_counters(struct sw_agent *a, uint64_t mono, uint64_t now_us)
{
	char *text, when[40];
	json_t *c;

	if (mono < a->next_counters)
		return;
	if (!a->next_counters) {
		a->next_counters = mono + SW_AGENT_COUNTERS_US;
		return;
	}
	a->next_counters = mono + SW_AGENT_COUNTERS_US;
	if (!a->history || !(c = sw_pipeline_counters_json(a->pl)))
		return;
	sw_report_time(when, sizeof(when), now_us);
	json_object_set_new(c, "time", json_string(when));
	sw_agent_counters_add(a, c);
	if ((text = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		sw_pipeline_put_line(a->pl, now_us, now_us, text, strlen(text));
	free(text);
	json_decref(c);
}

static void sw_agent_systemd(struct sw_agent *a, uint64_t mono)
{
	struct sw_err err = { 0 };
	char status[256];

	if (sw_service_watchdog_due(&a->svc, mono))
		sw_service_watchdog_ping(&a->svc, mono, &err);
	if (mono < a->next_status)
		return;
	a->next_status = mono + SW_AGENT_STATUS_US;
	sw_agent_status(a, status, sizeof(status));
	sw_service_notify_status(&a->svc, &err, "%s", status);
}

/* The capture is open: started (or running again after a rebuild), and READY=1. */
static void sw_agent_announce(struct sw_agent *a)
{
	struct sw_err err = { 0 };
	char status[256];

	a->announce = false;
	sw_agent_status(a, status, sizeof(status));
	sw_log_write(a->log, SW_LOG_NOTICE, "%s: %s", a->ready ? "running again" : "started", status);
	sw_service_notify_ready(&a->svc, &err);
	a->ready = true;
}

void sw_agent_tick(struct sw_pipeline *p, uint64_t now_us, void *arg)
{
	struct sw_agent *a = arg;
	uint64_t mono = sw_clock_mono_us();

	(void)p;
	if (*a->sig->stop) {
		a->pl_stop = 1;
		return;
	}
	if (*a->sig->reload) {
		*a->sig->reload = 0;
		sw_agent_reload(a, "SIGHUP");
	}
	if (a->announce)
		sw_agent_announce(a);
	sw_agent_check_files(a, mono);
	sw_agent_keep_ruleset(a, mono);
	sw_agent_health(a, mono, now_us);
	sw_agent_counters(a, mono, now_us);
	sw_agent_metrics_tick(a, mono);
	sw_agent_systemd(a, mono);
	sw_log_flush(a->log);
	if (a->restart)
		a->pl_stop = 1;
}
