/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's config file (docs/agent.md "Configuration"): defaults that run
 * a sensible agent on a plain Docker or Podman host, then the keys of the
 * file, one table per section. The file is read whole (bounded), parsed by
 * jansson (syntax errors with line and column), then walked once: every
 * error is reported, not only the first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <segwatch/alert.h>
#include <segwatch/metrics.h>
#include <segwatch/nflog.h>
#include <segwatch/text.h>
#include <segwatch/web.h>

#include "internal.h"

#define SW_ACFG_OFF(member) offsetof(struct sw_agent_config, member)
#define SW_ACFG_N(a) (sizeof(a) / sizeof((a)[0]))
#define SW_ACFG_DAY (86400 * SW_US)
#define SW_ACFG_MONTH (30 * SW_ACFG_DAY)
#define SW_ACFG_KEY(n, t, member) .name = (n), .type = (t), .off = SW_ACFG_OFF(member)
#define SW_ACFG_FN(n, f) .name = (n), .type = SW_ACFG_CUSTOM, .fn = (f)
#define SW_ACFG_ENUM_OF(a) .names = (a), .n_names = SW_ACFG_N(a)

/* The registry keeps this many bindings per address today (src/workload/registry.c). */
#define SW_ACFG_IDENTITY_VERSIONS 16

const char *const sw_acfg_level_names[5] = { "debug", "info", "notice", "warning", "error" };
const int sw_acfg_level_values[5] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR };
static const char *const sw_acfg_dedup_names[] = { "auto", "on", "off" };
static const char *const sw_acfg_mode_names[] = { "enforce", "judge" };
static const char *const sw_acfg_on_stop_names[] = { "keep", "remove" };
static const char *const sw_acfg_target_names[] = { "auto", "stderr", "journal" };
static const char *const sw_acfg_ipfix_mode_names[] = { "biflow", "uniflow" };
/* in the order of enum sw_alert_format */
static const char *const sw_acfg_alert_format_names[] = { "segwatch", "ecs" };

void sw_agent_config_defaults(struct sw_agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->capture.opts.dedup = SW_DEDUP_AUTO;
	cfg->capture.opts.snaplen = 256;
	sw_flow_config_defaults(&cfg->capture.flow);
	cfg->identity.engine = SW_AGENT_ENGINE_AUTO;
	cfg->identity.kernel = true;
	cfg->policy.mode = SW_AGENT_POLICY_ENFORCE;
	cfg->policy.on_stop = SW_AGENT_ON_STOP_KEEP;
	cfg->policy.nflog_group = SW_NFLOG_GROUP_DEFAULT;
	cfg->policy.watch_file = true;
	cfg->history.enabled = true;
	cfg->history.opts.dir = SW_AGENT_HISTORY_DIR;
	cfg->history.opts.rotate_us = 3600 * SW_US;
	cfg->history.opts.rotate_bytes = 64ull << 20;
	cfg->history.opts.keep_us = 7 * SW_ACFG_DAY;
	cfg->history.opts.keep_bytes = 1ull << 30;
	cfg->history.opts.compress = true;
	cfg->history.opts.queue_max = 65536;
	cfg->ipfix.opts.mode = SW_IPFIX_BIFLOW;
	cfg->ipfix.opts.pen = SW_IPFIX_PEN_DEFAULT;
	cfg->ipfix.opts.template_refresh_s = SW_IPFIX_TEMPLATE_REFRESH_DEFAULT;
	cfg->log.level = LOG_INFO;
	cfg->log.target = SW_AGENT_LOG_AUTO;
	cfg->limits.identity_versions = SW_ACFG_IDENTITY_VERSIONS;
	cfg->limits.kernel_log_records = SW_NFLOG_AGG_MAX_DEFAULT;
	cfg->metrics.listen = SW_METRICS_LISTEN_DEFAULT;
	cfg->metrics.group_pairs = SW_METRICS_PAIRS_DEFAULT;
	cfg->web.listen = SW_WEB_LISTEN_DEFAULT;
	cfg->web.window_us = SW_WEB_WINDOW_DEFAULT_US;
	cfg->web.max_flows = SW_WEB_MAX_FLOWS_DEFAULT;
	cfg->web.max_alerts = SW_WEB_MAX_ALERTS_DEFAULT;
}

