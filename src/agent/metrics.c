/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's /metrics page (docs/metrics.md). Rendered once a second on
 * the capture thread, which is the only writer of every counter read here,
 * so the page is one consistent snapshot taken without locks (the history
 * writer's own counters are copied under its mutex). The page is then
 * published to the HTTP server (src/metrics/server.c), whose thread only
 * copies it out: a scrape never waits for the capture, nor the capture for
 * a scrape. About 1 ms a second with the default bound on group pairs
 * (docs/benchmarks.md, "Metrics").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/alert.h>
#include <segwatch/clock.h>
#include <segwatch/engine.h>
#include <segwatch/compile.h>
#include <segwatch/history.h>
#include <segwatch/nft.h>

#include "runtime.h"

/* Rule series at most (a policy of more rules sums the rest under "(other)"). */
#define SW_AGENT_RULE_SERIES_MAX 2000

#ifndef SW_VERSION
#define SW_VERSION "0.1.0"
#endif



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

/* ---- the page ---- */

static void sw_agent_metrics_info(struct sw_agent *a, struct sw_metrics_text *t)
{
	sw_metrics_family(t, "segwatch_build_info", SW_METRICS_GAUGE,
			  "Always 1; the version of segwatch in its label.");
	sw_metrics_u64(t, "segwatch_build_info", &(struct sw_metrics_label){ "version", SW_VERSION }, 1, 1);
	sw_metrics_family(t, "segwatch_agent_start_time_seconds", SW_METRICS_GAUGE,
			  "When the agent started, seconds since the epoch.");
	sw_metrics_f64(t, "segwatch_agent_start_time_seconds", NULL, 0,
		       (double)a->started_wall_us / 1e6);
}

static void sw_agent_metrics_reasons(struct sw_metrics_text *t,
				     const struct sw_capture_counters *c, bool malformed)
{
	const char *name = malformed ? "segwatch_capture_malformed_packets_total" :
				       "segwatch_capture_untracked_packets_total";

	sw_metrics_family(t, name, SW_METRICS_COUNTER, malformed ?
			  "Packets that could not be decoded (truncated or invalid), by reason." :
			  "Packets decoded but not tracked as flows (ARP, not IP), by reason.");
	for (unsigned r = 1; r < SW_R_MAX; r++)
		if (sw_dissect_reason_is_malformed((enum sw_reason)r) == malformed)
			sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason",
				       sw_dissect_reason_name((enum sw_reason)r) }, 1, c->by_reason[r]);
}

static void sw_agent_metrics_ifaces(struct sw_metrics_text *t, const struct sw_capture_counters *c)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
		{ "segwatch_capture_interface_packets_total", "Frames read from an interface.",
		  offsetof(struct sw_capture_iface, received) },
		{ "segwatch_capture_kernel_drops_total",
		  "Frames the kernel dropped before the capture read them (pcap ps_drop).",
		  offsetof(struct sw_capture_iface, kernel_drops) },
		{ "segwatch_capture_interface_drops_total",
		  "Frames the interface dropped (pcap ps_ifdrop).",
		  offsetof(struct sw_capture_iface, if_drops) },
	};
	unsigned active = 0;

	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		sw_metrics_family(t, fam[f].name, SW_METRICS_COUNTER, fam[f].help);
		for (unsigned i = 0; i < c->n_ifaces; i++) {
			const struct sw_capture_iface *in = &c->ifaces[i];
			struct sw_metrics_label l[2] = { { "interface", in->name },
					{ "direction", sw_capture_direction_name(
						(enum sw_capture_direction)in->direction) } };
			uint64_t v;

			if (!in->active) /* gone: its slot may be another's soon */
				continue;
			memcpy(&v, (const char *)in + fam[f].off, sizeof(v));
			sw_metrics_u64(t, fam[f].name, l, 2, v);
		}
	}
	for (unsigned i = 0; i < c->n_ifaces; i++)
		active += c->ifaces[i].active;
	sw_metrics_gauge(t, "segwatch_capture_interfaces", "Interfaces captured on now.", active);
}

