/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_ALERT_H
#define SEGWATCH_ALERT_H

/*
 * alert - lateral-movement alerts (docs/alerts.md).
 *
 * A pure engine driven by events from the capture loop and the NFLOG reader:
 * it does no I/O itself. Each alert is handed to a sink as a struct and as
 * one compact JSON line. Alerts are deduplicated and rate limited per
 * (kind, source, destination or "*"): the first event alerts at once, later
 * ones are counted and reported in a periodic summary. Every table has a
 * fixed size (least recently used entries are evicted), so memory is bounded
 * whatever the traffic.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <segwatch/exit.h>
#include <segwatch/flow.h>
#include <segwatch/policy.h>
#include <segwatch/workload.h>

struct sw_baseline;	/* include/segwatch/learn.h */

/* Names are part of the JSON interface. */
enum sw_alert_kind {
	SW_ALERT_POLICY_VIOLATION = 0,
	SW_ALERT_NEW_EDGE,
	SW_ALERT_FAN_OUT,
	SW_ALERT_REFUSED_OR_UNANSWERED,
	SW_ALERT_SPOOFED_SOURCE,
	SW_ALERT_AGENT_HEALTH,		/* the agent itself cannot do its job */
	SW_ALERT_SCAN,			/* JSON name "scan": TRW or a long window */
	SW_ALERT_KIND_MAX
};

enum sw_alert_severity {
	SW_ALERT_SEV_LOW = 0,
	SW_ALERT_SEV_MEDIUM,
	SW_ALERT_SEV_HIGH,
};

/*
 * How an alert's JSON line names its fields (docs/alerts.md): segwatch's own
 * record, or the same alert with Elastic Common Schema names for SIEMs that
 * ingest it directly. Every sink writes the line it is given either way.
 */
enum sw_alert_format {
	SW_ALERT_FORMAT_SEGWATCH = 0,	/* "Alert record" */
	SW_ALERT_FORMAT_ECS,		/* "Elastic Common Schema" */
};

/* sw_alert_format_parse - "segwatch" or "ecs"; false for anything else. */
bool sw_alert_format_parse(const char *text, enum sw_alert_format *f);
const char *sw_alert_format_name(enum sw_alert_format f);

/* One end of a connection as the capture loop resolved it. */
struct sw_alert_endpoint {
	const struct sw_workload *wl;	/* not owned; NULL unless kind is SW_EP_WORKLOAD */
	enum sw_endpoint_kind kind;
	uint8_t addr[16];		/* 16-byte form (IPv4-mapped) */
};

/* A connection: the first packet of a flow, or a packet the kernel logged. */
struct sw_alert_conn {
	uint64_t ts_us;
	uint8_t proto;			/* IPPROTO_* */
	uint16_t sport, dport;		/* TCP, UDP, SCTP */
	uint8_t icmp_type;		/* ICMP, ICMPv6 */
	char community_id[SW_COMMUNITY_ID_LEN];	/* "" when unknown */
	struct sw_alert_endpoint src;	/* the initiator */
	struct sw_alert_endpoint dst;
};

/* What the kernel did with a logged packet (NFLOG prefix "sw deny ..."). */
enum sw_alert_klog_action {
	SW_ALERT_KLOG_DENY = 0,		/* dropped */
	SW_ALERT_KLOG_MONITOR,		/* would be dropped, passed */
};

/* An alert as handed to a sink; valid only during the call. */
struct sw_alert {
	enum sw_alert_kind kind;
	enum sw_alert_severity severity;
	bool summary;			/* a periodic summary of suppressed events */
	uint64_t ts_us;			/* when the alert was raised */
	uint64_t first_us, last_us;	/* of the events under this key */
	uint64_t count;			/* events under this key since first_us */
	uint64_t suppressed;		/* events not alerted since the previous alert */
	uint32_t distinct;		/* fan_out: distinct (peer, port) in the window */
	uint64_t value_total;		/* agent_health: sum of @count under this key */
	const char *key;		/* "kind|src|dst" */
	/*
	 * The alert as segwatch's own record (a jansson json_t *, borrowed),
	 * whatever the format of the JSON line: sinks that index fields of
	 * their own (RFC 5424 structured data, journald) read them here. NULL
	 * when a caller built the alert by hand: they parse the line.
	 */
	const void *record;
};

/* sw_alert_sink_fn - receives each alert and its JSON line (no newline). */
typedef void (*sw_alert_sink_fn)(const struct sw_alert *a, const char *json_line, void *arg);

#define SW_ALERT_FANOUT_CAP 1024	/* largest fan_out.distinct accepted */

/* What fan_out counts (docs/alerts.md "fan_out"). */
enum sw_alert_fanout_count {
	SW_ALERT_FANOUT_FAILED = 0,	/* "failed": first contacts judged failed (default) */
	SW_ALERT_FANOUT_ALL,		/* "all": every new (peer, port) at its first packet */
};

