/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "alerts" sink: flows as they begin and end, the kernel's logged
 * packets and spoofed sources, fed to the alert engine (src/alert,
 * docs/alerts.md), whose alerts go to a file, stdout, stderr or syslog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <segwatch/alert.h>
#include <segwatch/learn.h>
#include <segwatch/outfile.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "internal.h"

struct sw_sink_alerts {
	struct sw_pipeline *p;
	struct sw_alert_engine *engine;
	struct sw_policy *policy;
	struct sw_baseline *baseline;
	/* without identity sources: still host, external or multicast */
	struct sw_resolver own;
	FILE *out;
	struct sw_outfile *of;	/* a file: appended to (refused if not a regular file) */
	bool syslog;
	struct sw_alert_syslog *rfc5424;	/* syslog+unix:// or syslog+udp:// */
	uint64_t journal_lost;			/* messages the journal refused */
	struct sw_alert_webhook *webhook;	/* http:// or https:// */
	uint64_t last_tick_us;
	uint64_t spoofed_seen[16];
	/* the destination, and a copy of each line to the tee (the live graph's feed) */
	sw_alert_sink_fn dest_fn;
	void *dest_arg;
	sw_sink_alerts_tee_fn tee;
	void *tee_arg;	/* packets of each capture spoofer already alerted */
};

static void sw_conn_end(struct sw_alert_endpoint *e, const uint8_t addr[16], uint8_t kind,
			const struct sw_workload *wl)
{
	memcpy(e->addr, addr, 16);
	e->kind = (enum sw_endpoint_kind)kind;
	e->wl = wl;
}

/*
 * The connection of a resolved flow; its ends are resolved here only when
 * nothing resolved them. Its Community ID (a SHA-1) only when @cid.
 */
static void sw_conn_from_rec(struct sw_sink_alerts *a, struct sw_alert_conn *c,
			     const struct sw_flow_rec *r, bool cid)
{
	struct sw_flow_ident own;
	const struct sw_flow_ident *id = &r->id;

	memset(c, 0, sizeof(*c));
	c->ts_us = sw_flow_first_us(&r->f);
	c->proto = r->f.proto;
	c->sport = r->f.init_port;
	c->dport = r->f.resp_port;
	c->icmp_type = r->f.icmp_type;
	if (cid)
		sw_flow_community_id(&r->f, 0, c->community_id);
	/* a replayed record comes resolved already (from the history's names) */
	if (!sw_pipeline_resolver(a->p) && id->kind[0] == SW_EP_NONE && id->kind[1] == SW_EP_NONE) {
		sw_flow_ident_resolve_addrs(&own, &a->own, r->f.init_addr, r->f.resp_addr, c->ts_us);
		id = &own;
	}
	sw_conn_end(&c->src, r->f.init_addr, id->kind[0], id->wl[0]);
	sw_conn_end(&c->dst, r->f.resp_addr, id->kind[1], id->wl[1]);
}

static bool sw_alerts_flow_new(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_alerts *a = priv;
	struct sw_alert_conn c;

	sw_conn_from_rec(a, &c, r, true);
	return sw_alert_flow_new(a->engine, &c);
}

static void sw_alerts_flow_answered(void *priv, const struct sw_flow_rec *r, bool refused,
				    uint64_t ts_us)
{
	struct sw_sink_alerts *a = priv;
	struct sw_alert_conn c;

	/* an answer is a success and raises nothing: only a refusal may name the flow */
	sw_conn_from_rec(a, &c, r, refused);
	c.ts_us = ts_us; /* the answer's time, not the flow's first packet */
	sw_alert_flow_answered(a->engine, &c, refused);
}

static void sw_alerts_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_alerts *a = priv;
	struct sw_alert_conn c;

	/*
	 * An answered flow's end tells the engine nothing new: its answer came
	 * through flow_answered when a first contact waited on it, and only a
	 * refused or unanswered flow raises anything. Most flows stop here,
	 * before the Community ID and the scan table are looked at.
	 */
	if (r->f.state != SW_FLOW_ATTEMPTED && r->f.state != SW_FLOW_REFUSED)
		return;
	sw_conn_from_rec(a, &c, r, true);
	sw_alert_flow_end(a->engine, &c, (enum sw_flow_state)r->f.state);
}