static void sw_agent_metrics_capture(struct sw_agent *a, struct sw_metrics_text *t)
{
	static const struct sw_capture_counters none;
	struct sw_capture *cap = sw_pipeline_capture(a->pl);
	const struct sw_capture_counters *c = cap ? sw_capture_counters(cap) : &none;

	sw_metrics_counter(t, "segwatch_capture_packets_total",
			   "Frames read from every capture source.", c->packets_seen);
	sw_metrics_counter(t, "segwatch_capture_bytes_total",
			   "Bytes of those frames as captured on the wire.", c->bytes_seen);
	sw_metrics_counter(t, "segwatch_capture_decoded_packets_total",
			   "IP packets decoded and handed to the flow table.", c->decoded);
	sw_metrics_counter(t, "segwatch_capture_duplicate_packets_total",
			   "Copies of a packet already seen on another interface, counted once.",
			   c->duplicates);
	sw_metrics_counter(t, "segwatch_capture_spoofed_packets_total",
			   "Packets sent from a workload's interface with an address not its own.",
			   c->spoofed);
	sw_agent_metrics_reasons(t, c, true);
	sw_agent_metrics_reasons(t, c, false);
	sw_agent_metrics_ifaces(t, c);
}

static void sw_agent_metrics_flows(struct sw_agent *a, struct sw_metrics_text *t)
{
	const struct sw_flow_stats *fs = sw_flow_table_stats(sw_pipeline_flow_table(a->pl));

	sw_metrics_gauge(t, "segwatch_flows_live", "Flows in the flow table now.", fs->live);
	sw_metrics_gauge(t, "segwatch_flows_live_peak", "The most flows the table held at once.",
			 fs->peak_live);
	sw_metrics_gauge(t, "segwatch_flows_live_limit", "The table's bound (capture.max_flows).",
			 sw_pipeline_opts(a->pl)->flow.max_flows);
	sw_metrics_counter(t, "segwatch_flows_created_total", "Flows the table started.",
			   fs->created);
	sw_metrics_counter(t, "segwatch_flows_evicted_total",
			   "Flows written early because the table was full.", fs->evicted);
	sw_metrics_counter(t, "segwatch_flows_active_cuts_total",
			   "Long flows cut into records at the active timeout.", fs->active_cuts);
	sw_metrics_counter(t, "segwatch_fragments_orphaned_total",
			   "IP fragments whose first fragment never came.", fs->frag_orphans);
	sw_metrics_counter(t, "segwatch_fragments_evicted_total",
			   "Fragment tracker entries dropped because it was full.", fs->frag_evicted);
	if (a->metrics_sink)
		sw_sink_metrics_render(a->metrics_sink, t);
}

static void sw_agent_metrics_alerts(struct sw_agent *a, struct sw_metrics_text *t)
{
	const struct sw_alert_stats *st = a->alerts ? sw_sink_alerts_stats(a->alerts) : NULL;
	const char *name = "segwatch_alerts_total";

	if (!st)
		return;
	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Alerts written (summaries included), by kind and severity.");
	for (unsigned k = 0; k < SW_ALERT_KIND_MAX; k++)
		for (unsigned s = 0; s <= SW_ALERT_SEV_HIGH; s++) {
			struct sw_metrics_label l[2] = { { "kind", sw_alert_kind_name((enum sw_alert_kind)k) },
					{ "severity",
					  sw_alert_severity_name((enum sw_alert_severity)s) } };

			sw_metrics_u64(t, name, l, 2, st->by_severity[k][s]);
		}
	name = "segwatch_alert_events_total";
	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Events that could raise an alert, before deduplication, by kind.");
	for (unsigned k = 0; k < SW_ALERT_KIND_MAX; k++)
		sw_metrics_u64(t, name, &(struct sw_metrics_label){ "kind", sw_alert_kind_name((enum sw_alert_kind)k) },
			       1, st->events[k]);
	sw_metrics_counter(t, "segwatch_alerts_suppressed_total",
			   "Events folded into a later summary alert.", st->suppressed);
	sw_metrics_counter(t, "segwatch_alerts_capped_total",
			   "Alerts dropped by max_alerts_per_min.", st->capped);
	sw_metrics_counter(t, "segwatch_alerts_keys_evicted_total",
			   "Deduplication keys dropped because their table was full.",
			   st->keys_evicted);
}