#define SW_ALERT_SCAN_WINDOWS_MAX 4	/* scan.windows entries */
#define SW_ALERT_SCAN_RING 128		/* failed first contacts kept per source for the windows */
#define SW_ALERT_SCAN_CONTACTS_MAX 4096	/* largest scan.contacts_per_source */
#define SW_ALERT_SCAN_SOURCES_MAX 16384	/* scan sources: max_sources, at most this */
/* sources x contacts_per_source at most this (4 bytes each, reserved at start: 64 MiB) */
#define SW_ALERT_SCAN_CONTACTS_TOTAL (1u << 24)

/* One long window (docs/alerts.md "scan"): thresholds on failed first contacts. */
struct sw_alert_scan_window {
	uint32_t seconds;		/* window length */
	uint32_t ports;			/* vertical: distinct ports on one peer */
	uint32_t peers;			/* horizontal: distinct peers on one port; icmp_sweep */
};

struct sw_alert_scan_config {
	bool trw_enabled;		/* true */
	double benign_success;		/* theta0, P(success | benign): 0.8 */
	double scanner_success;		/* theta1, P(success | scanner): 0.2 */
	double detection;		/* P_D: 0.99 */
	double false_positive;		/* P_F: 0.01 */
	uint32_t contact_timeout_ms;	/* unanswered first contact judged failed: 5000 */
	uint32_t contacts_per_source;	/* first contacts remembered per source: 256 */
	struct sw_alert_scan_window windows[SW_ALERT_SCAN_WINDOWS_MAX];
	size_t n_windows;		/* 2: 300 s 15/25, 3600 s 30/50 */
};

struct sw_alert_config {
	uint32_t fanout_distinct;	/* distinct (peer, port) that make a scan: 20 */
	uint32_t fanout_window_ms;	/* ... within this window: 10000 */
	uint32_t summary_interval_s;	/* min time between two alerts of one key: 60 */
	uint32_t max_keys;		/* dedup table size: 4096 */
	uint32_t max_sources;		/* fan-out tracker size: 4096 */
	uint32_t max_alerts_per_min;	/* global cap, 0 = none: 600 */
	bool enabled[SW_ALERT_KIND_MAX];	/* all true */
	char **sensitive;		/* sensitive group names (owned) */
	size_t n_sensitive;
	char **fanout_exempt;		/* group or node names whose sources never make a
					 * fan_out (monitoring agents, proxies); owned */
	size_t n_fanout_exempt;
	char *group_by;			/* label key naming a group when no policy does: "app" */
	enum sw_alert_format format;	/* of the JSON lines: SW_ALERT_FORMAT_SEGWATCH */
	char *host;			/* ECS observer.hostname (owned); NULL: none */
	bool infrastructure;		/* "infrastructure": "alert": infrastructure flows
					 * (docs/flows.md) raise flow alerts too; default
					 * false ("ignore") */
	enum sw_alert_fanout_count fanout_count;	/* SW_ALERT_FANOUT_FAILED */
	struct sw_alert_scan_config scan;		/* "scan" */
};

struct sw_alert_stats {
	uint64_t events[SW_ALERT_KIND_MAX];	/* before deduplication */
	uint64_t alerts[SW_ALERT_KIND_MAX];	/* emitted, summaries included */
	uint64_t by_severity[SW_ALERT_KIND_MAX][SW_ALERT_SEV_HIGH + 1];	/* the same, by severity */
	uint64_t suppressed;		/* events folded into a later summary */
	uint64_t capped;		/* alerts dropped by max_alerts_per_min */
	uint64_t keys_evicted;		/* dedup keys dropped when the table was full */
	uint64_t nomem;			/* alerts lost to out of memory */
	uint64_t scan_judged;		/* first contacts judged (succeeded or failed) */
	uint64_t scan_pending_expired;	/* ... judged failed for want of an answer in time */
	uint64_t scan_contacts_evicted;	/* first contacts forgotten (contacts_per_source full) */
	uint64_t scan_sources_evicted;	/* scan sources forgotten (max_sources full) */
};

/* sw_alert_config_defaults - the documented defaults (group_by "app", no sensitive groups). */
bool sw_alert_config_defaults(struct sw_alert_config *cfg);
void sw_alert_config_clear(struct sw_alert_config *cfg);

/**
 * sw_alert_config_from_json - read the "alerts" section of a config file
 * @cfg: initialised with sw_alert_config_defaults(); keys present override it
 * @section: a jansson json_t * object (void * keeps jansson out of this header)
 *
 * Returns SW_EXIT_OK, or SW_EXIT_USAGE with @err naming the bad key.
 */
