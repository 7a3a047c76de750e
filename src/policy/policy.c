/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading a policy: jansson reads the document (syntax errors carry its
 * line and column), the top level is walked here, groups and rules in
 * parse_group.c and parse_rule.c, then check.c looks at the whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Largest policy file we read (bytes): far beyond 1,000 rules and 100 groups. */
#define SW_POL_MAX_FILE (64u << 20)

static const char *const sw_pol_top_keys[] = { "version", "name",   "mode", "default",
					       "intra_group", "unclassified", "groups", "rules",
					       "l2_guard" };
static const char *const sw_pol_mode_names[] = { "enforce", "monitor" };
static const char *const sw_pol_default_names[] = { "deny", "allow" };
static const char *const sw_pol_intra_names[] = { "allow", "policy" };
static const char *const sw_pol_unclassified_names[] = { "allow", "deny" };
static const char *const sw_pol_l2_names[] = { "off", "enforce", "monitor" };	/* enum sw_pol_l2 */

void sw_pol_term_clear(struct sw_pol_term *t)
{
	for (size_t i = 0; i < t->n_namespaces; i++)
		free(t->namespaces[i]);
	for (size_t i = 0; i < t->n_labels; i++) {
		free(t->labels[i].key);
		free(t->labels[i].value);
	}
	for (size_t i = 0; i < t->n_exprs; i++) {
		for (size_t j = 0; j < t->exprs[i].n_values; j++)
			free(t->exprs[i].values[j]);
		free(t->exprs[i].values);
		free(t->exprs[i].key);
	}
	free(t->namespaces);
	free(t->labels);
	free(t->exprs);
	free(t->cidrs);
	free(t->except);
}

static void sw_pol_group_clear(struct sw_pol_group *g)
{
	for (size_t i = 0; i < g->n_terms; i++)
		sw_pol_term_clear(&g->terms[i]);
	free(g->terms);
	for (size_t i = 0; i < g->n_labels; i++) {
		free(g->labels[i].key);
		free(g->labels[i].value);
	}
	for (size_t i = 0; i < g->n_names; i++)
		free(g->names[i]);
	free(g->labels);
	free(g->names);
	free(g->cidrs);
	free(g->name);
	free(g->where);
}

static void sw_pol_rule_clear(struct sw_pol_rule *r)
{
	free(r->name);
	free(r->where);
	free(r->from);
	free(r->to);
	free(r->ports);
	free(r->icmp_types);
}

