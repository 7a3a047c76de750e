/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_PIPELINE_H
#define SEGWATCH_PIPELINE_H

/*
 * pipeline - the whole flow path as one library call:
 *
 *   sources (a pcap file; live bridges and their ports, followed as they come
 *   and go; the kernel's log over NFLOG)
 *     -> decode -> flow table -> one resolved record per flow -> sinks
 *   identity (inventories, the container engine, the kernel's view)
 *     -> one workload registry, read by the resolver
 *
 * Sinks register in a table (src/pipeline/sinks.c), the way libnftnl lists
 * its expression types: each has a name and a struct sw_sink_ops. A sink
 * receives the same struct sw_flow_rec as every other sink; adding one
 * touches none of the others. `capture`, `policy test` and the agent are
 * thin users of this header.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <segwatch/alert.h>
#include <segwatch/capture.h>
#include <segwatch/exit.h>
#include <segwatch/flow.h>
#include <segwatch/nflog.h>
#include <segwatch/workload.h>

/* ---- identity: the sources that name workloads ---- */

#define SW_MAX_INVENTORIES 16

enum sw_engine_mode { SW_ENGINE_AUTO = 0, SW_ENGINE_ON, SW_ENGINE_OFF };

struct sw_identity_opts {
	const char *inventories[SW_MAX_INVENTORIES];
	unsigned n_inventories;
	enum sw_engine_mode engine;	/* AUTO: use a detected socket, silently skip if none */
	const char *engine_socket;	/* NULL: detect */
	bool kernel;			/* the netlink view of namespaces and veths */
	/* an engine that does not answer at open is asked again (10 s, doubling to 1 min) */
	bool engine_retry;
	size_t max_versions;		/* bindings kept per address; 0: the registry's default */
};

struct sw_identity_stats {
	uint64_t inventory_workloads;	/* loaded at open */
	uint64_t port_errors;		/* ports that could not be captured on */
	bool engine_connected;		/* its events stream is open now */
	uint64_t engine_opened;		/* engines found after open (it came later) */
	char engine_error[512];		/* why an AUTO engine is not in use */
	uint64_t inventory_reloads;	/* inventory files read again after a rewrite */
	uint64_t inventory_errors;	/* ... that did not load (the old contents stay) */
	char inventory_error[512];	/* the last such error */
	uint64_t pruned;		/* stopped workloads forgotten (sw_identity_prune) */
};

struct sw_identity;

/* sw_identity_open - load inventories, connect the engine, scan the kernel. */
int sw_identity_open(struct sw_identity **out, const struct sw_identity_opts *o,
		     struct sw_err *err);
/* sw_identity_poll - engine and link events, without blocking; @cap gets new ports (may be NULL). */
void sw_identity_poll(struct sw_identity *id, struct sw_capture *cap, uint64_t now_us);
struct sw_registry *sw_identity_registry(struct sw_identity *id);
const struct sw_resolver *sw_identity_resolver(const struct sw_identity *id);
struct sw_engine *sw_identity_engine(struct sw_identity *id);	/* NULL: none */
struct sw_kernel *sw_identity_kernel(struct sw_identity *id);	/* NULL: none */
/*
 * sw_identity_inventories_refresh - inventory files rewritten since they
 * were read are read again: what they list is bound from @now_us, what they
 * no longer list is released. A file that does not load changes nothing.
 */
void sw_identity_inventories_refresh(struct sw_identity *id, uint64_t now_us);
/*
 * sw_identity_prune - forget workloads that stopped more than @horizon_us
 * before @now_us (no flow record still being written can name them).
 */
void sw_identity_prune(struct sw_identity *id, uint64_t now_us, uint64_t horizon_us);
/* sw_identity_follow_ports - capture on bridge ports as they appear (discovery mode). */
void sw_identity_follow_ports(struct sw_identity *id, bool follow);
void sw_identity_stats(const struct sw_identity *id, struct sw_identity_stats *out);
/* sw_identity_close - NULL is fine. */
void sw_identity_close(struct sw_identity *id);

/* ---- sinks ---- */

struct sw_pipeline;
struct sw_sink;

/* A packet the kernel logged, its ends resolved at that packet. */
struct sw_klog_event {
	const struct sw_nflog_rec *rec;
	struct sw_flow_ident id;
};

