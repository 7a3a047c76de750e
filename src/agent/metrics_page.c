/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's /metrics page, family by family (docs/metrics.md lists them):
 * what the capture, the flow table, the sinks, the identity sources and the
 * agent itself count, read on the capture thread (metrics.c says when).
 */
#include <stdio.h>
#include <string.h>

#include <segwatch/alert.h>
#include <segwatch/engine.h>
#include <segwatch/history.h>
#include <segwatch/ipfix.h>
#include <segwatch/web.h>
#include <segwatch/nft.h>

#include "runtime.h"

#ifndef SW_VERSION
#define SW_VERSION "0.1.0"
#endif

static void sw_agent_metrics_info(struct sw_agent *a, struct sw_metrics_text *t)
{
	sw_metrics_family(t, "segwatch_build_info", SW_METRICS_GAUGE,
			  "Always 1; the version of segwatch in its label.");
	sw_metrics_u64(t, "segwatch_build_info",
		       &(struct sw_metrics_label){ "version", SW_VERSION }, 1, 1);
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
	sw_metrics_family(t, "segwatch_flows_live_by_state", SW_METRICS_GAUGE,
			  "Flows in the flow table now, by state (attempted, refused, "
			  "established, closed).");
	for (int s = SW_FLOW_ATTEMPTED; s <= SW_FLOW_CLOSED; s++)
		sw_metrics_u64(t, "segwatch_flows_live_by_state",
			       &(struct sw_metrics_label){ "state",
			       sw_flow_state_name((enum sw_flow_state)s) }, 1, fs->live_by_state[s]);
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
	sw_pipeline_staged_render(a->pl, t); /* with policy.staged only */
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
	sw_metrics_counter(t, "segwatch_alert_scan_contacts_judged_total",
			   "First contacts judged succeeded or failed by the scan detectors.",
			   st->scan_judged);
	sw_metrics_counter(t, "segwatch_alert_scan_pending_expired_total",
			   "First contacts judged failed for want of an answer in time.",
			   st->scan_pending_expired);
	sw_metrics_counter(t, "segwatch_alert_scan_contacts_evicted_total",
			   "First contacts forgotten because a source's set was full.",
			   st->scan_contacts_evicted);
	sw_metrics_counter(t, "segwatch_alert_scan_sources_evicted_total",
			   "Scan sources forgotten because their table was full.",
			   st->scan_sources_evicted);
}

/* Where the alerts go: what did not get there (docs/alerts.md, "Sinks"). */
static void sw_agent_metrics_alert_out(struct sw_agent *a, struct sw_metrics_text *t)
{
	struct sw_alert_delivery d;
	const char *name = "segwatch_alerts_undelivered_total";

	if (!a->alerts || !sw_sink_alerts_delivery(a->alerts, &d))
		return;
	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Alerts the destination did not get, by reason (queue_full, gave_up, "
			  "refused).");
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "queue_full" }, 1,
		       d.queue_full);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "gave_up" }, 1, d.gave_up);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "refused" }, 1, d.refused);
	sw_metrics_counter(t, "segwatch_alert_webhook_failed_attempts_total",
			   "Webhook requests that failed, retried or not.", d.failed_attempts);
}

/* The IPFIX exporter's counters (docs/ipfix.md, "Counters"); absent without export. */
static void sw_agent_metrics_ipfix(struct sw_agent *a, struct sw_metrics_text *t)
{
	struct sw_ipfix_stats st;

	if (!sw_pipeline_sink_active(a->ipfix))
		return;
	sw_sink_ipfix_stats(a->ipfix, &st);
	sw_metrics_counter(t, "segwatch_ipfix_flows_total",
			   "Flow records handed to the IPFIX exporter.", st.records);
	sw_metrics_counter(t, "segwatch_ipfix_records_sent_total",
			   "IPFIX data records sent (uniflow: up to two per flow).", st.records_sent);
	sw_metrics_counter(t, "segwatch_ipfix_records_lost_total",
			   "IPFIX data records that could not be sent (collector away, send "
			   "failed).", st.records_lost);
	sw_metrics_counter(t, "segwatch_ipfix_messages_sent_total", "IPFIX messages sent.",
			   st.messages_sent);
	sw_metrics_counter(t, "segwatch_ipfix_bytes_sent_total", "Bytes of those messages.",
			   st.bytes_sent);
	sw_metrics_counter(t, "segwatch_ipfix_template_rounds_total",
			   "Template and type information rounds sent.", st.templates_sent);
	sw_metrics_counter(t, "segwatch_ipfix_connects_total", "TCP connections made.",
			   st.connects);
	sw_metrics_counter(t, "segwatch_ipfix_connect_failures_total",
			   "TCP connections tried that failed.", st.connect_failures);
	sw_metrics_counter(t, "segwatch_ipfix_send_errors_total", "Sends that failed.",
			   st.send_errors);
	sw_metrics_gauge(t, "segwatch_ipfix_connected",
			 "1 while connected to the collector (UDP: the socket is open).",
			 st.connected);
}

/* The live graph (docs/web.md): what its store holds and its server answered; absent when off. */
static void sw_agent_metrics_web(struct sw_agent *a, struct sw_metrics_text *t)
{
	const char *name = "segwatch_web_requests_refused_total";
	struct sw_web_store_stats ss;
	struct sw_web_stats ws = { 0 };

	if (!a->web_store || !a->cfg.web.listen)
		return;
	sw_web_store_stats(a->web_store, &ss);
	if (a->web)
		sw_web_server_stats(a->web, &ws);
	sw_metrics_gauge(t, "segwatch_web_flows", "Ended flows kept for the live graph.", ss.flows);
	sw_metrics_gauge(t, "segwatch_web_open_flows", "Open flows shown on the live graph.",
			 ss.open);
	sw_metrics_counter(t, "segwatch_web_flows_dropped_total",
			   "Ended flows pushed out by web.max_flows before the window ended.",
			   ss.flows_dropped);
	sw_metrics_counter(t, "segwatch_web_open_dropped_total",
			   "Open flows not shown: web.max_flows of them already.", ss.open_dropped);
	sw_metrics_gauge(t, "segwatch_web_alerts", "Alerts kept for the live graph's feed.",
			 ss.alerts);
	sw_metrics_counter(t, "segwatch_web_requests_total",
			   "Requests the live graph's server answered, any status.", ws.requests);
	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Requests answered with an error, by reason (unauthorized, bad_request, "
			  "too_large).");
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "unauthorized" }, 1,
		       ws.unauthorized);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "bad_request" }, 1,
		       ws.bad_requests);
	sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason", "too_large" }, 1,
		       ws.too_large);
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
	sw_metrics_gauge(t, "segwatch_identity_merge_bindings",
			 "MAC and network namespace bindings that join one container's sources.",
			 rs.merge_bindings);
	sw_metrics_counter(t, "segwatch_identity_learned_linklocal_total",
			   "Link-local addresses bound to a workload through a frame's MAC.",
			   rs.learned_linklocal);
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
		sw_agent_metrics_alert_out(a, t);
		sw_agent_metrics_identity(a, t);
		sw_agent_metrics_ipfix(a, t);
		sw_agent_metrics_history(a, t);
	}
	sw_agent_metrics_web(a, t);
	sw_agent_metrics_reloads(a, t);
	sw_agent_metrics_rules(a, t);
	sw_agent_metrics_self(a, t);
}