/* The Community ID of the flow a logged packet belongs to (its sender as initiator). */
static void sw_klog_community_id(const struct sw_nflog_rec *r, char out[SW_COMMUNITY_ID_LEN])
{
	struct sw_flow f = { .family = r->family, .proto = r->proto, .icmp_type = r->icmp_type,
			     .icmp_code = r->icmp_code, .init_port = r->sport, .resp_port = r->dport };

	memcpy(f.init_addr, r->src, 16);
	memcpy(f.resp_addr, r->dst, 16);
	sw_flow_community_id(&f, 0, out);
}

/*
 * An L2 guard record: the workload is the one behind the port the frame
 * came in on (its addresses are what it forged, so not them).
 */
static void sw_alerts_l2spoof(struct sw_sink_alerts *a, const struct sw_nflog_rec *r)
{
	struct sw_identity *id = sw_pipeline_identity(a->p);
	const struct sw_registry *reg = id ? sw_identity_registry(id) : NULL;
	const struct sw_workload *wl = NULL;
	char ifname[IF_NAMESIZE] = "";
	struct sw_alert_l2spoof s = { .ts_us = r->ts_us, .forged = r->spoof,
				      .has_mac = r->has_spoof_mac, .has_addr = r->has_spoof_addr,
				      .dropped = !r->spoof_monitor };

	if (r->port && reg)
		wl = sw_registry_lookup_ifindex(reg, (int)r->port, r->ts_us);
	if (!wl && r->port && reg)
		wl = sw_registry_lookup_ifindex(reg, (int)r->port, SW_REG_NOW);
	s.wl = wl && reg ? sw_registry_merged(reg, wl, SW_REG_NOW) : NULL;
	if (r->port && if_indextoname(r->port, ifname))
		s.iface = ifname;
	memcpy(s.mac, r->spoof_mac, 6);
	memcpy(s.addr, r->spoof_addr, 16);
	sw_alert_spoofed_l2(a->engine, &s);
}

static void sw_alerts_klog(void *priv, const struct sw_klog_event *e)
{
	struct sw_sink_alerts *a = priv;
	const struct sw_nflog_rec *r = e->rec;
	struct sw_flow_ident own;
	const struct sw_flow_ident *id = &e->id;
	struct sw_alert_conn c = { 0 };

	if (r->spoof[0]) {
		sw_alerts_l2spoof(a, r);
		return;
	}
	if (r->action == SW_NFLOG_UNKNOWN || !r->decoded)
		return;
	c.ts_us = r->ts_us;
	c.proto = r->proto;
	c.sport = r->sport;
	c.dport = r->dport;
	c.icmp_type = r->icmp_type;
	sw_klog_community_id(r, c.community_id);
	if (!sw_pipeline_resolver(a->p)) {
		sw_flow_ident_resolve_addrs(&own, &a->own, r->src, r->dst, r->ts_us);
		id = &own;
	}
	sw_conn_end(&c.src, r->src, id->kind[0], id->wl[0]);
	sw_conn_end(&c.dst, r->dst, id->kind[1], id->wl[1]);
	sw_alert_kernel_log(a->engine, &c, r->action == SW_NFLOG_DENY ? SW_ALERT_KLOG_DENY :
			    SW_ALERT_KLOG_MONITOR, r->rule);
}

/* Spoofed sources the capture counted since the last tick, named by their interface. */
static void sw_alerts_spoofers(struct sw_sink_alerts *a)
{
	struct sw_capture *cap = sw_pipeline_capture(a->p);
	struct sw_identity *id = sw_pipeline_identity(a->p);
	const struct sw_registry *reg = id ? sw_identity_registry(id) : NULL;
	const struct sw_capture_counters *cnt;

	if (!cap)
		return;
	cnt = sw_capture_counters(cap);
	for (unsigned i = 0; i < cnt->n_spoofers && i < 16; i++) {
		const struct sw_capture_spoofer *sp = &cnt->spoofers[i];
		const struct sw_workload *wl = NULL;

		if (sp->packets == a->spoofed_seen[i])
			continue;
		a->spoofed_seen[i] = sp->packets;
		for (unsigned j = 0; reg && j < cnt->n_ifaces && !wl; j++)
			if (strcmp(cnt->ifaces[j].name, sp->iface) == 0)
				wl = sw_registry_merged(reg, sw_registry_lookup_ifindex(
					reg, cnt->ifaces[j].ifindex, sp->last_us), sp->last_us);
		sw_alert_spoofed(a->engine, sp->last_us, wl, sp->addr);
	}
}