/*
 * What a sink does; every hook but open is optional. @priv is what open
 * returned. Hooks run on the capture thread and must not block: a sink that
 * writes to disk hands the work to a thread of its own.
 */
struct sw_sink_ops {
	const char *name;
	/* open - @opts is the sink's own options struct (below), or NULL for its defaults */
	int (*open)(struct sw_pipeline *p, const void *opts, void **priv, struct sw_err *err);
	/*
	 * flow_new - the flow's first packet; returns true when the sink wants
	 * its first answer (flow_answered). A sink with flow_answered and no
	 * flow_new is told every answer.
	 */
	bool (*flow_new)(void *priv, const struct sw_flow_rec *r);
	/*
	 * flow_answered - the flow's first answer (sw_flow_table_set_on_answer):
	 * @refused for a TCP RST or a refusing ICMP error, @ts_us the answer's
	 * time; at most once per flow, after its flow_new, and only for the
	 * flows some sink wanted (so a sink may be told of answers it did not
	 * ask for when another did)
	 */
	void (*flow_answered)(void *priv, const struct sw_flow_rec *r, bool refused,
			      uint64_t ts_us);
	void (*flow_end)(void *priv, const struct sw_flow_rec *r);	/* expired, evicted or flushed */
	void (*klog)(void *priv, const struct sw_klog_event *e);
	/* line - a record that is not a flow (kernel_log, counters), already JSON */
	void (*line)(void *priv, uint64_t first_us, uint64_t last_us, const char *line, size_t len);
	void (*tick)(void *priv, uint64_t now_us);			/* about every 100 ms live */
	/* finish - end of input: hand over what is held (before close, in registration order) */
	void (*finish)(void *priv);
	void (*counters)(void *priv, json_t *counters);		/* add to the counters object */
	/* close - flush and free; false when something was lost (a write failed) */
	bool (*close)(void *priv);
};

/* sw_sink_ops_find - the registered sink called @name, or NULL. */
const struct sw_sink_ops *sw_sink_ops_find(const char *name);

/* Options of the built-in sinks (the @opts of open). */
struct sw_query;

struct sw_sink_jsonl_opts {
	FILE *out;			/* not closed */
	/*
	 * Borrowed, compiled, may be NULL: only the flows it matches are
	 * written (sw_query_match_flow); other lines (counters, kernel_log)
	 * always are. Used on the capture thread only.
	 */
	struct sw_query *filter;
};

/* The "collect" sink (capture's table and --json); NULL opts: every flow. */
struct sw_sink_collect_opts {
	struct sw_query *filter;	/* as the jsonl sink's */
};

struct sw_policy;

/*
 * The alerts sink's copy of every alert line, besides its destination (the
 * live graph's feed); NULL: none.
 */
typedef void (*sw_sink_alerts_tee_fn)(uint64_t ts_us, const char *json_line, void *arg);

struct sw_sink_alerts_opts {
	const char *dest;		/* "-" stdout, "stderr", "syslog", or a file (appended) */
	const char *policy;		/* for violations; may be NULL */
	const char *baseline;		/* for new edges; may be NULL */
	const char *config;		/* JSON thresholds (docs/alerts.md); may be NULL */
	enum sw_alert_format format;	/* of the JSON lines, every destination: segwatch (0) or ECS */
	/*
	 * The policy already loaded and checked (from @policy, which then only
	 * names it): the sink holds it too (sw_policy_ref) instead of reading
	 * and checking the file again. NULL: the sink reads @policy.
	 */
	struct sw_policy *policy_obj;
	sw_sink_alerts_tee_fn tee;	/* may be NULL */
	void *tee_arg;
};

/*
 * Replaying recorded flows (the history, `capture -w` files) through an
 * alerts sink as the flow table feeds it live (docs/alerts.md "Feeding the
 * engine"): records are kept, sorted by first packet, then each is begun
 * (flow_new at its first packet), answered (flow_answered at its first
 * answer, unless it stayed attempted) and ended (flow_end), with a tick at
 * every whole second of capture time crossed, and finish at the end.
 */
struct sw_replay;

/* sw_replay_open - an alerts sink from @o, keeping at most @max records. */
int sw_replay_open(struct sw_replay **out, const struct sw_sink_alerts_opts *o, size_t max,
		   struct sw_err *err);
