/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors of the inventory parsers, placed: jansson keeps no positions for
 * values, so the parsers track a JSON Pointer (segwatch/jsonptr.h) as they
 * walk the document and errors name it, `inventory.json: /workloads/3/ips/0:
 * error: ...`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

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

int sw_inv_expect(struct sw_inv_ctx *c, const json_t *v, json_type t)
{
	if (json_typeof(v) == t)
		return SW_EXIT_OK;
	if ((t == JSON_TRUE || t == JSON_FALSE) && json_is_boolean(v))
		return SW_EXIT_OK;
	return sw_inv_fail(c, "expected %s, got %s", sw_text_json_type_name(t),
			   sw_text_json_type(v));
}
