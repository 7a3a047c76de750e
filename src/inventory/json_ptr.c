/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a semantic error is: jansson keeps no positions for values, so the
 * parsers track an RFC 6901 JSON Pointer as they walk the document and
 * errors name it, `inventory.json: /workloads/3/ips/0: error: ...`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Longest rendering of one key in a pointer, in bytes, before "...". */
#define SW_JPTR_KEY_MAX 64

static void sw_jptr_putc(struct sw_jptr *p, char ch)
{
	if (p->len + 1 < sizeof(p->buf))
		p->buf[p->len++] = ch;
	p->buf[p->len] = '\0';
}

static void sw_jptr_puts(struct sw_jptr *p, const char *s)
{
	while (*s)
		sw_jptr_putc(p, *s++);
}

size_t sw_jptr_push_key(struct sw_jptr *p, const char *key)
{
	size_t mark = p->len, start;

	sw_jptr_putc(p, '/');
	start = p->len;
	for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
		if (p->len + 1 >= sizeof(p->buf))
			break;
		if (p->len - start >= SW_JPTR_KEY_MAX) {
			sw_jptr_puts(p, "...");
			break;
		}
		if (*k == '~')
			sw_jptr_puts(p, "~0");
		else if (*k == '/')
			sw_jptr_puts(p, "~1");
		else if (*k < 0x20 || *k == 0x7f)
			sw_jptr_putc(p, '?'); /* keep terminals sane; pointers are for reading */
		else
			sw_jptr_putc(p, (char)*k);
	}
	return mark;
}

size_t sw_jptr_push_index(struct sw_jptr *p, size_t i)
{
	size_t mark = p->len;
	char num[24];

	snprintf(num, sizeof(num), "/%zu", i);
	sw_jptr_puts(p, num);
	return mark;
}

void sw_jptr_pop(struct sw_jptr *p, size_t mark)
{
	if (mark < p->len) {
		p->len = mark;
		p->buf[mark] = '\0';
	}
}

int sw_inv_fail(struct sw_inv_ctx *c, const char *fmt, ...)
{
	char what[sizeof(c->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->ptr.len == 0)
		return sw_err_set(c->err, SW_EXIT_USAGE, "%s: error: %s", c->name, what);
	return sw_err_set(c->err, SW_EXIT_USAGE, "%s: %s: error: %s", c->name, c->ptr.buf, what);
}

int sw_inv_nomem(struct sw_inv_ctx *c)
{
	return sw_err_set(c->err, SW_EXIT_RUNTIME, "%s: out of memory", c->name);
}

static const char *sw_inv_json_type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "true or false";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

int sw_inv_expect(struct sw_inv_ctx *c, const json_t *v, json_type t)
{
	if (json_typeof(v) == t)
		return SW_EXIT_OK;
	if ((t == JSON_TRUE || t == JSON_FALSE) && json_is_boolean(v))
		return SW_EXIT_OK;
	return sw_inv_fail(c, "expected %s, got %s", sw_inv_json_type_name(t),
			   sw_text_json_type(v));
}
