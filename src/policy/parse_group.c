/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "groups": {"front": {"labels": {...}, "names": [...], "cidrs": [...]}}.
 * A group is the union of its selectors (docs/policy.md).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sw_pol_group_keys[] = { "labels", "names", "cidrs" };

/* Zero the bits of @a past the first @plen. */
static bool sw_pol_mask(uint8_t a[16], unsigned plen)
{
	bool had = false;

	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;
		uint8_t m = keep == 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (a[i] & (uint8_t)~m)
			had = true;
		a[i] &= m;
	}
	return had;
}

bool sw_pol_parse_cidr(const char *text, struct sw_pol_cidr *out, bool *host_bits)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long plen;
	char *end;

	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr + 12) == 1) {
		out->addr[10] = out->addr[11] = 0xff;
		out->v4 = true;
	} else if (inet_pton(AF_INET6, addr, out->addr) != 1) {
		return false;
	}
	plen = out->v4 ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		plen = strtoul(slash + 1, &end, 10);
		if (*end || plen > (out->v4 ? 32u : 128u) || end - (slash + 1) > 3)
			return false;
	}
	out->plen = (uint8_t)(out->v4 ? plen + 96 : plen);
	*host_bits = sw_pol_mask(out->addr, out->plen);
	return true;
}

void sw_pol_cidr_format(const struct sw_pol_cidr *cidr, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (cidr->v4)
		inet_ntop(AF_INET, cidr->addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, cidr->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, cidr->v4 ? cidr->plen - 96u : cidr->plen);
}

static bool sw_pol_group_labels(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *v)
{
	const char *key;
	json_t *val;
	bool ok = true;

	if (!json_is_object(v))
		return sw_pol_err(c, "expected an object of labels, got %s", sw_text_json_type(v));
	g->labels = sw_pol_calloc(c, json_object_size(v), sizeof(*g->labels));
	if (!g->labels)
		return false;
	json_object_foreach((json_t *)v, key, val) {
		size_t mark = sw_jsonptr_key(&c->ptr, key);
		struct sw_label *l = &g->labels[g->n_labels];

		if (*key == '\0' || strlen(key) > SW_POL_MAX_TEXT)
			ok = sw_pol_err(c, "a label key must have 1 to %d bytes", SW_POL_MAX_TEXT);
		else if (!json_is_string(val))
			ok = sw_pol_err(c, "expected a string, got %s", sw_text_json_type(val));
		else if (sw_pol_strdup(c, &l->key, key) &&
			 sw_pol_strdup(c, &l->value, json_string_value(val)))
			g->n_labels++;
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem) {
			free(l->key); /* the half-built label is not counted */
			l->key = NULL;
			return false;
		}
	}
	return ok;
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

static bool sw_pol_group_cidr(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *e)
{
	struct sw_quote q, s;
	struct sw_pol_cidr cidr;
	bool host_bits;
	char fixed[64];

	if (!json_is_string(e))
		return sw_pol_err(c, "expected a string, got %s", sw_text_json_type(e));
	if (!sw_pol_parse_cidr(json_string_value(e), &cidr, &host_bits))
		return sw_pol_err(c, "bad address or prefix %s",
				  sw_text_quote(&q, json_string_value(e)));
	if (host_bits) {
		sw_pol_cidr_format(&cidr, fixed, sizeof(fixed));
		return sw_pol_err(c, "host bits set in %s; did you mean %s?",
				  sw_text_quote(&q, json_string_value(e)), sw_text_quote(&s, fixed));
	}
	g->cidrs[g->n_cidrs++] = cidr;
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
	ok &= sw_pol_keys_check(c, v, sw_pol_group_keys, 3);
	ok &= sw_pol_group_field(c, g, v, "labels", sw_pol_group_labels);
	ok &= sw_pol_group_field(c, g, v, "names", sw_pol_group_names);
	ok &= sw_pol_group_field(c, g, v, "cidrs", sw_pol_group_cidrs);
	if (ok && g->n_labels == 0 && g->n_names == 0 && g->n_cidrs == 0)
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
