/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export_anp.c - policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy:
 * ordered Allow and Deny fit segwatch's first-match rules.
 *
 *   intra_group "allow"             per group and selector: an ANP allowing the
 *                                   group to itself, before every rule
 *   each rule, in order             per destination selector: an ANP with the
 *                                   next priority, one ingress rule (Allow or
 *                                   Deny) from the sources' pods
 *   "default": "deny"               the BaselineAdminNetworkPolicy ("default"):
 *                                   every pod of the namespaces, Deny from every
 *                                   group's pods
 *
 * Priorities start at SW_NETPOL_ANP_PRIORITY_BASE and follow the rules, one
 * per ANP: no two ANPs share one, since Kubernetes leaves the order of equal
 * priorities undefined. v1alpha1 ingress peers are pods and namespaces only:
 * a source's cidrs are left out (a warning), and "any" as a source is every
 * pod of the cluster.
 */
#include <stdio.h>
#include <string.h>

#include <segwatch/text.h>

#include "export_internal.h"

#define SW_NPX_ANP_PRIORITY_MAX 1000
#define SW_NPX_ANP_LIST_MAX 100	/* ingress rules, peers and ports: maxItems of the CRD */

struct sw_npx_anp {
	struct sw_npx *x;
	int priority;
	bool over;		/* more ANPs than priorities */
};

/* A pod term as "pods: {namespaceSelector, podSelector}" or "namespaces: {...}". */
static void sw_npx_anp_term(struct sw_npx *x, size_t gi, const struct sw_npx_term *t)
{
	if (t->kind == SW_NPX_NAMESPACE) {
		sw_npx_ns_selector(x, "namespaces", t->ns);
		return;
	}
	sw_npx_str(&x->y, "pods");
	sw_npx_map_start(&x->y);
	sw_npx_ns_selector(x, "namespaceSelector", t->ns);
	sw_npx_str(&x->y, "podSelector");
	sw_npx_map_start(&x->y);
	sw_npx_match_labels(x, &x->p->groups[gi], t);
	sw_npx_map_end(&x->y);
	sw_npx_map_end(&x->y);
}

/* The peers of one ingress rule: pod terms of groups @g (NULL: every pod), [@lo, @hi) of them. */
struct sw_npx_anp_peers {
	const size_t *g;
	size_t n;
	bool any;
};

static size_t sw_npx_anp_peer_count(const struct sw_npx *x, const struct sw_npx_anp_peers *pe)
{
	size_t k = 0;

	if (pe->any)
		return 1;
	for (size_t i = 0; i < pe->n; i++)
		k += x->groups[pe->g[i]].n_pods;
	return k;
}

static void sw_npx_anp_peers_emit(struct sw_npx *x, const struct sw_npx_anp_peers *pe, size_t lo,
				  size_t hi)
{
	size_t k = 0;

	sw_npx_str(&x->y, "from");
	sw_npx_seq_start(&x->y);
	if (pe->any) {
		sw_npx_map_start(&x->y);
		sw_npx_empty_map(&x->y, "namespaces"); /* every namespace: every pod */
		sw_npx_map_end(&x->y);
	}
	for (size_t i = 0; !pe->any && i < pe->n; i++) {
		const struct sw_npx_group *g = &x->groups[pe->g[i]];

		for (size_t t = 0; t < g->n_terms; t++) {
			if (g->terms[t].kind == SW_NPX_CIDR)
				continue;
			if (k >= lo && k < hi) {
				sw_npx_map_start(&x->y);
				sw_npx_anp_term(x, pe->g[i], &g->terms[t]);
				sw_npx_map_end(&x->y);
			}
			k++;
		}
	}
	sw_npx_seq_end(&x->y);
}

static size_t sw_npx_anp_port_count(const struct sw_pol_rule *r)
{
	if (!r || !sw_npx_proto_k8s(r->proto))
		return 0;
	return r->n_ports ? r->n_ports : 1;
}

static void sw_npx_anp_ports_emit(struct sw_npx *x, const struct sw_pol_rule *r, size_t lo,
				  size_t hi)
{
	const char *proto = sw_npx_proto_k8s(r->proto);

	sw_npx_str(&x->y, "ports");
	sw_npx_seq_start(&x->y);
	for (size_t i = lo; i < hi; i++) {
		struct sw_pol_range all = { 1, 65535 }, pr = r->n_ports ? r->ports[i] : all;

		sw_npx_map_start(&x->y);
		if (pr.lo == pr.hi) {
			sw_npx_str(&x->y, "portNumber");
			sw_npx_map_start(&x->y);
			sw_npx_kv(&x->y, "protocol", proto);
			sw_npx_ki(&x->y, "port", pr.lo);
		} else {
			sw_npx_str(&x->y, "portRange");
			sw_npx_map_start(&x->y);
			sw_npx_kv(&x->y, "protocol", proto);
			sw_npx_ki(&x->y, "start", pr.lo);
			sw_npx_ki(&x->y, "end", pr.hi);
		}
		sw_npx_map_end(&x->y);
		sw_npx_map_end(&x->y);
	}
	sw_npx_seq_end(&x->y);
}