/*
 * sw_replay_add - keep one flow record (@line, parsed as @rec, checked by
 * sw_flowfile_record_check). SW_EXIT_USAGE past @max, nothing fed yet.
 */
int sw_replay_add(struct sw_replay *r, const char *line, size_t len, const json_t *rec,
		  struct sw_err *err);
/* sw_replay_run - sort and feed what was kept; its alerts go to the sink's destination. */
int sw_replay_run(struct sw_replay *r, struct sw_err *err);
size_t sw_replay_count(const struct sw_replay *r);
/* sw_replay_close - false when an alert could not be written. NULL is fine. */
bool sw_replay_close(struct sw_replay *r);

/*
 * The "ipfix" sink: every flow to an IPFIX collector (include/segwatch/
 * ipfix.h), with the groups, rule and verdict of @policy when there is one.
 */
struct sw_sink_ipfix_opts {
	const struct sw_ipfix_opts *exporter;
	struct sw_policy *policy;	/* held (sw_policy_ref); NULL: those elements empty */
};

/*
 * The "live" sink: flows into the live graph's store (include/segwatch/web.h),
 * open ones from their first packet, ended ones when they end.
 */
struct sw_web_store;
struct sw_sink_live_opts {
	struct sw_web_store *store;	/* borrowed: must outlive the sink */
};

struct sw_sink_klog_opts {
	uint32_t max_records;		/* 0: SW_NFLOG_AGG_MAX_DEFAULT */
	uint64_t flush_every_us;	/* hand records to line sinks this often; 0: at finish only */
};

/*
 * The "metrics" sink: flows counted by how they ended and per pair of policy
 * groups (bounded: include/segwatch/metrics.h), for the agent's /metrics.
 */
struct sw_sink_metrics_opts {
	size_t max_pairs;		/* group pairs with a series; 0: SW_METRICS_PAIRS_DEFAULT */
	struct sw_policy *policy;	/* groups and verdicts (held); NULL: every end "(none)" */
};

/* ---- the pipeline ---- */

struct sw_pipeline_opts {
	/*
	 * What to read: capture.file, or capture.ifaces; neither: every bridge
	 * and its ports, followed as they come and go. capture.tick and
	 * capture.registry are the pipeline's: leave them NULL.
	 */
	struct sw_capture_opts capture;
	struct sw_flow_config flow;
	struct sw_identity_opts identity;
	bool with_identity;		/* open the identity sources above */
	int nflog_group;		/* the kernel's log (NFLOG); -1: not read */
	/* live, no interface to capture on yet: wait for bridges instead of failing */
	bool wait_for_ifaces;
	/* the user's own work on the capture thread, after the pipeline's; may be NULL */
	void (*tick)(struct sw_pipeline *p, uint64_t now_us, void *arg);
	void *tick_arg;
};

/*
 * sw_pipeline_open - identity, NFLOG and the flow table, ready for sinks.
 * Returns SW_EXIT_OK, SW_EXIT_USAGE or SW_EXIT_RUNTIME with @err.
 */
int sw_pipeline_open(struct sw_pipeline **out, const struct sw_pipeline_opts *o,
		     struct sw_err *err);

/*
 * sw_pipeline_sink_add - open the sink called @name with @opts and register
 * it; *@sink (may be NULL) is its handle. Call before sw_pipeline_run.
 */
int sw_pipeline_sink_add(struct sw_pipeline *p, const char *name, const void *opts,
			 struct sw_sink **sink, struct sw_err *err);

/* sw_pipeline_sink_add_ops - the same for a sink of the caller's own, not in the table. */
int sw_pipeline_sink_add_ops(struct sw_pipeline *p, const struct sw_sink_ops *ops,
			     const void *opts, struct sw_sink **sink, struct sw_err *err);

/*
 * sw_pipeline_sink_replace - open the same kind of sink with @opts (a reload:
 * a new policy for the alerts); only when that worked is the old one finished
 * and closed, and @sink now stands for the new one. On failure nothing changed.
 */
int sw_pipeline_sink_replace(struct sw_pipeline *p, struct sw_sink *sink, const void *opts,
			     struct sw_err *err);

