/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * (policy.networking.k8s.io/v1alpha1), where they map onto first-match
 * rules. Admin rules come before every NetworkPolicy rule, by
 * spec.priority (lower first), then in listed order; the subject is the
 * "to" of ingress rules and the "from" of egress rules; Allow and Deny are
 * allow and deny. Baseline rules come after the NetworkPolicy ones, where
 * only traffic no NetworkPolicy isolates is left: exact.
 *
 * Kubernetes judges each direction on its own (the source's egress, the
 * destination's ingress) and needs both: emit.c writes each direction's
 * list (admin, NetworkPolicy, baseline) and their product, so an admin
 * Allow on one side still meets the other side's rules, and a Pass is
 * replaced by what follows the admin rules of its list, within its scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "internal.h"

static const char *const sw_np_anp_spec_keys[] = { "priority", "subject", "ingress", "egress" };
static const char *const sw_np_anp_rule_keys[] = { "name", "action", "from", "to", "ports" };
static const char *const sw_np_anp_pods_keys[] = { "namespaceSelector", "podSelector" };
static const char *const sw_np_anp_protos[] = { "TCP", "UDP", "SCTP" };

/* namespaces: SELECTOR, or pods: {namespaceSelector, podSelector}, into @term. */
static bool sw_np_anp_selects(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *n,
			      json_t *term, bool *none)
{
	const yaml_node_t *ns = sw_np_get(c->doc, n, "namespaces");
	const yaml_node_t *pods = sw_np_get(c->doc, n, "pods");
	bool ok = true;
	size_t mark;

	*none = false;
	if (ns) {
		mark = sw_jsonptr_key(&c->ptr, "namespaces");
		ok = sw_np_peer_namespaces(c, m, ns, term);
		sw_jsonptr_pop(&c->ptr, mark);
	} else if (pods) {
		mark = sw_jsonptr_key(&c->ptr, "pods");
		sw_np_unknown_keys(c, pods, sw_np_anp_pods_keys, 2);
		if (sw_np_get(c->doc, pods, "namespaceSelector")) {
			size_t m2 = sw_jsonptr_key(&c->ptr, "namespaceSelector");

			ok = sw_np_peer_namespaces(c, m, sw_np_get(c->doc, pods, "namespaceSelector"), term);
			sw_jsonptr_pop(&c->ptr, m2);
		}
		if (sw_np_get(c->doc, pods, "podSelector")) {
			size_t m2 = sw_jsonptr_key(&c->ptr, "podSelector");

			ok &= sw_np_selector(c, sw_np_get(c->doc, pods, "podSelector"), term);
			sw_jsonptr_pop(&c->ptr, m2);
		}
		sw_jsonptr_pop(&c->ptr, mark);
	} else {
		return false;
	}
	*none = ok && json_is_array(json_object_get(term, "namespaces")) &&
		json_array_size(json_object_get(term, "namespaces")) == 0;
	return ok;
}

static bool sw_np_anp_port_add(struct sw_np_ctx *c, struct sw_np_rule *r, int proto, long lo,
			       long hi)
{
	struct sw_np_port *v = realloc(r->ports, (r->n_ports + 1) * sizeof(*v));

	if (!v) {
		sw_np_nomem(c);
		return false;
	}
	r->ports = v;
	r->ports[r->n_ports++] = (struct sw_np_port){ proto, (unsigned)lo, (unsigned)hi };
	return true;
}

static int sw_np_anp_proto(const yaml_node_t *n, struct sw_np_ctx *c)
{
	const char *s = sw_np_str(sw_np_get(c->doc, n, "protocol"));
	int p;

	if (!s)
		return 0;
	for (p = 0; p < 3 && strcmp(s, sw_np_anp_protos[p]) != 0; p++)
		;
	return p < 3 ? p : -1;
}

/* What leaving a part out does to a rule of @action, for the warnings. */
static const char *sw_np_anp_lean(int action)
{
	return action == SW_NP_ALLOW ? "allows less" :
	       action == SW_NP_DENY ? "denies less than it says" : "passes less";
}

/* ports: portNumber, portRange, namedPort. */
static bool sw_np_anp_ports(struct sw_np_ctx *c, const yaml_node_t *ports, struct sw_np_rule *r)
{
	bool ok = true;

	r->all_ports = !ports || sw_np_seq_len(ports) == 0;
	for (size_t i = 0; i < sw_np_seq_len(ports); i++) {
		const yaml_node_t *pn = sw_np_seq_at(c->doc, ports, i);
		const yaml_node_t *num = sw_np_get(c->doc, pn, "portNumber");
		const yaml_node_t *range = sw_np_get(c->doc, pn, "portRange");
		size_t mark = sw_jsonptr_index(&c->ptr, i);
		struct sw_quote q;

		if (num || range) {
			const yaml_node_t *x = num ? num : range;
			size_t m1 = sw_jsonptr_key(&c->ptr, num ? "portNumber" : "portRange");
			int proto = sw_np_anp_proto(x, c);
			long lo = sw_np_number(sw_np_get(c->doc, x, num ? "port" : "start"));
			long hi = num ? lo : sw_np_number(sw_np_get(c->doc, x, "end"));

			if (proto < 0)
				sw_np_warn(c, x, "protocol is not TCP, UDP or SCTP: this port left out (%s)",
					   sw_np_anp_lean(r->action));
			else if (lo < 1 || lo > 65535 || hi < lo || hi > 65535)
				ok = sw_np_err(c, x, "ports must be 1-65535, start <= end");
			else
				ok &= sw_np_anp_port_add(c, r, proto, lo, hi);
			sw_jsonptr_pop(&c->ptr, m1);
		} else if (sw_np_get(c->doc, pn, "namedPort")) {
			const char *name = sw_np_str(sw_np_get(c->doc, pn, "namedPort"));

			sw_np_warn(c, pn, "named port %s has no source (segwatch knows no container "
				   "ports): this port left out (%s)", sw_text_quote(&q, name ? name : ""),
				   sw_np_anp_lean(r->action));
		} else {
			sw_np_warn(c, pn, "a port of no kind segwatch reads: left out (%s)",
				   sw_np_anp_lean(r->action));
		}
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

/* from/to: namespaces, pods, networks (egress); anything else left out with a warning. */
static bool sw_np_anp_peers(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *peers,
			    struct sw_np_rule *r)
{
	bool ok = true;

	r->peers = json_array();
	if (!r->peers) {
		sw_np_nomem(c);
		return false;
	}
	for (size_t i = 0; i < sw_np_seq_len(peers); i++) {
		const yaml_node_t *pn = sw_np_seq_at(c->doc, peers, i);
		const yaml_node_t *nets = sw_np_get(c->doc, pn, "networks");
		size_t mark = sw_jsonptr_index(&c->ptr, i);
		json_t *term = json_object();
		bool none = false;

		if (nets && sw_np_is_seq(nets)) {
			for (size_t k = 0; k < sw_np_seq_len(nets); k++) {
				const char *s = sw_np_str(sw_np_seq_at(c->doc, nets, k));
				struct sw_pol_cidr cidr;
				char text[64];
				bool hb;
				struct sw_quote q;

				if (!s || !sw_pol_cidr_parse(s, &cidr, &hb)) {
					ok = sw_np_err(c, nets, "bad CIDR %s", sw_text_quote(&q, s ? s : ""));
					continue;
				}
				sw_pol_cidr_text(&cidr, text, sizeof(text));
				json_array_append_new(r->peers, json_pack("{s:[s]}", "cidrs", text));
			}
		} else if (term && (sw_np_get(c->doc, pn, "namespaces") || sw_np_get(c->doc, pn, "pods"))) {
			ok &= sw_np_anp_selects(c, m, pn, term, &none);
			if (ok && !none)
				json_array_append(r->peers, term);
		} else {
			sw_np_warn(c, pn, "a peer of no kind segwatch reads (nodes, ...): left out (%s)",
				   sw_np_anp_lean(r->action));
		}
		json_decref(term);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return ok;
}

static const char *const sw_np_anp_actions[] = { "Allow", "Deny", "Pass" };

static void sw_np_anp_rule(struct sw_np_ctx *c, struct sw_np_model *m, const char *label,
			   const json_t *subject, long priority, bool baseline, enum sw_np_dir dir,
			   const yaml_node_t *rn, size_t idx)
{
	const char *side = dir == SW_NP_INGRESS ? "from" : "to";
	const char *action = sw_np_str(sw_np_get(c->doc, rn, "action"));
	const char *name = sw_np_str(sw_np_get(c->doc, rn, "name"));
	const yaml_node_t *peers = sw_np_get(c->doc, rn, side);
	struct sw_np_rule r = { .dir = dir, .priority = priority };
	char buf[400];
	bool ok = true;
	int a;

	sw_np_unknown_keys(c, rn, sw_np_anp_rule_keys, 5);
	for (a = 0; action && a < (baseline ? 2 : 3) && strcmp(action, sw_np_anp_actions[a]) != 0; a++)
		;
	if (!action || a == (baseline ? 2 : 3)) {
		sw_np_err(c, rn, "action must be %s", baseline ? "Allow or Deny" : "Allow, Deny or Pass");
		return;
	}
	r.action = a;
	if (name) {
		char *n = sw_np_sanitize(name, NULL);

		snprintf(buf, sizeof(buf), "%s.%s", label, n ? n : "rule");
		free(n);
	} else {
		snprintf(buf, sizeof(buf), "%s.%s%zu", label, dir == SW_NP_INGRESS ? "in" : "eg", idx);
	}
	r.label = strdup(buf);
	r.subject = json_pack("[O]", subject);
	if (!sw_np_rule_place(c, rn, &r) || !r.label || !r.subject) {
		sw_np_rule_clear(&r);
		sw_np_nomem(c);
		return;
	}
	if (!sw_np_seq_len(peers)) {
		sw_np_err(c, rn, "an admin rule needs \"%s\" (at least one peer)", side);
		sw_np_rule_clear(&r);
		return;
	}
	{
		size_t mark = sw_jsonptr_key(&c->ptr, side);

		ok &= sw_np_anp_peers(c, m, peers, &r);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	{
		const yaml_node_t *ports = sw_np_get(c->doc, rn, "ports");
		size_t mark = sw_jsonptr_key(&c->ptr, "ports");

		ok &= sw_np_anp_ports(c, ports, &r);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	if (ok && ((!r.all_ports && r.n_ports == 0) || json_array_size(r.peers) == 0)) {
		if (r.action == SW_NP_DENY)
			sw_np_warn(c, rn, "nothing of this Deny rule is left: left out (denies less "
				   "than it says)");
		ok = false;
	}
	if (!ok) {
		sw_np_rule_clear(&r);
		return;
	}
	sw_np_rules_add(c, baseline ? &m->banp : &m->anp, &r);
}

void sw_np_read_anp(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj, bool baseline)
{
	const yaml_node_t *meta = sw_np_get(c->doc, obj, "metadata");
	const yaml_node_t *spec = sw_np_get(c->doc, obj, "spec");
	const char *name = sw_np_str(sw_np_get(c->doc, meta, "name"));
	const yaml_node_t *subj = sw_np_get(c->doc, spec, "subject");
	const yaml_node_t *prio = sw_np_get(c->doc, spec, "priority");
	json_t *subject = json_object();
	char *label = NULL;
	long priority = 0;
	bool none = false;
	size_t mark;

	if (!name || !sw_np_is_map(spec)) {
		sw_np_err(c, obj, "an %s without metadata.name or spec",
			  baseline ? "BaselineAdminNetworkPolicy" : "AdminNetworkPolicy");
		json_decref(subject);
		return;
	}
	mark = sw_jsonptr_key(&c->ptr, "spec");
	sw_np_unknown_keys(c, spec, sw_np_anp_spec_keys, 4);
	if (!baseline && ((priority = sw_np_number(prio)) < 0 || priority > 1000)) {
		size_t m1 = sw_jsonptr_key(&c->ptr, "priority");

		sw_np_err(c, prio ? prio : spec, "priority must be 0-1000");
		sw_jsonptr_pop(&c->ptr, m1);
	}
	if (!subject) {
		sw_np_nomem(c);
	} else {
		size_t m2 = sw_jsonptr_key(&c->ptr, "subject");
		bool ok = subj && sw_np_anp_selects(c, m, subj, subject, &none);

		if (!subj || (!ok && !sw_np_get(c->doc, subj, "namespaces") &&
			      !sw_np_get(c->doc, subj, "pods")))
			sw_np_err(c, subj ? subj : spec, "subject needs namespaces or pods");
		sw_jsonptr_pop(&c->ptr, m2);
		label = sw_np_sanitize(baseline ? "banp" : "anp", name);
		for (int d = 0; label && !none && d < 2; d++) {
			const char *key = d ? "egress" : "ingress";
			const yaml_node_t *rules = sw_np_get(c->doc, spec, key);
			size_t m3 = sw_jsonptr_key(&c->ptr, key);

			for (size_t i = 0; i < sw_np_seq_len(rules); i++) {
				size_t m4 = sw_jsonptr_index(&c->ptr, i);
				const yaml_node_t *up = c->node;

				c->node = sw_np_seq_at(c->doc, rules, i);
				sw_np_anp_rule(c, m, label, subject, priority, baseline,
					       d ? SW_NP_EGRESS : SW_NP_INGRESS, c->node, i);
				c->node = up;
				sw_jsonptr_pop(&c->ptr, m4);
			}
			sw_jsonptr_pop(&c->ptr, m3);
		}
		if (baseline)
			c->res->n_banps++;
		else
			c->res->n_anps++;
	}
	free(label);
	json_decref(subject);
	sw_jsonptr_pop(&c->ptr, mark);
}
