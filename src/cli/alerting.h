/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_ALERTING_H
#define SW_CLI_ALERTING_H

/*
 * Lateral-movement alerts during a capture: flows as they begin and end,
 * and the kernel's log of denied packets, fed to the alert engine.
 */

#include <segwatch/alert.h>
#include <segwatch/capture.h>
#include <segwatch/flow.h>
#include <segwatch/learn.h>
#include <segwatch/nflog.h>
#include <segwatch/policy.h>
#include <segwatch/workload.h>

struct sw_alerting_opts {
	const char *dest;		/* "-" stdout, "syslog", or a file; NULL: no alerts */
	const char *policy;		/* for violations; may be NULL */
	const char *baseline;		/* for new edges; may be NULL */
	const char *config;		/* JSON thresholds (docs/alerts.md); may be NULL */
};

struct sw_alerting {
	struct sw_alert_engine *engine;
	struct sw_policy *policy;
	struct sw_baseline *baseline;
	const struct sw_resolver *resolver;
	struct sw_resolver own;		/* when the capture has no identity sources */
	FILE *out;
	uint64_t last_tick_us;
	uint64_t spoofed_seen[16];	/* packets of each capture spoofer already alerted */
};

int sw_alerting_open(struct sw_alerting *al, const struct sw_alerting_opts *o,
		     const struct sw_resolver *resolver, struct sw_err *err);
/* Flow-table hooks: a flow begins / ends. */
void sw_alerting_flow_new(const struct sw_flow *f, void *arg);
void sw_alerting_flow_end(struct sw_alerting *al, const struct sw_flow *f);
/* One packet of the kernel's log (read by the capture's NFLOG socket, src/cli/klog.c). */
void sw_alerting_kernel_log(struct sw_alerting *al, const struct sw_nflog_rec *r);
/* Capture tick: the engine's timers. */
void sw_alerting_tick(struct sw_alerting *al, uint64_t now_us);
/* Spoofed sources the capture counted since the last call (@reg names the workload). */
void sw_alerting_spoofers(struct sw_alerting *al, const struct sw_capture_counters *cnt,
			  const struct sw_registry *reg);
void sw_alerting_close(struct sw_alerting *al);

#endif