static void sw_agent_metrics_identity(struct sw_agent *a, struct sw_metrics_text *t)
{
	struct sw_identity *id = sw_pipeline_identity(a->pl);
	struct sw_engine *eng = id ? sw_identity_engine(id) : NULL;
	struct sw_engine_stats es = { 0 };
	struct sw_registry_stats rs;
	struct sw_identity_stats is;
	const char *name = "segwatch_identity_workloads";

	if (!id)
		return;
	sw_registry_stats(sw_identity_registry(id), &rs);
	sw_identity_stats(id, &is);
	sw_metrics_family(t, name, SW_METRICS_GAUGE,
			  "Workload versions the registry holds: running, or stopped and kept "
			  "to name flows still being written.");
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "state", "running" }, 1, rs.entries_running);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "state", "stopped" }, 1, rs.entries_stopped);
	sw_metrics_gauge(t, "segwatch_identity_bindings",
			 "Address and interface bindings in the registry.", rs.bindings);
	sw_metrics_counter(t, "segwatch_identity_pruned_total",
			   "Stopped workload versions forgotten.", rs.pruned);
	sw_metrics_counter(t, "segwatch_identity_forced_pruned_total",
			   "Stopped workload versions forgotten early (past max_stopped).",
			   rs.forced_pruned);
	sw_metrics_counter(t, "segwatch_identity_versions_dropped_total",
			   "Bindings dropped past limits.identity_versions.", rs.versions_dropped);
	sw_metrics_gauge(t, "segwatch_identity_engine_connected",
			 "1 while the container engine's events stream is open.",
			 is.engine_connected);
	if (eng)
		sw_engine_get_stats(eng, &es);
	sw_metrics_counter(t, "segwatch_identity_engine_events_total",
			   "Events received from the container engine.", es.events);
	sw_metrics_counter(t, "segwatch_identity_engine_reconnects_total",
			   "Restarts of the engine's events stream.", es.reconnects);
	sw_metrics_counter(t, "segwatch_identity_inventory_reloads_total",
			   "Inventory files read again after a rewrite.", is.inventory_reloads);
	sw_metrics_counter(t, "segwatch_identity_inventory_errors_total",
			   "Rewritten inventory files that did not load (the old contents stay).",
			   is.inventory_errors);
	sw_metrics_counter(t, "segwatch_identity_port_errors_total",
			   "Bridge ports that could not be captured on.", is.port_errors);
}

static void sw_agent_metrics_history(struct sw_agent *a, struct sw_metrics_text *t)
{
	struct sw_history_stats hs;
	const char *name = "segwatch_history_dropped_records_total";

	if (!a->history)
		return;
	sw_sink_history_stats(a->history, &hs);
	sw_metrics_counter(t, "segwatch_history_records_total",
			   "Records written to the flow history.", hs.records);
	sw_metrics_counter(t, "segwatch_history_bytes_total",
			   "Bytes of those records before compression.", hs.bytes);
	sw_metrics_gauge(t, "segwatch_history_queue_records",
			 "Records waiting for the history writer now (its backlog).", hs.queued);
	sw_metrics_gauge(t, "segwatch_history_queue_limit",
			 "The writer's queue bound (history.queue).", a->cfg.history.opts.queue_max);
	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Records lost: the queue was full, or a write failed.");
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "queue_full" }, 1, hs.dropped_queue_full);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "write_error" }, 1, hs.dropped_write_error);
	sw_metrics_counter(t, "segwatch_history_write_errors_total",
			   "Failed writes, opens, renames and compressions.", hs.write_errors);
	sw_metrics_gauge(t, "segwatch_history_failing", "1 while the last write failed.",
			 hs.failing);
	sw_metrics_counter(t, "segwatch_history_files_closed_total", "History files closed.",
			   hs.files_closed);
	sw_metrics_counter(t, "segwatch_history_files_deleted_total",
			   "History files deleted by retention.", hs.files_deleted);
}

