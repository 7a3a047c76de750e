// SPDX-License-Identifier: GPL-2.0-or-later
/* config.c - alert configuration: defaults and the "alerts" section of a config file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/jsonptr.h>
#include <segwatch/text.h>

#include "internal.h"

#define SW_ALERT_CONFIG_MAX (1 << 20)	/* bytes of an alert config file */

static const char *const sw_alert_kind_names[SW_ALERT_KIND_MAX] = {
	[SW_ALERT_POLICY_VIOLATION] = "policy_violation",
	[SW_ALERT_NEW_EDGE] = "new_edge",
	[SW_ALERT_FAN_OUT] = "fan_out",
	[SW_ALERT_REFUSED_OR_UNANSWERED] = "refused_or_unanswered",
	[SW_ALERT_SPOOFED_SOURCE] = "spoofed_source",
	[SW_ALERT_AGENT_HEALTH] = "agent_health",
	[SW_ALERT_SCAN] = "scan",
};

const char *sw_alert_kind_name(enum sw_alert_kind k)
{
	return (unsigned)k < SW_ALERT_KIND_MAX ? sw_alert_kind_names[k] : "unknown";
}

const char *sw_alert_severity_name(enum sw_alert_severity s)
{
	static const char *const names[] = { "low", "medium", "high" };

	return (unsigned)s < 3 ? names[s] : "unknown";
}

static const char *const sw_alert_format_names[] = {
	[SW_ALERT_FORMAT_SEGWATCH] = "segwatch",
	[SW_ALERT_FORMAT_ECS] = "ecs",
};

bool sw_alert_format_parse(const char *text, enum sw_alert_format *f)
{
	for (size_t i = 0; text && i < sizeof(sw_alert_format_names) / sizeof(sw_alert_format_names[0]);
	     i++)
		if (strcmp(text, sw_alert_format_names[i]) == 0) {
			*f = (enum sw_alert_format)i;
			return true;
		}
	return false;
}

const char *sw_alert_format_name(enum sw_alert_format f)
{
	return (unsigned)f <= SW_ALERT_FORMAT_ECS ? sw_alert_format_names[f] : "unknown";
}

bool sw_alert_config_defaults(struct sw_alert_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->fanout_distinct = 20;
	cfg->fanout_window_ms = 10000;
	cfg->summary_interval_s = 30;
	cfg->max_keys = 4096;
	cfg->max_sources = 4096;
	cfg->max_alerts_per_min = 600;
	for (int k = 0; k < SW_ALERT_KIND_MAX; k++)
		cfg->enabled[k] = true;
	cfg->fanout_count = SW_ALERT_FANOUT_FAILED;
	cfg->scan.trw_enabled = true;
	cfg->scan.benign_success = 0.8;
	cfg->scan.scanner_success = 0.2;
	cfg->scan.detection = 0.99;
	cfg->scan.false_positive = 0.01;
	cfg->scan.contact_timeout_ms = 5000;
	cfg->scan.contacts_per_source = 256;
	cfg->scan.windows[0] = (struct sw_alert_scan_window){ 300, 15, 25 };
	cfg->scan.windows[1] = (struct sw_alert_scan_window){ 3600, 30, 50 };
	cfg->scan.n_windows = 2;
	cfg->group_by = strdup("app");
	return cfg->group_by != NULL;
}

static void sw_alert_names_free(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

void sw_alert_config_clear(struct sw_alert_config *cfg)
{
	sw_alert_names_free(&cfg->sensitive, &cfg->n_sensitive);
	sw_alert_names_free(&cfg->fanout_exempt, &cfg->n_fanout_exempt);
	free(cfg->group_by);
	cfg->group_by = NULL;
	free(cfg->host);
	cfg->host = NULL;
}

/* A list of group or node names at @where (absent: nothing added), appended to @v. */
static int sw_alert_config_names(json_t *a, const char *where, char ***v, size_t *n,
				 struct sw_err *err)
{
	json_t *s;
	size_t i;

	if (!a)
		return SW_EXIT_OK;
	if (!json_is_array(a))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: error: expected an array of group names",
				  where);
	json_array_foreach(a, i, s) {
		char **nv;

		if (!json_is_string(s))
			return sw_err_set(err, SW_EXIT_USAGE, "%s/%zu: error: expected a string",
					  where, i);
		/* *v takes the new block at once: a later error leaves nothing unowned */
		if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		*v = nv;
		if (!(nv[*n] = strdup(json_string_value(s))))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		(*n)++;
	}
	return SW_EXIT_OK;
}