/*
 * sw_pipeline_sink_reopen - finish and close @sink, then open it again with
 * @opts: for a sink that must not run twice at once (the history owns its
 * directory). When that fails it is opened with @fallback (the old options)
 * and the error is returned; when that fails too, the sink is removed.
 */
int sw_pipeline_sink_reopen(struct sw_pipeline *p, struct sw_sink *sink, const void *opts,
			    const void *fallback, struct sw_err *err);

/*
 * sw_pipeline_sink_remove - finish and close @sink; its handle stays valid
 * but inactive, and its slot is reused by the next add. False when it lost
 * something at close.
 */
bool sw_pipeline_sink_remove(struct sw_pipeline *p, struct sw_sink *sink);

/* sw_pipeline_sink_active - false for NULL and for a removed sink. */
bool sw_pipeline_sink_active(const struct sw_sink *sink);

/* sw_pipeline_sink_priv - what the sink's open returned (for its own accessors). */
void *sw_pipeline_sink_priv(struct sw_sink *sink);

/* sw_pipeline_run - read until the end of the file, the duration, or *opts.capture.stop. */
int sw_pipeline_run(struct sw_pipeline *p, struct sw_err *err);

/*
 * sw_pipeline_finish - every live flow out to the sinks, the kernel's log
 * drained, sinks finished, then the counters record to the line sinks.
 */
void sw_pipeline_finish(struct sw_pipeline *p);

/*
 * sw_pipeline_reconfigurable - whether @o can be taken by the running
 * pipeline (sw_pipeline_reconfigure): live, opened with wait_for_ifaces, and
 * the same snaplen, dedup and with_identity (a packet ring is sized when it
 * opens). Otherwise the pipeline must be closed and opened again.
 */
bool sw_pipeline_reconfigurable(const struct sw_pipeline *p, const struct sw_pipeline_opts *o);

/* What sw_pipeline_reconfigure changed (for the log). */
struct sw_pipeline_changes {
	bool identity;			/* new identity sources, swapped in */
	bool nflog;			/* another NFLOG group (or none) */
	bool filter;
	bool flow;			/* the flow table's timeouts or bound */
	unsigned ifaces_added, ifaces_dropped;
};

/**
 * sw_pipeline_reconfigure - new options for a running pipeline, from its tick
 * @o: as for sw_pipeline_open (its strings are copied)
 * @done: what changed, filled on success
 * @err: the error; on success its msg may name interfaces that could not be
 *       opened (code SW_EXIT_OK): they are not captured on, the rest is
 *
 * The capture and the flow table stay: no packet is missed, no flow split.
 * A new identity or NFLOG group is opened beside the running one and the
 * filter is compiled for every interface before anything is swapped, so a
 * failure changes nothing. Then interfaces no longer wanted are dropped,
 * new ones added, and the flow table takes the new timeouts (each flow from
 * its next look) and bound (a lower one evicts down to it). Sinks are the
 * caller's: sw_pipeline_sink_replace/_add.
 * Returns SW_EXIT_OK, SW_EXIT_USAGE (not reconfigurable, bad filter) or
 * SW_EXIT_RUNTIME.
 */
int sw_pipeline_reconfigure(struct sw_pipeline *p, const struct sw_pipeline_opts *o,
			    struct sw_pipeline_changes *done, struct sw_err *err);

/**
 * sw_pipeline_set_staged - judge every flow by @staged too, enforcing nothing
 * @staged: the candidate (held: sw_policy_ref); NULL: none from now on
 * @enforced: the policy in force (held), to tell "newly_denied" and
 *            "newly_allowed" apart; NULL: no change is named
 *
 * From the next flow on, each record the sinks receive carries the
 * candidate's verdict (sw_flow_rec.staged, open flows included) and each
 * ended flow is counted (sw_pipeline_staged_render). Another @staged starts
 * the counts afresh; the same one with another @enforced keeps them. Call
 * from the capture thread (a tick, a reload) or before run.
 * Returns SW_EXIT_OK, or SW_EXIT_RUNTIME (out of memory: nothing changed).
 */
struct sw_policy;
int sw_pipeline_set_staged(struct sw_pipeline *p, struct sw_policy *staged,
			   struct sw_policy *enforced, struct sw_err *err);