static void sw_agent_metrics_reloads(struct sw_agent *a, struct sw_metrics_text *t)
{
	const char *name = "segwatch_config_reloads_total";

	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Reloads (SIGHUP, a changed policy file), applied or refused.");
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "result", "applied" }, 1, a->reloads);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "result", "refused" }, 1, a->reloads_refused);
	sw_metrics_gauge(t, "segwatch_config_last_reload_successful",
			 "1 when the last reload (or the start) was applied, 0 when refused.",
			 a->last_reload_ok);
	sw_metrics_family(t, "segwatch_config_last_reload_timestamp_seconds", SW_METRICS_GAUGE,
			  "When the last reload was tried (the start counts), seconds since the epoch.");
	sw_metrics_f64(t, "segwatch_config_last_reload_timestamp_seconds", NULL, 0,
		       (double)a->last_reload_wall_us / 1e6);
	sw_metrics_counter(t, "segwatch_ruleset_restored_total",
			   "Times segwatch's nftables table was deleted by someone else and "
			   "applied again.", a->ruleset_restored);
	sw_metrics_gauge(t, "segwatch_policy_enforced",
			 "1 when the agent keeps a ruleset in force, 0 when it only judges or "
			 "has no policy.", a->enf && a->policy);
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

static void sw_agent_metrics_rules(struct sw_agent *a, struct sw_metrics_text *t)
{
	static const char *const fam[] = { "segwatch_rule_packets_total", "segwatch_rule_bytes_total" };
	static const char *const help[] = {
		"Packets that matched a rule of segwatch's nftables table (the kernel's counter).",
		"Bytes of those packets (the kernel's counter).",
	};

	if (!a->enf)
		return;
	for (size_t f = 0; f < 2; f++) {
		sw_metrics_family(t, fam[f], SW_METRICS_COUNTER, help[f]);
		for (size_t i = 0; i < a->n_rules; i++) {
			const struct sw_nft_rule_counters *r = &a->rules[i];
			struct sw_metrics_label l[3] = {
				{ "rule", r->comment },
				{ "action", r->action[0] ? r->action : "none" },
				{ "family", r->family == 4 ? "ip" : r->family == 6 ? "ip6" : "any" },
			};

			sw_metrics_u64(t, fam[f], l, 3, f ? r->bytes : r->packets);
		}
	}
	sw_metrics_counter(t, "segwatch_rule_read_errors_total",
			   "Reads of the rules' counters that failed (the table was missing).",
			   a->rules_read_errors);
}

static void sw_agent_metrics_self(struct sw_agent *a, struct sw_metrics_text *t)
{
	sw_metrics_counter(t, "segwatch_metrics_scrapes_total", "Pages served on /metrics.",
			   a->metrics ? sw_metrics_server_scrapes(a->metrics) : 0);
	sw_metrics_family(t, "segwatch_metrics_render_seconds", SW_METRICS_GAUGE,
			  "How long the previous page took to render on the capture thread.");
	sw_metrics_f64(t, "segwatch_metrics_render_seconds", NULL, 0, a->render_ms / 1e3);
}

void sw_agent_metrics_render(struct sw_agent *a, struct sw_metrics_text *t)
{
	sw_agent_metrics_info(a, t);
	if (a->pl) {
		sw_agent_metrics_capture(a, t);
		sw_agent_metrics_flows(a, t);
		sw_agent_metrics_alerts(a, t);
		sw_agent_metrics_identity(a, t);
		sw_agent_metrics_history(a, t);
	}
	sw_agent_metrics_reloads(a, t);
	sw_agent_metrics_rules(a, t);
	sw_agent_metrics_self(a, t);
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
