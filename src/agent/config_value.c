/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed values of the agent's config: durations and sizes as people write
 * them (or plain seconds and bytes), integers, booleans, enumerations and
 * paths, each checked for its type and range, with every problem queued at
 * the value's JSON Pointer and a "did you mean" for unknown keys and names.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/text.h>
#include <segwatch/units.h>

#include "internal.h"

#define SW_ACFG_TEXT_MAX 4096	/* longest string value (a path) */

__attribute__((format(printf, 3, 0)))
static void sw_acfg_vdiag(struct sw_acfg_ctx *c, enum sw_diag_severity sev, const char *fmt,
			  va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!sw_diags_add(c->diags, sev, 0, 0, c->ptr.buf, msg))
		c->nomem = true;
}

bool sw_acfg_err(struct sw_acfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_acfg_vdiag(c, SW_DIAG_ERROR, fmt, ap);
	va_end(ap);
	return false;
}

void sw_acfg_warn(struct sw_acfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_acfg_vdiag(c, SW_DIAG_WARNING, fmt, ap);
	va_end(ap);
}

const char *sw_acfg_enum_text(const char *const *names, size_t n, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

		o += (size_t)snprintf(buf + o, size - o, "%s\"%s\"", sep, names[i]);
	}
	return buf;
}

bool sw_acfg_keys_check(struct sw_acfg_ctx *c, const json_t *obj, const struct sw_acfg_key *keys,
			size_t n)
{
	const char *names[32], *key;
	json_t *val;
	bool ok = true;

	for (size_t i = 0; i < n && i < 32; i++)
		names[i] = keys[i].name;
	json_object_foreach((json_t *)obj, key, val) {
		struct sw_quote q, s;
		const char *hint;
		size_t i, mark;

		for (i = 0; i < n && strcmp(key, keys[i].name) != 0; i++)
			;
		if (i < n)
			continue;
		mark = sw_jsonptr_key(&c->ptr, key);
		hint = sw_text_suggest(key, names, n < 32 ? n : 32);
		if (hint)
			sw_acfg_err(c, "unknown key %s; did you mean %s?", sw_text_quote(&q, key),
				    sw_text_quote(&s, hint));
		else
			sw_acfg_err(c, "unknown key %s", sw_text_quote(&q, key));
		sw_jsonptr_pop(&c->ptr, mark);
		ok = false;
	}
	return ok;
}

/* A duration: a string with units or a number of seconds. */
static bool sw_acfg_duration(struct sw_acfg_ctx *c, const json_t *v, uint64_t *us)
{
	struct sw_quote q;

	if (json_is_number(v)) {
		double s = json_number_value(v);

		if (!(s >= 0) || s > 100.0 * 366 * 86400)
			return sw_acfg_err(c, "%g is not a number of seconds from 0 to 100 years", s);
		*us = (uint64_t)llround(s * 1e6);
		return true;
	}
	if (!json_is_string(v))
		return sw_acfg_err(c, "expected a duration (\"90s\", \"10m\", \"2h\", \"7d\") or a "
				      "number of seconds, got %s", sw_text_json_type(v));
	if (!sw_units_duration_parse(json_string_value(v), us))
		return sw_acfg_err(c, "bad duration %s: write a number and a unit, as in \"90s\", "
				      "\"10m\", \"2h\" or \"7d\"",
				   sw_text_quote(&q, json_string_value(v)));
	return true;
}

/* A size: a string with units or a number of bytes. */
static bool sw_acfg_size(struct sw_acfg_ctx *c, const json_t *v, uint64_t *bytes)
{
	struct sw_quote q;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return sw_acfg_err(c, "a size cannot be negative");
		*bytes = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return sw_acfg_err(c, "expected a size (\"64MiB\", \"1GiB\") or a number of bytes, "
				      "got %s", sw_text_json_type(v));
	if (!sw_units_size_parse(json_string_value(v), bytes))
		return sw_acfg_err(c, "bad size %s: write a number and a unit, as in \"512KiB\", "
				      "\"64MiB\" or \"1GiB\"",
				   sw_text_quote(&q, json_string_value(v)));
	return true;
}

