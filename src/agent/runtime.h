/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_AGENT_RUNTIME_H
#define SW_AGENT_RUNTIME_H

/*
 * Private to the agent's run loop (run.c), its tick (tick.c) and reloads
 * (reload.c). One struct sw_agent holds everything the agent keeps: no
 * global state but the signal flags its owner passes in.
 */

#include <sys/stat.h>

#include <segwatch/agent.h>
#include <segwatch/enforce.h>
#include <segwatch/metrics.h>
#include <segwatch/pipeline.h>
#include <segwatch/policy.h>
#include <segwatch/service.h>

#define SW_AGENT_FILE_CHECK_US 1000000ull	/* policy and inventory files: changed? */
#define SW_AGENT_TABLE_CHECK_US 2000000ull	/* segwatch's table still there? */
#define SW_AGENT_HEALTH_US 10000000ull	/* counters compared, tables pruned */
#define SW_AGENT_STATUS_US 5000000ull	/* systemd STATUS= */
#define SW_AGENT_COUNTERS_US 60000000ull	/* a counters record into the history */
#define SW_AGENT_KLOG_FLUSH_US 60000000ull	/* kernel_log records into the history */
#define SW_AGENT_METRICS_US 1000000ull	/* the /metrics page rendered */
#define SW_AGENT_RULES_US 5000000ull	/* the ruleset's counters read for /metrics */

/* What the last health check saw, to report only what is new. */
struct sw_agent_seen {
	uint64_t history_lost;		/* queue full + write errors */
	uint64_t evictions;		/* flows forced out of a full table */
	uint64_t klog_not_aggregated;
	uint64_t port_errors;
	bool engine_connected;
	char engine_error[512];		/* the last "engine not in use" logged */
};

struct sw_agent {
	const char *config_path;	/* NULL: defaults */
	const struct sw_agent_signals *sig;
	struct sw_agent_config cfg;	/* in force */
	bool cfg_loaded;
	struct sw_log *log;
	struct sw_service svc;
	struct sw_policy *policy;	/* in force; NULL: none */
	struct stat policy_st;		/* to notice the file changing */
	struct sw_policy *staged;	/* policy.staged: judged, never enforced; NULL: none */
	struct stat staged_st;
	struct sw_enforcer *enf;	/* NULL: the ruleset is not ours to keep */
	struct sw_pipeline *pl;
	struct sw_sink *history, *alerts, *klog, *ipfix;
	volatile sig_atomic_t pl_stop;	/* the capture loop ends: stop, or restart */
	bool restart;			/* after a reload the pipeline is rebuilt */
	bool ready;			/* READY=1 sent */
	bool announce;			/* the pipeline runs: say so at its first tick */
	uint64_t started_us;
	uint64_t next_file_check, next_table_check, next_health, next_status, next_counters;
	struct sw_agent_seen seen;
	uint64_t reloads, reloads_refused, ruleset_restored;
	uint64_t started_wall_us;
	uint64_t last_reload_wall_us;	/* the last reload tried (start counts as one) */
	bool last_reload_ok;
	/* /metrics (metrics.c): the server answers from its own thread */
	struct sw_metrics_server *metrics;
	struct sw_sink *metrics_sink;	/* flows per group pair; NULL: metrics off */
	struct sw_metrics_text page;	/* rendered on the tick, then published */
	uint64_t next_metrics;
	double render_ms;		/* the last render took */
	/* the kernel's counters of segwatch's rules, read every SW_AGENT_RULES_US */
	struct sw_nft_rule_counters *rules;	/* merged by (rule, action, family) */
	size_t n_rules;
	uint64_t next_rules, rules_read_errors;
	/* the live graph (web.c): the store lives as long as the agent */
	struct sw_web_store *web_store;	/* NULL: never turned on */
	struct sw_web_server *web;	/* NULL: off, or its address could not be bound */
	struct sw_sink *live;		/* the sink filling the store */
};

/* run.c */
/* sw_agent_pipeline_opts - the pipeline's options from @c (its strings are referenced). */
void sw_agent_pipeline_opts(struct sw_agent *a, const struct sw_agent_config *c,
			    struct sw_pipeline_opts *o);
