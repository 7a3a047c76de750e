/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export_np.c - networking.k8s.io/v1 NetworkPolicy: allow-lists on the
 * destination's pods, without order, deny or monitor.
 *
 *   per destination group, per selector it has   NetworkPolicy GROUP: ingress
 *                                                 rules from its allow rules (and
 *                                                 from itself: intra_group allow)
 *   rules to "any"                                NetworkPolicy any: every pod of
 *                                                 each namespace
 *   "default": "deny"                             NetworkPolicy default-deny per
 *                                                 namespace (podSelector {})
 *   "default": "allow"                            an ingress rule {} on each
 *                                                 policy: selecting a pod must
 *                                                 not isolate it
 *
 * segwatch judges a connection once, where it is opened; Kubernetes checks
 * the source's egress and the destination's ingress. Ingress on the
 * destination alone says the same thing (egress stays unrestricted).
 */
#include <stdio.h>
#include <string.h>

#include <segwatch/text.h>

#include "export_internal.h"

static void sw_npx_np_head(struct sw_npx *x, const char *name, const char *ns, const char *source,
			   const char *note)
{
	sw_npx_doc_start(&x->y);
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, "apiVersion", "networking.k8s.io/v1");
	sw_npx_kv(&x->y, "kind", "NetworkPolicy");
	sw_npx_metadata(x, name, ns, source, note);
	sw_npx_str(&x->y, "spec");
	sw_npx_map_start(&x->y);
}

static void sw_npx_np_tail(struct sw_npx *x)
{
	sw_npx_map_end(&x->y); /* spec */
	sw_npx_map_end(&x->y);
	sw_npx_doc_end(&x->y);
	x->st.documents++;
}

static void sw_npx_np_types(struct sw_npx *x)
{
	sw_npx_str(&x->y, "policyTypes");
	sw_npx_seq_start(&x->y);
	sw_npx_str(&x->y, "Ingress");
	sw_npx_seq_end(&x->y);
}

/* The peers of group @gi as seen from a policy in namespace @ns (items of "from"). */
static void sw_npx_np_peers(struct sw_npx *x, size_t gi, const char *ns)
{
	const struct sw_npx_group *g = &x->groups[gi];
	const struct sw_pol_group *pg = &x->p->groups[gi];
	for (size_t t = 0; t < g->n_terms; t++) {
		const struct sw_npx_term *term = &g->terms[t];

		sw_npx_map_start(&x->y);
		if (term->kind == SW_NPX_CIDR) {
			sw_npx_ip_block(x, pg, term);
		} else if (term->kind == SW_NPX_NAMESPACE && strcmp(term->ns, ns) == 0) {
			sw_npx_empty_map(&x->y, "podSelector");
		} else {
			if (strcmp(term->ns, ns) != 0)
				sw_npx_ns_selector(x, "namespaceSelector", term->ns);
			if (term->kind == SW_NPX_LABELS) {
				sw_npx_str(&x->y, "podSelector");
				sw_npx_map_start(&x->y);
				sw_npx_match_labels(x, pg, term);
				sw_npx_map_end(&x->y);
			}
		}
		sw_npx_map_end(&x->y);
	}
}

static void sw_npx_np_ports(struct sw_npx *x, const struct sw_pol_rule *r)
{
	const char *proto = sw_npx_proto_k8s(r->proto);

	if (!proto)
		return; /* "any": every protocol and port */
	sw_npx_str(&x->y, "ports");
	sw_npx_seq_start(&x->y);
	for (size_t i = 0; i < (r->n_ports ? r->n_ports : 1); i++) {
		sw_npx_map_start(&x->y);
		sw_npx_kv(&x->y, "protocol", proto);
		if (r->n_ports) {
			sw_npx_ki(&x->y, "port", r->ports[i].lo);
			if (r->ports[i].hi > r->ports[i].lo)
				sw_npx_ki(&x->y, "endPort", r->ports[i].hi);
		}
		sw_npx_map_end(&x->y);
	}
	sw_npx_seq_end(&x->y);
}

/* One ingress rule of a policy in @ns: from the rule's sources, to its ports. */
static void sw_npx_np_ingress_rule(struct sw_npx *x, const struct sw_pol_rule *r, const char *ns)
{
	sw_npx_map_start(&x->y);
	if (!r->from_any) {
		sw_npx_str(&x->y, "from");
		sw_npx_seq_start(&x->y);
		for (size_t i = 0; i < r->n_from; i++)
			sw_npx_np_peers(x, r->from[i], ns);
		sw_npx_seq_end(&x->y);
	}
	sw_npx_np_ports(x, r);
	sw_npx_map_end(&x->y);
}

static bool sw_npx_rule_to(const struct sw_pol_rule *r, size_t gi)
{
	for (size_t i = 0; i < r->n_to; i++)
		if (r->to[i] == gi)
			return true;
	return false;
}

static size_t sw_npx_peer_count(const struct sw_npx *x, const size_t *g, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += x->groups[g[i]].n_terms;
	return k;
}

