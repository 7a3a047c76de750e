/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A group's "match": an array of terms, each an object whose keys must all
 * hold (docs/policy.md "Match terms"): namespaces, labels, Kubernetes label
 * selector expressions, cidrs with except. They give the conjunctions a
 * Kubernetes NetworkPolicy peer needs (namespace AND pod labels, ipBlock
 * with except), which the union of a group's other selectors cannot say.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sw_pol_term_keys[] = { "namespaces", "labels", "expressions", "cidrs",
						"except" };
static const char *const sw_pol_expr_keys[] = { "key", "operator", "values" };
static const char *const sw_pol_expr_ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };

bool sw_pol_term_workload(const struct sw_pol_term *t)
{
	return t->has_namespaces || t->has_labels || t->has_exprs || t->n_cidrs == 0;
}

/*
 * A non-empty array of strings of @min..SW_POL_MAX_TEXT bytes (no NUL) into
 * *@out (a label value may be empty, a namespace name may not).
 */
static bool sw_pol_strings(struct sw_pol_ctx *c, const json_t *v, const char *what, size_t min,
			   char ***out, size_t *n)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of %s, got %s", what, sw_text_json_type(v));
	if (json_array_size(v) == 0)
		return sw_pol_err(c, "no %s listed", what);
	if (!(*out = sw_pol_calloc(c, json_array_size(v), sizeof(**out))))
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (!json_is_string(e))
			ok = sw_pol_err(c, "expected a string, got %s", sw_text_json_type(e));
		else if (json_string_length(e) < min || json_string_length(e) > SW_POL_MAX_TEXT ||
			 strlen(json_string_value(e)) != json_string_length(e))
			ok = sw_pol_err(c, "expected %zu to %d bytes without NUL", min, SW_POL_MAX_TEXT);
		else if (sw_pol_strdup(c, &(*out)[*n], json_string_value(e)))
			(*n)++;
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem)
			return false;
	}
	return ok;
}

static bool sw_pol_term_labels(struct sw_pol_ctx *c, struct sw_pol_term *t, const json_t *v)
{
	bool ok = sw_pol_labels_parse(c, v, &t->labels, &t->n_labels);

	if (json_is_object(v) && !c->nomem)
		t->has_labels = true;
	return ok;
}

static bool sw_pol_expr_parse(struct sw_pol_ctx *c, struct sw_pol_expr *x, const json_t *v)
{
	const json_t *key = json_object_get(v, "key"), *op = json_object_get(v, "operator");
	const json_t *values = json_object_get(v, "values");
	int opi = 0;
	bool ok = true;
	size_t mark;

	if (!json_is_object(v))
		return sw_pol_err(c, "expected an object (key, operator, values), got %s",
				  sw_text_json_type(v));
	ok &= sw_pol_keys_check(c, v, sw_pol_expr_keys, 3);
	if (!key) {
		ok = sw_pol_err(c, "missing \"key\"");
	} else {
		mark = sw_jsonptr_key(&c->ptr, "key");
		if (!json_is_string(key) || json_string_length(key) == 0 ||
		    json_string_length(key) > SW_POL_MAX_TEXT ||
		    strlen(json_string_value(key)) != json_string_length(key))
			ok = sw_pol_err(c, "expected a label key of 1 to %d bytes", SW_POL_MAX_TEXT);
		else
			ok &= sw_pol_strdup(c, &x->key, json_string_value(key));
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (!op) {
		return sw_pol_err(c, "missing \"operator\" (\"In\", \"NotIn\", \"Exists\" or "
				  "\"DoesNotExist\")");
	}
	mark = sw_jsonptr_key(&c->ptr, "operator");
	if (!sw_pol_enum(c, op, sw_pol_expr_ops, 4, &opi)) {
		sw_jsonptr_pop(&c->ptr, mark);
		return false;
	}
	sw_jsonptr_pop(&c->ptr, mark);
	x->op = (enum sw_pol_expr_op)opi;
	if (x->op == SW_POL_EXPR_IN || x->op == SW_POL_EXPR_NOT_IN) {
		if (!values)
			return sw_pol_err(c, "operator \"%s\" needs \"values\"", sw_pol_expr_ops[opi]);
		mark = sw_jsonptr_key(&c->ptr, "values");
		ok &= sw_pol_strings(c, values, "values", 0, &x->values, &x->n_values);
		sw_jsonptr_pop(&c->ptr, mark);
	} else if (values) {
		mark = sw_jsonptr_key(&c->ptr, "values");
		ok = sw_pol_err(c, "operator \"%s\" takes no values", sw_pol_expr_ops[opi]);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static bool sw_pol_term_exprs(struct sw_pol_ctx *c, struct sw_pol_term *t, const json_t *v)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of expressions, got %s",
				  sw_text_json_type(v));
	if (json_array_size(v) == 0)
		return sw_pol_err(c, "no expressions listed: leave \"expressions\" out");
	if (!(t->exprs = sw_pol_calloc(c, json_array_size(v), sizeof(*t->exprs))))
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		/* counted first so the clear sees what was half built */
		ok &= sw_pol_expr_parse(c, &t->exprs[t->n_exprs++], json_array_get(v, i));
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem)
			return false;
	}
	t->has_exprs = true;
	return ok;
}