struct sw_policy *sw_policy_ref(struct sw_policy *p)
{
	if (p)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

void sw_policy_free(struct sw_policy *p)
{
	unsigned n;

	if (!p)
		return;
	n = __atomic_load_n(&p->refs, __ATOMIC_ACQUIRE);
	while (n && !__atomic_compare_exchange_n(&p->refs, &n, n - 1, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
		;
	if (n)
		return; /* another holder is left: the last one frees */
	for (size_t i = 0; i < p->n_groups; i++)
		sw_pol_group_clear(&p->groups[i]);
	for (size_t i = 0; i < p->n_rules; i++)
		sw_pol_rule_clear(&p->rules[i]);
	free(p->groups);
	free(p->rules);
	free(p->name);
	free(p);
}

/* An optional enumerated member of the top level; *@out keeps its default when absent. */
static bool sw_pol_top_enum(struct sw_pol_ctx *c, const json_t *root, const char *key,
			    const char *const *names, size_t n, int *out)
{
	const json_t *v = json_object_get(root, key);
	size_t mark;
	bool ok;

	if (!v)
		return true;
	mark = sw_jsonptr_key(&c->ptr, key);
	ok = sw_pol_enum(c, v, names, n, out);
	sw_jsonptr_pop(&c->ptr, mark);
	return ok;
}

static bool sw_pol_top_header(struct sw_pol_ctx *c, const json_t *root)
{
	struct sw_policy *p = c->pol;
	const json_t *v = json_object_get(root, "version");
	int mode = SW_POL_ENFORCE, def = SW_POL_DENY, intra = SW_POL_INTRA_ALLOW;
	int unclassified = SW_POL_UNCLASSIFIED_ALLOW;
	int l2 = SW_POL_L2_OFF;
	bool ok = true;
	size_t mark;

	if (!v) {
		ok = sw_pol_err(c, "missing \"version\" (1)");
	} else {
		mark = sw_jsonptr_key(&c->ptr, "version");
		if (!json_is_integer(v) || json_integer_value(v) != 1)
			ok = sw_pol_err(c, "unsupported version: this segwatch reads version 1");
		p->version = 1;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	v = json_object_get(root, "name");
	if (v) {
		mark = sw_jsonptr_key(&c->ptr, "name");
		if (!json_is_string(v) || !sw_pol_name_ok(json_string_value(v)))
			ok = sw_pol_err(c, "expected a name of 1 to %d letters, digits, '_', '-', '.' or ':'",
					SW_POL_MAX_TEXT);
		else
			ok &= sw_pol_strdup(c, &p->name, json_string_value(v));
		sw_jsonptr_pop(&c->ptr, mark);
	}
	ok &= sw_pol_top_enum(c, root, "mode", sw_pol_mode_names, 2, &mode);
	ok &= sw_pol_top_enum(c, root, "default", sw_pol_default_names, 2, &def);
	ok &= sw_pol_top_enum(c, root, "intra_group", sw_pol_intra_names, 2, &intra);
	ok &= sw_pol_top_enum(c, root, "unclassified", sw_pol_unclassified_names, 2, &unclassified);
	ok &= sw_pol_top_enum(c, root, "l2_guard", sw_pol_l2_names, 3, &l2);
	p->mode = (enum sw_pol_mode)mode;
	p->default_action = (enum sw_pol_action)def;
	p->intra = (enum sw_pol_intra)intra;
	p->unclassified = (enum sw_pol_unclassified)unclassified;
	p->l2_guard = (enum sw_pol_l2)l2;
	return ok;
}

/* A required top-level member, handed to @fn at its pointer. */
static bool sw_pol_top_part(struct sw_pol_ctx *c, const json_t *root, const char *key,
			    bool (*fn)(struct sw_pol_ctx *, const json_t *))
{
	const json_t *v = json_object_get(root, key);
	size_t mark;
	bool ok;

	if (!v)
		return sw_pol_err(c, "missing \"%s\"", key);
	mark = sw_jsonptr_key(&c->ptr, key);
	ok = fn(c, v);
	sw_jsonptr_pop(&c->ptr, mark);
	return ok;
}

static bool sw_pol_parse_root(struct sw_pol_ctx *c, const json_t *root)
{
	bool ok = true;

	if (!json_is_object(root))
		return sw_pol_err(c, "expected a policy object, got %s", sw_text_json_type(root));
	ok &= sw_pol_keys_check(c, root, sw_pol_top_keys,
				sizeof(sw_pol_top_keys) / sizeof(sw_pol_top_keys[0]));
	ok &= sw_pol_top_header(c, root);
	if (!c->nomem)
		ok &= sw_pol_top_part(c, root, "groups", sw_pol_parse_groups);
	if (!c->nomem)
		ok &= sw_pol_top_part(c, root, "rules", sw_pol_parse_rules);
	return ok;
}

static int sw_pol_result(struct sw_pol_ctx *c, struct sw_policy **out)
{
	if (c->nomem || c->diags->nomem) {
		c->diags->nomem = true;
		sw_pol_diag_add(c->diags, SW_POL_ERROR, 0, 0, NULL, "out of memory");
		sw_policy_free(c->pol);
		return SW_EXIT_RUNTIME;
	}
	if (c->diags->n_errors) {
		sw_policy_free(c->pol);
		return SW_EXIT_USAGE;
	}
	*out = c->pol;
	return SW_EXIT_OK;
}

/* Give diagnostics from @first on the line and column of their pointer. */
static void sw_pol_place(const char *buf, size_t len, struct sw_pol_diags *diags, size_t first)
{
	for (size_t i = first; i < diags->n; i++) {
		struct sw_pol_diag *d = &diags->v[i];

		if (d->where && d->line == 0 && !sw_pol_locate(buf, len, d->where, &d->line, &d->column))
			d->line = d->column = 0;
	}
}

int sw_policy_load_buffer(const char *buf, size_t len, const char *name, struct sw_policy **out,
			  struct sw_pol_diags *diags)
{
	struct sw_pol_ctx c = { .diags = diags };
	size_t errors_before = diags->n_errors;
	size_t first_new = diags->n;
	json_error_t je;
	json_t *root;
	bool ok;

	(void)name;
	*out = NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!root) {
		int line = je.line > 0 ? je.line : 1, col = je.column > 0 ? je.column : 1;
		struct sw_json_err_text text;

		sw_pol_diag_add(diags, SW_POL_ERROR, line, col, NULL, sw_text_json_error(&text, &je));
		return diags->nomem ? SW_EXIT_RUNTIME : SW_EXIT_USAGE;
	}
	c.pol = calloc(1, sizeof(*c.pol));
	if (!c.pol) {
		json_decref(root);
		sw_pol_diag_add(diags, SW_POL_ERROR, 0, 0, NULL, "out of memory");
		return SW_EXIT_RUNTIME;
	}
	ok = sw_pol_parse_root(&c, root);
	json_decref(root);
	json_decref(c.rule_names);
	/* whole-policy warnings mean something only on a policy without errors */
	if (ok && !c.nomem && diags->n_errors == errors_before)
		sw_pol_check(&c);
	sw_pol_place(buf, len, diags, first_new);
	if (diags->n_errors > errors_before || c.nomem)
		return sw_pol_result(&c, out);
	*out = c.pol;
	return SW_EXIT_OK;
}

/* Read all of @path into a new buffer; false with errno set on failure. */
static bool sw_pol_read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *b = NULL;

	if (!f)
		return false;
	for (;;) {
		if (n == cap) {
			char *nb;

			if (cap >= SW_POL_MAX_FILE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(b, cap);
			if (!nb)
				goto fail;
			b = nb;
		}
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f)) {
		errno = EIO;
		goto fail;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return true;
fail:
	free(b);
	fclose(f);
	return false;
}

int sw_policy_load_file(const char *path, struct sw_policy **out, struct sw_pol_diags *diags)
{
	char *buf, msg[300];
	size_t len;
	int rc;

	*out = NULL;
	if (!sw_pol_read_file(path, &buf, &len)) {
		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
		sw_pol_diag_add(diags, SW_POL_ERROR, 0, 0, NULL, msg);
		return SW_EXIT_RUNTIME;
	}
	rc = sw_policy_load_buffer(buf, len, path, out, diags);
	free(buf);
	return rc;
}