/* sw_alert_config_u32 - an optional positive integer at @key. */
static int sw_alert_config_u32(json_t *obj, const char *key, const char *where, uint32_t max,
			       uint32_t *out, struct sw_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return SW_EXIT_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
		return sw_err_set(err, SW_EXIT_USAGE, "%s/%s: error: expected an integer 1-%u",
				  where, key, max);
	*out = (uint32_t)json_integer_value(v);
	return SW_EXIT_OK;
}

static int sw_alert_config_strings(json_t *sec, struct sw_alert_config *cfg, struct sw_err *err)
{
	json_t *g = json_object_get(sec, "group_by"), *in = json_object_get(sec, "infrastructure");
	const char *v = json_string_value(in);

	if (in && (!v || (strcmp(v, "ignore") != 0 && strcmp(v, "alert") != 0)))
		return sw_err_set(err, SW_EXIT_USAGE,
				  "/alerts/infrastructure: error: expected \"ignore\" or \"alert\"");
	if (in)
		cfg->infrastructure = strcmp(v, "alert") == 0;

	if (g) {
		if (!json_is_string(g))
			return sw_err_set(err, SW_EXIT_USAGE, "/alerts/group_by: error: expected a string");
		free(cfg->group_by);
		cfg->group_by = strdup(json_string_value(g));
		if (!cfg->group_by)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	return sw_alert_config_names(json_object_get(sec, "sensitive_groups"),
				     "/alerts/sensitive_groups", &cfg->sensitive, &cfg->n_sensitive,
				     err);
}

static int sw_alert_config_kinds(json_t *sec, struct sw_alert_config *cfg, struct sw_err *err)
{
	json_t *a = json_object_get(sec, "kinds"), *v;
	size_t i;

	if (!a)
		return SW_EXIT_OK;
	if (!json_is_array(a))
		return sw_err_set(err, SW_EXIT_USAGE, "/alerts/kinds: error: expected an array");
	for (int k = 0; k < SW_ALERT_KIND_MAX; k++)
		cfg->enabled[k] = false;
	json_array_foreach(a, i, v) {
		int k;

		for (k = 0; k < SW_ALERT_KIND_MAX; k++)
			if (json_is_string(v) && strcmp(json_string_value(v), sw_alert_kind_names[k]) == 0)
				break;
		if (k == SW_ALERT_KIND_MAX)
			return sw_err_set(err, SW_EXIT_USAGE, "/alerts/kinds/%zu: error: unknown alert kind",
					  i);
		cfg->enabled[k] = true;
	}
	return SW_EXIT_OK;
}

/* Refuse a key of @obj (at @where) that is not in @known, suggesting the likely one. */
static int sw_alert_config_keys(json_t *obj, const char *where, const char *const *known,
				size_t n_known, struct sw_err *err)
{
	const char *key, *hint;
	json_t *v;

	json_object_foreach(obj, key, v) {
		struct sw_jsonptr ptr;
		size_t i;

		for (i = 0; i < n_known; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i < n_known)
			continue;
		sw_jsonptr_init(&ptr);
		sw_jsonptr_key(&ptr, key);
		hint = sw_text_suggest(key, known, n_known);
		return sw_err_set(err, SW_EXIT_USAGE, "%s%s: error: unknown key%s%s%s", where,
				  ptr.buf, hint ? " (did you mean \"" : "", hint ? hint : "",
				  hint ? "\"?)" : "");
	}
	return SW_EXIT_OK;
}

/* sw_alert_config_rate - an optional probability at @key, strictly between 0 and 1. */
static int sw_alert_config_rate(json_t *obj, const char *key, const char *where, double *out,
				struct sw_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return SW_EXIT_OK;
	if (!json_is_number(v) || !(json_number_value(v) > 0.0) || !(json_number_value(v) < 1.0))
		return sw_err_set(err, SW_EXIT_USAGE,
				  "%s/%s: error: expected a number between 0 and 1 (both excluded)",
				  where, key);
	*out = json_number_value(v);
	return SW_EXIT_OK;
}

/* "scan.trw": the walk's rates; a scanner must succeed less often than a benign source. */
static int sw_alert_config_trw(json_t *trw, struct sw_alert_scan_config *sc, struct sw_err *err)
{
	static const char *const known[] = { "enabled", "benign_success", "scanner_success",
					     "detection", "false_positive" };
	const char *w = "/alerts/scan/trw";
	json_t *en;
	int ret;

	if (!trw)
		return SW_EXIT_OK;
	if (!json_is_object(trw))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: error: expected an object", w);
	if ((ret = sw_alert_config_keys(trw, w, known, sizeof(known) / sizeof(known[0]), err)))
		return ret;
	en = json_object_get(trw, "enabled");
	if (en && !json_is_boolean(en))
		return sw_err_set(err, SW_EXIT_USAGE, "%s/enabled: error: expected true or false", w);
	if (en)
		sc->trw_enabled = json_is_true(en);
	if ((ret = sw_alert_config_rate(trw, "benign_success", w, &sc->benign_success, err)) ||
	    (ret = sw_alert_config_rate(trw, "scanner_success", w, &sc->scanner_success, err)) ||
	    (ret = sw_alert_config_rate(trw, "detection", w, &sc->detection, err)) ||
	    (ret = sw_alert_config_rate(trw, "false_positive", w, &sc->false_positive, err)))
		return ret;
	if (sc->scanner_success >= sc->benign_success)
		return sw_err_set(err, SW_EXIT_USAGE, "%s/scanner_success: error: must be below "
				  "benign_success (%g)", w, sc->benign_success);
	if (sc->false_positive >= sc->detection)
		return sw_err_set(err, SW_EXIT_USAGE, "%s/false_positive: error: must be below "
				  "detection (%g)", w, sc->detection);
	return SW_EXIT_OK;
}

/* "scan.windows": replaces the defaults, SW_ALERT_SCAN_WINDOWS_MAX at most. */
static int sw_alert_config_windows(json_t *a, struct sw_alert_scan_config *sc, struct sw_err *err)
{
	static const char *const known[] = { "seconds", "ports", "peers" };
	char where[64];
	json_t *w;
	size_t i;
	int ret;

	if (!a)
		return SW_EXIT_OK;
	if (!json_is_array(a) || json_array_size(a) > SW_ALERT_SCAN_WINDOWS_MAX)
		return sw_err_set(err, SW_EXIT_USAGE, "/alerts/scan/windows: error: expected an "
				  "array of at most %d windows", SW_ALERT_SCAN_WINDOWS_MAX);
	json_array_foreach(a, i, w) {
		struct sw_alert_scan_window *win = &sc->windows[i];

		snprintf(where, sizeof(where), "/alerts/scan/windows/%zu", i);
		if (!json_is_object(w))
			return sw_err_set(err, SW_EXIT_USAGE, "%s: error: expected an object", where);
		if ((ret = sw_alert_config_keys(w, where, known, 3, err)))
			return ret;
		if (!json_object_get(w, "seconds") || !json_object_get(w, "ports") ||
		    !json_object_get(w, "peers"))
			return sw_err_set(err, SW_EXIT_USAGE, "%s: error: a window needs \"seconds\", "
					  "\"ports\" and \"peers\"", where);
		/* the ring keeps SW_ALERT_SCAN_RING failures: a threshold above it could never fire */
		if ((ret = sw_alert_config_u32(w, "seconds", where, 86400, &win->seconds, err)) ||
		    (ret = sw_alert_config_u32(w, "ports", where, SW_ALERT_SCAN_RING, &win->ports,
					       err)) ||
		    (ret = sw_alert_config_u32(w, "peers", where, SW_ALERT_SCAN_RING, &win->peers,
					       err)))
			return ret;
	}
	sc->n_windows = json_array_size(a);
	return SW_EXIT_OK;
}

static int sw_alert_config_scan(json_t *scan, struct sw_alert_scan_config *sc, struct sw_err *err)
{
	static const char *const known[] = { "trw", "contact_timeout_ms", "contacts_per_source",
					     "windows" };
	int ret;

	if (!scan)
		return SW_EXIT_OK;
	if (!json_is_object(scan))
		return sw_err_set(err, SW_EXIT_USAGE, "/alerts/scan: error: expected an object");
	if ((ret = sw_alert_config_keys(scan, "/alerts/scan", known,
					sizeof(known) / sizeof(known[0]), err)) ||
	    (ret = sw_alert_config_trw(json_object_get(scan, "trw"), sc, err)) ||
	    (ret = sw_alert_config_u32(scan, "contact_timeout_ms", "/alerts/scan", 3600000,
				       &sc->contact_timeout_ms, err)) ||
	    (ret = sw_alert_config_u32(scan, "contacts_per_source", "/alerts/scan",
				       SW_ALERT_SCAN_CONTACTS_MAX, &sc->contacts_per_source, err)))
		return ret;
	return sw_alert_config_windows(json_object_get(scan, "windows"), sc, err);
}

/* The contacted sets are reserved whole at start: sources x contacts_per_source is bounded. */
static int sw_alert_config_scan_total(const struct sw_alert_config *cfg, struct sw_err *err)
{
	uint64_t n = cfg->max_sources < SW_ALERT_SCAN_SOURCES_MAX ? cfg->max_sources
								  : SW_ALERT_SCAN_SOURCES_MAX;

	if (n * cfg->scan.contacts_per_source <= SW_ALERT_SCAN_CONTACTS_TOTAL)
		return SW_EXIT_OK;
	return sw_err_set(err, SW_EXIT_USAGE, "/alerts/scan/contacts_per_source: error: at most "
			  "%llu with max_sources %u (the sets are reserved at start)",
			  (unsigned long long)(SW_ALERT_SCAN_CONTACTS_TOTAL / n), cfg->max_sources);
}

/* "fan_out.count": "failed" (default) or "all" (every new target at its first packet). */
static int sw_alert_config_fan_count(json_t *fan, struct sw_alert_config *cfg, struct sw_err *err)
{
	json_t *v = json_object_get(fan, "count");
	const char *s = json_string_value(v);

	if (!v)
		return SW_EXIT_OK;
	if (!s || (strcmp(s, "failed") != 0 && strcmp(s, "all") != 0))
		return sw_err_set(err, SW_EXIT_USAGE,
				  "/alerts/fan_out/count: error: expected \"failed\" or \"all\"");
	cfg->fanout_count = strcmp(s, "all") == 0 ? SW_ALERT_FANOUT_ALL : SW_ALERT_FANOUT_FAILED;
	return SW_EXIT_OK;
}

int sw_alert_config_from_json(struct sw_alert_config *cfg, const void *section,
			      struct sw_err *err)
{
	static const char *const known[] = { "fan_out", "summary_interval_s", "max_keys",
					     "max_sources", "max_alerts_per_min",
					     "sensitive_groups", "group_by", "kinds", "infrastructure",
					     "scan" };
	static const char *const fan_known[] = { "distinct", "window_ms", "exempt", "count" };
	json_t *sec = (json_t *)section, *fan;
	int ret;

	if (!json_is_object(sec))
		return sw_err_set(err, SW_EXIT_USAGE, "/alerts: error: expected an object");
	if ((ret = sw_alert_config_keys(sec, "/alerts", known, sizeof(known) / sizeof(known[0]),
					err)))
		return ret;
	fan = json_object_get(sec, "fan_out");
	if (fan && !json_is_object(fan))
		return sw_err_set(err, SW_EXIT_USAGE, "/alerts/fan_out: error: expected an object");
	if (fan && (ret = sw_alert_config_keys(fan, "/alerts/fan_out", fan_known,
					       sizeof(fan_known) / sizeof(fan_known[0]), err)))
		return ret;
	if ((ret = sw_alert_config_u32(fan, "distinct", "/alerts/fan_out", SW_ALERT_FANOUT_CAP,
				       &cfg->fanout_distinct, err)) ||
	    (ret = sw_alert_config_u32(fan, "window_ms", "/alerts/fan_out", 3600000,
				       &cfg->fanout_window_ms, err)) ||
	    (ret = sw_alert_config_u32(sec, "summary_interval_s", "/alerts", 86400,
				       &cfg->summary_interval_s, err)) ||
	    /* both tables are reserved whole at start: these bounds keep that near 300 MiB */
	    (ret = sw_alert_config_u32(sec, "max_keys", "/alerts", 1u << 18, &cfg->max_keys, err)) ||
	    (ret = sw_alert_config_u32(sec, "max_sources", "/alerts", 1u << 18,
				       &cfg->max_sources, err)) ||
	    (ret = sw_alert_config_u32(sec, "max_alerts_per_min", "/alerts", 1u << 30,
				       &cfg->max_alerts_per_min, err)))
		return ret;
	if ((ret = sw_alert_config_fan_count(fan, cfg, err)) ||
	    (ret = sw_alert_config_scan(json_object_get(sec, "scan"), &cfg->scan, err)) ||
	    (ret = sw_alert_config_scan_total(cfg, err)) ||
	    (ret = sw_alert_config_strings(sec, cfg, err)) ||
	    (ret = sw_alert_config_names(json_object_get(fan, "exempt"), "/alerts/fan_out/exempt",
					 &cfg->fanout_exempt, &cfg->n_fanout_exempt, err)))
		return ret;
	return sw_alert_config_kinds(sec, cfg, err);
}

/* Read at most SW_ALERT_CONFIG_MAX bytes of @path (@name: escaped) into a new buffer. */
static int sw_alert_config_read(const char *path, const char *name, char **buf, size_t *len,
				struct sw_err *err)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", name, strerror(errno));
	*buf = malloc(SW_ALERT_CONFIG_MAX + 1);
	if (!*buf) {
		fclose(f);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	n = fread(*buf, 1, SW_ALERT_CONFIG_MAX + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(*buf);
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", name,
				  strerror(errno ? errno : EIO));
	}
	fclose(f);
	if (n > SW_ALERT_CONFIG_MAX) {
		free(*buf);
		return sw_err_set(err, SW_EXIT_USAGE, "%s: error: larger than %d bytes (an alert "
				  "config is a small JSON object)", name, SW_ALERT_CONFIG_MAX);
	}
	*len = n;
	return SW_EXIT_OK;
}

