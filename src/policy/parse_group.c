/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "groups": {"front": {"labels": {...}, "names": [...], "cidrs": [...], "match": [...]}}.
 * A group is the union of its selectors (docs/policy.md); "match" terms are
 * read in parse_match.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sw_pol_group_keys[] = { "labels", "names", "cidrs", "match" };

/*
 * sw_pol_labels_parse - an object of labels (a group's, a match term's) into
 * @labels / @n: every bad one reported at its key, the good ones kept.
 */
bool sw_pol_labels_parse(struct sw_pol_ctx *c, const json_t *v, struct sw_label **labels,
			 size_t *n)
{
	const char *key;
	json_t *val;
	bool ok = true;

	if (!json_is_object(v))
		return sw_pol_err(c, "expected an object of labels, got %s", sw_text_json_type(v));
	*labels = sw_pol_calloc(c, json_object_size(v), sizeof(**labels));
	if (!*labels)
		return false;
	json_object_foreach((json_t *)v, key, val) {
		size_t mark = sw_jsonptr_key(&c->ptr, key);
		struct sw_label *l = &(*labels)[*n];

		if (*key == '\0' || strlen(key) > SW_POL_MAX_TEXT)
			ok = sw_pol_err(c, "a label key must have 1 to %d bytes", SW_POL_MAX_TEXT);
		else if (!json_is_string(val))
			ok = sw_pol_err(c, "expected a string, got %s", sw_text_json_type(val));
		else if (sw_pol_strdup(c, &l->key, key) &&
			 sw_pol_strdup(c, &l->value, json_string_value(val)))
			(*n)++;
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem) {
			free(l->key); /* the half-built label is not counted */
			l->key = NULL;
			return false;
		}
	}
	return ok;
}

static bool sw_pol_group_labels(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *v)
{
	return sw_pol_labels_parse(c, v, &g->labels, &g->n_labels);
}

static bool sw_pol_group_names(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *v)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of name patterns, got %s",
				  sw_text_json_type(v));
	g->names = sw_pol_calloc(c, json_array_size(v), sizeof(*g->names));
	if (!g->names)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (!json_is_string(e))
			ok = sw_pol_err(c, "expected a string, got %s", sw_text_json_type(e));
		else if (json_string_length(e) == 0 || json_string_length(e) > SW_POL_MAX_TEXT)
			ok = sw_pol_err(c, "a name pattern must have 1 to %d bytes", SW_POL_MAX_TEXT);
		else if (strlen(json_string_value(e)) != json_string_length(e))
			ok = sw_pol_err(c, "a name pattern cannot contain NUL");
		else if (sw_pol_strdup(c, &g->names[g->n_names], json_string_value(e)))
			g->n_names++;
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem)
			return false;
	}
	return ok;
}

bool sw_pol_group_cidr_one(struct sw_pol_ctx *c, const json_t *e, struct sw_pol_cidr *out)
{
	struct sw_quote q, s;
	bool host_bits;
	char fixed[64];

	if (!json_is_string(e))
		return sw_pol_err(c, "expected a string, got %s", sw_text_json_type(e));
	if (!sw_pol_parse_cidr(json_string_value(e), out, &host_bits))
		return sw_pol_err(c, "bad address or prefix %s",
				  sw_text_quote(&q, json_string_value(e)));
	if (host_bits) {
		sw_pol_cidr_format(out, fixed, sizeof(fixed));
		return sw_pol_err(c, "host bits set in %s; did you mean %s?",
				  sw_text_quote(&q, json_string_value(e)), sw_text_quote(&s, fixed));
	}
	return true;
}

static bool sw_pol_group_cidr(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *e)
{
	if (!sw_pol_group_cidr_one(c, e, &g->cidrs[g->n_cidrs]))
		return false;
	g->n_cidrs++;
	return true;
}

static bool sw_pol_group_cidrs(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *v)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of addresses or prefixes, got %s",
				  sw_text_json_type(v));
	g->cidrs = sw_pol_calloc(c, json_array_size(v), sizeof(*g->cidrs));
	if (!g->cidrs)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (!sw_pol_group_cidr(c, g, json_array_get(v, i)))
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

typedef bool (*sw_pol_group_field_fn)(struct sw_pol_ctx *, struct sw_pol_group *, const json_t *);

static bool sw_pol_group_field(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *obj,
			       const char *key, sw_pol_group_field_fn fn)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	bool ok;

	if (!v)
		return true;
	mark = sw_jsonptr_key(&c->ptr, key);
	ok = fn(c, g, v);
	sw_jsonptr_pop(&c->ptr, mark);
	return ok;
}

static bool sw_pol_group_parse(struct sw_pol_ctx *c, struct sw_pol_group *g, const char *name,
			       const json_t *v)
{
	struct sw_quote q;
	bool ok = true;

	if (!sw_pol_strdup(c, &g->name, name) || !sw_pol_strdup(c, &g->where, c->ptr.buf))
		return false;
	if (!sw_pol_name_ok(name))
		ok = sw_pol_err(c, "bad group name %s: use 1 to %d letters, digits, '_', '-', '.' or ':'",
				sw_text_quote(&q, name), SW_POL_MAX_TEXT);
	else if (strcmp(name, "any") == 0)
		ok = sw_pol_err(c, "\"any\" is reserved: it means every address");
	if (!json_is_object(v))
		return sw_pol_err(c, "expected an object, got %s", sw_text_json_type(v));
	ok &= sw_pol_keys_check(c, v, sw_pol_group_keys, 4);
	ok &= sw_pol_group_field(c, g, v, "labels", sw_pol_group_labels);
	ok &= sw_pol_group_field(c, g, v, "names", sw_pol_group_names);
	ok &= sw_pol_group_field(c, g, v, "cidrs", sw_pol_group_cidrs);
	ok &= sw_pol_group_field(c, g, v, "match", sw_pol_parse_match);
	if (ok && g->n_labels == 0 && g->n_names == 0 && g->n_cidrs == 0 && g->n_terms == 0)
		sw_pol_warn(c, "group %s selects nothing (no labels, names or cidrs)",
			    sw_text_quote(&q, name));
	return ok;
}

bool sw_pol_parse_groups(struct sw_pol_ctx *c, const json_t *groups)
{
	struct sw_policy *p = c->pol;
	const char *name;
	json_t *v;
	bool ok = true;

	if (!json_is_object(groups))
		return sw_pol_err(c, "expected an object of groups, got %s",
				  sw_text_json_type(groups));
	p->groups = sw_pol_calloc(c, json_object_size(groups), sizeof(*p->groups));
	if (!p->groups)
		return false;
	json_object_foreach((json_t *)groups, name, v) {
		size_t mark = sw_jsonptr_key(&c->ptr, name);

		/* counted first so sw_policy_free sees what was half built */
		if (!sw_pol_group_parse(c, &p->groups[p->n_groups++], name, v))
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem)
			return false;
	}
	return ok;
}
