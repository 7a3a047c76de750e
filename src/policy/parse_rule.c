/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "rules": [{"name", "from", "to", "proto", "ports", "icmp_types",
 * "action", "mode"}], in the order they are evaluated (first match wins).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const sw_pol_rule_keys[] = { "name",	 "from",       "to",	 "proto",
						 "ports", "icmp_types", "action", "mode" };
static const char *const sw_pol_proto_names[] = { "any", "tcp", "udp", "sctp", "icmp", "icmpv6" };
static const char *const sw_pol_action_names[] = { "deny", "allow" };
static const char *const sw_pol_mode_names[] = { "enforce", "monitor" };

/* Look @name up among the groups; report it (with a suggestion) when unknown. */
static bool sw_pol_group_ref(struct sw_pol_ctx *c, const char *name, size_t *idx)
{
	const struct sw_policy *p = c->pol;
	const char **names;
	const char *hint;
	struct sw_quote q, s;

	for (size_t g = 0; g < p->n_groups; g++) {
		if (strcmp(p->groups[g].name, name) == 0) {
			*idx = g;
			return true;
		}
	}
	names = sw_pol_calloc(c, p->n_groups + 1, sizeof(*names));
	if (!names)
		return false;
	for (size_t g = 0; g < p->n_groups; g++)
		names[g] = p->groups[g].name;
	names[p->n_groups] = "any";
	hint = sw_text_suggest(name, names, p->n_groups + 1);
	if (hint)
		sw_pol_err(c, "unknown group %s; did you mean %s?", sw_text_quote(&q, name),
			   sw_text_quote(&s, hint));
	else
		sw_pol_err(c, "unknown group %s", sw_text_quote(&q, name));
	free(names);
	return false;
}

/* One entry of "from"/"to" at the current pointer. */
static bool sw_pol_side_entry(struct sw_pol_ctx *c, const json_t *e, size_t *v, size_t *n,
			      bool *any)
{
	size_t idx;

	if (!json_is_string(e))
		return sw_pol_err(c, "expected a group name, got %s", sw_text_json_type(e));
	if (strcmp(json_string_value(e), "any") == 0) {
		*any = true;
		return true;
	}
	if (!sw_pol_group_ref(c, json_string_value(e), &idx))
		return false;
	for (size_t i = 0; i < *n; i++)
		if (v[i] == idx)
			return true; /* listed twice: harmless */
	v[(*n)++] = idx;
	return true;
}

