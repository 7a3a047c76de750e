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

int sw_alert_config_from_json(struct sw_alert_config *cfg, const void *section,
			      struct sw_err *err)
{
	static const char *const known[] = { "fan_out", "summary_interval_s", "max_keys",
					     "max_sources", "max_alerts_per_min",
					     "sensitive_groups", "group_by", "kinds", "infrastructure" };
	static const char *const fan_known[] = { "distinct", "window_ms", "exempt" };
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
	if ((ret = sw_alert_config_strings(sec, cfg, err)) ||
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
