/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kubernetes NetworkPolicy objects (networking.k8s.io/v1) into the model:
 * for each policy, the pods it selects (a match term: its namespace AND its
 * podSelector), the directions it isolates (policyTypes, defaulting as the
 * API server does: Ingress, plus Egress when spec.egress has a rule) and
 * one model rule per ingress or egress rule (peers as match terms, ports
 * per protocol). Invalid input is an error; what is valid but cannot be
 * imported (named ports, unknown fields, unknown kinds) is a warning that
 * says what was left out and in which direction that errs: always towards
 * allowing less.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "internal.h"

#define SW_NP_PUSH_KEY(c, key_, at_) \
	size_t mark_ = sw_jsonptr_key(&(c)->ptr, key_); const yaml_node_t *up_ = (c)->node; \
	(c)->node = (at_)
#define SW_NP_POP(c) do { sw_jsonptr_pop(&(c)->ptr, mark_); (c)->node = up_; } while (0)

static const char *const sw_np_protos[] = { "TCP", "UDP", "SCTP" };

void sw_np_rule_clear(struct sw_np_rule *r)
{
	free(r->label);
	free(r->where);
	free(r->ports);
	json_decref(r->subject);
	json_decref(r->peers);
}

bool sw_np_rules_add(struct sw_np_ctx *c, struct sw_np_rules *r, struct sw_np_rule *rule)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct sw_np_rule *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			sw_np_rule_clear(rule);
			sw_np_nomem(c);
			return false;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *rule;
	return true;
}

static void sw_np_rules_clear(struct sw_np_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		sw_np_rule_clear(&r->v[i]);
	free(r->v);
}

void sw_np_model_clear(struct sw_np_model *m)
{
	sw_np_rules_clear(&m->np);
	sw_np_rules_clear(&m->anp);
	sw_np_rules_clear(&m->banp);
	json_decref(m->ingress_isolated);
	json_decref(m->egress_isolated);
	json_decref(m->ns_list);
}

/* "ns" and "name" joined by '.', every byte outside the policy names' charset as '_'. */
char *sw_np_sanitize(const char *a, const char *b)
{
	size_t n = strlen(a) + (b ? strlen(b) + 1 : 0);
	char *s = malloc(n + 1), *p;

	if (!s)
		return NULL;
	snprintf(s, n + 1, b ? "%s.%s" : "%s", a, b ? b : "");
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.' || *p == ':'))
			*p = '_';
	if (n > 160)
		s[160] = '\0'; /* room for the suffixes of group and rule names */
	return s;
}

/* Warn about keys of @map outside @known (Kubernetes would refuse them). */
void sw_np_unknown_keys(struct sw_np_ctx *c, const yaml_node_t *map,
			       const char *const *known, size_t n)
{
	if (!sw_np_is_map(map))
		return;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
		const char *k = sw_np_str(kn);
		struct sw_quote q, s;
		const char *hint;
		size_t i;

		for (i = 0; k && i < n && strcmp(k, known[i]) != 0; i++)
			;
		if (k && i < n)
			continue;
		if (!k) {
			sw_np_warn(c, kn, "a key that is not a scalar: ignored");
			continue;
		}
		{
			SW_NP_PUSH_KEY(c, k, kn);
			hint = sw_text_suggest(k, known, n);
			if (hint)
				sw_np_warn(c, kn, "unknown field %s (did you mean %s?): ignored",
					   sw_text_quote(&q, k), sw_text_quote(&s, hint));
			else
				sw_np_warn(c, kn, "unknown field %s: ignored", sw_text_quote(&q, k));
			SW_NP_POP(c);
		}
	}
}