/*
 * The ingress rules: peers and ports cut in lists of at most 100, every
 * peer list with every port list (same action: their order is no matter).
 */
static bool sw_npx_anp_ingress(struct sw_npx *x, const char *name, const char *action,
			       const struct sw_npx_anp_peers *pe, const struct sw_pol_rule *r)
{
	size_t np = sw_npx_anp_peer_count(x, pe), nports = sw_npx_anp_port_count(r);
	size_t cp = (np + SW_NPX_ANP_LIST_MAX - 1) / SW_NPX_ANP_LIST_MAX;
	size_t cq = nports ? (nports + SW_NPX_ANP_LIST_MAX - 1) / SW_NPX_ANP_LIST_MAX : 1;
	char rname[101];

	if (cp * cq > SW_NPX_ANP_LIST_MAX)
		return false;
	snprintf(rname, sizeof(rname), "%s", name); /* at most 100 characters */
	sw_npx_str(&x->y, "ingress");
	sw_npx_seq_start(&x->y);
	for (size_t i = 0; i < cp; i++)
		for (size_t j = 0; j < cq; j++) {
			size_t plo = i * SW_NPX_ANP_LIST_MAX, qlo = j * SW_NPX_ANP_LIST_MAX;

			sw_npx_map_start(&x->y);
			sw_npx_kv(&x->y, "name", rname);
			sw_npx_kv(&x->y, "action", action);
			sw_npx_anp_peers_emit(x, pe, plo, plo + SW_NPX_ANP_LIST_MAX);
			if (nports)
				sw_npx_anp_ports_emit(x, r, qlo, qlo + SW_NPX_ANP_LIST_MAX < nports ?
							  qlo + SW_NPX_ANP_LIST_MAX : nports);
			sw_npx_map_end(&x->y);
		}
	sw_npx_seq_end(&x->y);
	return true;
}

/* One AdminNetworkPolicy; @gi and @t its subject (@t NULL: every pod). */
static int sw_npx_anp_one(struct sw_npx_anp *a, const char *label, const char *source, size_t gi,
			  const struct sw_npx_term *t, const char *rule_name, const char *action,
			  const struct sw_npx_anp_peers *pe, const struct sw_pol_rule *r,
			  struct sw_err *err)
{
	struct sw_npx *x = a->x;
	char name[SW_NPX_NAME_MAX + 1];

	if (a->priority > SW_NPX_ANP_PRIORITY_MAX)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: more AdminNetworkPolicies than "
				  "priorities %d-%d can order; split the policy", source,
				  SW_NETPOL_ANP_PRIORITY_BASE, SW_NPX_ANP_PRIORITY_MAX);
	sw_npx_doc_start(&x->y);
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, "apiVersion", "policy.networking.k8s.io/v1alpha1");
	sw_npx_kv(&x->y, "kind", "AdminNetworkPolicy");
	sw_npx_metadata(x, sw_npx_object_name(x, NULL, x->prefix, label, name), NULL, source, NULL);
	sw_npx_str(&x->y, "spec");
	sw_npx_map_start(&x->y);
	sw_npx_ki(&x->y, "priority", a->priority++);
	sw_npx_str(&x->y, "subject");
	sw_npx_map_start(&x->y);
	if (t)
		sw_npx_anp_term(x, gi, t);
	else
		sw_npx_empty_map(&x->y, "namespaces");
	sw_npx_map_end(&x->y);
	if (!sw_npx_anp_ingress(x, rule_name, action, pe, r))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: more than %d ingress rules of %d sources "
				  "and %d ports each", source, SW_NPX_ANP_LIST_MAX,
				  SW_NPX_ANP_LIST_MAX, SW_NPX_ANP_LIST_MAX);
	sw_npx_map_end(&x->y);
	sw_npx_map_end(&x->y);
	sw_npx_doc_end(&x->y);
	x->st.documents++;
	x->st.policies++;
	return SW_EXIT_OK;
}

