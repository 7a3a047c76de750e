/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model as first-match rules. Kubernetes judges a connection A->B:p on
 * each side by itself and allows it iff both allow: the source's egress
 * and the destination's ingress. Each side is a first-match list:
 *   L_E (A's egress):   admin egress rules by priority (Allow, Deny; a
 *                       Pass is replaced by what follows the admin rules,
 *                       within the Pass rule's sides and ports), then
 *                       allow S_e -> P_e on T_e for each NetworkPolicy
 *                       egress rule e, deny E -> any (E: egress-isolated
 *                       pods), the baseline's egress rules, allow any;
 *   L_I (B's ingress):  the same with ingress rules: allow P_i -> S_i on
 *                       T_i, deny any -> I, baseline, allow any.
 * (For one side, this is the Kubernetes rule: a pod some policy isolates
 * gets what one of the rules selecting it allows and nothing else, since
 * S_e is inside E; a pod no policy isolates meets the baseline, then
 * allow; an admin verdict comes before both.) The segwatch rules are the
 * product: for each rule x of L_E in order, x itself when it denies, and
 * when it allows, every rule y of L_I in order written as x AND y (sides
 * and ports intersected) with y's action; "allow any AND allow any" is the
 * policy's default allow ("intra_group": "policy").
 * Why this is exact: let x be the first rule of L_E matching the
 * connection. Every rule written before x's block lies inside an earlier
 * rule of L_E, which does not match: so the first match is in x's block.
 * If x denies, the connection is denied: A's egress denies it. If x
 * allows, the rules of its block match exactly where the rules of L_I
 * match (the connection is inside x), so the first match is L_I's first
 * match, with its action: A's egress allows, B's ingress decides. Every
 * deny is explicit (its sides name "any" or groups), so segwatch's default
 * judging only managed addresses does not matter: the default is allow.
 * With NetworkPolicy alone this is: for each egress rule e, allow
 * S_e&P_i -> P_e&S_i on T_e&T_i for every ingress rule i, deny S_e -> I
 * on T_e, allow S_e -> P_e on T_e; then deny E -> any; then allow
 * P_i -> S_i on T_i; then deny any -> I. Intersections that are empty
 * (namespaces or labels that cannot meet) are left out, and so is a rule
 * an earlier one matches all of (the checker would call it shadowed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sw_np_emit {
	struct sw_np_ctx *c;
	json_t *groups;		/* name -> {"match": [...]} */
	json_t *by_match;	/* canonical match text -> name */
	json_t *rules;
	json_t *rule_names;	/* name -> true */
};

static const char *const sw_np_proto_names[] = { "tcp", "udp", "sctp" };

/* @hint, or @hint-2, -3, ... : the first not in @used. */
static char *sw_np_unique(const json_t *used, const char *hint)
{
	size_t n = strlen(hint) + 16;
	char *s = malloc(n);

	if (!s)
		return NULL;
	/* names have at most 256 bytes: a long hint is cut, the suffix keeps it unique */
	snprintf(s, n, "%.200s", hint);
	for (unsigned i = 2; json_object_get(used, s); i++)
		snprintf(s, n, "%.200s-%u", hint, i);
	return s;
}

/* The group selecting @side (made or found again); NULL for every address, "" on error. */
static const char *sw_np_group(struct sw_np_emit *e, const json_t *side, const char *hint)
{
	char *key, *name;
	const json_t *have;

	if (!side)
		return NULL;
	key = json_dumps(side, JSON_COMPACT | JSON_SORT_KEYS);
	if (!key) {
		sw_np_nomem(e->c);
		return "";
	}
	have = json_object_get(e->by_match, key);
	if (have) {
		free(key);
		return json_string_value(have);
	}
	name = sw_np_unique(e->groups, hint);
	if (!name || json_object_set_new(e->groups, name, json_pack("{s:O}", "match", side)) ||
	    json_object_set_new(e->by_match, key, json_string(name))) {
		free(key);
		free(name);
		sw_np_nomem(e->c);
		return "";
	}
	free(name);
	have = json_object_get(e->by_match, key);
	free(key);
	return json_string_value(have);
}

/* Does side @a of an earlier rule take in side @b ("any", or the same group)? */
static bool sw_np_side_covers(const json_t *a, const json_t *b)
{
	return strcmp(json_string_value(a), "any") == 0 || json_equal((json_t *)a, (json_t *)b);
}

/*
 * Does an earlier rule match every connection @r does? Then @r can never
 * match (first match wins) and is left out: the same verdicts, without the
 * checker's "shadowed" warning. Structural, as the checker's test: groups
 * by name (identical groups are one), then protocol, then the same ports.
 */
static bool sw_np_rule_dup(const struct sw_np_emit *e, const json_t *r)
{
	const json_t *x;
	size_t i;

	json_array_foreach(e->rules, i, x) {
		const json_t *xp = json_object_get(x, "proto"), *xports = json_object_get(x, "ports");

		if (!sw_np_side_covers(json_object_get(x, "from"), json_object_get(r, "from")) ||
		    !sw_np_side_covers(json_object_get(x, "to"), json_object_get(r, "to")))
			continue;
		if (xp && !json_equal((json_t *)xp, json_object_get(r, "proto")))
			continue;
		if (xports && !json_equal((json_t *)xports, json_object_get(r, "ports")))
			continue;
		return true;
	}
	return false;
}

static bool sw_np_rule_one(struct sw_np_emit *e, const char *hint, const char *from,
			   const char *to, int proto, json_t *ports, const char *action)
{
	char *name = sw_np_unique(e->rule_names, hint);
	json_t *r;

	if (!name)
		return false;
	r = json_pack("{s:s, s:s, s:s}", "name", name, "from", from ? from : "any", "to",
		      to ? to : "any");
	if (r && proto >= 0)
		json_object_set_new(r, "proto", json_string(sw_np_proto_names[proto]));
	if (r && ports)
		json_object_set(r, "ports", ports);
	if (r)
		json_object_set_new(r, "action", json_string(action));
	if (r && sw_np_rule_dup(e, r)) {
		json_decref(r); /* an earlier rule matches all it would */
		free(name);
		return true;
	}
	if (!r || json_array_append_new(e->rules, r) ||
	    json_object_set_new(e->rule_names, name, json_true())) {
		free(name);
		return false;
	}
	free(name);
	return true;
}

/* One rule per protocol of @ports (one without "proto" for every port and protocol). */
static void sw_np_rule_out(struct sw_np_emit *e, const char *hint, const char *from,
			   const char *to, const struct sw_np_port *ports, size_t n, bool all,
			   const char *action)
{
	char name[300];
	bool ok = true;

	if ((from && !*from) || (to && !*to))
		return; /* out of memory, said */
	if (all) {
		if (!sw_np_rule_one(e, hint, from, to, -1, NULL, action))
			sw_np_nomem(e->c);
		return;
	}
	for (int proto = 0; proto < 3 && ok; proto++) {
		json_t *list = json_array();
		bool every = false, any = false;

		for (size_t i = 0; list && i < n; i++) {
			char range[16];

			if (ports[i].proto != proto)
				continue;
			any = true;
			every |= ports[i].lo == 1 && ports[i].hi == 65535;
			if (ports[i].lo == ports[i].hi) {
				json_array_append_new(list, json_integer(ports[i].lo));
			} else {
				snprintf(range, sizeof(range), "%u-%u", ports[i].lo, ports[i].hi);
				json_array_append_new(list, json_string(range));
			}
		}
		snprintf(name, sizeof(name), "%s.%s", hint, sw_np_proto_names[proto]);
		if (any)
			ok = sw_np_rule_one(e, name, from, to, proto, every ? NULL : list, action);
		json_decref(list);
	}
	if (!ok)
		sw_np_nomem(e->c);
}

static const char *const sw_np_action_names[] = { "allow", "deny" };

/*
 * A rule before it is written: its sides as terms (NULL: any) with the
 * hints their groups are named after. The NetworkPolicy and baseline rules
 * are built first, so that an admin Pass can be written as exactly what
 * they say about its traffic.
 */
struct sw_np_out {
	char *hint, *from_hint, *to_hint;
	json_t *from, *to;
	struct sw_np_port *ports;
	size_t n_ports;
	bool all;
	int action;
};

struct sw_np_outs {
	struct sw_np_out *v;
	size_t n, cap;
};

static void sw_np_out_parts_free(struct sw_np_out *x)
{
	free(x->hint);
	free(x->from_hint);
	free(x->to_hint);
	free(x->ports);
	json_decref(x->from);
	json_decref(x->to);
}

static void sw_np_outs_clear(struct sw_np_outs *o)
{
	for (size_t i = 0; i < o->n; i++)
		sw_np_out_parts_free(&o->v[i]);
	free(o->v);
}

/* Append a rule; takes @from, @to and @ports (freed on failure). */
static void sw_np_outs_add(struct sw_np_emit *e, struct sw_np_outs *o, const char *hint,
			   json_t *from, const char *fh, json_t *to, const char *th,
			   struct sw_np_port *ports, size_t n, bool all, int action)
{
	struct sw_np_out x = { .from = from, .to = to, .ports = ports, .n_ports = n, .all = all,
			       .action = action };

	x.hint = strdup(hint);
	x.from_hint = strdup(fh);
	x.to_hint = strdup(th);
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		struct sw_np_out *v = realloc(o->v, cap * sizeof(*v));

		if (v) {
			o->v = v;
			o->cap = cap;
		}
	}
	if (o->n == o->cap || !x.hint || !x.from_hint || !x.to_hint) {
		free(x.hint);
		free(x.from_hint);
		free(x.to_hint);
		free(ports);
		json_decref(from);
		json_decref(to);
		sw_np_nomem(e->c);
		return;
	}
	o->v[o->n++] = x;
}

static struct sw_np_port *sw_np_ports_dup(const struct sw_np_port *p, size_t n)
{
	struct sw_np_port *v = malloc(n * sizeof(*v) + 1);

	if (v && n)
		memcpy(v, p, n * sizeof(*v));
	return v;
}

static void sw_np_out_write(struct sw_np_emit *e, const struct sw_np_out *x)
{
	const char *from = sw_np_group(e, x->from, x->from_hint);
	const char *to = sw_np_group(e, x->to, x->to_hint);

	sw_np_rule_out(e, x->hint, from, to, x->ports, x->n_ports, x->all,
		       sw_np_action_names[x->action]);
}

/* A model rule as an out rule of its direction's list: "from" and "to" by direction. */
static void sw_np_outs_rule(struct sw_np_emit *e, struct sw_np_outs *o, const struct sw_np_rule *r,
			    const char *subject_hint, int action)
{
	char sh[300], ph[300];
	bool in = r->dir == SW_NP_INGRESS;
	json_t *subj = json_incref(r->subject), *peers = json_incref(r->peers);

	snprintf(sh, sizeof(sh), "%s.%s", r->label, subject_hint);
	snprintf(ph, sizeof(ph), "%s.%s", r->label, in ? "from" : "to");
	sw_np_outs_add(e, o, r->label, in ? peers : subj, in ? ph : sh, in ? subj : peers,
		       in ? sh : ph, sw_np_ports_dup(r->ports, r->n_ports), r->n_ports, r->all_ports,
		       action);
}

/* "a:b", or the one that is not "any". */
static void sw_np_hint_and(char *buf, size_t size, const char *a, const char *b)
{
	if (strcmp(a, "any") == 0 || strcmp(b, "any") == 0)
		snprintf(buf, size, "%s", strcmp(a, "any") == 0 ? b : a);
	else
		snprintf(buf, size, "%s:%s", a, b);
}

/* @a AND @b (action @b's) into @x, which owns its sides and ports; false when empty. */
static bool sw_np_out_and(const struct sw_np_out *a, const struct sw_np_out *b, struct sw_np_out *x)
{
	struct sw_np_rule ra = { .ports = a->ports, .n_ports = a->n_ports, .all_ports = a->all };
	struct sw_np_rule rb = { .ports = b->ports, .n_ports = b->n_ports, .all_ports = b->all };
	char buf[700];

	memset(x, 0, sizeof(*x));
	x->action = b->action;
	x->from = sw_np_side_and(a->from, b->from);
	x->to = sw_np_side_and(a->to, b->to);
	x->n_ports = sw_np_ports_and(&ra, &rb, &x->ports, &x->all);
	if (sw_np_side_empty(x->from) || sw_np_side_empty(x->to) || (!x->all && !x->n_ports))
		return false;
	sw_np_hint_and(buf, sizeof(buf), a->hint, b->hint);
	x->hint = strdup(buf);
	sw_np_hint_and(buf, sizeof(buf), a->from_hint, b->from_hint);
	x->from_hint = strdup(buf);
	sw_np_hint_and(buf, sizeof(buf), a->to_hint, b->to_hint);
	x->to_hint = strdup(buf);
	return x->hint && x->from_hint && x->to_hint;
}

/*
 * One direction's list: admin rules by priority, then NetworkPolicy (allow
 * what a rule allows, deny the rest of the isolated pods), then the
 * baseline, then allow. A Pass is replaced by what follows the admin rules,
 * within its own sides and ports: exactly "go on to NetworkPolicy".
 */
static void sw_np_dir_list(struct sw_np_emit *e, struct sw_np_model *m, enum sw_np_dir dir,
			   struct sw_np_outs *out)
{
	struct sw_np_outs admin = { 0 }, rest = { 0 };
	bool in = dir == SW_NP_INGRESS;
	json_t *iso = in ? m->ingress_isolated : m->egress_isolated;
	const char *iso_name = in ? "ingress-isolated" : "egress-isolated";

	for (size_t i = 0; i < m->anp.n; i++)
		if (m->anp.v[i].dir == dir)
			sw_np_outs_rule(e, &admin, &m->anp.v[i], "subject", m->anp.v[i].action);
	for (size_t i = 0; i < m->np.n; i++)
		if (m->np.v[i].dir == dir)
			sw_np_outs_rule(e, &rest, &m->np.v[i], "pods", SW_NP_ALLOW);
	if (json_array_size(iso))
		sw_np_outs_add(e, &rest, iso_name, in ? NULL : json_incref(iso), in ? "any" : iso_name,
			       in ? json_incref(iso) : NULL, in ? iso_name : "any", NULL, 0, true,
			       SW_NP_DENY);
	for (size_t i = 0; i < m->banp.n; i++)
		if (m->banp.v[i].dir == dir)
			sw_np_outs_rule(e, &rest, &m->banp.v[i], "subject", m->banp.v[i].action);
	sw_np_outs_add(e, &rest, "any", NULL, "any", NULL, "any", NULL, 0, true, SW_NP_ALLOW);
	for (size_t i = 0; i < admin.n; i++) {
		struct sw_np_out *a = &admin.v[i];

		if (a->action != SW_NP_PASS) {
			sw_np_outs_add(e, out, a->hint, json_incref(a->from), a->from_hint,
				       json_incref(a->to), a->to_hint,
				       sw_np_ports_dup(a->ports, a->n_ports), a->n_ports, a->all,
				       a->action);
			continue;
		}
		for (size_t k = 0; k < rest.n; k++) {
			struct sw_np_out x;

			if (!sw_np_out_and(a, &rest.v[k], &x)) {
				sw_np_out_parts_free(&x);
				continue;
			}
			sw_np_outs_add(e, out, x.hint, x.from, x.from_hint, x.to, x.to_hint, x.ports,
				       x.n_ports, x.all, x.action);
			free(x.hint);
			free(x.from_hint);
			free(x.to_hint);
		}
	}
	for (size_t k = 0; k < rest.n; k++) {
		struct sw_np_out *r = &rest.v[k];

		sw_np_outs_add(e, out, r->hint, json_incref(r->from), r->from_hint, json_incref(r->to),
			       r->to_hint, sw_np_ports_dup(r->ports, r->n_ports), r->n_ports, r->all,
			       r->action);
	}
	sw_np_outs_clear(&admin);
	sw_np_outs_clear(&rest);
}

json_t *sw_np_emit(struct sw_np_ctx *c, struct sw_np_model *m, const char *name)
{
	struct sw_np_emit e = { .c = c };
	struct sw_np_outs eg = { 0 }, in = { 0 };
	json_t *doc = NULL;

	e.groups = json_object();
	e.by_match = json_object();
	e.rules = json_array();
	e.rule_names = json_object();
	if (!e.groups || !e.by_match || !e.rules || !e.rule_names) {
		sw_np_nomem(c);
		goto out;
	}
	/* the isolated groups are named first, so that their names stay those */
	if (json_array_size(m->egress_isolated))
		sw_np_group(&e, m->egress_isolated, "egress-isolated");
	if (json_array_size(m->ingress_isolated))
		sw_np_group(&e, m->ingress_isolated, "ingress-isolated");
	sw_np_dir_list(&e, m, SW_NP_EGRESS, &eg);
	sw_np_dir_list(&e, m, SW_NP_INGRESS, &in);
	/*
	 * The product: the source's first egress rule e decides with deny, or
	 * with allow hands the connection to the destination's ingress list,
	 * written within e's sides and ports. The last of each list is "allow
	 * any", which the policy's default says already.
	 */
	for (size_t a = 0; a < eg.n && !c->res->nomem; a++) {
		if (eg.v[a].action == SW_NP_DENY) {
			sw_np_out_write(&e, &eg.v[a]);
			continue;
		}
		for (size_t b = 0; b < in.n; b++) {
			struct sw_np_out x;

			if (a + 1 == eg.n && b + 1 == in.n)
				break; /* allow any -> any: the default */
			if (sw_np_out_and(&eg.v[a], &in.v[b], &x))
				sw_np_out_write(&e, &x);
			sw_np_out_parts_free(&x);
		}
	}
	if (!c->res->nomem) {
		c->res->n_groups = json_object_size(e.groups);
		c->res->n_rules = json_array_size(e.rules);
		doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O, s:O}", "version", 1, "name",
				name ? name : "k8s-import", "mode", "enforce", "default", "allow",
				"intra_group", "policy", "groups", e.groups, "rules", e.rules);
		if (!doc)
			sw_np_nomem(c);
	}
out:
	sw_np_outs_clear(&eg);
	sw_np_outs_clear(&in);
	json_decref(e.groups);
	json_decref(e.by_match);
	json_decref(e.rules);
	json_decref(e.rule_names);
	return doc;
}
