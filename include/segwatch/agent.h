/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_AGENT_H
#define SEGWATCH_AGENT_H

/*
 * agent - `segwatch agent`, the long-running per-host service: capture on
 * every bridge, name endpoints, judge or enforce a policy, raise alerts,
 * keep a flow history (docs/agent.md).
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/alert.h>
#include <segwatch/capture.h>
#include <segwatch/exit.h>
#include <segwatch/flow.h>
#include <segwatch/history.h>
#include <segwatch/ipfix.h>

struct sw_diags;

/* ======================================================================
 * Configuration (docs/agent.md "Configuration"): a JSON file, every key
 * optional. Values are held in the types the stages take, so the agent
 * hands them on unchanged: capture.opts -> sw_capture_open, capture.flow ->
 * sw_flow_table_alloc, history.opts -> sw_history_open.
 * ====================================================================== */

/* Largest config file read (bytes). */
#define SW_AGENT_CONFIG_MAX_BYTES (1u << 20)
/* Most inventory files (the identity sources' own bound, SW_MAX_INVENTORIES). */
#define SW_AGENT_MAX_INVENTORIES 16
#define SW_AGENT_HISTORY_DIR "/var/lib/segwatch/flows"

/* Where workload identities come from besides inventories and the kernel. */
enum sw_agent_engine {
	SW_AGENT_ENGINE_AUTO = 0,	/* the usual Docker/Podman sockets, when one answers */
	SW_AGENT_ENGINE_SOCKET,		/* identity.engine_socket */
	SW_AGENT_ENGINE_OFF,
};

enum sw_agent_policy_mode {
	SW_AGENT_POLICY_ENFORCE = 0,	/* apply the ruleset (its rules' own modes hold) */
	SW_AGENT_POLICY_JUDGE,		/* no ruleset: flows get verdicts, alerts only */
};

/* What happens to the applied ruleset when the agent stops. */
enum sw_agent_on_stop {
	SW_AGENT_ON_STOP_KEEP = 0,	/* stays in force */
	SW_AGENT_ON_STOP_REMOVE,	/* segwatch's table is deleted */
};

enum sw_agent_log_target {
	SW_AGENT_LOG_AUTO = 0,		/* the journal under systemd, stderr otherwise */
	SW_AGENT_LOG_STDERR,
	SW_AGENT_LOG_JOURNAL,
};

struct sw_agent_capture_cfg {
	/*
	 * ifaces/n_ifaces (none: every bridge and its ports, followed as they
	 * come and go), filter (NULL: none), snaplen, dedup. The run-time
	 * members (file, duration_s, stop, progress, tick, registry) are zero.
	 */
	struct sw_capture_opts opts;
	struct sw_flow_config flow;	/* max_flows and timeouts */
};

/* The same choices as the commands' identity options (src/cli/identity.h). */
struct sw_agent_identity_cfg {
	const char *inventories[SW_AGENT_MAX_INVENTORIES];	/* reloaded when rewritten */
	unsigned n_inventories;
	enum sw_agent_engine engine;
	const char *engine_socket;	/* with SW_AGENT_ENGINE_SOCKET */
	bool kernel;			/* namespaces and veths from netlink */
};

struct sw_agent_policy_cfg {
	const char *file;		/* NULL: no policy, flows are not judged */
	/*
	 * A candidate judged beside @file, never put in the kernel (docs/
	 * policy.md "Staged policies"); NULL: none. Without @file it has no effect.
	 */
	const char *staged;
	enum sw_agent_policy_mode mode;
	enum sw_agent_on_stop on_stop;
	int nflog_group;		/* the ruleset logs denied packets there; -1: not read */
	bool watch_file;		/* reload when the file changes */
};

/* As the commands' alert options (src/cli/alerting.h); the policy is policy.file. */
struct sw_agent_alerts_cfg {
	const char *output;		/* "syslog", "stderr" or a file; NULL: no alerts */
	const char *baseline;		/* for new_edge; NULL: none */
	const char *config;		/* thresholds (docs/alerts.md "Configuration"); NULL: defaults */
	enum sw_alert_format format;	/* field names of the JSON lines: segwatch (default) or ecs */
};

struct sw_agent_history_cfg {
	bool enabled;
	struct sw_history_opts opts;	/* every member filled (no 0 meaning "default") */
};

/* IPFIX export (docs/ipfix.md): off while collector is NULL. */
struct sw_agent_ipfix_cfg {
	const char *collector;		/* udp://HOST:PORT or tcp://HOST:PORT, parsed into opts.url */
	struct sw_ipfix_opts opts;	/* mode, pen, domain, template_refresh_s: all filled */
};

struct sw_agent_log_cfg {
	int level;			/* LOG_DEBUG .. LOG_ERR (syslog.h): the least severe logged */
	enum sw_agent_log_target target;
};

/* The Prometheus endpoint (docs/metrics.md). */
struct sw_agent_metrics_cfg {
	const char *listen;		/* "127.0.0.1:9617" (the default); NULL: no /metrics */
	uint32_t group_pairs;		/* group pairs with a series of their own, then "(other)" */
};