int sw_alert_config_from_json(struct sw_alert_config *cfg, const void *section,
			      struct sw_err *err);

/**
 * sw_alert_config_load_file - read an alert config file (--alert-config, the
 * agent's alerts.config): {"alerts": {...}} as in docs/alerts.md, or the
 * section's object alone; at most 1 MiB
 * @cfg: initialised with sw_alert_config_defaults()
 *
 * Returns SW_EXIT_OK; SW_EXIT_RUNTIME when the file cannot be read (missing
 * included); SW_EXIT_USAGE for bad JSON or a bad key, with @err saying where.
 */
int sw_alert_config_load_file(struct sw_alert_config *cfg, const char *path, struct sw_err *err);

/*
 * sw_alert_config_load_buffer - the same from @len bytes at @buf (NUL not
 * needed); @name (already escaped for terminals) starts every message.
 */
int sw_alert_config_load_buffer(struct sw_alert_config *cfg, const char *buf, size_t len,
				const char *name, struct sw_err *err);

struct sw_alert_engine;

/**
 * sw_alert_engine_alloc - create an engine
 * @cfg: copied
 * @policy: for policy_violation and group names; may be NULL; not owned, must outlive the engine
 * @baseline: for new_edge; may be NULL (no new_edge alerts); not owned
 * @sink: receives every alert
 *
 * Returns NULL on out of memory.
 */
struct sw_alert_engine *sw_alert_engine_alloc(const struct sw_alert_config *cfg,
					      const struct sw_policy *policy,
					      const struct sw_baseline *baseline,
					      sw_alert_sink_fn sink, void *arg);
void sw_alert_engine_free(struct sw_alert_engine *e);

/*
 * sw_alert_flow_new - a new flow began (its first packet): fan_out,
 * policy_violation, new_edge, scan. Returns true when the engine wants the
 * flow's first answer (sw_alert_flow_answered): the scan detectors wait on
 * it for a source's first contact; other flows' answers change nothing.
 */
bool sw_alert_flow_new(struct sw_alert_engine *e, const struct sw_alert_conn *c);

/*
 * sw_alert_flow_answered - the responder of the flow @c answered for the first time:
 * @refused true for a TCP RST or an ICMP/ICMPv6 unreachable about it, false for any other
 * answer (SYN-ACK, a UDP reply, an ICMP echo reply). @c->ts_us is the time of the answer;
 * ends, ports and proto are those of the flow (initiator = src). Called at most once per flow.
 * @c->community_id is read only when @refused (an answer is a success: it raises nothing),
 * so a caller may leave it empty otherwise.
 */
void sw_alert_flow_answered(struct sw_alert_engine *e, const struct sw_alert_conn *c, bool refused);

/*
 * sw_alert_flow_end - a flow record ended in @state (@c->ts_us: the flow's first
 * packet): refused_or_unanswered toward sensitive groups; a first contact still
 * pending is judged by @state (ATTEMPTED, REFUSED: failed; else succeeded).
 */
void sw_alert_flow_end(struct sw_alert_engine *e, const struct sw_alert_conn *c,
		       enum sw_flow_state state);

/* sw_alert_spoofed - @wl sent packets from @addr, which is not its own. */
void sw_alert_spoofed(struct sw_alert_engine *e, uint64_t ts_us, const struct sw_workload *wl,
		      const uint8_t addr[16]);

/*
 * What the L2 guard logged (NFLOG "sw spoof WHAT"): a frame from a container
 * port with a source not bound to it (docs/policy.md "L2 guard").
 */
struct sw_alert_l2spoof {
	uint64_t ts_us;
	const struct sw_workload *wl;	/* behind the port (merged); NULL when unknown */
	const char *iface;		/* the port's name; NULL when unknown */
	const char *forged;		/* WHAT: "source_mac", "arp_sender_ip", ... */
	bool has_mac;
	uint8_t mac[6];			/* the MAC it claimed */
	bool has_addr;
	uint8_t addr[16];		/* the address it claimed (src.address) */
	bool dropped;			/* false: monitor mode, let through */
};

/* sw_alert_spoofed_l2 - a spoofed_source alert with origin "kernel", keyed per workload. */
void sw_alert_spoofed_l2(struct sw_alert_engine *e, const struct sw_alert_l2spoof *s);

/* sw_alert_kernel_log - the kernel logged a packet: @rule is the rule index, -1 for the default. */
void sw_alert_kernel_log(struct sw_alert_engine *e, const struct sw_alert_conn *c,
			 enum sw_alert_klog_action action, int rule);