/* A scalar of only digits, as a number (at most 9 digits), or -1. */
long sw_np_number(const yaml_node_t *n)
{
	const char *s = sw_np_str(n);
	long v = 0;

	if (!s || !*s || strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Text the policy language takes: @min to 256 bytes (label keys 1, values 0). */
static bool sw_np_text_ok(const char *s, size_t min)
{
	size_t n = s ? strlen(s) : 0;

	return s && n >= min && n <= 256;
}

static const char *const sw_np_ops[] = { "In", "NotIn", "Exists", "DoesNotExist" };
static const char *const sw_np_sel_keys[] = { "matchLabels", "matchExpressions" };
static const char *const sw_np_expr_keys[] = { "key", "operator", "values" };

/* One matchExpressions element into "expressions". */
static bool sw_np_expr(struct sw_np_ctx *c, const yaml_node_t *x, json_t *exprs)
{
	const char *key = sw_np_str(sw_np_get(c->doc, x, "key"));
	const char *op = sw_np_str(sw_np_get(c->doc, x, "operator"));
	const yaml_node_t *vals = sw_np_get(c->doc, x, "values");
	json_t *e, *jv;
	size_t i;
	struct sw_quote q;

	if (!sw_np_is_map(x))
		return sw_np_err(c, x, "expected a mapping (key, operator, values), got %s",
				 sw_np_type_name(x));
	sw_np_unknown_keys(c, x, sw_np_expr_keys, 3);
	if (!key || !*key)
		return sw_np_err(c, x, "missing \"key\"");
	if (!sw_np_text_ok(key, 1))
		return sw_np_err(c, x, "a label key must have 1 to 256 bytes");
	if (!op)
		return sw_np_err(c, x, "missing \"operator\" (In, NotIn, Exists, DoesNotExist)");
	for (i = 0; i < 4 && strcmp(op, sw_np_ops[i]) != 0; i++)
		;
	if (i == 4) {
		size_t m0 = sw_jsonptr_key(&c->ptr, "operator");

		sw_np_err(c, sw_np_get(c->doc, x, "operator"),
			  "unknown operator %s: expected In, NotIn, Exists or DoesNotExist",
			  sw_text_quote(&q, op));
		sw_jsonptr_pop(&c->ptr, m0);
		return false;
	}
	if (vals && !sw_np_is_seq(vals))
		return sw_np_err(c, vals, "expected a sequence of values, got %s",
				 sw_np_type_name(vals));
	if (i < 2 && sw_np_seq_len(vals) == 0)
		return sw_np_err(c, x, "operator %s needs values", op);
	if (i >= 2 && sw_np_seq_len(vals) > 0)
		return sw_np_err(c, vals, "operator %s takes no values", op);
	e = json_pack("{s:s, s:s}", "key", key, "operator", op);
	if (!e) {
		sw_np_nomem(c);
		return false;
	}
	if (i < 2) {
		jv = json_array();
		for (size_t k = 0; jv && k < sw_np_seq_len(vals); k++) {
			const char *v = sw_np_str(sw_np_seq_at(c->doc, vals, k));

			if (!sw_np_text_ok(v, 0)) {
				json_decref(jv);
				json_decref(e);
				return sw_np_err(c, vals, "values must be strings of at most 256 bytes");
			}
			json_array_append_new(jv, json_string(v));
		}
		json_object_set_new(e, "values", jv);
	}
	json_array_append_new(exprs, e);
	return true;
}

bool sw_np_selector(struct sw_np_ctx *c, const yaml_node_t *sel, json_t *term)
{
	const yaml_node_t *ml, *me;
	bool ok = true;

	if (!sel)
		return true;
	if (!sw_np_is_map(sel))
		return sw_np_err(c, sel, "expected a label selector (a mapping), got %s",
				 sw_np_type_name(sel));
	sw_np_unknown_keys(c, sel, sw_np_sel_keys, 2);
	ml = sw_np_get(c->doc, sel, "matchLabels");
	me = sw_np_get(c->doc, sel, "matchExpressions");
	if (ml) {
		json_t *labels = json_object();
		SW_NP_PUSH_KEY(c, "matchLabels", ml);
		if (!sw_np_is_map(ml)) {
			ok = sw_np_err(c, ml, "expected a mapping of labels, got %s", sw_np_type_name(ml));
		} else {
			for (yaml_node_pair_t *p = ml->data.mapping.pairs.start;
			     p < ml->data.mapping.pairs.top; p++) {
				const char *k = sw_np_str(yaml_document_get_node(c->doc, p->key));
				yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
				const char *v = sw_np_str(vn);

				if (!sw_np_text_ok(k, 1) || !sw_np_text_ok(v, 0))
					ok = sw_np_err(c, vn, "a label must be a key of 1 to 256 bytes and a "
						       "string value of at most 256");
				else if (labels)
					json_object_set_new(labels, k, json_string(v));
			}
		}
		SW_NP_POP(c);
		if (labels && json_object_size(labels))
			json_object_set(term, "labels", labels);
		json_decref(labels);
	}
	if (me) {
		json_t *exprs = json_array();
		SW_NP_PUSH_KEY(c, "matchExpressions", me);
		if (!sw_np_is_seq(me)) {
			ok = sw_np_err(c, me, "expected a sequence of expressions, got %s",
				       sw_np_type_name(me));
		} else {
			for (size_t i = 0; i < sw_np_seq_len(me) && exprs; i++) {
				size_t m2 = sw_jsonptr_index(&c->ptr, i);

				ok &= sw_np_expr(c, sw_np_seq_at(c->doc, me, i), exprs);
				sw_jsonptr_pop(&c->ptr, m2);
			}
		}
		SW_NP_POP(c);
		if (exprs && json_array_size(exprs))
			json_object_set(term, "expressions", exprs);
		json_decref(exprs);
	}
	return ok;
}

static const char *const sw_np_block_keys[] = { "cidr", "except" };

/* ipBlock into a term of cidrs and except; *@none when the excepts take all of it. */
static bool sw_np_ipblock(struct sw_np_ctx *c, const yaml_node_t *b, json_t *term, bool *none)
{
	const yaml_node_t *cn = sw_np_get(c->doc, b, "cidr"), *ex = sw_np_get(c->doc, b, "except");
	struct sw_pol_cidr cidr, e;
	json_t *excepts;
	char text[64];
	bool hb;
	struct sw_quote q;

	if (!sw_np_is_map(b))
		return sw_np_err(c, b, "expected a mapping (cidr, except), got %s", sw_np_type_name(b));
	sw_np_unknown_keys(c, b, sw_np_block_keys, 2);
	if (!sw_np_str(cn))
		return sw_np_err(c, b, "missing \"cidr\"");
	if (!sw_pol_cidr_parse(sw_np_str(cn), &cidr, &hb) || !strchr(sw_np_str(cn), '/')) {
		size_t m0 = sw_jsonptr_key(&c->ptr, "cidr");

		sw_np_err(c, cn, "bad CIDR %s", sw_text_quote(&q, sw_np_str(cn)));
		sw_jsonptr_pop(&c->ptr, m0);
		return false;
	}
	sw_pol_cidr_text(&cidr, text, sizeof(text));
	if (hb) {
		SW_NP_PUSH_KEY(c, "cidr", cn);
		sw_np_warn(c, cn, "host bits set in %s: read as %s", sw_text_quote(&q, sw_np_str(cn)),
			   text);
		SW_NP_POP(c);
	}
	json_object_set_new(term, "cidrs", json_pack("[s]", text));
	if (ex && !sw_np_is_seq(ex))
		return sw_np_err(c, ex, "expected a sequence of CIDRs, got %s", sw_np_type_name(ex));
	excepts = json_array();
	for (size_t i = 0; excepts && i < sw_np_seq_len(ex); i++) {
		const yaml_node_t *en = sw_np_seq_at(c->doc, ex, i);
		size_t m1 = sw_jsonptr_key(&c->ptr, "except");

		sw_jsonptr_index(&c->ptr, i);
		if (!sw_np_str(en) || !sw_pol_cidr_parse(sw_np_str(en), &e, &hb)) {
			json_decref(excepts);
			sw_np_err(c, en, "bad CIDR %s", sw_text_quote(&q, sw_np_str(en) ? sw_np_str(en) : ""));
			sw_jsonptr_pop(&c->ptr, m1);
			return false;
		}
		sw_pol_cidr_text(&e, text, sizeof(text));
		if (sw_pol_cidr_contains(&e, &cidr))
			*none = true;
		else if (sw_pol_cidr_contains(&cidr, &e))
			json_array_append_new(excepts, json_string(text));
		else
			sw_np_warn(c, en, "except %s is not inside cidr %s: it takes nothing out, ignored",
				   text, sw_np_str(cn));
		sw_jsonptr_pop(&c->ptr, m1);
	}
	if (excepts && json_array_size(excepts))
		json_object_set(term, "except", excepts);
	json_decref(excepts);
	return true;
}

static const char *const sw_np_peer_keys[] = { "podSelector", "namespaceSelector", "ipBlock" };

/* One peer of from/to into @peers (left out when it selects nothing). */
static bool sw_np_peer(struct sw_np_ctx *c, struct sw_np_model *m, const char *ns,
		       const yaml_node_t *peer, json_t *peers)
{
	const yaml_node_t *ps = sw_np_get(c->doc, peer, "podSelector");
	const yaml_node_t *nss = sw_np_get(c->doc, peer, "namespaceSelector");
	const yaml_node_t *ib = sw_np_get(c->doc, peer, "ipBlock");
	json_t *term = json_object();
	bool ok = true, none = false;

	if (!term) {
		sw_np_nomem(c);
		return false;
	}
	if (!sw_np_is_map(peer)) {
		json_decref(term);
		return sw_np_err(c, peer, "expected a peer (a mapping), got %s", sw_np_type_name(peer));
	}
	sw_np_unknown_keys(c, peer, sw_np_peer_keys, 3);
	if (ib && (ps || nss)) {
		ok = sw_np_err(c, peer, "ipBlock cannot be given with podSelector or namespaceSelector");
	} else if (ib) {
		SW_NP_PUSH_KEY(c, "ipBlock", ib);
		ok = sw_np_ipblock(c, ib, term, &none);
		SW_NP_POP(c);
	} else if (ps || nss) {
		if (nss) {
			SW_NP_PUSH_KEY(c, "namespaceSelector", nss);
			ok = sw_np_peer_namespaces(c, m, nss, term);
			SW_NP_POP(c);
			none = ok && json_is_array(json_object_get(term, "namespaces")) &&
			       json_array_size(json_object_get(term, "namespaces")) == 0;
		} else {
			json_object_set_new(term, "namespaces", json_pack("[s]", ns));
		}
		if (ps) {
			SW_NP_PUSH_KEY(c, "podSelector", ps);
			ok &= sw_np_selector(c, ps, term);
			SW_NP_POP(c);
		}
	} else {
		sw_np_warn(c, peer, "a peer without podSelector, namespaceSelector or ipBlock selects "
			   "nothing here: left out (allows less)");
		none = true;
	}
	if (ok && !none)
		json_array_append(peers, term);
	json_decref(term);
	return ok;
}

static const char *const sw_np_port_keys[] = { "protocol", "port", "endPort" };

/* One ports element: appended to r->ports, or left out with a warning. */
static bool sw_np_port(struct sw_np_ctx *c, const yaml_node_t *pn, struct sw_np_rule *r, bool anp)
{
	const yaml_node_t *proto = sw_np_get(c->doc, pn, "protocol");
	const yaml_node_t *port = sw_np_get(c->doc, pn, "port");
	const yaml_node_t *end = sw_np_get(c->doc, pn, "endPort");
	struct sw_np_port p = { 0, 1, 65535 };
	struct sw_np_port *v;
	struct sw_quote q;
	long lo, hi;

	(void)anp;
	if (!sw_np_is_map(pn))
		return sw_np_err(c, pn, "expected a port (a mapping), got %s", sw_np_type_name(pn));
	sw_np_unknown_keys(c, pn, sw_np_port_keys, 3);
	if (proto) {
		const char *s = sw_np_str(proto);

		for (p.proto = 0; s && p.proto < 3 && strcmp(s, sw_np_protos[p.proto]) != 0; p.proto++)
			;
		if (p.proto == 3) {
			SW_NP_PUSH_KEY(c, "protocol", proto);
			sw_np_warn(c, proto, "protocol %s is not TCP, UDP or SCTP: this port left out "
				   "(allows less)", sw_text_quote(&q, s ? s : ""));
			SW_NP_POP(c);
			return true;
		}
	}
	if (port) {
		SW_NP_PUSH_KEY(c, "port", port);
		lo = sw_np_number(port);
		if (lo < 0 && sw_np_str(port)) {
			sw_np_warn(c, port, "named port %s has no source (segwatch knows no container "
				   "ports): this port left out (allows less)",
				   sw_text_quote(&q, sw_np_str(port)));
			SW_NP_POP(c);
			return true;
		}
		if (lo < 1 || lo > 65535) {
			sw_np_err(c, port, "port must be 1-65535");
			SW_NP_POP(c);
			return false;
		}
		SW_NP_POP(c);
		p.lo = p.hi = (unsigned)lo;
	}
	if (end) {
		SW_NP_PUSH_KEY(c, "endPort", end);
		hi = sw_np_number(end);
		if (!port || hi < (long)p.lo || hi > 65535) {
			if (!port)
				sw_np_err(c, end, "endPort needs port");
			else
				sw_np_err(c, end, "endPort must be %u-65535", p.lo);
			SW_NP_POP(c);
			return false;
		}
		SW_NP_POP(c);
		p.hi = (unsigned)hi;
	}
	v = realloc(r->ports, (r->n_ports + 1) * sizeof(*v));
	if (!v) {
		sw_np_nomem(c);
		return false;
	}
	r->ports = v;
	r->ports[r->n_ports++] = p;
	return true;
}

bool sw_np_read_ports(struct sw_np_ctx *c, const yaml_node_t *ports, struct sw_np_rule *r, bool anp)
{
	bool ok = true;

	r->all_ports = false;
	if (!ports || (sw_np_is_seq(ports) && sw_np_seq_len(ports) == 0)) {
		r->all_ports = true;
		return true;
	}
	if (!sw_np_is_seq(ports))
		return sw_np_err(c, ports, "expected a sequence of ports, got %s",
				 sw_np_type_name(ports));
	for (size_t i = 0; i < sw_np_seq_len(ports); i++) {
		size_t m2 = sw_jsonptr_index(&c->ptr, i);
		const yaml_node_t *pn = sw_np_seq_at(c->doc, ports, i);
		const yaml_node_t *up = c->node;

		c->node = pn;
		ok &= sw_np_port(c, pn, r, anp);
		c->node = up;
		sw_jsonptr_pop(&c->ptr, m2);
	}
	return ok;
}

static const char *const sw_np_ingress_keys[] = { "from", "ports" };
static const char *const sw_np_egress_keys[] = { "to", "ports" };

/* One ingress or egress rule of a policy selecting @subject. */
static void sw_np_read_rule(struct sw_np_ctx *c, struct sw_np_model *m, const char *ns,
			    const char *label, const json_t *subject, enum sw_np_dir dir,
			    const yaml_node_t *rn, size_t idx)
{
	const char *side = dir == SW_NP_INGRESS ? "from" : "to";
	const yaml_node_t *peers = sw_np_get(c->doc, rn, side);
	struct sw_np_rule r = { .dir = dir, .action = SW_NP_ALLOW };
	char buf[300];
	bool ok = true;

	if (!sw_np_is_map(rn)) {
		sw_np_err(c, rn, "expected a rule (a mapping), got %s", sw_np_type_name(rn));
		return;
	}
	sw_np_unknown_keys(c, rn, dir == SW_NP_INGRESS ? sw_np_ingress_keys : sw_np_egress_keys, 2);
	snprintf(buf, sizeof(buf), "%s.%s%zu", label, dir == SW_NP_INGRESS ? "in" : "eg", idx);
	r.label = strdup(buf);
	r.subject = json_pack("[O]", subject);
	if (!sw_np_rule_place(c, rn, &r) || !r.label || !r.subject) {
		sw_np_rule_clear(&r);
		sw_np_nomem(c);
		return;
	}
	if (peers && sw_np_seq_len(peers) > 0) {
		SW_NP_PUSH_KEY(c, side, peers);
		r.peers = json_array();
		for (size_t i = 0; r.peers && i < sw_np_seq_len(peers); i++) {
			size_t m2 = sw_jsonptr_index(&c->ptr, i);

			ok &= sw_np_peer(c, m, ns, sw_np_seq_at(c->doc, peers, i), r.peers);
			sw_jsonptr_pop(&c->ptr, m2);
		}
		SW_NP_POP(c);
	} else if (peers && !sw_np_is_seq(peers)) {
		ok = sw_np_err(c, peers, "expected a sequence of peers, got %s", sw_np_type_name(peers));
	}
	{
		const yaml_node_t *ports = sw_np_get(c->doc, rn, "ports");
		SW_NP_PUSH_KEY(c, "ports", ports ? ports : rn);
		ok &= sw_np_read_ports(c, ports, &r, false);
		SW_NP_POP(c);
		if (ok && !r.all_ports && r.n_ports == 0)
			sw_np_warn(c, rn, "no port of this rule is left: the rule is left out (allows "
				   "less; the pods it selects stay isolated)");
	}
	if (!ok || (!r.all_ports && r.n_ports == 0) || (r.peers && json_array_size(r.peers) == 0)) {
		sw_np_rule_clear(&r);
		return;
	}
	sw_np_rules_add(c, &m->np, &r);
}

static const char *const sw_np_spec_keys[] = { "podSelector", "policyTypes", "ingress", "egress" };

/* The rules of one direction, when the policy isolates it. */
static void sw_np_read_dir(struct sw_np_ctx *c, struct sw_np_model *m, const char *ns,
			   const char *label, const json_t *subject, const yaml_node_t *spec,
			   enum sw_np_dir dir, bool isolates)
{
	const char *key = dir == SW_NP_INGRESS ? "ingress" : "egress";
	const yaml_node_t *rules = sw_np_get(c->doc, spec, key);
	json_t *iso = dir == SW_NP_INGRESS ? m->ingress_isolated : m->egress_isolated;

	if (!isolates) {
		if (sw_np_seq_len(rules)) {
			SW_NP_PUSH_KEY(c, key, rules);
			sw_np_warn(c, rules, "policyTypes does not list %s: these rules are ignored "
				   "(as Kubernetes does)", dir == SW_NP_INGRESS ? "Ingress" : "Egress");
			SW_NP_POP(c);
		}
		return;
	}
	json_array_append(iso, (json_t *)subject);
	if (!rules)
		return;
	{
		SW_NP_PUSH_KEY(c, key, rules);
		if (!sw_np_is_seq(rules))
			sw_np_err(c, rules, "expected a sequence of rules, got %s", sw_np_type_name(rules));
		for (size_t i = 0; i < sw_np_seq_len(rules); i++) {
			size_t m2 = sw_jsonptr_index(&c->ptr, i);
			const yaml_node_t *rn = sw_np_seq_at(c->doc, rules, i);
			const yaml_node_t *up = c->node;

			c->node = rn;
			sw_np_read_rule(c, m, ns, label, subject, dir, rn, i);
			c->node = up;
			sw_jsonptr_pop(&c->ptr, m2);
		}
		SW_NP_POP(c);
	}
}

static void sw_np_read_netpol(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj)
{
	const yaml_node_t *meta = sw_np_get(c->doc, obj, "metadata");
	const yaml_node_t *spec = sw_np_get(c->doc, obj, "spec");
	const char *ns = sw_np_str(sw_np_get(c->doc, meta, "namespace"));
	const char *name = sw_np_str(sw_np_get(c->doc, meta, "name"));
	const char *api = sw_np_str(sw_np_get(c->doc, obj, "apiVersion"));
	const yaml_node_t *types, *ps;
	bool in = true, eg = false;
	json_t *subject;
	char *label;
	size_t spec_mark;
	struct sw_quote q;

	if (!ns)
		ns = "default";
	if (!sw_np_text_ok(ns, 1)) {
		sw_np_err(c, obj, "metadata.namespace must have 1 to 256 bytes");
		return;
	}
	if (!name) {
		sw_np_err(c, obj, "a NetworkPolicy without metadata.name");
		return;
	}
	if (api && strcmp(api, "networking.k8s.io/v1") != 0)
		sw_np_warn(c, sw_np_get(c->doc, obj, "apiVersion"),
			   "apiVersion %s: read as networking.k8s.io/v1", sw_text_quote(&q, api));
	if (!sw_np_is_map(spec)) {
		sw_np_err(c, obj, "a NetworkPolicy without spec");
		return;
	}
	spec_mark = sw_jsonptr_key(&c->ptr, "spec");
	c->node = spec;
	sw_np_unknown_keys(c, spec, sw_np_spec_keys, 4);
	types = sw_np_get(c->doc, spec, "policyTypes");
	ps = sw_np_get(c->doc, spec, "podSelector");
	if (types) {
		SW_NP_PUSH_KEY(c, "policyTypes", types);
		in = false;
		if (!sw_np_is_seq(types))
			sw_np_err(c, types, "expected a sequence (Ingress, Egress), got %s",
				  sw_np_type_name(types));
		for (size_t i = 0; i < sw_np_seq_len(types); i++) {
			const yaml_node_t *t = sw_np_seq_at(c->doc, types, i);
			const char *s = sw_np_str(t);
			size_t m2 = sw_jsonptr_index(&c->ptr, i);

			if (s && strcmp(s, "Ingress") == 0)
				in = true;
			else if (s && strcmp(s, "Egress") == 0)
				eg = true;
			else
				sw_np_err(c, t, "unknown policy type %s: expected Ingress or Egress",
					  sw_text_quote(&q, s ? s : ""));
			sw_jsonptr_pop(&c->ptr, m2);
		}
		SW_NP_POP(c);
	} else {
		/* as the API server defaults it: Egress only when there are egress rules */
		eg = sw_np_seq_len(sw_np_get(c->doc, spec, "egress")) > 0;
	}
	subject = json_pack("{s:[s]}", "namespaces", ns);
	label = sw_np_sanitize(ns, name);
	if (!subject || !label) {
		sw_np_nomem(c);
	} else {
		SW_NP_PUSH_KEY(c, "podSelector", ps ? ps : spec);
		bool ok = sw_np_selector(c, ps, subject);
		SW_NP_POP(c);
		/* read on after an error: every error of the file is reported */
		sw_np_read_dir(c, m, ns, label, subject, spec, SW_NP_INGRESS, in);
		sw_np_read_dir(c, m, ns, label, subject, spec, SW_NP_EGRESS, eg);
		if (ok)
			c->res->n_netpols++;
	}
	json_decref(subject);
	free(label);
	sw_jsonptr_pop(&c->ptr, spec_mark);
	c->node = obj;
}

void sw_np_read_object(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj)
{
	const yaml_node_t *kn = sw_np_get(c->doc, obj, "kind");
	const char *kind = sw_np_str(kn);
	struct sw_quote q;

	if (!sw_np_is_map(obj)) {
		sw_np_warn(c, obj, "expected a Kubernetes object (a mapping), got %s: left out",
			   sw_np_type_name(obj));
		return;
	}
	if (!kind) {
		sw_np_warn(c, obj, "an object without kind: left out");
		return;
	}
	if (strcmp(kind, "List") == 0 || (strlen(kind) > 4 && strcmp(kind + strlen(kind) - 4, "List") == 0)) {
		const yaml_node_t *items = sw_np_get(c->doc, obj, "items");

		if (items && !sw_np_is_seq(items)) {
			sw_np_err(c, items, "expected a sequence of items, got %s", sw_np_type_name(items));
			return;
		}
		{
			SW_NP_PUSH_KEY(c, "items", items);
			for (size_t i = 0; i < sw_np_seq_len(items); i++) {
				size_t m2 = sw_jsonptr_index(&c->ptr, i);
				const yaml_node_t *it = sw_np_seq_at(c->doc, items, i);
				const yaml_node_t *up = c->node;

				c->node = it;
				sw_np_read_object(c, m, it);
				c->node = up;
				sw_jsonptr_pop(&c->ptr, m2);
			}
			SW_NP_POP(c);
		}
	} else if (strcmp(kind, "NetworkPolicy") == 0) {
		sw_np_read_netpol(c, m, obj);
	} else if (strcmp(kind, "AdminNetworkPolicy") == 0) {
		sw_np_read_anp(c, m, obj, false);
	} else if (strcmp(kind, "BaselineAdminNetworkPolicy") == 0) {
		sw_np_read_anp(c, m, obj, true);
	} else {
		SW_NP_PUSH_KEY(c, "kind", kn);
		sw_np_warn(c, kn, "kind %s is not a NetworkPolicy: left out", sw_text_quote(&q, kind));
		SW_NP_POP(c);
	}
}
