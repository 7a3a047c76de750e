// SPDX-License-Identifier: GPL-2.0-or-later
/* events.c - flow ends toward sensitive groups, spoofed sources, kernel log records. */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <segwatch/learn.h>

#include <segwatch/report.h>

#include "internal.h"

static bool sw_alert_name_listed(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

bool sw_alert_endpoint_named(const struct sw_alert_engine *e, const struct sw_alert_endpoint *ep,
			     char *const *names, size_t n)
{
	char node[SW_LEARN_NODE_MAX];
	const struct sw_policy *p = e->policy;

	if (!n)
		return false;
	sw_learn_endpoint_node(ep->wl, ep->addr, e->cfg.group_by, node, sizeof(node));
	if (sw_alert_name_listed(names, n, node))
		return true;
	for (size_t g = 0; p && g < p->n_groups; g++)
		if (sw_alert_name_listed(names, n, p->groups[g].name) &&
		    sw_policy_group_selects(p, g, ep->wl, ep->addr))
			return true;
	return false;
}

/* sw_alert_is_sensitive - @ep is in a sensitive policy group, or its group_by node is one. */
static bool sw_alert_is_sensitive(const struct sw_alert_engine *e,
				  const struct sw_alert_endpoint *ep)
{
	return sw_alert_endpoint_named(e, ep, e->cfg.sensitive, e->cfg.n_sensitive);
}

void sw_alert_flow_end(struct sw_alert_engine *e, const struct sw_alert_conn *c,
		       enum sw_flow_state state)
{
	struct sw_alert_event ev = { .kind = SW_ALERT_REFUSED_OR_UNANSWERED,
				     .severity = SW_ALERT_SEV_HIGH, .ts_us = c->ts_us,
				     .conn = c, .src = &c->src, .dst = &c->dst,
				     .origin = "capture", .dropped = -1,
				     .state = sw_flow_state_name(state),
				     .message = "refused or unanswered attempt toward a sensitive group" };

	/* a first contact still pending (no answer hook, or it missed it): judged by the end */
	sw_scan_flow_result(e, c, state == SW_FLOW_ATTEMPTED ? SW_SCAN_UNANSWERED
				  : state == SW_FLOW_REFUSED ? SW_SCAN_REFUSED
							      : SW_SCAN_ANSWERED, 0);
	if (state != SW_FLOW_ATTEMPTED && state != SW_FLOW_REFUSED)
		return;
	if (!e->cfg.enabled[ev.kind] || !sw_alert_is_sensitive(e, &c->dst) ||
	    sw_alert_conn_ignored(e, c))
		return;
	sw_alert_raise(e, &ev);
}

/* Keyed per workload (or source address when none): one key whatever addresses it forges. */
void sw_alert_spoofed(struct sw_alert_engine *e, uint64_t ts_us, const struct sw_workload *wl,
		      const uint8_t addr[16])
{
	struct sw_alert_endpoint src = { .wl = wl, .kind = wl ? SW_EP_WORKLOAD : SW_EP_NONE };
	struct sw_alert_event ev = { .kind = SW_ALERT_SPOOFED_SOURCE,
				     .severity = SW_ALERT_SEV_HIGH, .ts_us = ts_us, .src = &src,
				     .origin = "capture", .dropped = -1,
				     .message = "packets with a source address that is not the sender's" };
	memcpy(src.addr, addr, 16);
	sw_alert_raise(e, &ev);
}

void sw_alert_kernel_log(struct sw_alert_engine *e, const struct sw_alert_conn *c,
			 enum sw_alert_klog_action action, int rule)
{
	char rbuf[32];
	struct sw_alert_event ev = { .kind = SW_ALERT_POLICY_VIOLATION, .ts_us = c->ts_us,
				     .conn = c, .src = &c->src, .dst = &c->dst,
				     .origin = "kernel" };

	if (rule < 0) {
		ev.rule = sw_report_klog_rule_word(rule) ? sw_report_klog_rule_word(rule) : "default";
	} else if (e->policy && (size_t)rule < e->policy->n_rules) {
		ev.rule = e->policy->rules[rule].name;
	} else {
		snprintf(rbuf, sizeof(rbuf), "rules/%d", rule);
		ev.rule = rbuf;
	}
	ev.dropped = action == SW_ALERT_KLOG_DENY;
	ev.verdict_mode = action == SW_ALERT_KLOG_DENY ? "enforce" : "monitor";
	ev.severity = action == SW_ALERT_KLOG_DENY ? SW_ALERT_SEV_MEDIUM : SW_ALERT_SEV_HIGH;
	ev.message = action == SW_ALERT_KLOG_DENY ? "packet dropped by the policy"
						  : "packet the policy would drop (monitor mode)";
	sw_alert_raise(e, &ev);
}

void sw_alert_sink_file(const struct sw_alert *a, const char *json_line, void *arg)
{
	FILE *f = arg;

	(void)a;
	fputs(json_line, f);
	fputc('\n', f);
	fflush(f);
}

void sw_alert_sink_syslog(const struct sw_alert *a, const char *json_line, void *arg)
{
	static const int prio[] = { LOG_NOTICE, LOG_WARNING, LOG_ALERT };

	(void)arg;
	syslog(prio[a->severity <= SW_ALERT_SEV_HIGH ? a->severity : SW_ALERT_SEV_HIGH], "%s",
	       json_line);
}

bool sw_alert_dest_is_file(const char *dest)
{
	return strcmp(dest, "syslog") != 0 && strcmp(dest, "stderr") != 0 &&
	       strcmp(dest, "journald") != 0 && !sw_alert_syslog_is_url(dest) &&
	       !sw_alert_webhook_is_url(dest);
}