int sw_agent_pipeline_open(struct sw_agent *a, struct sw_err *err);
void sw_agent_pipeline_close(struct sw_agent *a);
/* sw_agent_enforce - apply the policy in force over the pipeline's workloads. */
int sw_agent_enforce(struct sw_agent *a, const char *why);
/* sw_agent_health_alert - an agent_health alert (when alerts are on) and a log line. */
void sw_agent_health_alert(struct sw_agent *a, int level, const char *event, uint64_t count,
			   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* tick.c: the pipeline's tick, on the capture thread. */
void sw_agent_tick(struct sw_pipeline *p, uint64_t now_us, void *arg);
/* sw_agent_status - one line of what the agent does now (STATUS=, logs). */
void sw_agent_status(struct sw_agent *a, char *buf, size_t len);

/* metrics.c: /metrics */
/* sw_agent_metrics_start - listen as the config says (failure logged: the agent runs without). */
void sw_agent_metrics_start(struct sw_agent *a);
/* sw_agent_metrics_sink_opts - the metrics sink's options from @cfg and @policy. */
void sw_agent_metrics_sink_opts(const struct sw_agent_config *cfg, struct sw_policy *policy,
				struct sw_sink_metrics_opts *o);
/* sw_agent_metrics_follow - a reload: another address, bound or policy (before @cfg is in force). */
void sw_agent_metrics_follow(struct sw_agent *a, const struct sw_agent_config *cfg,
			     struct sw_policy *policy, bool rebuild);
/* sw_agent_metrics_tick - render and publish once a second. */
void sw_agent_metrics_tick(struct sw_agent *a, uint64_t mono);
/* sw_agent_metrics_render - the whole page into @t (metrics_page.c). */
void sw_agent_metrics_render(struct sw_agent *a, struct sw_metrics_text *t);
void sw_agent_metrics_stop(struct sw_agent *a);

/* web.c: the live graph */
/* sw_agent_web_start - the store and the server as the config says (failure logged). */
void sw_agent_web_start(struct sw_agent *a);
/* sw_agent_web_sink_open - the "live" sink into the running pipeline, when the graph is on. */
int sw_agent_web_sink_open(struct sw_agent *a, const struct sw_agent_config *cfg,
			   struct sw_err *err);
/* sw_agent_web_alerts_tee - alert lines to the store too (when there is one). */
void sw_agent_web_alerts_tee(struct sw_agent *a, struct sw_sink_alerts_opts *o);
/* sw_agent_web_follow - a reload: another address, token, bounds or policy (before @cfg is in force). */
void sw_agent_web_follow(struct sw_agent *a, const struct sw_agent_config *cfg,
			 struct sw_policy *policy, bool rebuild);
/* sw_agent_web_stop - the server, then the store (after the pipeline is closed). */
void sw_agent_web_stop(struct sw_agent *a);

/* reconfigure.c: a reload taken by the running pipeline */
/*
 * sw_agent_pipeline_retarget - the running pipeline takes what @cfg says to
 * capture and how to name it; *@rebuild when it cannot (snaplen, dedup): the
 * pipeline must then be rebuilt after the reload. Nothing changed on failure.
 */
int sw_agent_pipeline_retarget(struct sw_agent *a, const struct sw_agent_config *cfg,
			       bool *rebuild);
/*
 * sw_agent_sinks_follow - history, kernel-log and IPFIX sinks as @cfg wants
 * them (from @old); IPFIX judges by @policy (the one going into force).
 */
void sw_agent_sinks_follow(struct sw_agent *a, const struct sw_agent_config *old,
			   const struct sw_agent_config *cfg, struct sw_policy *policy);

/* reload.c */
/* sw_agent_policy_load - the policy file of @cfg (NULL when it has none); errors logged. */
int sw_agent_policy_load(struct sw_agent *a, const struct sw_agent_config *cfg,
			 struct sw_policy **out, struct stat *st);
/* sw_agent_staged_load - policy.staged of @cfg (NULL without it or without policy.file). */
int sw_agent_staged_load(struct sw_agent *a, const struct sw_agent_config *cfg,
			 struct sw_policy **out, struct stat *st);
/* sw_agent_staged_follow - the pipeline judges by a->staged beside a->policy (failure logged). */
void sw_agent_staged_follow(struct sw_agent *a);
/* sw_agent_reload - SIGHUP or a changed file: all of it, or nothing (the old stays in force). */
void sw_agent_reload(struct sw_agent *a, const char *why);
/* sw_agent_file_changed - whether @path differs from @st (and @st is updated). */
bool sw_agent_file_changed(const char *path, struct stat *st);

#endif