void sw_agent_config_clear(struct sw_agent_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_owned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	free(cfg->ifaces);
	sw_agent_config_defaults(cfg);
}

/* ---- capture ---- */

/* An interface name as the kernel accepts it (dev_valid_name). */
static bool sw_acfg_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || (unsigned char)*s <= 0x20 ||
		    (unsigned char)*s == 0x7f)
			return false;
	return true;
}

static bool sw_acfg_iface(struct sw_acfg_ctx *c, const json_t *v)
{
	struct sw_agent_config *cfg = c->cfg;
	struct sw_quote q;
	const char *s;

	if (!json_is_string(v))
		return sw_acfg_err(c, "expected an interface name, got %s", sw_text_json_type(v));
	s = json_string_value(v);
	if (!sw_acfg_ifname_ok(s) || json_string_length(v) != strlen(s))
		return sw_acfg_err(c, "%s is not an interface name (1 to 15 bytes, no '/', ':' "
				      "or spaces)", sw_text_quote(&q, s));
	for (unsigned i = 0; i < cfg->capture.opts.n_ifaces; i++)
		if (strcmp(cfg->ifaces[i], s) == 0)
			return sw_acfg_err(c, "%s is listed twice", sw_text_quote(&q, s));
	if (!(s = sw_acfg_strdup(c, s)))
		return false;
	cfg->ifaces[cfg->capture.opts.n_ifaces++] = s;
	return true;
}

