/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Intersections of match terms (docs/policy.md): a term is a conjunction,
 * so the intersection of two is one term with both terms' keys: namespace
 * lists intersected, labels merged (the same key with two values selects
 * nothing), expressions joined, cidrs intersected (prefixes nest or are
 * disjoint) with the excepts of both that fall inside what is left. A side
 * is a union of terms (a JSON array), or NULL for every address.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/policy.h>

#include "internal.h"

static bool sw_np_cidr_of(const json_t *s, struct sw_pol_cidr *out)
{
	bool hb;

	return json_is_string(s) && sw_pol_cidr_parse(json_string_value(s), out, &hb);
}

/* "namespaces" of @t: @a's and @b's in common (in @a's order); false when none is. */
static bool sw_np_and_namespaces(json_t *t, const json_t *a, const json_t *b)
{
	const json_t *na = json_object_get(a, "namespaces"), *nb = json_object_get(b, "namespaces");
	const json_t *x, *y;
	json_t *out;
	size_t i, j;

	if (!na || !nb) {
		if (na || nb)
			json_object_set(t, "namespaces", (json_t *)(na ? na : nb));
		return true;
	}
	out = json_array();
	json_array_foreach(na, i, x)
		json_array_foreach(nb, j, y)
			if (json_equal((json_t *)x, (json_t *)y))
				json_array_append(out, (json_t *)x);
	json_object_set_new(t, "namespaces", out);
	return json_array_size(out) > 0;
}

static bool sw_np_and_labels(json_t *t, const json_t *a, const json_t *b)
{
	const json_t *la = json_object_get(a, "labels"), *lb = json_object_get(b, "labels"), *v;
	json_t *out;
	const char *k;

	if (!la && !lb)
		return true;
	out = json_object();
	json_object_update(out, (json_t *)la);
	json_object_foreach((json_t *)lb, k, v) {
		const json_t *have = json_object_get(out, k);

		if (have && !json_equal((json_t *)have, (json_t *)v)) {
			json_decref(out);
			return false;
		}
		json_object_set(out, k, (json_t *)v);
	}
	json_object_set_new(t, "labels", out);
	return true;
}

static void sw_np_and_exprs(json_t *t, const json_t *a, const json_t *b)
{
	const json_t *ea = json_object_get(a, "expressions"), *eb = json_object_get(b, "expressions");
	const json_t *x, *y;
	json_t *out;
	size_t i, j;

	if (!ea && !eb)
		return;
	out = json_copy((json_t *)(ea ? ea : eb));
	if (ea && eb)
		json_array_foreach(eb, i, x) {
			bool dup = false;

			json_array_foreach(out, j, y)
				dup |= json_equal((json_t *)x, (json_t *)y);
			if (!dup)
				json_array_append(out, (json_t *)x);
		}
	json_object_set_new(t, "expressions", out);
}

/* cidrs of both (the narrower of each nested pair), excepts inside what is left. */
static bool sw_np_and_cidrs(json_t *t, const json_t *a, const json_t *b)
{
	const json_t *ca = json_object_get(a, "cidrs"), *cb = json_object_get(b, "cidrs");
	json_t *cidrs, *except;
	const json_t *x, *y;
	size_t i, j;

	if (!ca && !cb)
		return true;
	if (!ca || !cb) {
		const json_t *one = ca ? a : b;

		json_object_set(t, "cidrs", json_object_get(one, "cidrs"));
		if (json_object_get(one, "except"))
			json_object_set(t, "except", json_object_get(one, "except"));
		return true;
	}
	cidrs = json_array();
	except = json_array();
	json_array_foreach(ca, i, x)
		json_array_foreach(cb, j, y) {
			struct sw_pol_cidr p, q;

			if (!sw_np_cidr_of(x, &p) || !sw_np_cidr_of(y, &q))
				continue;
			if (sw_pol_cidr_contains(&p, &q))
				json_array_append(cidrs, (json_t *)y);
			else if (sw_pol_cidr_contains(&q, &p))
				json_array_append(cidrs, (json_t *)x);
		}
	/* an except covering a cidr takes it out whole; one inside a cidr stays */
	for (int side = 0; side < 2; side++)
		json_array_foreach(json_object_get(side ? b : a, "except"), i, x) {
			struct sw_pol_cidr e, p;
			bool keep = false;

			if (!sw_np_cidr_of(x, &e))
				continue;
			for (j = 0; j < json_array_size(cidrs);) {
				sw_np_cidr_of(json_array_get(cidrs, j), &p);
				if (sw_pol_cidr_contains(&e, &p)) {
					json_array_remove(cidrs, j);
					continue;
				}
				keep |= sw_pol_cidr_contains(&p, &e);
				j++;
			}
			if (keep)
				json_array_append(except, (json_t *)x);
		}
	json_object_set(t, "cidrs", cidrs);
	if (json_array_size(except))
		json_object_set(t, "except", except);
	i = json_array_size(cidrs);
	json_decref(cidrs);
	json_decref(except);
	return i > 0;
}

json_t *sw_np_term_and(const json_t *a, const json_t *b)
{
	json_t *t = json_object();

	if (!t)
		return NULL;
	if (!sw_np_and_namespaces(t, a, b) || !sw_np_and_labels(t, a, b) ||
	    !sw_np_and_cidrs(t, a, b)) {
		json_decref(t);
		return NULL;
	}
	sw_np_and_exprs(t, a, b);
	/* an except left without an addressable cidr is dropped above; one with cidrs stays */
	return t;
}

json_t *sw_np_side_and(const json_t *a, const json_t *b)
{
	json_t *out;
	const json_t *x, *y;
	size_t i, j;

	if (!a || !b)
		return json_incref((json_t *)(a ? a : b)); /* NULL and NULL: every address */
	out = json_array();
	json_array_foreach(a, i, x)
		json_array_foreach(b, j, y) {
			json_t *t = sw_np_term_and(x, y);
			const json_t *z;
			size_t k;
			bool dup = false;

			if (!t)
				continue;
			json_array_foreach(out, k, z)
				dup |= json_equal(t, (json_t *)z);
			if (dup)
				json_decref(t);
			else
				json_array_append_new(out, t);
		}
	return out;
}

bool sw_np_side_empty(const json_t *side)
{
	return side && json_array_size(side) == 0;
}

size_t sw_np_ports_and(const struct sw_np_rule *a, const struct sw_np_rule *b,
		       struct sw_np_port **out, bool *all)
{
	size_t n = 0;

	*out = NULL;
	*all = a->all_ports && b->all_ports;
	if (*all)
		return 0;
	if (a->all_ports || b->all_ports) {
		const struct sw_np_rule *r = a->all_ports ? b : a;

		if (!(*out = malloc(r->n_ports * sizeof(**out))))
			return 0;
		memcpy(*out, r->ports, r->n_ports * sizeof(**out));
		return r->n_ports;
	}
	if (!(*out = malloc(a->n_ports * b->n_ports * sizeof(**out) + 1)))
		return 0;
	for (size_t i = 0; i < a->n_ports; i++)
		for (size_t j = 0; j < b->n_ports; j++) {
			const struct sw_np_port *p = &a->ports[i], *q = &b->ports[j];
			unsigned lo = p->lo > q->lo ? p->lo : q->lo, hi = p->hi < q->hi ? p->hi : q->hi;

			if (p->proto == q->proto && lo <= hi)
				(*out)[n++] = (struct sw_np_port){ p->proto, lo, hi };
		}
	return n;
}
