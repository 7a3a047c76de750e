/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model as first-match rules. Kubernetes NetworkPolicy: a connection
 * A->B:p is allowed iff EgOK and InOK, where
 *   EgOK = A not in E (egress-isolated) or some egress rule e has A in S_e, B in P_e, p in T_e
 *   InOK = B not in I (ingress-isolated) or some ingress rule i has B in S_i, A in P_i, p in T_i
 * (S: pods the rule's policy selects, P: its peers, T: its ports). The rules:
 *   (1) allow S_e&P_i -> P_e&S_i on T_e&T_i, for every pair (e, i)
 *   (2) deny E -> I
 *   (3) allow S_e -> P_e on T_e, for every e
 *   (4) deny E -> any
 *   (5) allow P_i -> S_i on T_i, for every i
 *   (6) deny any -> I
 *   default allow, intra_group "policy".
 * Why this is exact: (1) allows only what both an egress and an ingress
 * rule allow, so EgOK and InOK hold. A connection reaching (2) with A in E
 * and B in I is allowed by Kubernetes only through some pair (e, i) whose
 * conditions are exactly those of (1) for that pair: none matched, so deny.
 * After (2), A in E implies B not in I (InOK): (3) allows what some e
 * allows (EgOK), (4) denies the rest (EgOK fails). After (4), A is not in
 * E (EgOK): (5) allows what some i allows, (6) denies the rest of B in I.
 * What reaches the default has A not in E and B not in I: allowed. Every
 * deny names "any" or both isolated groups explicitly, so segwatch's
 * default being limited to managed addresses does not matter (the default
 * is allow). Since S_e is inside E and S_i inside I, a group
 * intersection that is empty is left out without changing anything.
 *
 * AdminNetworkPolicy rules come first (priority order, then listed order),
 * BaselineAdminNetworkPolicy rules after (6), where only traffic that no
 * NetworkPolicy isolates is left.
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

/* Is there an earlier rule with the same fields but its name? */
static bool sw_np_rule_dup(const struct sw_np_emit *e, const json_t *r)
{
	const json_t *x;
	size_t i;

	json_array_foreach(e->rules, i, x) {
		json_t *a = json_deep_copy(x), *b = json_deep_copy(r);
		bool same;

		json_object_del(a, "name");
		json_object_del(b, "name");
		same = a && b && json_equal(a, b);
		json_decref(a);
		json_decref(b);
		if (same)
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
		json_decref(r); /* an earlier rule says the same (groups are deduplicated) */
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

/* An (Baseline)AdminNetworkPolicy rule: subject and peers by direction. */
static void sw_np_emit_admin(struct sw_np_emit *e, const struct sw_np_rule *r)
{
	char hint[300];
	const char *subj, *peers;

	if (r->action == SW_NP_PASS)
		return; /* anp.c said what it means (and warned where it is not exact) */
	snprintf(hint, sizeof(hint), "%s.subject", r->label);
	subj = sw_np_group(e, r->subject, hint);
	snprintf(hint, sizeof(hint), "%s.%s", r->label, r->dir == SW_NP_INGRESS ? "from" : "to");
	peers = sw_np_group(e, r->peers, hint);
	if (r->dir == SW_NP_INGRESS)
		sw_np_rule_out(e, r->label, peers, subj, r->ports, r->n_ports, r->all_ports,
			       sw_np_action_names[r->action]);
	else
		sw_np_rule_out(e, r->label, subj, peers, r->ports, r->n_ports, r->all_ports,
			       sw_np_action_names[r->action]);
}

/* (1): every pair of an egress and an ingress rule. */
static void sw_np_emit_pairs(struct sw_np_emit *e, const struct sw_np_rules *np)
{
	for (size_t a = 0; a < np->n; a++) {
		const struct sw_np_rule *eg = &np->v[a];

		if (eg->dir != SW_NP_EGRESS)
			continue;
		for (size_t b = 0; b < np->n; b++) {
			const struct sw_np_rule *in = &np->v[b];
			json_t *from, *to;
			struct sw_np_port *ports;
			size_t n;
			bool all;
			char hint[400], gh[420];

			if (in->dir != SW_NP_INGRESS)
				continue;
			from = sw_np_side_and(eg->subject, in->peers);
			to = sw_np_side_and(eg->peers, in->subject);
			n = sw_np_ports_and(eg, in, &ports, &all);
			if (from && to && !sw_np_side_empty(from) && !sw_np_side_empty(to) &&
			    (all || n)) {
				snprintf(hint, sizeof(hint), "%s:%s", eg->label, in->label);
				snprintf(gh, sizeof(gh), "%s.src", hint);
				const char *gf = sw_np_group(e, from, gh);
				snprintf(gh, sizeof(gh), "%s.dst", hint);
				const char *gt = sw_np_group(e, to, gh);
				sw_np_rule_out(e, hint, gf, gt, ports, n, all, "allow");
			}
			free(ports);
			json_decref(from);
			json_decref(to);
		}
	}
}

/* (3) or (5): each rule of one direction alone. */
static void sw_np_emit_dir(struct sw_np_emit *e, const struct sw_np_rules *np, enum sw_np_dir dir)
{
	for (size_t a = 0; a < np->n; a++) {
		const struct sw_np_rule *r = &np->v[a];
		char hint[300];
		const char *subj, *peers;

		if (r->dir != dir)
			continue;
		snprintf(hint, sizeof(hint), "%s.pods", r->label);
		/* the subject of every rule of one policy is the same group */
		subj = sw_np_group(e, r->subject, hint);
		snprintf(hint, sizeof(hint), "%s.%s", r->label, dir == SW_NP_INGRESS ? "from" : "to");
		peers = sw_np_group(e, r->peers, hint);
		if (dir == SW_NP_EGRESS)
			sw_np_rule_out(e, r->label, subj, peers, r->ports, r->n_ports, r->all_ports,
				       "allow");
		else
			sw_np_rule_out(e, r->label, peers, subj, r->ports, r->n_ports, r->all_ports,
				       "allow");
	}
}

json_t *sw_np_emit(struct sw_np_ctx *c, struct sw_np_model *m, const char *name)
{
	struct sw_np_emit e = { .c = c };
	const char *gi = NULL, *ge = NULL;
	json_t *doc = NULL;

	e.groups = json_object();
	e.by_match = json_object();
	e.rules = json_array();
	e.rule_names = json_object();
	if (!e.groups || !e.by_match || !e.rules || !e.rule_names) {
		sw_np_nomem(c);
		goto out;
	}
	for (size_t i = 0; i < m->anp.n; i++)
		sw_np_emit_admin(&e, &m->anp.v[i]);
	if (json_array_size(m->egress_isolated))
		ge = sw_np_group(&e, m->egress_isolated, "egress-isolated");
	if (json_array_size(m->ingress_isolated))
		gi = sw_np_group(&e, m->ingress_isolated, "ingress-isolated");
	if (ge && gi) {
		sw_np_emit_pairs(&e, &m->np);
		sw_np_rule_out(&e, "isolated-both-ways", ge, gi, NULL, 0, true, "deny");
	}
	if (ge) {
		sw_np_emit_dir(&e, &m->np, SW_NP_EGRESS);
		sw_np_rule_out(&e, "egress-isolated", ge, NULL, NULL, 0, true, "deny");
	}
	if (gi) {
		sw_np_emit_dir(&e, &m->np, SW_NP_INGRESS);
		sw_np_rule_out(&e, "ingress-isolated", NULL, gi, NULL, 0, true, "deny");
	}
	for (size_t i = 0; i < m->banp.n; i++)
		sw_np_emit_admin(&e, &m->banp.v[i]);
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
	json_decref(e.groups);
	json_decref(e.by_match);
	json_decref(e.rules);
	json_decref(e.rule_names);
	return doc;
}
