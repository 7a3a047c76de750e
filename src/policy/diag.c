/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: errors and warnings queued on the load's list (src/util/diag.c),
 * semantic ones placed by a JSON Pointer (src/util/jsonptr.c), and "did you mean"
 * suggestions (edit distance with a threshold that grows with the word, the
 * idea behind nftables src/misspell.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

__attribute__((format(printf, 4, 0)))
static void sw_pol_vdiag(struct sw_pol_ctx *c, enum sw_pol_severity sev, const char *where,
			 const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!sw_pol_diag_add(c->diags, sev, 0, 0, where, msg))
		c->nomem = true;
}

bool sw_pol_err(struct sw_pol_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_pol_vdiag(c, SW_POL_ERROR, c->ptr.buf, fmt, ap);
	va_end(ap);
	return false;
}

void sw_pol_warn(struct sw_pol_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_pol_vdiag(c, SW_POL_WARNING, c->ptr.buf, fmt, ap);
	va_end(ap);
}

void sw_pol_warn_at(struct sw_pol_ctx *c, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_pol_vdiag(c, SW_POL_WARNING, where, fmt, ap);
	va_end(ap);
}

bool sw_pol_keys_check(struct sw_pol_ctx *c, const json_t *obj, const char *const *known,
		       size_t n)
{
	const char *key;
	json_t *val;
	bool ok = true;

	json_object_foreach((json_t *)obj, key, val) {
		struct sw_quote q, s;
		const char *hint;
		size_t i, mark;

		for (i = 0; i < n && strcmp(key, known[i]) != 0; i++)
			;
		if (i < n)
			continue;
		mark = sw_jsonptr_key(&c->ptr, key);
		hint = sw_text_suggest(key, known, n);
		if (hint)
			sw_pol_err(c, "unknown key %s; did you mean %s?", sw_text_quote(&q, key),
				   sw_text_quote(&s, hint));
		else
			sw_pol_err(c, "unknown key %s", sw_text_quote(&q, key));
		sw_jsonptr_pop(&c->ptr, mark);
		ok = false;
	}
	return ok;
}

/* "a", "b" or "c" (short lists only: the enumerations of the language). */
static const char *sw_pol_choices(const char *const *names, size_t n, struct sw_quote *b)
{
	size_t o = 0;

	b->s[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof(b->s); i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

		o += (size_t)snprintf(b->s + o, sizeof(b->s) - o, "%s\"%s\"", sep, names[i]);
	}
	return b->s;
}

bool sw_pol_enum(struct sw_pol_ctx *c, const json_t *v, const char *const *names, size_t n,
		 int *out)
{
	struct sw_quote q, s;
	const char *text, *hint;

	if (!json_is_string(v))
		return sw_pol_err(c, "expected a string, got %s", sw_text_json_type(v));
	text = json_string_value(v);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (int)i;
			return true;
		}
	}
	hint = sw_text_suggest(text, names, n);
	if (hint)
		return sw_pol_err(c, "unknown value %s; did you mean %s?", sw_text_quote(&q, text),
				  sw_text_quote(&s, hint));
	return sw_pol_err(c, "unknown value %s; expected %s", sw_text_quote(&q, text),
			  sw_pol_choices(names, n, &s));
}

bool sw_pol_name_ok(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		char ch = *s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == ':'))
			return false;
	}
	return n > 0 && n <= SW_POL_MAX_TEXT;
}

bool sw_pol_strdup(struct sw_pol_ctx *c, char **dst, const char *src)
{
	*dst = strdup(src);
	if (!*dst)
		c->nomem = true;
	return *dst != NULL;
}

void *sw_pol_calloc(struct sw_pol_ctx *c, size_t n, size_t size)
{
	void *nv;

	if (n == 0)
		n = 1;
	nv = calloc(n, size);
	if (!nv) {
		c->nomem = true;
		return NULL;
	}
	return nv;
}