static bool sw_acfg_time_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k,
			       const json_t *v, void *dst)
{
	char a[32], b[32], x[32];
	uint64_t us;

	if (!sw_acfg_duration(c, v, &us))
		return false;
	if (us < k->min || us > k->max)
		return sw_acfg_err(c, "%s is out of range: from %s to %s",
				   sw_acfg_duration_text(us, x, sizeof(x)),
				   sw_acfg_duration_text(k->min, a, sizeof(a)),
				   sw_acfg_duration_text(k->max, b, sizeof(b)));
	if (k->type == SW_ACFG_DURATION) {
		*(uint64_t *)dst = us;
		return true;
	}
	if (us % SW_US)
		return sw_acfg_err(c, "%s is not a whole number of seconds",
				   sw_acfg_duration_text(us, x, sizeof(x)));
	*(uint32_t *)dst = (uint32_t)(us / SW_US);
	return true;
}

static bool sw_acfg_size_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k,
			       const json_t *v, uint64_t *dst)
{
	char a[32], b[32], x[32];
	uint64_t bytes;

	if (!sw_acfg_size(c, v, &bytes))
		return false;
	if (bytes < k->min || bytes > k->max)
		return sw_acfg_err(c, "%s is out of range: from %s to %s",
				   sw_acfg_size_text(bytes, x, sizeof(x)),
				   sw_acfg_size_text(k->min, a, sizeof(a)),
				   sw_acfg_size_text(k->max, b, sizeof(b)));
	*dst = bytes;
	return true;
}

static bool sw_acfg_int_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k,
			      const json_t *v, void *dst)
{
	json_int_t i;

	if (!json_is_integer(v))
		return sw_acfg_err(c, "expected an integer, got %s", sw_text_json_type(v));
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < k->min || (uint64_t)i > k->max)
		return sw_acfg_err(c, "%lld is out of range: from %llu to %llu", (long long)i,
				   (unsigned long long)k->min, (unsigned long long)k->max);
	if (k->type == SW_ACFG_U32)
		*(uint32_t *)dst = (uint32_t)i;
	else if (k->type == SW_ACFG_COUNT)
		*(size_t *)dst = (size_t)i;
	else
		*(int *)dst = (int)i;
	return true;
}

static bool sw_acfg_enum_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k,
			       const json_t *v, int *dst)
{
	struct sw_quote q, s;
	const char *text, *hint;
	char all[256];

	if (!json_is_string(v))
		return sw_acfg_err(c, "expected a string, got %s", sw_text_json_type(v));
	text = json_string_value(v);
	for (size_t i = 0; i < k->n_names; i++) {
		if (strcmp(text, k->names[i]) == 0) {
			*dst = k->values ? k->values[i] : (int)i;
			return true;
		}
	}
	hint = sw_text_suggest(text, k->names, k->n_names);
	if (hint)
		return sw_acfg_err(c, "unknown value %s; did you mean %s?", sw_text_quote(&q, text),
				   sw_text_quote(&s, hint));
	return sw_acfg_err(c, "unknown value %s; expected %s", sw_text_quote(&q, text),
			   sw_acfg_enum_text(k->names, k->n_names, all, sizeof(all)));
}

static bool sw_acfg_string_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k,
				 const json_t *v, const char **dst)
{
	size_t len;

	if (!json_is_string(v))
		return sw_acfg_err(c, "expected a string, got %s", sw_text_json_type(v));
	len = json_string_length(v);
	if (len == 0)
		return sw_acfg_err(c, "expected a non-empty string");
	if (len != strlen(json_string_value(v)))
		return sw_acfg_err(c, "a NUL byte (\\u0000) is not allowed here");
	if (len > SW_ACFG_TEXT_MAX)
		return sw_acfg_err(c, "longer than %d bytes", SW_ACFG_TEXT_MAX);
	if (k->type == SW_ACFG_PATH)
		*dst = sw_acfg_path(c, json_string_value(v));
	else
		*dst = sw_acfg_strdup(c, json_string_value(v));
	return *dst != NULL;
}

