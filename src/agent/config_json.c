/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The effective configuration as JSON (`segwatch agent check --json`):
 * every key, defaults included, durations and sizes written with units the
 * way an operator would, so the output is itself a valid config file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *sw_acfg_duration_text(uint64_t us, char *buf, size_t size)
{
	static const struct { char unit; uint64_t s; } parts[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	uint64_t s = us / SW_US;
	size_t o = 0;

	if (us % SW_US) {
		if (us % 1000 == 0)
			snprintf(buf, size, "%llums", (unsigned long long)(us / 1000));
		else
			snprintf(buf, size, "%lluus", (unsigned long long)us);
		return buf;
	}
	buf[0] = '\0';
	if (s == 0)
		snprintf(buf, size, "0s");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && o < size; i++) {
		if (s / parts[i].s == 0)
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%llu%c",
				      (unsigned long long)(s / parts[i].s), parts[i].unit);
		s %= parts[i].s;
	}
	return buf;
}

const char *sw_acfg_size_text(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };

	for (int i = 0; i < 4; i++) {
		uint64_t unit = 1ull << (10 * (4 - i));

		if (bytes && bytes % unit == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(bytes / unit), units[i]);
			return buf;
		}
	}
	snprintf(buf, size, "%lluB", (unsigned long long)bytes);
	return buf;
}

/* A string, or null for NULL. */
static json_t *sw_acfg_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *sw_acfg_json_duration(uint64_t us)
{
	char buf[64];

	return json_string(sw_acfg_duration_text(us, buf, sizeof(buf)));
}

static json_t *sw_acfg_json_size(uint64_t bytes)
{
	char buf[64];

	if (bytes % 1024)
		return json_integer((json_int_t)bytes);
	return json_string(sw_acfg_size_text(bytes, buf, sizeof(buf)));
}

static json_t *sw_acfg_json_capture(const struct sw_agent_capture_cfg *c)
{
	const struct sw_flow_config *f = &c->flow;
	json_t *ifaces = json_array();

	for (unsigned i = 0; i < c->opts.n_ifaces; i++)
		json_array_append_new(ifaces, json_string(c->opts.ifaces[i]));
	return json_pack("{s:o, s:o, s:i, s:I, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:s}",
			 "interfaces", ifaces, "filter", sw_acfg_json_str(c->opts.filter),
			 "snaplen", c->opts.snaplen, "max_flows", (json_int_t)f->max_flows,
			 "timeouts",
			 "tcp", sw_acfg_json_duration(f->idle_tcp_s * SW_US),
			 "tcp_closed", sw_acfg_json_duration(f->idle_tcp_closed_s * SW_US),
			 "udp", sw_acfg_json_duration(f->idle_udp_s * SW_US),
			 "icmp", sw_acfg_json_duration(f->idle_icmp_s * SW_US),
			 "other", sw_acfg_json_duration(f->idle_other_s * SW_US),
			 "active", sw_acfg_json_duration(f->active_s * SW_US),
			 "dedup", sw_agent_dedup_name(c->opts.dedup));
}

static json_t *sw_acfg_json_identity(const struct sw_agent_identity_cfg *id)
{
	json_t *inv = json_array();
	const char *engine = id->engine == SW_AGENT_ENGINE_OFF ? "off"
			     : id->engine == SW_AGENT_ENGINE_SOCKET ? id->engine_socket : "auto";

	for (unsigned i = 0; i < id->n_inventories; i++)
		json_array_append_new(inv, json_string(id->inventories[i]));
	return json_pack("{s:s, s:o, s:b}", "engine", engine, "inventories", inv, "kernel",
			 id->kernel);
}

static json_t *sw_acfg_json_history(const struct sw_agent_history_cfg *h)
{
	const struct sw_history_opts *o = &h->opts;

	if (!h->enabled)
		return json_false();
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:I}", "dir", o->dir,
			 "rotate_every", sw_acfg_json_duration(o->rotate_us),
			 "rotate_size", sw_acfg_json_size(o->rotate_bytes),
			 "keep_for", o->keep_us ? sw_acfg_json_duration(o->keep_us) : json_null(),
			 "keep_size", o->keep_bytes ? sw_acfg_json_size(o->keep_bytes) : json_null(),
			 "compress", o->compress, "queue", (json_int_t)o->queue_max);
}