static size_t sw_npx_pod_count(const struct sw_npx *x, const size_t *g, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += x->groups[g[i]].n_pods;
	return k;
}

/* The cidrs of a group where a destination is wanted: reported once. */
static void sw_npx_np_cidr_subject(struct sw_npx *x, size_t gi)
{
	char where[600];

	if (x->groups[gi].n_terms == x->groups[gi].n_pods || x->groups[gi].cidr_warned)
		return;
	x->groups[gi].cidr_warned = true;
	sw_npx_warn(x, sw_npx_where(where, sizeof(where), x->p->groups[gi].where, "/cidrs"),
		    "a NetworkPolicy selects the pods it protects by labels, not by address: the "
		    "cidrs of destination group %s are left out (what rules allow to those "
		    "addresses is denied where a default deny isolates them)",
		    SW_QUOTE(x->p->groups[gi].name));
}

/* A deny rule: left out, saying which way that errs. */
static void sw_npx_np_deny(struct sw_npx *x, const struct sw_pol_rule *r)
{
	if (r->mode == SW_POL_MONITOR)
		sw_npx_warn(x, r->where, "deny rules cannot be expressed in NetworkPolicy, and this "
			    "one is in monitor mode (segwatch logs and passes what it matches); left "
			    "out (that traffic meets the later rules and the default: denied unless "
			    "something allows it)");
	else if (x->p->default_action == SW_POL_ALLOW)
		sw_npx_warn(x, r->where, "deny rules cannot be expressed in NetworkPolicy; left out "
			    "(the default is allow: traffic it denies is allowed)");
	else
		sw_npx_warn(x, r->where, "deny rules cannot be expressed in NetworkPolicy; left out "
			    "(traffic it denies stays denied only if nothing else allows it)");
}

/* Decide which rules are exported, warning once for each thing left out. */
static void sw_npx_np_check(struct sw_npx *x)
{
	const struct sw_policy *p = x->p;
	char where[600];

	if (p->mode == SW_POL_MONITOR)
		sw_npx_warn(x, "/mode", "monitor mode cannot be expressed in NetworkPolicy; exported "
			    "as enforced (Kubernetes drops what segwatch only logs: more denied)");
	if (p->default_action == SW_POL_DENY)
		sw_npx_warn(x, "/default", "segwatch's default deny applies only between managed "
			    "addresses; the exported default-deny NetworkPolicy isolates every pod of "
			    "its namespace from every source (more denied for traffic from unmanaged "
			    "addresses and to unmanaged pods there)");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sw_pol_rule *r = &p->rules[i];

		if (r->action == SW_POL_DENY) {
			sw_npx_np_deny(x, r);
			continue;
		}
		if (sw_npx_is_icmp(r->proto)) {
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/proto"),
				    "ICMP cannot be expressed in NetworkPolicy (ports name TCP, UDP "
				    "or SCTP only); left out (%s)", p->default_action == SW_POL_ALLOW ?
				    "no change: the default allow lets it through" :
				    "the ICMP it allows is denied");
			continue;
		}
		if (!r->from_any && !sw_npx_peer_count(x, r->from, r->n_from)) {
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/from"),
				    "no source of rule %s can be expressed; left out (what it "
				    "allows is denied)", SW_QUOTE(r->name));
			continue;
		}
		for (size_t k = 0; k < r->n_to; k++)
			sw_npx_np_cidr_subject(x, r->to[k]);
		if (!r->to_any && !sw_npx_pod_count(x, r->to, r->n_to)) {
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/to"),
				    "no destination of rule %s can be selected as pods; left out "
				    "(what it allows is denied)", SW_QUOTE(r->name));
			continue;
		}
		for (size_t d = 0; d < i; d++) {
			const struct sw_pol_rule *dr = &p->rules[d];

			/* under default allow every pod gets {}: the order changes nothing more */
			if (dr->action != SW_POL_DENY || dr->mode == SW_POL_MONITOR ||
			    p->default_action == SW_POL_ALLOW || !sw_npx_rules_overlap(dr, r))
				continue;
			sw_npx_warn(x, r->where, "rule %s comes after the deny %s (%s), which takes "
				    "part of its traffic first; NetworkPolicy has no order: exported "
				    "allowing all of it (more allowed)", SW_QUOTE(r->name), dr->where,
				    SW_QUOTE(dr->name));
			break;
		}
		x->rule_ok[i] = true;
	}
}

/* A namespace some group selects pods in: where the default and rules to "any" go. */
static bool sw_npx_ns_used(const struct sw_npx *x, const char *ns)
{
	for (size_t g = 0; g < x->p->n_groups; g++)
		for (size_t t = 0; t < x->groups[g].n_terms; t++)
			if (x->groups[g].terms[t].kind != SW_NPX_CIDR &&
			    strcmp(x->groups[g].terms[t].ns, ns) == 0)
				return true;
	return false;
}