/* null for a nullable key: "none" in the field's own terms. */
static void sw_acfg_null(const struct sw_acfg_key *k, void *dst)
{
	switch (k->type) {
	case SW_ACFG_DURATION:
	case SW_ACFG_SIZE: *(uint64_t *)dst = 0; break;
	case SW_ACFG_SECONDS:
	case SW_ACFG_U32: *(uint32_t *)dst = 0; break;
	case SW_ACFG_INT: *(int *)dst = -1; break;
	case SW_ACFG_STRING:
	case SW_ACFG_PATH: *(const char **)dst = NULL; break;
	default: break;
	}
}

bool sw_acfg_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k, const json_t *v)
{
	void *dst = (char *)c->cfg + k->off;

	if (k->type == SW_ACFG_CUSTOM)
		return k->fn(c, v);
	if (k->nullable && json_is_null(v)) {
		sw_acfg_null(k, dst);
		return true;
	}
	switch (k->type) {
	case SW_ACFG_SECONDS:
	case SW_ACFG_DURATION: return sw_acfg_time_value(c, k, v, dst);
	case SW_ACFG_SIZE: return sw_acfg_size_value(c, k, v, dst);
	case SW_ACFG_U32:
	case SW_ACFG_COUNT:
	case SW_ACFG_INT: return sw_acfg_int_value(c, k, v, dst);
	case SW_ACFG_BOOL:
		if (!json_is_boolean(v))
			return sw_acfg_err(c, "expected true or false, got %s", sw_text_json_type(v));
		*(bool *)dst = json_is_true(v);
		return true;
	case SW_ACFG_ENUM: return sw_acfg_enum_value(c, k, v, dst);
	case SW_ACFG_STRING:
	case SW_ACFG_PATH: return sw_acfg_string_value(c, k, v, dst);
	default: return false;
	}
}

bool sw_acfg_section(struct sw_acfg_ctx *c, const json_t *obj, const struct sw_acfg_key *keys,
		     size_t n)
{
	bool ok;

	if (!json_is_object(obj))
		return sw_acfg_err(c, "expected an object, got %s", sw_text_json_type(obj));
	ok = sw_acfg_keys_check(c, obj, keys, n);
	for (size_t i = 0; i < n && !c->nomem; i++) {
		const json_t *v = json_object_get(obj, keys[i].name);
		size_t mark;

		if (!v)
			continue;
		mark = sw_jsonptr_key(&c->ptr, keys[i].name);
		ok &= sw_acfg_value(c, &keys[i], v);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

/* Keep @s (malloc'd) with the config; NULL and out of memory marked when it cannot. */
static const char *sw_acfg_own(struct sw_acfg_ctx *c, char *s)
{
	struct sw_agent_config *cfg = c->cfg;

	if (s && cfg->n_owned == cfg->cap_owned) {
		size_t cap = cfg->cap_owned ? cfg->cap_owned * 2 : 16;
		char **v = realloc(cfg->owned, cap * sizeof(*v));

		if (!v) {
			free(s);
			s = NULL;
		} else {
			cfg->owned = v;
			cfg->cap_owned = cap;
		}
	}
	if (!s) {
		c->nomem = true;
		return NULL;
	}
	cfg->owned[cfg->n_owned++] = s;
	return s;
}

const char *sw_acfg_strdup(struct sw_acfg_ctx *c, const char *s)
{
	return sw_acfg_own(c, strdup(s));
}

const char *sw_acfg_path(struct sw_acfg_ctx *c, const char *s)
{
	size_t n;
	char *p;

	if (s[0] == '/' || !c->base_dir || !c->base_dir[0])
		return sw_acfg_strdup(c, s);
	n = strlen(c->base_dir) + 1 + strlen(s) + 1;
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", c->base_dir, s);
	return sw_acfg_own(c, p);
}