static json_t *sw_acfg_json_metrics(const struct sw_agent_metrics_cfg *m)
{
	return json_pack("{s:o, s:I}", "listen", sw_acfg_json_str(m->listen), "group_pairs",
			 (json_int_t)m->group_pairs);
}

static json_t *sw_acfg_json_web(const struct sw_agent_web_cfg *w)
{
	if (!w->listen)
		return json_null();
	return json_pack("{s:s, s:o, s:o, s:I, s:I}", "listen", w->listen,
			 "token", sw_acfg_json_str(w->token),
			 "window", sw_acfg_json_duration(w->window_us),
			 "max_flows", (json_int_t)w->max_flows,
			 "max_alerts", (json_int_t)w->max_alerts);
}

/* "app,tier" as ["app", "tier"]; "" (every label) as null. */
static json_t *sw_acfg_json_label_keys(const char *keys)
{
	json_t *a;

	if (!*keys)
		return json_null();
	a = json_array();
	for (const char *p = keys; a && p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, len));
		p = comma ? comma + 1 : NULL;
	}
	return a;
}

static json_t *sw_acfg_json_ipfix(const struct sw_agent_ipfix_cfg *x)
{
	if (!x->collector)
		return json_null();
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "collector", x->collector,
			 "mode", sw_ipfix_mode_name(x->opts.mode),
			 "enterprise_number", (json_int_t)x->opts.pen,
			 "observation_domain", (json_int_t)x->opts.domain,
			 "template_refresh", (json_int_t)x->opts.template_refresh_s,
			 "labels", sw_acfg_json_label_keys(x->opts.label_keys));
}

char *sw_agent_config_json(const struct sw_agent_config *cfg, size_t flags)
{
	const struct sw_agent_policy_cfg *p = &cfg->policy;
	const struct sw_agent_alerts_cfg *a = &cfg->alerts;
	json_t *root;
	char *text;

	root = json_pack("{s:o, s:o, s:{s:o, s:o, s:s, s:s, s:o, s:b}, s:{s:o, s:o, s:o, s:s}, s:o, "
			 "s:{s:s, s:s}, s:{s:I, s:I}}",
			 "capture", sw_acfg_json_capture(&cfg->capture),
			 "identity", sw_acfg_json_identity(&cfg->identity),
			 "policy", "file", sw_acfg_json_str(p->file),
			 "staged", sw_acfg_json_str(p->staged),
			 "mode", sw_agent_policy_mode_name(p->mode),
			 "on_stop", sw_agent_on_stop_name(p->on_stop),
			 "nflog_group", p->nflog_group < 0 ? json_null() : json_integer(p->nflog_group),
			 "watch_file", p->watch_file,
			 "alerts", "output", sw_acfg_json_str(a->output),
			 "baseline", sw_acfg_json_str(a->baseline),
			 "config", sw_acfg_json_str(a->config),
			 "format", sw_alert_format_name(a->format),
			 "history", sw_acfg_json_history(&cfg->history),
			 "log", "level", sw_agent_log_level_name(cfg->log.level),
			 "target", sw_agent_log_target_name(cfg->log.target),
			 "limits", "identity_versions", (json_int_t)cfg->limits.identity_versions,
			 "kernel_log_records", (json_int_t)cfg->limits.kernel_log_records);
	if (root)
		json_object_set_new(root, "metrics", sw_acfg_json_metrics(&cfg->metrics));
	if (!root)
		return NULL;
	json_object_set_new(root, "ipfix", sw_acfg_json_ipfix(&cfg->ipfix));
	json_object_set_new(root, "web", sw_acfg_json_web(&cfg->web));
	text = json_dumps(root, flags);
	json_decref(root);
	return text;
}
