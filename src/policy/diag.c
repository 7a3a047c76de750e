/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: the list of errors and warnings a load produces (semantic
 * ones placed by a JSON Pointer, src/util/jsonptr.c), and "did you mean"
 * suggestions (edit distance with a threshold that grows with the word, the
 * idea behind nftables src/misspell.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void sw_pol_diags_init(struct sw_pol_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void sw_pol_diags_clear(struct sw_pol_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].msg);
	}
	free(d->v);
	sw_pol_diags_init(d);
}

bool sw_pol_diag_add(struct sw_pol_diags *d, enum sw_pol_severity sev, int line, int col,
		     const char *where, const char *msg)
{
	struct sw_pol_diag *nd;

	if (sev == SW_POL_ERROR)
		d->n_errors++; /* counted even if the record is lost */
	else
		d->n_warnings++;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct sw_pol_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		d->v = v;
		d->cap = cap;
	}
	nd = &d->v[d->n];
	memset(nd, 0, sizeof(*nd));
	nd->severity = sev;
	nd->line = line;
	nd->column = col;
	nd->msg = strdup(msg);
	if (!nd->msg)
		goto nomem;
	if (where && *where) {
		nd->where = strdup(where);
		if (!nd->where) {
			free(nd->msg);
			goto nomem;
		}
	}
	d->n++;
	return true;
nomem:
	d->nomem = true;
	return false;
}

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

const char *sw_pol_diag_format(const char *file, const struct sw_pol_diag *d, char *buf,
			       size_t size)
{
	const char *sev = d->severity == SW_POL_ERROR ? "error" : "warning";

	if (size == 0)
		return buf;
	if (d->where)
		snprintf(buf, size, "%s: %s: %s: %s", file, d->where, sev, d->msg);
	else if (d->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s: %s", file, d->line, d->column, sev, d->msg);
	else
		snprintf(buf, size, "%s: %s: %s", file, sev, d->msg);
	return buf;
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