/*
 * sw_alert_health - the agent itself: @event is a short stable name
 * ("ruleset_deleted", "history_loss", "table_full", "engine_lost",
 * "engine_back", "reload_refused", ...), @detail free text (may hold
 * hostile bytes: container names; escape as the rest of the body does),
 * @count a number that goes with it (records lost, ...; 0 when none).
 *
 * Keyed by (agent_health, @event): the first alerts at once, repeats within
 * summary_interval_s go into the summary. @count is what this occurrence
 * lost (a delta, not a running total): the alert carries it as "value" and
 * the sum under the key as "value_total" ("count" is the envelope's number
 * of events). @event and @detail are escaped (sw_text_escape()) and cut;
 * @detail may be NULL.
 */
void sw_alert_health(struct sw_alert_engine *e, uint64_t ts_us, const char *event,
		     enum sw_alert_severity sev, const char *detail, uint64_t count);

/* sw_alert_tick - emit summaries that are due; call about once a second with the current time. */
void sw_alert_tick(struct sw_alert_engine *e, uint64_t now_us);

/* sw_alert_flush - emit every pending summary (end of capture). */
void sw_alert_flush(struct sw_alert_engine *e);

const struct sw_alert_stats *sw_alert_engine_stats(const struct sw_alert_engine *e);

const char *sw_alert_kind_name(enum sw_alert_kind k);
const char *sw_alert_severity_name(enum sw_alert_severity s);

/* ---- sinks ---- */

/* sw_alert_sink_file - write the line and a newline to the FILE * in @arg, then fflush. */
void sw_alert_sink_file(const struct sw_alert *a, const char *json_line, void *arg);

/*
 * sw_alert_sink_syslog - syslog(3) the line: high at LOG_ALERT, medium at
 * LOG_WARNING, low at LOG_NOTICE. The caller calls openlog() once; @arg is unused.
 */
void sw_alert_sink_syslog(const struct sw_alert *a, const char *json_line, void *arg);

/*
 * RFC 5424 syslog with structured data (docs/alerts.md, "Sinks"), to
 * "syslog+unix:///PATH" (a local datagram socket such as /dev/log) or
 * "syslog+udp://HOST:PORT". sw_alert_sink_rfc5424 takes the handle as @arg.
 */
struct sw_alert_syslog;

bool sw_alert_syslog_is_url(const char *dest);
/* sw_alert_dest_is_file - @dest names a file (or - for stdout), not syslog, stderr, journald or a URL. */
bool sw_alert_dest_is_file(const char *dest);
/* sw_alert_syslog_open - SW_EXIT_USAGE for a malformed URL or unknown host. */
int sw_alert_syslog_open(struct sw_alert_syslog **out, const char *url, struct sw_err *err);
void sw_alert_syslog_close(struct sw_alert_syslog *s);
/* sw_alert_syslog_counts - messages sent, and lost (no receiver, socket full). */
void sw_alert_syslog_counts(const struct sw_alert_syslog *s, uint64_t *sent, uint64_t *lost);
void sw_alert_sink_rfc5424(const struct sw_alert *a, const char *json_line, void *arg);
/*
 * sw_alert_syslog_format - the RFC 5424 message of @a (pure: @host, @pid
 * given); its length, 0 when @size cannot hold the header. A JSON line
 * longer than the room left is cut.
 */
size_t sw_alert_syslog_format(const struct sw_alert *a, const char *json_line, const char *host,
			      int pid, char *buf, size_t size);

/*
 * A webhook (http:// or https:// URL): each alert's JSON line POSTed from a
 * thread of its own, tried again with backoff, through a bounded queue
 * (docs/alerts.md, "Sinks"). sw_alert_sink_webhook takes the handle as @arg.
 */
struct sw_alert_webhook;

struct sw_alert_webhook_counts {
	uint64_t sent;			/* alerts the receiver took (2xx) */
	uint64_t failed_attempts;	/* requests that failed, retried or not */
	uint64_t given_up;		/* alerts not delivered after every attempt, or at close */
	uint64_t dropped;		/* alerts that found the queue full */
};

bool sw_alert_webhook_is_url(const char *dest);
int sw_alert_webhook_open(struct sw_alert_webhook **out, const char *url, struct sw_err *err);
/* sw_alert_webhook_close - give the queue a few seconds, stop; @counts (may be NULL): the totals. */
void sw_alert_webhook_close(struct sw_alert_webhook *w, struct sw_alert_webhook_counts *counts);
void sw_alert_webhook_counts(struct sw_alert_webhook *w, struct sw_alert_webhook_counts *counts);
void sw_alert_sink_webhook(const struct sw_alert *a, const char *json_line, void *arg);

/*
 * sw_alert_sink_journal - the systemd journal, the JSON line as MESSAGE and
 * SEGWATCH_KIND, _SEVERITY, _SRC, _DST, _RULE, _COMMUNITY_ID, _COUNT fields;
 * @arg: a uint64_t counting messages the journal refused (or NULL).
 */
void sw_alert_sink_journal(const struct sw_alert *a, const char *json_line, void *arg);

#endif
