/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading engine JSON with errors that say where. jansson places syntax
 * errors (line, column) but not values, so the readers carry an RFC 6901
 * JSON Pointer down the tree and messages name it (STYLE.md section 5):
 *   engine: /containers/ID/json: /NetworkSettings/Networks/bridge/IPAddress:
 *   error: not an IP address "x"
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <segwatch/text.h>

#include "internal.h"

#define SW_QUOTE_MAX 64

void sw_jctx_init(struct sw_jctx *c, const char *doc, struct sw_err *err)
{
	c->doc = doc ? doc : "response";
	c->err = err;
	c->ptr[0] = '\0';
	c->len = 0;
}

json_t *sw_jctx_load(struct sw_jctx *c, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	struct sw_json_err_text text;

	if (!root)
		sw_err_set(c->err, SW_EXIT_USAGE, "engine: %s: %d:%d: error: %s", c->doc, jerr.line,
			   jerr.column, sw_text_json_error(&text, &jerr));
	return root;
}

static void sw_jctx_putc(struct sw_jctx *c, char ch)
{
	if (c->len + 1 < sizeof(c->ptr))
		c->ptr[c->len++] = ch;
	c->ptr[c->len] = '\0';
}

size_t sw_jctx_push(struct sw_jctx *c, const char *key)
{
	size_t mark = c->len;

	sw_jctx_putc(c, '/');
	for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
		if (*k == '~' || *k == '/') {
			sw_jctx_putc(c, '~');
			sw_jctx_putc(c, *k == '~' ? '0' : '1');
		} else {
			sw_jctx_putc(c, *k < 0x20 || *k == 0x7f ? '?' : (char)*k);
		}
	}
	return mark;
}

void sw_jctx_pop(struct sw_jctx *c, size_t mark)
{
	if (mark <= c->len) {
		c->len = mark;
		c->ptr[mark] = '\0';
	}
}

int sw_jctx_fail(struct sw_jctx *c, const char *fmt, ...)
{
	char what[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sw_err_set(c->err, SW_EXIT_USAGE, "engine: %s: %s: error: %s", c->doc,
			  c->len ? c->ptr : "top level", what);
}

int sw_jctx_oom(struct sw_jctx *c)
{
	return sw_err_set(c->err, SW_EXIT_RUNTIME, "engine: %s: out of memory", c->doc);
}

const char *sw_quote(char *buf, size_t size, const char *s)
{
	size_t o = 0, n = 0;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
		if (n >= SW_QUOTE_MAX || o + 8 >= size) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

const char *sw_jtype_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* The member, NULL when absent or null; fails when required and absent. */
static int sw_jget(struct sw_jctx *c, json_t *obj, const char *key, bool required, json_t **out)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? sw_jctx_fail(c, "missing \"%s\"", key) : SW_EXIT_OK;
	*out = v;
	return SW_EXIT_OK;
}

static int sw_jwant(struct sw_jctx *c, const char *key, json_t *v, bool ok, const char *want)
{
	size_t mark;
	int rc;

	if (ok)
		return SW_EXIT_OK;
	mark = sw_jctx_push(c, key);
	rc = sw_jctx_fail(c, "expected %s, got %s", want, sw_jtype_name(v));
	sw_jctx_pop(c, mark);
	return rc;
}

int sw_jget_obj(struct sw_jctx *c, json_t *obj, const char *key, bool required, json_t **out)
{
	int rc = sw_jget(c, obj, key, required, out);

	if (rc || !*out)
		return rc;
	return sw_jwant(c, key, *out, json_is_object(*out), "an object");
}

int sw_jget_str(struct sw_jctx *c, json_t *obj, const char *key, bool required,
		const char **out)
{
	json_t *v;
	int rc = sw_jget(c, obj, key, required, &v);

	*out = NULL;
	if (rc || !v)
		return rc;
	rc = sw_jwant(c, key, v, json_is_string(v), "a string");
	if (!rc)
		*out = json_string_value(v);
	return rc;
}

int sw_jget_int(struct sw_jctx *c, json_t *obj, const char *key, bool required,
		json_int_t *out, bool *present)
{
	json_t *v;
	int rc = sw_jget(c, obj, key, required, &v);

	*out = 0;
	if (present)
		*present = v != NULL;
	if (rc || !v)
		return rc;
	rc = sw_jwant(c, key, v, json_is_integer(v), "an integer");
	if (!rc)
		*out = json_integer_value(v);
	return rc;
}

int sw_jget_bool(struct sw_jctx *c, json_t *obj, const char *key, bool *out)
{
	json_t *v;
	int rc = sw_jget(c, obj, key, false, &v);

	*out = false;
	if (rc || !v)
		return rc;
	rc = sw_jwant(c, key, v, json_is_boolean(v), "a boolean");
	if (!rc)
		*out = json_is_true(v);
	return rc;
}

bool sw_engine_id_ok(const char *id)
{
	size_t n = strspn(id, "0123456789abcdefABCDEF");

	return n > 0 && n <= SW_ENGINE_ID_MAX && id[n] == '\0';
}

/* Fractional seconds and the zone of an RFC 3339 time; false if malformed. */
static bool sw_rfc3339_tail(const char *p, uint64_t *frac_us, long *offset_s)
{
	uint64_t scale = 100000;
	int hh, mm, n = 0;

	*frac_us = 0;
	*offset_s = 0;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return false;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			*frac_us += (uint64_t)(*p - '0') * scale;
	}
	if (p[0] == 'Z' && p[1] == '\0')
		return true;
	if ((p[0] != '+' && p[0] != '-') || sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 ||
	    p[1 + n] != '\0' || n != 5 || hh > 23 || mm > 59)
		return false;
	*offset_s = (p[0] == '-' ? -1L : 1L) * (hh * 3600L + mm * 60L);
	return true;
}

bool sw_rfc3339_us(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	uint64_t frac;
	long off;
	time_t t;
	int n = 0;

	*out = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19 ||
	    !sw_rfc3339_tail(s + n, &frac, &off) || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return false;
	if (tm.tm_year < 1970)
		return true;	/* Go's zero time "0001-01-01T00:00:00Z": never */
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) - off;
	if (t < 0)
		return true;
	*out = (uint64_t)t * 1000000u + frac;
	return true;
}