static void sw_alerts_tick(void *priv, uint64_t now_us)
{
	struct sw_sink_alerts *a = priv;

	sw_alerts_spoofers(a);
	if (now_us >= a->last_tick_us + 1000000) {
		sw_alert_tick(a->engine, now_us);
		a->last_tick_us = now_us;
	}
}

static void sw_alerts_finish(void *priv)
{
	struct sw_sink_alerts *a = priv;

	sw_alerts_spoofers(a);
	sw_alert_flush(a->engine); /* the last summaries go out */
}

static int sw_alerts_load_config(const char *path, struct sw_alert_config *cfg,
				 struct sw_err *err)
{
	return sw_alert_config_load_file(cfg, path, err);
}

static int sw_alerts_load(struct sw_sink_alerts *a, const struct sw_sink_alerts_opts *o,
			  struct sw_alert_config *cfg, struct sw_err *err)
{
	struct sw_pol_diags d;
	int rc = SW_EXIT_OK;

	if (o->policy_obj) {
		a->policy = sw_policy_ref(o->policy_obj);
	} else if (o->policy) {
		sw_pol_diags_init(&d);
		rc = sw_policy_load_file(o->policy, &a->policy, &d);
		if (rc == SW_EXIT_OK && d.n_errors)
			rc = SW_EXIT_USAGE;
		if (rc != SW_EXIT_OK)
			sw_err_set(err, rc, "%s: not a usable policy (segwatch policy check %s)",
				   o->policy, o->policy);
		sw_pol_diags_clear(&d);
	}
	if (rc == SW_EXIT_OK && o->baseline)
		rc = sw_baseline_load_file(o->baseline, &a->baseline, err);
	if (rc == SW_EXIT_OK && o->config)
		rc = sw_alerts_load_config(o->config, cfg, err);
	cfg->format = o->format;
	if (rc == SW_EXIT_OK && o->format == SW_ALERT_FORMAT_ECS) {
		char host[256];

		/* ECS observer.hostname: which host's agent raised it, once collected */
		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			if (!(cfg->host = strdup(host)))
				rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		}
	}
	return rc;
}

static int sw_alerts_dest_open(struct sw_sink_alerts *a, const char *dest, sw_alert_sink_fn *fn,
			       void **arg, struct sw_err *err)
{
	if (strcmp(dest, "syslog") == 0) {
		openlog("segwatch", LOG_PID, LOG_DAEMON);
		a->syslog = true;
		*fn = sw_alert_sink_syslog;
		*arg = NULL;
		return SW_EXIT_OK;
	}
	if (sw_alert_syslog_is_url(dest)) {
		int rc = sw_alert_syslog_open(&a->rfc5424, dest, err);

		*fn = sw_alert_sink_rfc5424;
		*arg = a->rfc5424;
		return rc;
	}
	if (sw_alert_webhook_is_url(dest)) {
		int rc = sw_alert_webhook_open(&a->webhook, dest, err);

		*fn = sw_alert_sink_webhook;
		*arg = a->webhook;
		return rc;
	}
	if (strcmp(dest, "journald") == 0) {
		*fn = sw_alert_sink_journal;
		*arg = &a->journal_lost;
		return SW_EXIT_OK;
	}
	if (strcmp(dest, "-") == 0)
		a->out = stdout;
	else if (strcmp(dest, "stderr") == 0)
		a->out = stderr;
	else if (sw_outfile_open(&a->of, dest, "alerts", SW_OUTFILE_APPEND, NULL, err) == SW_EXIT_OK)
		a->out = sw_outfile_stream(a->of);
	else
		return err->code;
	setvbuf(a->out, NULL, _IOLBF, 0); /* one alert, one line, at once */
	*fn = sw_alert_sink_file;
	*arg = a->out;
	return SW_EXIT_OK;
}

static void sw_alerts_tee(const struct sw_alert *al, const char *json_line, void *arg)
{
	struct sw_sink_alerts *a = arg;

	a->dest_fn(al, json_line, a->dest_arg);
	a->tee(al->ts_us, json_line, a->tee_arg);
}