/* The live graph over HTTP (docs/web.md). */
struct sw_agent_web_cfg {
	const char *listen;		/* "127.0.0.1:9618" (the default); NULL: off */
	const char *token;		/* NULL: none (then listen must be a loopback address) */
	uint64_t window_us;		/* ended flows kept this long */
	uint32_t max_flows;		/* ended flows kept at most (and open ones) */
	uint32_t max_alerts;		/* the last alerts kept */
};

/* Bounds of the agent's tables (memory). */
struct sw_agent_limits_cfg {
	uint32_t identity_versions;	/* bindings kept per address (who held it when) */
	uint32_t kernel_log_records;	/* keys of the kernel-log table (sw_nflog_agg_alloc) */
};

/*
 * The whole configuration. It owns its strings: pass it by pointer, never
 * copy it by value (two copies would free them twice).
 */
struct sw_agent_config {
	struct sw_agent_capture_cfg capture;
	struct sw_agent_identity_cfg identity;
	struct sw_agent_policy_cfg policy;
	struct sw_agent_alerts_cfg alerts;
	struct sw_agent_history_cfg history;
	struct sw_agent_ipfix_cfg ipfix;
	struct sw_agent_log_cfg log;
	struct sw_agent_limits_cfg limits;
	struct sw_agent_metrics_cfg metrics;
	struct sw_agent_web_cfg web;
	/* private: the strings and the interface array the pointers above use */
	char **owned;
	size_t n_owned, cap_owned;
	const char **ifaces;
};

/*
 * sw_agent_config_defaults - the configuration with no file: capture on
 * every bridge, identities from the engine and the kernel, no policy, no
 * alerts, history in SW_AGENT_HISTORY_DIR. Needs no sw_agent_config_clear
 * (calling it is harmless).
 */
void sw_agent_config_defaults(struct sw_agent_config *cfg);

/**
 * sw_agent_config_load - defaults, then the keys of the config file @path
 * @cfg: filled (never read); free with sw_agent_config_clear() whatever the result
 * @diags: every error and warning is appended (sw_diag_format(@path, ...))
 *
 * Relative paths in the file are taken from the file's directory. Returns
 * SW_EXIT_OK (warnings allowed), SW_EXIT_USAGE when the file has errors (then
 * @cfg is not to be used), SW_EXIT_RUNTIME when it cannot be read or memory
 * runs out. Files the config names are not opened (sw_agent_config_check_files).
 */
int sw_agent_config_load(const char *path, struct sw_agent_config *cfg,
			 struct sw_diags *diags);

/*
 * sw_agent_config_load_buffer - the same from @len bytes at @buf (need not
 * be NUL-terminated); relative paths are prefixed with @base_dir and a '/'
 * (NULL or "": kept as written).
 */
int sw_agent_config_load_buffer(const char *buf, size_t len, const char *base_dir,
				struct sw_agent_config *cfg, struct sw_diags *diags);

/* sw_agent_config_clear - free what a load allocated; the defaults remain. */
void sw_agent_config_clear(struct sw_agent_config *cfg);

/*
 * sw_agent_config_check_files - can the files @cfg names be used now?
 * Unreadable policy, inventory, baseline and alert config files, an alert
 * file or history directory that cannot be created are errors; an engine
 * socket not there (yet) and a directory this process may not write (check
 * is often run as another user) are warnings. Each is placed at its key
 * ("/policy/file"). Contents are not read (their own loaders do that).
 */
void sw_agent_config_check_files(const struct sw_agent_config *cfg, struct sw_diags *diags);

/*
 * sw_agent_config_json - the effective configuration as a JSON document
 * (every default explicit, durations and sizes with units), which loads
 * back into the same configuration; @flags are jansson's dump flags.
 * Returns a malloc'd string, NULL on out of memory.
 */
char *sw_agent_config_json(const struct sw_agent_config *cfg, size_t flags);

/* Names of the enumerations as the config file writes them. */
const char *sw_agent_policy_mode_name(enum sw_agent_policy_mode m);
const char *sw_agent_on_stop_name(enum sw_agent_on_stop s);
const char *sw_agent_log_target_name(enum sw_agent_log_target t);
const char *sw_agent_log_level_name(int level);
const char *sw_agent_dedup_name(enum sw_dedup_mode d);

/* ======================== end of configuration ======================== */

/* ======================================================================
 * Running (docs/agent.md "Running"): the pipeline with the sinks the
 * config asks for, the policy kept in force, reloads, health.
 * ====================================================================== */

/* What the agent's owner (the command) turns signals into. */
struct sw_agent_signals {
	volatile sig_atomic_t *stop;	/* SIGTERM, SIGINT: write every live flow, then exit */
	volatile sig_atomic_t *reload;	/* SIGHUP: reload the config and the policy */
};

/**
 * sw_agent_run - run until *@sig->stop
 * @config_path: the config file (NULL: the defaults); read again on reload
 *
 * Returns SW_EXIT_OK when stopped, SW_EXIT_USAGE when the config or the
 * policy is bad at start (errors logged), SW_EXIT_RUNTIME when it cannot run.
 */
int sw_agent_run(const char *config_path, const struct sw_agent_signals *sig);

#endif