int sw_alert_config_load_buffer(struct sw_alert_config *cfg, const char *buf, size_t len,
				const char *name, struct sw_err *err)
{
	struct sw_json_err_text text;
	json_error_t je;
	json_t *doc, *sec;
	int rc;

	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", name, je.line,
				  je.column, sw_text_json_error(&text, &je));
	/* {"alerts": {...}} as documented, or the section alone */
	sec = json_object_get(doc, "alerts");
	if (sec && json_object_size(doc) != 1) {
		rc = sw_err_set(err, SW_EXIT_USAGE, "%s: error: an alert config is "
				"{\"alerts\": {...}} with no other key", name);
	} else if ((rc = sw_alert_config_from_json(cfg, sec ? sec : doc, err)) != SW_EXIT_OK) {
		char msg[sizeof(err->msg)];

		memcpy(msg, err->msg, sizeof(msg));
		sw_err_set(err, rc, "%s: %s", name, msg);
	}
	json_decref(doc);
	return rc;
}

int sw_alert_config_load_file(struct sw_alert_config *cfg, const char *path, struct sw_err *err)
{
	char name[256], *buf = NULL;
	size_t len = 0;
	int rc;

	sw_text_escape(name, sizeof(name), path);
	if ((rc = sw_alert_config_read(path, name, &buf, &len, err)) != SW_EXIT_OK)
		return rc;
	rc = sw_alert_config_load_buffer(cfg, buf, len, name, err);
	free(buf);
	return rc;
}