static bool sw_pol_term_prefixes(struct sw_pol_ctx *c, const json_t *v,
				 struct sw_pol_cidr **out, size_t *n)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of addresses or prefixes, got %s",
				  sw_text_json_type(v));
	if (json_array_size(v) == 0)
		return sw_pol_err(c, "no prefixes listed");
	if (!(*out = sw_pol_calloc(c, json_array_size(v), sizeof(**out))))
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (sw_pol_group_cidr_one(c, json_array_get(v, i), &(*out)[*n]))
			(*n)++;
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

/* Each except must be inside one of the term's cidrs: anything else is a mistake. */
static bool sw_pol_term_except_check(struct sw_pol_ctx *c, const struct sw_pol_term *t)
{
	bool ok = true;

	for (size_t i = 0; i < t->n_except; i++) {
		size_t j, mark;
		char text[64];

		for (j = 0; j < t->n_cidrs && !sw_pol_cidr_contains(&t->cidrs[j], &t->except[i]); j++)
			;
		if (j < t->n_cidrs)
			continue;
		sw_pol_cidr_text(&t->except[i], text, sizeof(text));
		mark = sw_jsonptr_index(&c->ptr, i);
		ok = sw_pol_err(c, "except %s is not inside any of the term's cidrs", text);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static bool sw_pol_term_parse(struct sw_pol_ctx *c, struct sw_pol_term *t, const json_t *v)
{
	const json_t *x;
	bool ok = true;
	size_t mark;

	if (!json_is_object(v))
		return sw_pol_err(c, "expected an object (a match term), got %s",
				  sw_text_json_type(v));
	ok &= sw_pol_keys_check(c, v, sw_pol_term_keys, 5);
	if ((x = json_object_get(v, "namespaces"))) {
		mark = sw_jsonptr_key(&c->ptr, "namespaces");
		ok &= sw_pol_strings(c, x, "namespaces", 1, &t->namespaces, &t->n_namespaces);
		t->has_namespaces = true;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if ((x = json_object_get(v, "labels"))) {
		mark = sw_jsonptr_key(&c->ptr, "labels");
		ok &= sw_pol_term_labels(c, t, x);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if ((x = json_object_get(v, "expressions"))) {
		mark = sw_jsonptr_key(&c->ptr, "expressions");
		ok &= sw_pol_term_exprs(c, t, x);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (c->nomem)
		return false;
	if ((x = json_object_get(v, "cidrs"))) {
		mark = sw_jsonptr_key(&c->ptr, "cidrs");
		ok &= sw_pol_term_prefixes(c, x, &t->cidrs, &t->n_cidrs);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if ((x = json_object_get(v, "except"))) {
		mark = sw_jsonptr_key(&c->ptr, "except");
		if (!json_object_get(v, "cidrs"))
			ok = sw_pol_err(c, "\"except\" needs \"cidrs\" to take addresses out of");
		else if (sw_pol_term_prefixes(c, x, &t->except, &t->n_except))
			ok &= sw_pol_term_except_check(c, t);
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok && !c->nomem;
}

bool sw_pol_parse_match(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *v)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of match terms, got %s",
				  sw_text_json_type(v));
	if (json_array_size(v) == 0)
		return sw_pol_err(c, "no match terms listed: leave \"match\" out");
	if (!(g->terms = sw_pol_calloc(c, json_array_size(v), sizeof(*g->terms))))
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		/* counted first so sw_policy_free sees what was half built */
		ok &= sw_pol_term_parse(c, &g->terms[g->n_terms++], json_array_get(v, i));
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem)
			return false;
	}
	return ok;
}