static void sw_npx_np_allow_all(struct sw_npx *x)
{
	if (x->p->default_action != SW_POL_ALLOW)
		return;
	sw_npx_map_start(&x->y); /* {}: every source, every port, as segwatch's default allow */
	sw_npx_map_end(&x->y);
}

/* The policies of destination group @gi: one per selector it has. */
static void sw_npx_np_group(struct sw_npx *x, size_t gi)
{
	const struct sw_npx_group *g = &x->groups[gi];
	const struct sw_pol_group *pg = &x->p->groups[gi];
	bool intra = x->p->intra == SW_POL_INTRA_ALLOW;
	bool wanted = intra && x->p->default_action == SW_POL_DENY;
	char name[SW_NPX_NAME_MAX + 1];

	for (size_t i = 0; i < x->p->n_rules && !wanted; i++)
		wanted = x->rule_ok[i] && sw_npx_rule_to(&x->p->rules[i], gi);
	if (!wanted)
		return;
	if (!g->n_pods) {
		sw_npx_np_cidr_subject(x, gi);
		return;
	}
	for (size_t t = 0; t < g->n_terms; t++) {
		const struct sw_npx_term *term = &g->terms[t];

		if (term->kind == SW_NPX_CIDR)
			continue;
		sw_npx_np_head(x, sw_npx_object_name(x, term->ns, x->prefix, pg->name, name),
			       term->ns, pg->where, NULL);
		sw_npx_str(&x->y, "podSelector");
		sw_npx_map_start(&x->y);
		if (term->kind == SW_NPX_LABELS)
			sw_npx_match_labels(x, pg, term);
		sw_npx_map_end(&x->y);
		sw_npx_np_types(x);
		sw_npx_str(&x->y, "ingress");
		sw_npx_seq_start(&x->y);
		if (intra) { /* intra_group allow: from the group itself, everything */
			sw_npx_map_start(&x->y);
			sw_npx_str(&x->y, "from");
			sw_npx_seq_start(&x->y);
			sw_npx_np_peers(x, gi, term->ns);
			sw_npx_seq_end(&x->y);
			sw_npx_map_end(&x->y);
		}
		for (size_t i = 0; i < x->p->n_rules; i++)
			if (x->rule_ok[i] && sw_npx_rule_to(&x->p->rules[i], gi))
				sw_npx_np_ingress_rule(x, &x->p->rules[i], term->ns);
		sw_npx_np_allow_all(x);
		sw_npx_seq_end(&x->y);
		sw_npx_np_tail(x);
		x->st.policies++;
	}
}

/* Rules to "any": every pod of each namespace the export touches. */
static void sw_npx_np_any(struct sw_npx *x)
{
	char name[SW_NPX_NAME_MAX + 1];
	bool some = false;

	for (size_t i = 0; i < x->p->n_rules; i++)
		some |= x->rule_ok[i] && x->p->rules[i].to_any;
	for (size_t n = 0; some && n < x->n_namespaces; n++) {
		const char *ns = x->namespaces[n];

		if (!sw_npx_ns_used(x, ns))
			continue;
		sw_npx_np_head(x, sw_npx_object_name(x, ns, x->prefix, "any", name), ns, NULL,
			       "rules to \"any\": every pod of the namespace");
		sw_npx_empty_map(&x->y, "podSelector");
		sw_npx_np_types(x);
		sw_npx_str(&x->y, "ingress");
		sw_npx_seq_start(&x->y);
		for (size_t i = 0; i < x->p->n_rules; i++)
			if (x->rule_ok[i] && x->p->rules[i].to_any)
				sw_npx_np_ingress_rule(x, &x->p->rules[i], ns);
		sw_npx_np_allow_all(x);
		sw_npx_seq_end(&x->y);
		sw_npx_np_tail(x);
		x->st.policies++;
	}
}

static void sw_npx_np_default_deny(struct sw_npx *x)
{
	char name[SW_NPX_NAME_MAX + 1];

	if (x->p->default_action != SW_POL_DENY)
		return;
	for (size_t n = 0; n < x->n_namespaces; n++) {
		const char *ns = x->namespaces[n];

		if (!sw_npx_ns_used(x, ns))
			continue;
		sw_npx_np_head(x, sw_npx_object_name(x, ns, x->prefix, "default-deny", name), ns,
			       "/default", "segwatch's default deny applies only between managed "
			       "addresses; this isolates every pod of the namespace from every source");
		sw_npx_empty_map(&x->y, "podSelector");
		sw_npx_np_types(x);
		sw_npx_np_tail(x);
		x->st.baseline++;
	}
}

int sw_npx_networkpolicy(struct sw_npx *x, struct sw_err *err)
{
	(void)err;
	sw_npx_np_check(x);
	for (size_t g = 0; g < x->p->n_groups; g++)
		sw_npx_np_group(x, g);
	sw_npx_np_any(x);
	sw_npx_np_default_deny(x);
	return SW_EXIT_OK;
}
