/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alerts during a capture; the engine itself is src/alert (docs/alerts.md). */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <jansson.h>
#include <segwatch/report.h>
#include <segwatch/text.h>

#include "alerting.h"

static void sw_conn_end(struct sw_alert_endpoint *e, const struct sw_resolver *r,
			const uint8_t addr[16], uint64_t ts)
{
	const struct sw_workload *wl = NULL;

	memcpy(e->addr, addr, 16);
	e->kind = sw_resolve_addr(r, addr, ts, &wl);
	e->wl = wl;
}

static void sw_conn_from_flow(struct sw_alert_conn *c, const struct sw_resolver *r,
			      const struct sw_flow *f)
{
	memset(c, 0, sizeof(*c));
	c->ts_us = sw_report_flow_first(f);
	c->proto = f->proto;
	c->sport = f->init_port;
	c->dport = f->resp_port;
	c->icmp_type = f->icmp_type;
	sw_conn_end(&c->src, r, f->init_addr, c->ts_us);
	sw_conn_end(&c->dst, r, f->resp_addr, c->ts_us);
}

void sw_alerting_flow_new(const struct sw_flow *f, void *arg)
{
	struct sw_alerting *al = arg;
	struct sw_alert_conn c;

	sw_conn_from_flow(&c, al->resolver, f);
	sw_alert_flow_new(al->engine, &c);
}

void sw_alerting_flow_end(struct sw_alerting *al, const struct sw_flow *f)
{
	struct sw_alert_conn c;

	if (!al->engine)
		return;
	sw_conn_from_flow(&c, al->resolver, f);
	sw_alert_flow_end(al->engine, &c, (enum sw_flow_state)f->state);
}

void sw_alerting_kernel_log(struct sw_alerting *al, const struct sw_nflog_rec *r)
{
	struct sw_alert_conn c = { 0 };

	if (!al->engine || r->action == SW_NFLOG_UNKNOWN || !r->decoded)
		return;
	c.ts_us = r->ts_us;
	c.proto = r->proto;
	c.sport = r->sport;
	c.dport = r->dport;
	c.icmp_type = r->icmp_type;
	sw_conn_end(&c.src, al->resolver, r->src, r->ts_us);
	sw_conn_end(&c.dst, al->resolver, r->dst, r->ts_us);
	sw_alert_kernel_log(al->engine, &c, r->action == SW_NFLOG_DENY ? SW_ALERT_KLOG_DENY :
			    SW_ALERT_KLOG_MONITOR, r->rule);
}

void sw_alerting_tick(struct sw_alerting *al, uint64_t now_us)
{
	if (!al->engine)
		return;
	if (now_us >= al->last_tick_us + 1000000) {
		sw_alert_tick(al->engine, now_us);
		al->last_tick_us = now_us;
	}
}

static int sw_alerting_load(struct sw_alerting *al, const struct sw_alerting_opts *o,
			    struct sw_alert_config *cfg, struct sw_err *err)
{
	struct sw_pol_diags d;
	json_error_t je;
	struct sw_json_err_text text;
	json_t *doc;
	int rc = SW_EXIT_OK;

	if (o->policy) {
		sw_pol_diags_init(&d);
		rc = sw_policy_load_file(o->policy, &al->policy, &d);
		if (rc == SW_EXIT_OK && d.n_errors)
			rc = SW_EXIT_USAGE;
		if (rc != SW_EXIT_OK)
			sw_err_set(err, rc, "%s: not a usable policy (segwatch policy check %s)",
				   o->policy, o->policy);
		sw_pol_diags_clear(&d);
	}
	if (rc == SW_EXIT_OK && o->baseline)
		rc = sw_baseline_load_file(o->baseline, &al->baseline, err);
	if (rc == SW_EXIT_OK && o->config) {
		doc = json_load_file(o->config, 0, &je);
		if (!doc)
			return sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", o->config, je.line,
					  je.column, sw_text_json_error(&text, &je));
		rc = sw_alert_config_from_json(cfg, doc, err);
		json_decref(doc);
	}
	return rc;
}

static int sw_alerting_sink_open(struct sw_alerting *al, const char *dest, sw_alert_sink_fn *fn,
				 void **arg, struct sw_err *err)
{
	if (strcmp(dest, "syslog") == 0) {
		openlog("segwatch", LOG_PID, LOG_DAEMON);
		*fn = sw_alert_sink_syslog;
		*arg = NULL;
		return SW_EXIT_OK;
	}
	al->out = strcmp(dest, "-") == 0 ? stdout : fopen(dest, "a");
	if (!al->out)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", dest);
	setvbuf(al->out, NULL, _IOLBF, 0); /* one alert, one line, at once */
	*fn = sw_alert_sink_file;
	*arg = al->out;
	return SW_EXIT_OK;
}

int sw_alerting_open(struct sw_alerting *al, const struct sw_alerting_opts *o,
		     const struct sw_resolver *resolver, struct sw_err *err)
{
	struct sw_alert_config cfg;
	sw_alert_sink_fn fn = NULL;
	void *arg = NULL;
	int rc;

	memset(al, 0, sizeof(*al));
	if (!o->dest)
		return SW_EXIT_OK;
	sw_resolver_init(&al->own, NULL);
	al->resolver = resolver ? resolver : &al->own;
	if (!sw_alert_config_defaults(&cfg))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	rc = sw_alerting_load(al, o, &cfg, err);
	if (rc == SW_EXIT_OK)
		rc = sw_alerting_sink_open(al, o->dest, &fn, &arg, err);
	if (rc == SW_EXIT_OK &&
	    !(al->engine = sw_alert_engine_alloc(&cfg, al->policy, al->baseline, fn, arg)))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_alert_config_clear(&cfg);
	if (rc != SW_EXIT_OK)
		sw_alerting_close(al);
	return rc;
}

void sw_alerting_close(struct sw_alerting *al)
{
	if (al->engine)
		sw_alert_flush(al->engine);
	sw_alert_engine_free(al->engine);
	sw_baseline_free(al->baseline);
	sw_policy_free(al->policy);
	if (al->out && al->out != stdout)
		fclose(al->out);
	else if (al->out)
		fflush(al->out);
	sw_resolver_clear(&al->own);
	memset(al, 0, sizeof(*al));
}

void sw_alerting_spoofers(struct sw_alerting *al, const struct sw_capture_counters *cnt,
			  const struct sw_registry *reg)
{
	for (unsigned i = 0; al->engine && i < cnt->n_spoofers && i < 16; i++) {
		const struct sw_capture_spoofer *sp = &cnt->spoofers[i];
		const struct sw_workload *wl = NULL;

		if (sp->packets == al->spoofed_seen[i])
			continue;
		al->spoofed_seen[i] = sp->packets;
		/* the workload behind the interface the forged frames came from */
		for (unsigned j = 0; reg && j < cnt->n_ifaces && !wl; j++)
			if (strcmp(cnt->ifaces[j].name, sp->iface) == 0)
				wl = sw_registry_lookup_ifindex(reg, cnt->ifaces[j].ifindex, sp->last_us);
		sw_alert_spoofed(al->engine, sp->last_us, wl, sp->addr);
	}
}