/* The cidrs of a group where only pods can be named: reported once. */
static void sw_npx_anp_cidrs(struct sw_npx *x, size_t gi)
{
	char where[600];

	if (x->groups[gi].n_terms == x->groups[gi].n_pods || x->groups[gi].cidr_warned)
		return;
	x->groups[gi].cidr_warned = true;
	sw_npx_warn(x, sw_npx_where(where, sizeof(where), x->p->groups[gi].where, "/cidrs"),
		    "AdminNetworkPolicy (v1alpha1) selects pods and namespaces, not addresses: the "
		    "cidrs of group %s are left out (rules naming the group do not reach those "
		    "addresses: less allowed by its allow rules, less denied by its deny rules)",
		    SW_QUOTE(x->p->groups[gi].name));
}

static size_t sw_npx_anp_pods(struct sw_npx *x, const size_t *g, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		sw_npx_anp_cidrs(x, g[i]);
		k += x->groups[g[i]].n_pods;
	}
	return k;
}

static void sw_npx_anp_check(struct sw_npx *x)
{
	const struct sw_policy *p = x->p;
	char where[600];

	if (p->mode == SW_POL_MONITOR)
		sw_npx_warn(x, "/mode", "monitor mode cannot be expressed in AdminNetworkPolicy; "
			    "exported as enforced (Kubernetes drops what segwatch only logs: more "
			    "denied)");
	if (p->default_action == SW_POL_DENY)
		sw_npx_warn(x, "/default", "segwatch's default deny applies only between managed "
			    "addresses; the BaselineAdminNetworkPolicy denies every group's pods to "
			    "every pod of its namespaces, managed or not (more denied for unmanaged "
			    "pods there)");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sw_pol_rule *r = &p->rules[i];
		bool deny = r->action == SW_POL_DENY;

		if (sw_npx_is_icmp(r->proto)) {
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/proto"),
				    "ICMP cannot be expressed in AdminNetworkPolicy (ports name TCP, "
				    "UDP or SCTP only); left out (%s)", deny ?
				    "the ICMP it denies meets the later rules: more allowed" :
				    "the ICMP it allows meets the later rules: more denied");
			continue;
		}
		if (!r->from_any && !sw_npx_anp_pods(x, r->from, r->n_from)) {
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/from"),
				    "no source of rule %s can be expressed; left out (%s)",
				    SW_QUOTE(r->name), deny ? "more allowed" : "more denied");
			continue;
		}
		if (!r->to_any && !sw_npx_anp_pods(x, r->to, r->n_to)) {
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/to"),
				    "no destination of rule %s can be selected as pods; left out (%s)",
				    SW_QUOTE(r->name), deny ? "more allowed" : "more denied");
			continue;
		}
		if (deny && r->from_any)
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/from"),
				    "\"any\" is every address, AdminNetworkPolicy ingress peers are "
				    "pods: exported as every pod of the cluster (addresses outside it "
				    "are not denied: more allowed)");
		if (deny && r->mode == SW_POL_MONITOR && r->mode_set)
			sw_npx_warn(x, sw_npx_where(where, sizeof(where), r->where, "/mode"),
				    "monitor mode cannot be expressed in AdminNetworkPolicy; exported "
				    "as Deny (Kubernetes drops what segwatch only logs: more denied)");
		x->rule_ok[i] = true;
	}
}

static int sw_npx_anp_intra(struct sw_npx_anp *a, struct sw_err *err)
{
	struct sw_npx *x = a->x;
	char label[300];
	int rc = SW_EXIT_OK;

	if (x->p->intra != SW_POL_INTRA_ALLOW)
		return SW_EXIT_OK;
	for (size_t gi = 0; gi < x->p->n_groups && rc == SW_EXIT_OK; gi++) {
		const struct sw_npx_group *g = &x->groups[gi];
		struct sw_npx_anp_peers pe = { &gi, 1, false };

		if (g->n_terms > g->n_pods && g->n_pods)
			sw_npx_anp_cidrs(x, gi);
		snprintf(label, sizeof(label), "intra-%s", x->p->groups[gi].name);
		for (size_t t = 0; t < g->n_terms && rc == SW_EXIT_OK; t++)
			if (g->terms[t].kind != SW_NPX_CIDR)
				rc = sw_npx_anp_one(a, label, x->p->groups[gi].where, gi, &g->terms[t],
						    "intra_group", "Allow", &pe, NULL, err);
	}
	return rc;
}