static bool sw_alerts_close(void *priv)
{
	struct sw_sink_alerts *a = priv;
	bool ok = true;

	if (!a)
		return true;
	if (a->engine)
		sw_alert_flush(a->engine); /* a run that failed still says what it had */
	sw_alert_engine_free(a->engine);
	sw_baseline_free(a->baseline);
	sw_policy_free(a->policy);
	if (a->of)
		ok = sw_outfile_commit(a->of, &(struct sw_err){ 0 }) == SW_EXIT_OK;
	else if (a->out)
		ok = fflush(a->out) == 0;
	sw_alert_syslog_close(a->rfc5424);
	if (a->webhook) { /* after the flush: summaries go too */
		struct sw_alert_webhook_counts wc;

		sw_alert_webhook_close(a->webhook, &wc);
		ok = ok && wc.given_up == 0 && wc.dropped == 0;
	}
	sw_resolver_clear(&a->own);
	free(a);
	return ok;
}

static int sw_alerts_open(struct sw_pipeline *p, const void *opts, void **priv, struct sw_err *err)
{
	const struct sw_sink_alerts_opts *o = opts;
	struct sw_sink_alerts *a = calloc(1, sizeof(*a));
	struct sw_alert_config cfg;
	sw_alert_sink_fn fn = NULL;
	void *arg = NULL;
	int rc;

	if (!a || !sw_alert_config_defaults(&cfg)) {
		free(a);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	a->p = p;
	sw_resolver_init(&a->own, NULL);
	rc = sw_alerts_load(a, o, &cfg, err);
	if (rc == SW_EXIT_OK)
		rc = sw_alerts_dest_open(a, o->dest ? o->dest : "-", &fn, &arg, err);
	if (rc == SW_EXIT_OK && o->tee) {
		a->dest_fn = fn;
		a->dest_arg = arg;
		a->tee = o->tee;
		a->tee_arg = o->tee_arg;
		fn = sw_alerts_tee;
		arg = a;
	}
	if (rc == SW_EXIT_OK &&
	    !(a->engine = sw_alert_engine_alloc(&cfg, a->policy, a->baseline, fn, arg)))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_alert_config_clear(&cfg);
	if (rc != SW_EXIT_OK) {
		sw_alerts_close(a);
		return rc;
	}
	*priv = a;
	return SW_EXIT_OK;
}

void sw_sink_alerts_health(struct sw_sink *sink, uint64_t ts_us, const char *event, int severity,
			   const char *detail, uint64_t count)
{
	struct sw_sink_alerts *a = sw_pipeline_sink_priv(sink);

	sw_alert_health(a->engine, ts_us, event, (enum sw_alert_severity)severity, detail, count);
}

const struct sw_alert_stats *sw_sink_alerts_stats(struct sw_sink *sink)
{
	struct sw_sink_alerts *a = sw_pipeline_sink_priv(sink);

	return a ? sw_alert_engine_stats(a->engine) : NULL;
}

bool sw_sink_alerts_delivery(struct sw_sink *sink, struct sw_alert_delivery *out)
{
	struct sw_sink_alerts *a = sw_pipeline_sink_active(sink) ? sw_pipeline_sink_priv(sink) : NULL;
	uint64_t sent, lost = 0;

	memset(out, 0, sizeof(*out));
	if (!a)
		return false;
	if (a->rfc5424)
		sw_alert_syslog_counts(a->rfc5424, &sent, &lost);
	out->refused = lost + a->journal_lost;
	if (a->webhook) {
		struct sw_alert_webhook_counts wc;

		sw_alert_webhook_counts(a->webhook, &wc);
		out->queue_full = wc.dropped;
		out->gave_up = wc.given_up;
		out->failed_attempts = wc.failed_attempts;
	}
	return true;
}

const struct sw_sink_ops sw_sink_alerts_ops = {
	.name = "alerts",
	.open = sw_alerts_open,
	.flow_new = sw_alerts_flow_new,
	.flow_answered = sw_alerts_flow_answered,
	.flow_end = sw_alerts_flow_end,
	.klog = sw_alerts_klog,
	.tick = sw_alerts_tick,
	.finish = sw_alerts_finish,
	.close = sw_alerts_close,
};