/* sw_pipeline_staged_render - the staged policy's /metrics families (none without one). */
struct sw_metrics_text;
void sw_pipeline_staged_render(struct sw_pipeline *p, struct sw_metrics_text *t);

/* sw_pipeline_flush_flows - every live flow out now (the agent stopping or rotating). */
void sw_pipeline_flush_flows(struct sw_pipeline *p);

/* sw_pipeline_put_line - hand a non-flow record to every sink with a line hook. */
void sw_pipeline_put_line(struct sw_pipeline *p, uint64_t first_us, uint64_t last_us,
			  const char *line, size_t len);

/* sw_pipeline_counters_json - new reference: capture, flow table and every sink's counters. */
json_t *sw_pipeline_counters_json(struct sw_pipeline *p);

struct sw_capture *sw_pipeline_capture(struct sw_pipeline *p);	/* NULL before run */
struct sw_flow_table *sw_pipeline_flow_table(struct sw_pipeline *p);
struct sw_identity *sw_pipeline_identity(struct sw_pipeline *p);	/* NULL without identity */
const struct sw_resolver *sw_pipeline_resolver(const struct sw_pipeline *p); /* NULL without */
const struct sw_pipeline_opts *sw_pipeline_opts(const struct sw_pipeline *p);
/* sw_pipeline_nflog - the NFLOG socket, or NULL (counters). */
struct sw_nflog *sw_pipeline_nflog(struct sw_pipeline *p);

/*
 * sw_pipeline_close - close every sink (in reverse order) and source; false
 * when a sink lost something. NULL is fine.
 */
bool sw_pipeline_close(struct sw_pipeline *p);

/* ---- accessors of built-in sinks ---- */

/* The "collect" sink keeps every flow in memory (capture's table and --json). */
struct sw_flow_rec *sw_sink_collect_flows(struct sw_sink *sink, size_t *n);
bool sw_sink_collect_failed(struct sw_sink *sink);

/*
 * The "alerts" sink: an agent_health alert (docs/alerts.md) about the agent
 * itself; @severity is enum sw_alert_severity (0 low, 1 medium, 2 high).
 */
void sw_sink_alerts_health(struct sw_sink *sink, uint64_t ts_us, const char *event, int severity,
			   const char *detail, uint64_t count);

/* ... and the alert engine's counters (NULL for a removed sink). */
struct sw_alert_stats;
const struct sw_alert_stats *sw_sink_alerts_stats(struct sw_sink *sink);

/* What did not reach the alerts' destination; all 0 for a file or stdout (a failed write ends the run). */
struct sw_alert_delivery {
	uint64_t queue_full;		/* webhook: found its queue full */
	uint64_t gave_up;		/* webhook: not delivered after every attempt */
	uint64_t refused;		/* syslog socket or journald refused the message */
	uint64_t failed_attempts;	/* webhook requests that failed, retried or not */
};
/* sw_sink_alerts_delivery - false for a removed sink. */
bool sw_sink_alerts_delivery(struct sw_sink *sink, struct sw_alert_delivery *out);

/* The "history" sink (opts: struct sw_history_opts): its counters. */
struct sw_history_stats;
void sw_sink_history_stats(struct sw_sink *sink, struct sw_history_stats *out);

/* The "metrics" sink: judge with @policy from now on (held; NULL: none); counts are kept. */
void sw_sink_metrics_set_policy(struct sw_sink *sink, struct sw_policy *policy);
/* ... and its families (flows ended, group pairs) appended to @t. */
struct sw_metrics_text;
void sw_sink_metrics_render(struct sw_sink *sink, struct sw_metrics_text *t);
/* The "ipfix" sink (opts: struct sw_sink_ipfix_opts): its counters. */
struct sw_ipfix_stats;
void sw_sink_ipfix_stats(struct sw_sink *sink, struct sw_ipfix_stats *out);
/* ... and the policy its records are judged by from now on (held; NULL: none). */
void sw_sink_ipfix_set_policy(struct sw_sink *sink, struct sw_policy *policy);

/* The "klog" sink: its aggregated records, for the --json document and the text summary. */
size_t sw_sink_klog_n(struct sw_sink *sink);
size_t sw_sink_klog_line(struct sw_sink *sink, size_t i, char *buf, size_t len);
void sw_sink_klog_text(struct sw_sink *sink, FILE *out);

#endif