static bool sw_acfg_interfaces(struct sw_acfg_ctx *c, const json_t *v)
{
	struct sw_agent_config *cfg = c->cfg;
	bool ok = true;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return sw_acfg_err(c, "expected an array of interface names, got %s",
				   sw_text_json_type(v));
	if (json_array_size(v) > SW_CAPTURE_MAX_IFACES)
		return sw_acfg_err(c, "%zu interfaces: at most %d", json_array_size(v),
				   SW_CAPTURE_MAX_IFACES);
	if (json_array_size(v) == 0)
		return true;
	cfg->ifaces = calloc(json_array_size(v), sizeof(*cfg->ifaces));
	if (!cfg->ifaces) {
		c->nomem = true;
		return false;
	}
	cfg->capture.opts.ifaces = cfg->ifaces;
	json_array_foreach(v, i, e) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		ok &= sw_acfg_iface(c, e);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static const struct sw_acfg_key sw_acfg_timeout_keys[] = {
	{ SW_ACFG_KEY("tcp", SW_ACFG_SECONDS, capture.flow.idle_tcp_s),
	  .min = SW_US, .max = SW_ACFG_MONTH },
	{ SW_ACFG_KEY("tcp_closed", SW_ACFG_SECONDS, capture.flow.idle_tcp_closed_s),
	  .min = SW_US, .max = SW_ACFG_MONTH },
	{ SW_ACFG_KEY("udp", SW_ACFG_SECONDS, capture.flow.idle_udp_s),
	  .min = SW_US, .max = SW_ACFG_MONTH },
	{ SW_ACFG_KEY("icmp", SW_ACFG_SECONDS, capture.flow.idle_icmp_s),
	  .min = SW_US, .max = SW_ACFG_MONTH },
	{ SW_ACFG_KEY("other", SW_ACFG_SECONDS, capture.flow.idle_other_s),
	  .min = SW_US, .max = SW_ACFG_MONTH },
	{ SW_ACFG_KEY("active", SW_ACFG_SECONDS, capture.flow.active_s),
	  .min = SW_US, .max = SW_ACFG_MONTH },
};

static bool sw_acfg_timeouts(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_section(c, v, sw_acfg_timeout_keys, SW_ACFG_N(sw_acfg_timeout_keys));
}

static const struct sw_acfg_key sw_acfg_capture_keys[] = {
	{ SW_ACFG_FN("interfaces", sw_acfg_interfaces) },
	{ SW_ACFG_KEY("filter", SW_ACFG_STRING, capture.opts.filter), .nullable = true },
	{ SW_ACFG_KEY("snaplen", SW_ACFG_INT, capture.opts.snaplen), .min = 64, .max = 262144 },
	{ SW_ACFG_KEY("max_flows", SW_ACFG_U32, capture.flow.max_flows), .min = 1, .max = 1u << 31 },
	{ SW_ACFG_FN("timeouts", sw_acfg_timeouts) },
	{ SW_ACFG_KEY("dedup", SW_ACFG_ENUM, capture.opts.dedup),
	  SW_ACFG_ENUM_OF(sw_acfg_dedup_names) },
};

static bool sw_acfg_capture(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_section(c, v, sw_acfg_capture_keys, SW_ACFG_N(sw_acfg_capture_keys));
}

/* ---- identity ---- */

static bool sw_acfg_engine(struct sw_acfg_ctx *c, const json_t *v)
{
	static const char *const names[] = { "auto", "off" };
	struct sw_agent_identity_cfg *id = &c->cfg->identity;
	struct sw_quote q, s;
	const char *text, *hint;

	if (!json_is_string(v))
		return sw_acfg_err(c, "expected \"auto\", \"off\" or the path of the engine's "
				      "socket, got %s", sw_text_json_type(v));
	text = json_string_value(v);
	if (strcmp(text, "auto") == 0 || strcmp(text, "off") == 0) {
		id->engine = text[0] == 'a' ? SW_AGENT_ENGINE_AUTO : SW_AGENT_ENGINE_OFF;
		id->engine_socket = NULL;
		return true;
	}
	if (text[0] != '/') {
		hint = sw_text_suggest(text, names, 2);
		if (hint)
			return sw_acfg_err(c, "unknown value %s; did you mean %s?",
					   sw_text_quote(&q, text), sw_text_quote(&s, hint));
		return sw_acfg_err(c, "unknown value %s; expected \"auto\", \"off\" or the absolute "
				      "path of the engine's socket (\"/run/podman/podman.sock\")",
				   sw_text_quote(&q, text));
	}
	if (json_string_length(v) != strlen(text) || strlen(text) > 107)
		return sw_acfg_err(c, "not a socket path (at most 107 bytes, no NUL)");
	id->engine = SW_AGENT_ENGINE_SOCKET;
	id->engine_socket = sw_acfg_strdup(c, text);
	return id->engine_socket != NULL;
}

static bool sw_acfg_inventories(struct sw_acfg_ctx *c, const json_t *v)
{
	static const struct sw_acfg_key path = { .name = "inventory", .type = SW_ACFG_PATH, .off = 0 };
	struct sw_agent_identity_cfg *id = &c->cfg->identity;
	bool ok = true;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return sw_acfg_err(c, "expected an array of file names, got %s", sw_text_json_type(v));
	if (json_array_size(v) > SW_AGENT_MAX_INVENTORIES)
		return sw_acfg_err(c, "%zu inventories: at most %d", json_array_size(v),
				   SW_AGENT_MAX_INVENTORIES);
	json_array_foreach(v, i, e) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);
		struct sw_acfg_key k = path;

		k.off = SW_ACFG_OFF(identity.inventories) + id->n_inventories * sizeof(char *);
		if (sw_acfg_value(c, &k, e))
			id->n_inventories++;
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static const struct sw_acfg_key sw_acfg_identity_keys[] = {
	{ SW_ACFG_FN("engine", sw_acfg_engine) },
	{ SW_ACFG_FN("inventories", sw_acfg_inventories) },
	{ SW_ACFG_KEY("kernel", SW_ACFG_BOOL, identity.kernel) },
};

static bool sw_acfg_identity(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_section(c, v, sw_acfg_identity_keys, SW_ACFG_N(sw_acfg_identity_keys));
}

/* ---- policy, alerts ---- */

/* "enforce" or "judge"; "monitor" is the policy file's own mode, a likely mix-up. */
static bool sw_acfg_policy_mode(struct sw_acfg_ctx *c, const json_t *v)
{
	static const struct sw_acfg_key k = { SW_ACFG_KEY("mode", SW_ACFG_ENUM, policy.mode),
					      SW_ACFG_ENUM_OF(sw_acfg_mode_names) };

	if (json_is_string(v) && strcmp(json_string_value(v), "monitor") == 0)
		return sw_acfg_err(c, "unknown value \"monitor\": a policy monitors or enforces by "
				      "its own \"mode\" (in the policy file); here \"enforce\" "
				      "loads its ruleset, \"judge\" does not");
	return sw_acfg_value(c, &k, v);
}

static const struct sw_acfg_key sw_acfg_policy_keys[] = {
	{ SW_ACFG_KEY("file", SW_ACFG_PATH, policy.file), .nullable = true },
	{ SW_ACFG_KEY("staged", SW_ACFG_PATH, policy.staged), .nullable = true },
	{ SW_ACFG_FN("mode", sw_acfg_policy_mode) },
	{ SW_ACFG_KEY("on_stop", SW_ACFG_ENUM, policy.on_stop),
	  SW_ACFG_ENUM_OF(sw_acfg_on_stop_names) },
	{ SW_ACFG_KEY("nflog_group", SW_ACFG_INT, policy.nflog_group),
	  .min = 0, .max = 65535, .nullable = true },
	{ SW_ACFG_KEY("watch_file", SW_ACFG_BOOL, policy.watch_file) },
};

static bool sw_acfg_policy(struct sw_acfg_ctx *c, const json_t *v)
{
	bool ok = sw_acfg_section(c, v, sw_acfg_policy_keys, SW_ACFG_N(sw_acfg_policy_keys));

	if (ok && !c->cfg->policy.file && json_object_size(v) > (json_object_get(v, "file") ? 1 : 0))
		sw_acfg_warn(c, "no policy \"file\": the other policy settings have no effect");
	return ok;
}

static bool sw_acfg_alerts_output(struct sw_acfg_ctx *c, const json_t *v)
{
	static const struct sw_acfg_key path = { SW_ACFG_KEY("output", SW_ACFG_PATH, alerts.output),
						 .nullable = true };
	const char *s = json_string_value(v);

	if (s && !sw_alert_dest_is_file(s)) {
		c->cfg->alerts.output = sw_acfg_strdup(c, s);
		return c->cfg->alerts.output != NULL;
	}
	return sw_acfg_value(c, &path, v);
}

static const struct sw_acfg_key sw_acfg_alerts_keys[] = {
	{ SW_ACFG_FN("output", sw_acfg_alerts_output) },
	{ SW_ACFG_KEY("baseline", SW_ACFG_PATH, alerts.baseline), .nullable = true },
	{ SW_ACFG_KEY("config", SW_ACFG_PATH, alerts.config), .nullable = true },
	{ SW_ACFG_KEY("format", SW_ACFG_ENUM, alerts.format),
	  SW_ACFG_ENUM_OF(sw_acfg_alert_format_names) },
};

static bool sw_acfg_alerts(struct sw_acfg_ctx *c, const json_t *v)
{
	bool ok = sw_acfg_section(c, v, sw_acfg_alerts_keys, SW_ACFG_N(sw_acfg_alerts_keys));

	if (ok && !c->cfg->alerts.output && (c->cfg->alerts.baseline || c->cfg->alerts.config))
		sw_acfg_warn(c, "no alerts \"output\": alerts are off, baseline and config unused");
	return ok;
}

/* ---- history, log, limits ---- */

static const struct sw_acfg_key sw_acfg_history_keys[] = {
	{ SW_ACFG_KEY("dir", SW_ACFG_PATH, history.opts.dir) },
	{ SW_ACFG_KEY("rotate_every", SW_ACFG_DURATION, history.opts.rotate_us),
	  .min = SW_US, .max = SW_ACFG_DAY },
	{ SW_ACFG_KEY("rotate_size", SW_ACFG_SIZE, history.opts.rotate_bytes),
	  .min = 4096, .max = 1ull << 40 },
	{ SW_ACFG_KEY("keep_for", SW_ACFG_DURATION, history.opts.keep_us),
	  .min = 60 * SW_US, .max = 3660 * SW_ACFG_DAY, .nullable = true },
	{ SW_ACFG_KEY("keep_size", SW_ACFG_SIZE, history.opts.keep_bytes),
	  .min = 4096, .max = 1ull << 50, .nullable = true },
	{ SW_ACFG_KEY("compress", SW_ACFG_BOOL, history.opts.compress) },
	{ SW_ACFG_KEY("queue", SW_ACFG_COUNT, history.opts.queue_max), .min = 1, .max = 1u << 24 },
};

/* Bounds that only mean something together. */
static bool sw_acfg_history_cross(struct sw_acfg_ctx *c)
{
	const struct sw_history_opts *o = &c->cfg->history.opts;
	char a[32], b[32];
	size_t mark;
	bool ok = true;

	if (o->keep_bytes && o->keep_bytes < o->rotate_bytes) {
		mark = sw_jsonptr_key(&c->ptr, "keep_size");
		ok = sw_acfg_err(c, "keep_size %s is less than rotate_size %s: not even one file "
				    "would be kept", sw_acfg_size_text(o->keep_bytes, a, sizeof(a)),
				 sw_acfg_size_text(o->rotate_bytes, b, sizeof(b)));
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (o->keep_us && o->keep_us < o->rotate_us) {
		mark = sw_jsonptr_key(&c->ptr, "keep_for");
		sw_acfg_warn(c, "keep_for %s is shorter than rotate_every %s: files are deleted "
				"soon after they are closed",
			     sw_acfg_duration_text(o->keep_us, a, sizeof(a)),
			     sw_acfg_duration_text(o->rotate_us, b, sizeof(b)));
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static bool sw_acfg_history(struct sw_acfg_ctx *c, const json_t *v)
{
	bool ok;

	if (json_is_boolean(v)) {
		c->cfg->history.enabled = json_is_true(v);
		return true;
	}
	if (!json_is_object(v))
		return sw_acfg_err(c, "expected an object, or false to keep no history, got %s",
				   sw_text_json_type(v));
	ok = sw_acfg_section(c, v, sw_acfg_history_keys, SW_ACFG_N(sw_acfg_history_keys));
	c->cfg->history.enabled = true;
	return ok && sw_acfg_history_cross(c);
}

/* ---- ipfix ---- */

static bool sw_acfg_ipfix_collector(struct sw_acfg_ctx *c, const json_t *v)
{
	static const struct sw_acfg_key str = { SW_ACFG_KEY("collector", SW_ACFG_STRING,
							    ipfix.collector) };
	struct sw_err err = { 0 };

	if (!sw_acfg_value(c, &str, v))
		return false;
	if (sw_ipfix_url_parse(c->cfg->ipfix.collector, &c->cfg->ipfix.opts.url, &err) !=
	    SW_EXIT_OK) {
		c->cfg->ipfix.collector = NULL;
		return sw_acfg_err(c, "%s", err.msg);
	}
	return true;
}

/* "labels": the label keys exported, ["app", "tier"]; null: every label. */
static bool sw_acfg_ipfix_labels(struct sw_acfg_ctx *c, const json_t *v)
{
	char keys[SW_IPFIX_LABEL_KEYS_MAX];
	size_t i, n = 0;
	const json_t *e;

	c->cfg->ipfix.opts.label_keys[0] = '\0';
	if (json_is_null(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return sw_acfg_err(c, "expected a list of label keys such as [\"app\", \"tier\"], "
				   "or null for every label, got %s", json_is_array(v) ? "[]" :
				   sw_text_json_type(v));
	json_array_foreach(v, i, e) {
		const char *k = json_string_value(e);
		int len;

		if (!k || !*k || strchr(k, ','))
			return sw_acfg_err(c, "label key %zu: expected a non-empty string without "
					   "commas, got %s", i, sw_text_json_type(e));
		len = snprintf(keys + n, sizeof(keys) - n, "%s%s", n ? "," : "", k);
		if (len < 0 || (size_t)len >= sizeof(keys) - n)
			return sw_acfg_err(c, "the label keys take more than %d bytes",
					   SW_IPFIX_LABEL_KEYS_MAX - 1);
		n += (size_t)len;
	}
	return sw_ipfix_label_keys_set(&c->cfg->ipfix.opts, keys);
}

static const struct sw_acfg_key sw_acfg_ipfix_keys[] = {
	{ SW_ACFG_FN("collector", sw_acfg_ipfix_collector) },
	{ SW_ACFG_FN("labels", sw_acfg_ipfix_labels) },
	{ SW_ACFG_KEY("mode", SW_ACFG_ENUM, ipfix.opts.mode),
	  SW_ACFG_ENUM_OF(sw_acfg_ipfix_mode_names) },
	{ SW_ACFG_KEY("enterprise_number", SW_ACFG_U32, ipfix.opts.pen), .min = 1,
	  .max = UINT32_MAX },
	{ SW_ACFG_KEY("observation_domain", SW_ACFG_U32, ipfix.opts.domain), .max = UINT32_MAX },
	{ SW_ACFG_KEY("template_refresh", SW_ACFG_SECONDS, ipfix.opts.template_refresh_s),
	  .min = SW_US, .max = 3600 * SW_US },
};

/* "ipfix": an object with a collector, or null/false for none. */
static bool sw_acfg_ipfix(struct sw_acfg_ctx *c, const json_t *v)
{
	if (json_is_null(v) || json_is_false(v)) {
		c->cfg->ipfix.collector = NULL;
		return true;
	}
	if (!json_is_object(v))
		return sw_acfg_err(c, "expected an object, or null for no IPFIX export, got %s",
				   sw_text_json_type(v));
	if (!sw_acfg_section(c, v, sw_acfg_ipfix_keys, SW_ACFG_N(sw_acfg_ipfix_keys)))
		return false;
	if (!json_object_get(v, "collector"))
		return sw_acfg_err(c, "no \"collector\" (udp://HOST:PORT or tcp://HOST:PORT)");
	return true;
}

static const struct sw_acfg_key sw_acfg_log_keys[] = {
	{ SW_ACFG_KEY("level", SW_ACFG_ENUM, log.level),
	  SW_ACFG_ENUM_OF(sw_acfg_level_names), .values = sw_acfg_level_values },
	{ SW_ACFG_KEY("target", SW_ACFG_ENUM, log.target), SW_ACFG_ENUM_OF(sw_acfg_target_names) },
};

static bool sw_acfg_log(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_section(c, v, sw_acfg_log_keys, SW_ACFG_N(sw_acfg_log_keys));
}

static const struct sw_acfg_key sw_acfg_limits_keys[] = {
	{ SW_ACFG_KEY("identity_versions", SW_ACFG_U32, limits.identity_versions),
	  .min = 1, .max = 1024 },
	{ SW_ACFG_KEY("kernel_log_records", SW_ACFG_U32, limits.kernel_log_records),
	  .min = 1, .max = 1u << 24 },
};

static bool sw_acfg_limits(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_section(c, v, sw_acfg_limits_keys, SW_ACFG_N(sw_acfg_limits_keys));
}

/* ---- metrics ---- */

/*
 * A listen address "ADDRESS:PORT", numeric, into *@out; null: not served
 * (@what: "/metrics", "live graph"). Checked here, bound when the agent starts.
 */
static bool sw_acfg_listen(struct sw_acfg_ctx *c, const json_t *v, const char **out,
			   const char *dflt, const char *what)
{
	struct sw_metrics_addr a;
	struct sw_quote q;
	char why[128];

	if (json_is_null(v)) {
		*out = NULL;
		return true;
	}
	if (!json_is_string(v))
		return sw_acfg_err(c, "expected \"ADDRESS:PORT\" (\"%s\") or null for no %s, got %s",
				   dflt, what, sw_text_json_type(v));
	if (json_string_length(v) != strlen(json_string_value(v)) ||
	    !sw_metrics_addr_parse(json_string_value(v), &a, why, sizeof(why)))
		return sw_acfg_err(c, "%s is not a listen address: %s",
				   sw_text_quote(&q, json_string_value(v)),
				   json_string_length(v) != strlen(json_string_value(v)) ?
				   "it holds a NUL" : why);
	*out = sw_acfg_strdup(c, json_string_value(v));
	return *out != NULL;
}

static bool sw_acfg_metrics_listen(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_listen(c, v, &c->cfg->metrics.listen, SW_METRICS_LISTEN_DEFAULT, "/metrics");
}

static const struct sw_acfg_key sw_acfg_metrics_keys[] = {
	{ SW_ACFG_FN("listen", sw_acfg_metrics_listen) },
	{ SW_ACFG_KEY("group_pairs", SW_ACFG_U32, metrics.group_pairs),
	  .min = 1, .max = SW_METRICS_PAIRS_MAX },
};

static bool sw_acfg_metrics(struct sw_acfg_ctx *c, const json_t *v)
{
	if (json_is_false(v)) {
		c->cfg->metrics.listen = NULL;
		return true;
	}
	if (!json_is_object(v))
		return sw_acfg_err(c, "expected an object, or false for no /metrics, got %s",
				   sw_text_json_type(v));
	return sw_acfg_section(c, v, sw_acfg_metrics_keys, SW_ACFG_N(sw_acfg_metrics_keys));
}

/* ---- web: the live graph ---- */

static bool sw_acfg_web_listen(struct sw_acfg_ctx *c, const json_t *v)
{
	return sw_acfg_listen(c, v, &c->cfg->web.listen, SW_WEB_LISTEN_DEFAULT, "live graph");
}

/* A bearer token: it travels in a header and a URL, so printable ASCII without spaces. */
static bool sw_acfg_web_token(struct sw_acfg_ctx *c, const json_t *v)
{
	const char *t;
	size_t n;

	if (json_is_null(v)) {
		c->cfg->web.token = NULL;
		return true;
	}
	if (!json_is_string(v))
		return sw_acfg_err(c, "expected a token (a string) or null for none, got %s",
				   sw_text_json_type(v));
	t = json_string_value(v);
	n = json_string_length(v);
	if (n < 16 || n > SW_WEB_TOKEN_MAX)
		return sw_acfg_err(c, "a token has 16 to %d characters (\"openssl rand -hex 16\" "
				      "makes one), got %zu", SW_WEB_TOKEN_MAX, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e || t[i] == '&' ||
		    t[i] == '%' || t[i] == '+' || t[i] == '#')
			return sw_acfg_err(c, "a token is printable ASCII without spaces, '&', '%%', "
					      "'+' or '#' (it goes in a URL), character %zu is not",
					   i + 1);
	c->cfg->web.token = sw_acfg_strdup(c, t);
	return c->cfg->web.token != NULL;
}

static const struct sw_acfg_key sw_acfg_web_keys[] = {
	{ SW_ACFG_FN("listen", sw_acfg_web_listen) },
	{ SW_ACFG_FN("token", sw_acfg_web_token) },
	{ SW_ACFG_KEY("window", SW_ACFG_DURATION, web.window_us),
	  .min = 60 * SW_US, .max = SW_WEB_WINDOW_MAX_US },
	{ SW_ACFG_KEY("max_flows", SW_ACFG_U32, web.max_flows),
	  .min = 1, .max = SW_WEB_MAX_FLOWS_MAX },
	{ SW_ACFG_KEY("max_alerts", SW_ACFG_U32, web.max_alerts),
	  .min = 1, .max = SW_WEB_MAX_ALERTS_MAX },
};

static bool sw_acfg_web(struct sw_acfg_ctx *c, const json_t *v)
{
	const json_t *t;
	size_t mark;
	bool ok;

	if (json_is_null(v) || json_is_false(v)) {
		c->cfg->web.listen = NULL;
		return true;
	}
	if (!json_is_object(v))
		return sw_acfg_err(c, "expected an object, or null or false for no live graph, "
				      "got %s", sw_text_json_type(v));
	ok = sw_acfg_section(c, v, sw_acfg_web_keys, SW_ACFG_N(sw_acfg_web_keys));
	/* checked whenever no token was written (a bad one has its own error) */
	t = json_object_get(v, "token");
	if ((!t || json_is_null(t)) && c->cfg->web.listen &&
	    !sw_web_listen_is_loopback(c->cfg->web.listen)) {
		mark = sw_jsonptr_key(&c->ptr, "listen");
		ok = sw_acfg_err(c, "%s is not a loopback address: anyone who reaches it would see "
				    "every flow; set \"token\" (docs/web.md \"Access\")",
				 c->cfg->web.listen);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static const struct sw_acfg_key sw_acfg_top_keys[] = {
	{ SW_ACFG_FN("capture", sw_acfg_capture) },
	{ SW_ACFG_FN("identity", sw_acfg_identity) },
	{ SW_ACFG_FN("policy", sw_acfg_policy) },
	{ SW_ACFG_FN("alerts", sw_acfg_alerts) },
	{ SW_ACFG_FN("history", sw_acfg_history) },
	{ SW_ACFG_FN("ipfix", sw_acfg_ipfix) },
	{ SW_ACFG_FN("log", sw_acfg_log) },
	{ SW_ACFG_FN("limits", sw_acfg_limits) },
	{ SW_ACFG_FN("metrics", sw_acfg_metrics) },
	{ SW_ACFG_FN("web", sw_acfg_web) },
};

/* ---- loading ---- */

static int sw_acfg_result(struct sw_acfg_ctx *c, size_t errors_before)
{
	if (c->nomem || c->diags->nomem) {
		c->diags->nomem = true;
		sw_diags_add(c->diags, SW_DIAG_ERROR, 0, 0, NULL, "out of memory");
		return SW_EXIT_RUNTIME;
	}
	return c->diags->n_errors > errors_before ? SW_EXIT_USAGE : SW_EXIT_OK;
}

int sw_agent_config_load_buffer(const char *buf, size_t len, const char *base_dir,
				struct sw_agent_config *cfg, struct sw_diags *diags)
{
	struct sw_acfg_ctx c = { .diags = diags, .cfg = cfg, .base_dir = base_dir };
	size_t errors_before = diags->n_errors;
	json_error_t je;
	json_t *root;

	sw_agent_config_defaults(cfg);
	sw_jsonptr_init(&c.ptr);
	if (len > SW_AGENT_CONFIG_MAX_BYTES) {
		sw_diags_add(diags, SW_DIAG_ERROR, 0, 0, NULL,
				"larger than 1 MiB: not a config file");
		return diags->nomem ? SW_EXIT_RUNTIME : SW_EXIT_USAGE;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!root) {
		struct sw_json_err_text text;

		sw_diags_add(diags, SW_DIAG_ERROR, je.line > 0 ? je.line : 1,
				je.column > 0 ? je.column : 1, NULL, sw_text_json_error(&text, &je));
		return diags->nomem ? SW_EXIT_RUNTIME : SW_EXIT_USAGE;
	}
	if (!json_is_object(root))
		sw_acfg_err(&c, "expected a config object, got %s", sw_text_json_type(root));
	else
		sw_acfg_section(&c, root, sw_acfg_top_keys, SW_ACFG_N(sw_acfg_top_keys));
	json_decref(root);
	return sw_acfg_result(&c, errors_before);
}

/* Read at most SW_AGENT_CONFIG_MAX_BYTES + 1 bytes of @path (one more tells "too big"). */
static char *sw_acfg_read(const char *path, size_t *len)
{
	size_t cap = SW_AGENT_CONFIG_MAX_BYTES + 1;
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	if (buf) {
		*len = fread(buf, 1, cap, f);
		if (ferror(f)) {
			free(buf);
			buf = NULL;
			errno = EIO;
		}
	}
	fclose(f);
	return buf;
}

int sw_agent_config_load(const char *path, struct sw_agent_config *cfg,
			 struct sw_diags *diags)
{
	const char *slash = strrchr(path, '/');
	char *buf, *dir = NULL, msg[300];
	size_t len = 0;
	int rc;

	sw_agent_config_defaults(cfg);
	buf = sw_acfg_read(path, &len);
	if (!buf) {
		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
		sw_diags_add(diags, SW_DIAG_ERROR, 0, 0, NULL, msg);
		return SW_EXIT_RUNTIME;
	}
	if (slash && !(dir = strndup(path, slash == path ? 1 : (size_t)(slash - path)))) {
		free(buf);
		sw_diags_add(diags, SW_DIAG_ERROR, 0, 0, NULL, "out of memory");
		return SW_EXIT_RUNTIME;
	}
	rc = sw_agent_config_load_buffer(buf, len, dir, cfg, diags);
	free(dir);
	free(buf);
	return rc;
}

/* ---- names ---- */

const char *sw_agent_policy_mode_name(enum sw_agent_policy_mode m)
{
	return (unsigned)m < SW_ACFG_N(sw_acfg_mode_names) ? sw_acfg_mode_names[m] : "?";
}

const char *sw_agent_on_stop_name(enum sw_agent_on_stop s)
{
	return (unsigned)s < SW_ACFG_N(sw_acfg_on_stop_names) ? sw_acfg_on_stop_names[s] : "?";
}

const char *sw_agent_log_target_name(enum sw_agent_log_target t)
{
	return (unsigned)t < SW_ACFG_N(sw_acfg_target_names) ? sw_acfg_target_names[t] : "?";
}

const char *sw_agent_log_level_name(int level)
{
	for (size_t i = 0; i < SW_ACFG_N(sw_acfg_level_values); i++)
		if (sw_acfg_level_values[i] == level)
			return sw_acfg_level_names[i];
	return "?";
}

const char *sw_agent_dedup_name(enum sw_dedup_mode d)
{
	return (unsigned)d < SW_ACFG_N(sw_acfg_dedup_names) ? sw_acfg_dedup_names[d] : "?";
}