static int sw_npx_anp_rules(struct sw_npx_anp *a, struct sw_err *err)
{
	struct sw_npx *x = a->x;
	int rc = SW_EXIT_OK;

	for (size_t i = 0; i < x->p->n_rules && rc == SW_EXIT_OK; i++) {
		const struct sw_pol_rule *r = &x->p->rules[i];
		struct sw_npx_anp_peers pe = { r->from, r->n_from, r->from_any };
		const char *action = r->action == SW_POL_DENY ? "Deny" : "Allow";

		if (!x->rule_ok[i])
			continue;
		if (r->to_any) {
			rc = sw_npx_anp_one(a, r->name, r->where, 0, NULL, r->name, action, &pe, r,
					    err);
			continue;
		}
		for (size_t k = 0; k < r->n_to && rc == SW_EXIT_OK; k++) {
			const struct sw_npx_group *g = &x->groups[r->to[k]];

			for (size_t t = 0; t < g->n_terms && rc == SW_EXIT_OK; t++)
				if (g->terms[t].kind != SW_NPX_CIDR)
					rc = sw_npx_anp_one(a, r->name, r->where, r->to[k],
							    &g->terms[t], r->name, action, &pe, r,
							    err);
		}
	}
	return rc;
}

/* Namespaces some group selects pods in, as "values:" of an In expression; how many. */
static size_t sw_npx_anp_namespaces(struct sw_npx *x, bool emit)
{
	size_t k = 0;

	for (size_t n = 0; n < x->n_namespaces; n++) {
		bool used = false;

		for (size_t g = 0; g < x->p->n_groups && !used; g++)
			for (size_t t = 0; t < x->groups[g].n_terms && !used; t++)
				used = x->groups[g].terms[t].kind != SW_NPX_CIDR &&
				       strcmp(x->groups[g].terms[t].ns, x->namespaces[n]) == 0;
		if (used && emit)
			sw_npx_str(&x->y, x->namespaces[n]);
		k += used;
	}
	return k;
}

static int sw_npx_banp(struct sw_npx *x, struct sw_err *err)
{
	size_t *all = calloc(x->p->n_groups ? x->p->n_groups : 1, sizeof(*all));
	struct sw_npx_anp_peers pe = { all, x->p->n_groups, false };

	if (!all)
		return x->nomem = true, SW_EXIT_RUNTIME;
	for (size_t g = 0; g < x->p->n_groups; g++)
		all[g] = g;
	if (x->p->default_action != SW_POL_DENY || !sw_npx_anp_peer_count(x, &pe)) {
		free(all);
		return SW_EXIT_OK;
	}
	sw_npx_doc_start(&x->y);
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, "apiVersion", "policy.networking.k8s.io/v1alpha1");
	sw_npx_kv(&x->y, "kind", "BaselineAdminNetworkPolicy");
	sw_npx_metadata(x, "default", NULL, "/default", "segwatch's default deny applies only "
			"between managed addresses; this denies every group's pods to every pod of "
			"the namespaces");
	sw_npx_str(&x->y, "spec");
	sw_npx_map_start(&x->y);
	sw_npx_str(&x->y, "subject");
	sw_npx_map_start(&x->y);
	sw_npx_str(&x->y, "namespaces");
	sw_npx_map_start(&x->y);
	sw_npx_str(&x->y, "matchExpressions");
	sw_npx_seq_start(&x->y);
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, "key", SW_NPX_NS_LABEL);
	sw_npx_kv(&x->y, "operator", "In");
	sw_npx_str(&x->y, "values");
	sw_npx_seq_start(&x->y);
	sw_npx_anp_namespaces(x, true);
	sw_npx_seq_end(&x->y);
	sw_npx_map_end(&x->y);
	sw_npx_seq_end(&x->y);
	sw_npx_map_end(&x->y);
	sw_npx_map_end(&x->y);
	if (!sw_npx_anp_ingress(x, "default-deny", "Deny", &pe, NULL)) {
		free(all);
		return sw_err_set(err, SW_EXIT_USAGE, "/default: more than %d groups' selectors "
				  "for the BaselineAdminNetworkPolicy", SW_NPX_ANP_LIST_MAX *
				  SW_NPX_ANP_LIST_MAX);
	}
	sw_npx_map_end(&x->y);
	sw_npx_map_end(&x->y);
	sw_npx_doc_end(&x->y);
	x->st.documents++;
	x->st.baseline++;
	free(all);
	return SW_EXIT_OK;
}

int sw_npx_adminnetworkpolicy(struct sw_npx *x, struct sw_err *err)
{
	struct sw_npx_anp a = { .x = x, .priority = SW_NETPOL_ANP_PRIORITY_BASE };
	int rc;

	sw_npx_anp_check(x);
	rc = sw_npx_anp_intra(&a, err);
	if (rc == SW_EXIT_OK)
		rc = sw_npx_anp_rules(&a, err);
	if (rc == SW_EXIT_OK)
		rc = sw_npx_banp(x, err);
	return rc;
}