/* "from"/"to": a group name or an array of them; "any" is every address. */
static bool sw_pol_side(struct sw_pol_ctx *c, const json_t *v, size_t **out, size_t *n, bool *any)
{
	bool ok = true;

	if (json_is_string(v)) {
		*out = sw_pol_calloc(c, 1, sizeof(**out));
		return *out && sw_pol_side_entry(c, v, *out, n, any);
	}
	if (!json_is_array(v))
		return sw_pol_err(c, "expected a group name or an array of them, got %s",
				  sw_text_json_type(v));
	*out = sw_pol_calloc(c, json_array_size(v), sizeof(**out));
	if (!*out)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		ok &= sw_pol_side_entry(c, json_array_get(v, i), *out, n, any);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

/* A decimal port number, all of @s up to @end. */
static bool sw_pol_port_text(const char *s, const char *end, long *out)
{
	long v = 0;

	if (s == end || end - s > 6)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

static bool sw_pol_port_bounds(struct sw_pol_ctx *c, long lo, long hi, struct sw_pol_range *r)
{
	if (lo < 1 || lo > 65535)
		return sw_pol_err(c, "port %ld is out of range 1-65535", lo);
	if (hi < 1 || hi > 65535)
		return sw_pol_err(c, "port %ld is out of range 1-65535", hi);
	if (lo > hi)
		return sw_pol_err(c, "empty port range %ld-%ld: %ld > %ld", lo, hi, lo, hi);
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return true;
}

static bool sw_pol_port(struct sw_pol_ctx *c, const json_t *e, struct sw_pol_range *r)
{
	struct sw_quote q;
	const char *s, *dash;
	long lo, hi;

	if (json_is_integer(e)) {
		json_int_t v = json_integer_value(e);

		if (v < 1 || v > 65535)
			return sw_pol_err(c, "port %lld is out of range 1-65535", (long long)v);
		return sw_pol_port_bounds(c, (long)v, (long)v, r);
	}
	if (!json_is_string(e))
		return sw_pol_err(c, "expected a port or a \"low-high\" range, got %s",
				  sw_text_json_type(e));
	s = json_string_value(e);
	dash = strchr(s, '-');
	if (!dash)
		dash = s + strlen(s);
	if (!sw_pol_port_text(s, dash, &lo) ||
	    !sw_pol_port_text(*dash ? dash + 1 : s, *dash ? dash + strlen(dash) : dash, &hi))
		return sw_pol_err(c, "bad port or range %s: expected \"8080\" or \"9000-9010\"",
				  sw_text_quote(&q, s));
	return sw_pol_port_bounds(c, lo, hi, r);
}

static bool sw_pol_ports(struct sw_pol_ctx *c, struct sw_pol_rule *r, const json_t *v)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of ports, got %s", sw_text_json_type(v));
	if (json_array_size(v) == 0)
		return sw_pol_err(c, "no ports listed: leave \"ports\" out to mean every port");
	if (r->proto != SW_POL_PROTO_TCP && r->proto != SW_POL_PROTO_UDP &&
	    r->proto != SW_POL_PROTO_SCTP)
		ok = sw_pol_err(c, "ports need proto \"tcp\", \"udp\" or \"sctp\", not \"%s\"",
				sw_pol_proto_name(r->proto));
	r->ports = sw_pol_calloc(c, json_array_size(v), sizeof(*r->ports));
	if (!r->ports)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (sw_pol_port(c, json_array_get(v, i), &r->ports[r->n_ports]))
			r->n_ports++;
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static bool sw_pol_icmp_type(struct sw_pol_ctx *c, const struct sw_pol_rule *r, const json_t *e,
			     uint8_t *out)
{
	struct sw_quote q, s;
	const char *hint;

	if (json_is_integer(e)) {
		if (json_integer_value(e) < 0 || json_integer_value(e) > 255)
			return sw_pol_err(c, "ICMP type %lld is out of range 0-255",
					  (long long)json_integer_value(e));
		*out = (uint8_t)json_integer_value(e);
		return true;
	}
	if (!json_is_string(e))
		return sw_pol_err(c, "expected an ICMP type name or number, got %s",
				  sw_text_json_type(e));
	if (r->proto != SW_POL_PROTO_ICMP && r->proto != SW_POL_PROTO_ICMPV6)
		return false; /* already reported on icmp_types itself */
	if (sw_pol_icmp_type_lookup(r->proto, json_string_value(e), out))
		return true;
	hint = sw_pol_icmp_type_suggest(r->proto, json_string_value(e));
	if (hint)
		return sw_pol_err(c, "unknown %s type %s; did you mean %s?",
				  sw_pol_proto_name(r->proto), sw_text_quote(&q, json_string_value(e)),
				  sw_text_quote(&s, hint));
	return sw_pol_err(c, "unknown %s type %s", sw_pol_proto_name(r->proto),
			  sw_text_quote(&q, json_string_value(e)));
}

static bool sw_pol_icmp_types(struct sw_pol_ctx *c, struct sw_pol_rule *r, const json_t *v)
{
	bool ok = true;

	if (!json_is_array(v))
		return sw_pol_err(c, "expected an array of ICMP types, got %s",
				  sw_text_json_type(v));
	if (json_array_size(v) == 0)
		return sw_pol_err(c, "no types listed: leave \"icmp_types\" out to mean every type");
	if (r->proto != SW_POL_PROTO_ICMP && r->proto != SW_POL_PROTO_ICMPV6)
		ok = sw_pol_err(c, "icmp_types need proto \"icmp\" or \"icmpv6\", not \"%s\"",
				sw_pol_proto_name(r->proto));
	r->icmp_types = sw_pol_calloc(c, json_array_size(v), 1);
	if (!r->icmp_types)
		return false;
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (sw_pol_icmp_type(c, r, json_array_get(v, i), &r->icmp_types[r->n_icmp_types]))
			r->n_icmp_types++;
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

/* Descend into member @key of @obj, if present (*@v set), for the caller to pop. */
static bool sw_pol_member(struct sw_pol_ctx *c, const json_t *obj, const char *key,
			  const json_t **v, size_t *mark)
{
	*v = json_object_get(obj, key);
	if (*v)
		*mark = sw_jsonptr_key(&c->ptr, key);
	return *v != NULL;
}

static bool sw_pol_rule_name(struct sw_pol_ctx *c, struct sw_pol_rule *r, size_t idx,
			     const json_t *v)
{
	struct sw_quote q;
	json_t *seen;

	if (!json_is_string(v))
		return sw_pol_err(c, "expected a string, got %s", sw_text_json_type(v));
	if (!sw_pol_name_ok(json_string_value(v)))
		return sw_pol_err(c, "bad rule name %s: use 1 to %d letters, digits, '_', '-', '.' or ':'",
				  sw_text_quote(&q, json_string_value(v)), SW_POL_MAX_TEXT);
	if (!c->rule_names)
		c->rule_names = json_object();
	seen = c->rule_names ? json_object_get(c->rule_names, json_string_value(v)) : NULL;
	if (seen) {
		const struct sw_pol_rule *o = &c->pol->rules[json_integer_value(seen)];

		return sw_pol_err(c, "duplicate rule name %s: already used by %s",
				  sw_text_quote(&q, o->name), o->where);
	}
	if (!c->rule_names || json_object_set_new(c->rule_names, json_string_value(v),
						  json_integer((json_int_t)idx)) != 0) {
		c->nomem = true;
		return false;
	}
	return sw_pol_strdup(c, &r->name, json_string_value(v));
}

/* The members of a rule other than name, from, to. */
static bool sw_pol_rule_kind(struct sw_pol_ctx *c, struct sw_pol_rule *r, const json_t *o)
{
	const json_t *v;
	size_t mark = 0;
	bool ok = true;
	int e;

	r->proto = SW_POL_PROTO_ANY;
	r->mode = c->pol->mode;
	if (sw_pol_member(c, o, "proto", &v, &mark)) {
		if (sw_pol_enum(c, v, sw_pol_proto_names, SW_POL_PROTO_MAX, &e))
			r->proto = (enum sw_pol_proto)e;
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (sw_pol_member(c, o, "ports", &v, &mark)) {
		if (ok) /* without a protocol the ports mean nothing */
			ok = sw_pol_ports(c, r, v);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (sw_pol_member(c, o, "icmp_types", &v, &mark)) {
		if (ok)
			ok = sw_pol_icmp_types(c, r, v);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (!sw_pol_member(c, o, "action", &v, &mark)) {
		ok = sw_pol_err(c, "missing \"action\" (\"allow\" or \"deny\")");
	} else {
		if (sw_pol_enum(c, v, sw_pol_action_names, 2, &e))
			r->action = (enum sw_pol_action)e;
		else
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (sw_pol_member(c, o, "mode", &v, &mark)) {
		if (sw_pol_enum(c, v, sw_pol_mode_names, 2, &e)) {
			r->mode = (enum sw_pol_mode)e;
			r->mode_set = true;
		} else {
			ok = false;
		}
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static bool sw_pol_rule_parse(struct sw_pol_ctx *c, struct sw_pol_rule *r, size_t idx,
			      const json_t *o)
{
	const json_t *v;
	size_t mark = 0;
	bool ok = true;

	if (!sw_pol_strdup(c, &r->where, c->ptr.buf))
		return false;
	if (!json_is_object(o))
		return sw_pol_err(c, "expected a rule object, got %s", sw_text_json_type(o));
	ok &= sw_pol_keys_check(c, o, sw_pol_rule_keys,
				sizeof(sw_pol_rule_keys) / sizeof(sw_pol_rule_keys[0]));
	if (!sw_pol_member(c, o, "name", &v, &mark)) {
		ok = sw_pol_err(c, "missing \"name\"");
	} else {
		ok &= sw_pol_rule_name(c, r, idx, v);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (!sw_pol_member(c, o, "from", &v, &mark)) {
		ok = sw_pol_err(c, "missing \"from\" (group names, or \"any\")");
	} else {
		ok &= sw_pol_side(c, v, &r->from, &r->n_from, &r->from_any);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (!sw_pol_member(c, o, "to", &v, &mark)) {
		ok = sw_pol_err(c, "missing \"to\" (group names, or \"any\")");
	} else {
		ok &= sw_pol_side(c, v, &r->to, &r->n_to, &r->to_any);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	ok &= sw_pol_rule_kind(c, r, o);
	return ok;
}

bool sw_pol_parse_rules(struct sw_pol_ctx *c, const json_t *rules)
{
	struct sw_policy *p = c->pol;
	bool ok = true;

	if (!json_is_array(rules))
		return sw_pol_err(c, "expected an array of rules, got %s", sw_text_json_type(rules));
	p->rules = sw_pol_calloc(c, json_array_size(rules), sizeof(*p->rules));
	if (!p->rules)
		return false;
	for (size_t i = 0; i < json_array_size(rules); i++) {
		size_t mark = sw_jsonptr_index(&c->ptr, i);

		if (!sw_pol_rule_parse(c, &p->rules[p->n_rules++], i, json_array_get(rules, i)))
			ok = false;
		sw_jsonptr_pop(&c->ptr, mark);
		if (c->nomem)
			return false;
	}
	return ok;
}
