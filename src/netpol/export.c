/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export.c - a segwatch policy as Kubernetes selectors, then as YAML in one
 * of two formats (export_np.c, export_anp.c). docs/policy.md, "Exporting to
 * Kubernetes", is the mapping and the list of warnings.
 *
 * Each group becomes "terms" Kubernetes can select: its labels (all must
 * match: one matchLabels) in the group's namespace, each "NS/" + "*" name
 * pattern (every pod of NS), each CIDR (an ipBlock, usable only where a
 * source is). A group's namespace comes from its "NS/..." patterns, else
 * the default. What cannot be a term (other name patterns, labels outside
 * Kubernetes' syntax) is reported once, here, with its JSON Pointer.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/jsonptr.h>
#include <segwatch/text.h>

#include "export_internal.h"

bool sw_netpol_format_parse(const char *name, enum sw_netpol_format *out)
{
	if (strcmp(name, "networkpolicy") == 0)
		*out = SW_NETPOL_NETWORKPOLICY;
	else if (strcmp(name, "adminnetworkpolicy") == 0)
		*out = SW_NETPOL_ADMIN;
	else
		return false;
	return true;
}

void sw_npx_warn(struct sw_npx *x, const char *where, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!sw_diags_add(x->diags, SW_DIAG_WARNING, 0, 0, where, msg))
		x->nomem = true;
}

const char *sw_npx_where(char *buf, size_t size, const char *base, const char *suffix)
{
	snprintf(buf, size, "%s%s", base, suffix);
	return buf;
}

const char *sw_npx_cidr_text(const struct sw_pol_cidr *c, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (c->v4)
		inet_ntop(AF_INET, c->addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, c->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, c->v4 ? (unsigned)c->plen - 96 : (unsigned)c->plen);
	return buf;
}

const char *sw_npx_proto_k8s(enum sw_pol_proto p)
{
	switch (p) {
	case SW_POL_PROTO_TCP: return "TCP";
	case SW_POL_PROTO_UDP: return "UDP";
	case SW_POL_PROTO_SCTP: return "SCTP";
	default: return NULL;
	}
}

bool sw_npx_is_icmp(enum sw_pol_proto p)
{
	return p == SW_POL_PROTO_ICMP || p == SW_POL_PROTO_ICMPV6;
}

/* ---- names ---- */

static bool sw_npx_name_used(const struct sw_npx *x, const char *key)
{
	for (size_t i = 0; i < x->n_names; i++)
		if (strcmp(x->names[i], key) == 0)
			return true;
	return false;
}

const char *sw_npx_object_name(struct sw_npx *x, const char *ns, const char *a, const char *b,
			       char *buf)
{
	char base[SW_NPX_NAME_MAX + 1], key[SW_NPX_NAME_MAX + 80];
	char **v;

	/* base is at most SW_NPX_NAME_MAX - 5 long: "-NNNN" fits */
	sw_npx_name_make(base, a, b);
	memcpy(buf, base, strlen(base) + 1);
	for (unsigned k = 2;; k++) {
		snprintf(key, sizeof(key), "%s/%s", ns ? ns : "", buf);
		if (!sw_npx_name_used(x, key) || k > 9999)
			break;
		snprintf(buf + strlen(base), SW_NPX_NAME_MAX + 1 - strlen(base), "-%u", k % 10000);
	}
	v = realloc(x->names, (x->n_names + 1) * sizeof(*v));
	if (!v || !(v[x->n_names] = strdup(key))) {
		if (v)
			x->names = v;
		x->nomem = true;
		return buf;
	}
	x->names = v;
	x->n_names++;
	return buf;
}

/* ---- terms ---- */

static bool sw_npx_term_add_match(struct sw_npx *x, struct sw_npx_group *g,
				  enum sw_npx_term_kind kind, const char *ns, size_t cidr,
				  const struct sw_pol_term *match)
{
	struct sw_npx_term *t = realloc(g->terms, (g->n_terms + 1) * sizeof(*t));

	if (!t)
		return x->nomem = true, false;
	g->terms = t;
	g->terms[g->n_terms++] = (struct sw_npx_term){ kind, ns, cidr, match };
	if (kind != SW_NPX_CIDR)
		g->n_pods++;
	return true;
}

static bool sw_npx_term_add(struct sw_npx *x, struct sw_npx_group *g, enum sw_npx_term_kind kind,
			    const char *ns, size_t cidr)
{
	return sw_npx_term_add_match(x, g, kind, ns, cidr, NULL);
}

/* The "NS" of a pattern "NS/REST" when NS is literal and a valid namespace (in @buf), else NULL. */
static const char *sw_npx_pattern_ns(const char *pat, char *buf, size_t size)
{
	const char *slash = strchr(pat, '/');
	size_t n = slash ? (size_t)(slash - pat) : 0;

	if (!slash || n >= size || strcspn(pat, "*?[\\") < n)
		return NULL;
	memcpy(buf, pat, n);
	buf[n] = '\0';
	return sw_netpol_namespace_ok(buf) ? buf : NULL;
}

/* sw_npx_namespace - the list's own copy of @ns (@n bytes), added when new; NULL on out of memory. */
static const char *sw_npx_namespace(struct sw_npx *x, const char *ns, size_t n)
{
	const char **v;
	char *dup;

	for (size_t i = 0; i < x->n_namespaces; i++)
		if (strlen(x->namespaces[i]) == n && strncmp(x->namespaces[i], ns, n) == 0)
			return x->namespaces[i];
	if (!(v = realloc(x->namespaces, (x->n_namespaces + 1) * sizeof(*v))))
		return x->nomem = true, NULL;
	x->namespaces = v;
	if (!(dup = strndup(ns, n)))
		return x->nomem = true, NULL;
	v[x->n_namespaces++] = dup;
	return dup;
}

#define SW_NPX_LEFT_OUT "rules naming the group do not reach them: less allowed by its allow " \
			"rules, less denied by its deny rules"

/* The labels selector, when Kubernetes' label syntax can hold every key and value. */
static bool sw_npx_labels_ok(struct sw_npx *x, const struct sw_pol_group *pg)
{
	struct sw_jsonptr ptr;

	for (size_t i = 0; i < pg->n_labels; i++) {
		const char *k = pg->labels[i].key, *v = pg->labels[i].value;
		bool key_ok = sw_npx_label_key_ok(k);

		if (key_ok && sw_npx_label_value_ok(v))
			continue;
		sw_jsonptr_init(&ptr);
		sw_jsonptr_key(&ptr, "labels");
		sw_jsonptr_key(&ptr, k);
		char where[SW_JSONPTR_MAX + 300];

		snprintf(where, sizeof(where), "%s%s", pg->where, ptr.buf);
		sw_npx_warn(x, where, "label %s %s is not valid in Kubernetes (%s); the group's "
			    "labels selector is left out (%s)", key_ok ? "value" : "key",
			    SW_QUOTE(key_ok ? v : k),
			    key_ok ? "at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends" :
			    "[DNS-subdomain/]name, name at most 63 of A-Z a-z 0-9 - _ .",
			    SW_NPX_LEFT_OUT);
		return false;
	}
	return true;
}

/* The labels and expressions of a match term, when Kubernetes' label syntax holds them all. */
static bool sw_npx_match_syntax_ok(struct sw_npx *x, const struct sw_pol_term *t, const char *where)
{
	const char *bad = NULL;

	for (size_t i = 0; i < t->n_labels && !bad; i++)
		if (!sw_npx_label_key_ok(t->labels[i].key))
			bad = t->labels[i].key;
		else if (!sw_npx_label_value_ok(t->labels[i].value))
			bad = t->labels[i].value;
	for (size_t i = 0; i < t->n_exprs && !bad; i++) {
		if (!sw_npx_label_key_ok(t->exprs[i].key))
			bad = t->exprs[i].key;
		for (size_t k = 0; k < t->exprs[i].n_values && !bad; k++)
			if (!sw_npx_label_value_ok(t->exprs[i].values[k]))
				bad = t->exprs[i].values[k];
	}
	if (bad)
		sw_npx_warn(x, where, "%s is not valid in a Kubernetes label selector; the match term "
			    "is left out (%s)", SW_QUOTE(bad), SW_NPX_LEFT_OUT);
	return !bad;
}

/*
 * A "match" term: namespaces, labels and expressions become a pod selector
 * per namespace (the group's when it names none), cidrs with except an
 * ipBlock. A term needing both a workload and an address cannot be one
 * Kubernetes peer (pods or addresses, never both).
 */
static bool sw_npx_match_build(struct sw_npx *x, size_t gi, size_t ti)
{
	const struct sw_pol_group *pg = &x->p->groups[gi];
	const struct sw_pol_term *t = &pg->terms[ti];
	struct sw_npx_group *g = &x->groups[gi];
	enum sw_npx_term_kind kind = t->n_labels || t->n_exprs ? SW_NPX_LABELS : SW_NPX_NAMESPACE;
	char where[600];
	const char *ns;

	snprintf(where, sizeof(where), "%s/match/%zu", pg->where, ti);
	if (!sw_pol_term_workload(t)) {
		for (size_t i = 0; i < t->n_cidrs; i++)
			if (!sw_npx_term_add_match(x, g, SW_NPX_CIDR, NULL, i, t))
				return false;
		return true;
	}
	if (t->n_cidrs) {
		sw_npx_warn(x, where, "a match term with both workload keys and cidrs cannot be "
			    "expressed (a Kubernetes peer is pods or addresses, not both); left out "
			    "(%s)", SW_NPX_LEFT_OUT);
		return true;
	}
	if (!sw_npx_match_syntax_ok(x, t, where))
		return true;
	if (!t->has_namespaces)
		return sw_npx_term_add_match(x, g, kind, g->ns, 0, t);
	for (size_t i = 0; i < t->n_namespaces; i++) {
		if (!sw_netpol_namespace_ok(t->namespaces[i])) {
			char w[640];

			snprintf(w, sizeof(w), "%s/namespaces/%zu", where, i);
			sw_npx_warn(x, w, "namespace %s is not a valid Kubernetes namespace name; "
				    "left out (%s)", SW_QUOTE(t->namespaces[i]), SW_NPX_LEFT_OUT);
			continue;
		}
		if (!(ns = sw_npx_namespace(x, t->namespaces[i], strlen(t->namespaces[i]))) ||
		    !sw_npx_term_add_match(x, g, kind, ns, 0, t))
			return false;
	}
	return true;
}

static bool sw_npx_group_build(struct sw_npx *x, size_t gi)
{
	const struct sw_pol_group *pg = &x->p->groups[gi];
	struct sw_npx_group *g = &x->groups[gi];
	char nsbuf[64], where[600];
	const char *ns;

	g->ns = NULL;
	for (size_t i = 0; i < pg->n_names && !g->ns; i++)
		if ((ns = sw_npx_pattern_ns(pg->names[i], nsbuf, sizeof(nsbuf))) &&
		    !(g->ns = sw_npx_namespace(x, ns, strlen(ns))))
			return false;
	if (!g->ns && !(g->ns = sw_npx_namespace(x, x->default_ns, strlen(x->default_ns))))
		return false;
	if (pg->n_labels && sw_npx_labels_ok(x, pg) &&
	    !sw_npx_term_add(x, g, SW_NPX_LABELS, g->ns, 0))
		return false;
	for (size_t i = 0; i < pg->n_names; i++) {
		const char *pat = pg->names[i];

		ns = sw_npx_pattern_ns(pat, nsbuf, sizeof(nsbuf));
		if (ns && strcmp(pat + strlen(ns), "/*") == 0) {
			if (!(ns = sw_npx_namespace(x, ns, strlen(ns))) ||
			    !sw_npx_term_add(x, g, SW_NPX_NAMESPACE, ns, 0))
				return false;
			continue;
		}
		snprintf(where, sizeof(where), "%s/names/%zu", pg->where, i);
		sw_npx_warn(x, where, "name pattern %s cannot be expressed in Kubernetes selectors "
			    "(only \"NAMESPACE/*\", every pod of a namespace, can); left out (%s)",
			    SW_QUOTE(pat), SW_NPX_LEFT_OUT);
	}
	for (size_t i = 0; i < pg->n_cidrs; i++)
		if (!sw_npx_term_add(x, g, SW_NPX_CIDR, NULL, i))
			return false;
	for (size_t i = 0; i < pg->n_terms; i++)
		if (!sw_npx_match_build(x, gi, i))
			return false;
	return true;
}

/* ---- shared pieces of the documents ---- */

static const char *const sw_npx_expr_ops[] = {
	[SW_POL_EXPR_IN] = "In",
	[SW_POL_EXPR_NOT_IN] = "NotIn",
	[SW_POL_EXPR_EXISTS] = "Exists",
	[SW_POL_EXPR_DOES_NOT_EXIST] = "DoesNotExist",
};

void sw_npx_match_labels(struct sw_npx *x, const struct sw_pol_group *g,
			 const struct sw_npx_term *t)
{
	const struct sw_label *labels = t->match ? t->match->labels : g->labels;
	size_t n = t->match ? t->match->n_labels : g->n_labels;

	if (n || !t->match) {
		sw_npx_str(&x->y, "matchLabels");
		sw_npx_map_start(&x->y);
		for (size_t i = 0; i < n; i++)
			sw_npx_kv(&x->y, labels[i].key, labels[i].value);
		sw_npx_map_end(&x->y);
	}
	if (!t->match || !t->match->n_exprs)
		return;
	sw_npx_str(&x->y, "matchExpressions");
	sw_npx_seq_start(&x->y);
	for (size_t i = 0; i < t->match->n_exprs; i++) {
		const struct sw_pol_expr *e = &t->match->exprs[i];

		sw_npx_map_start(&x->y);
		sw_npx_kv(&x->y, "key", e->key);
		sw_npx_kv(&x->y, "operator", sw_npx_expr_ops[e->op]);
		if (e->n_values) {
			sw_npx_str(&x->y, "values");
			sw_npx_seq_start(&x->y);
			for (size_t k = 0; k < e->n_values; k++)
				sw_npx_str(&x->y, e->values[k]);
			sw_npx_seq_end(&x->y);
		}
		sw_npx_map_end(&x->y);
	}
	sw_npx_seq_end(&x->y);
}

static bool sw_npx_cidr_inside(const struct sw_pol_cidr *outer, const struct sw_pol_cidr *in)
{
	unsigned full = outer->plen / 8u, rest = outer->plen % 8u;

	if (in->plen < outer->plen || memcmp(outer->addr, in->addr, full) != 0)
		return false;
	return !rest || ((in->addr[full] ^ outer->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

void sw_npx_ip_block(struct sw_npx *x, const struct sw_pol_group *g, const struct sw_npx_term *t)
{
	const struct sw_pol_cidr *c = t->match ? &t->match->cidrs[t->cidr] : &g->cidrs[t->cidr];
	char text[64];
	bool any = false;

	sw_npx_str(&x->y, "ipBlock");
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, "cidr", sw_npx_cidr_text(c, text, sizeof(text)));
	for (size_t i = 0; t->match && i < t->match->n_except; i++) {
		const struct sw_pol_cidr *e = &t->match->except[i];

		/* except must lie strictly inside cidr; others belong to another cidr of the term */
		if (!sw_npx_cidr_inside(c, e) || e->plen == c->plen)
			continue;
		if (!any)
			sw_npx_str(&x->y, "except"), sw_npx_seq_start(&x->y), any = true;
		sw_npx_str(&x->y, sw_npx_cidr_text(e, text, sizeof(text)));
	}
	if (any)
		sw_npx_seq_end(&x->y);
	sw_npx_map_end(&x->y);
}

void sw_npx_ns_selector(struct sw_npx *x, const char *key, const char *ns)
{
	sw_npx_str(&x->y, key);
	sw_npx_map_start(&x->y);
	sw_npx_str(&x->y, "matchLabels");
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, SW_NPX_NS_LABEL, ns);
	sw_npx_map_end(&x->y);
	sw_npx_map_end(&x->y);
}

void sw_npx_metadata(struct sw_npx *x, const char *name, const char *ns, const char *source,
		     const char *note)
{
	sw_npx_str(&x->y, "metadata");
	sw_npx_map_start(&x->y);
	sw_npx_kv(&x->y, "name", name);
	if (ns)
		sw_npx_kv(&x->y, "namespace", ns);
	sw_npx_str(&x->y, "annotations");
	sw_npx_map_start(&x->y);
	if (x->p->name)
		sw_npx_kv(&x->y, "segwatch.io/policy", x->p->name);
	if (source)
		sw_npx_kv(&x->y, "segwatch.io/source", source);
	if (note)
		sw_npx_kv(&x->y, "segwatch.io/note", note);
	sw_npx_map_end(&x->y);
	sw_npx_map_end(&x->y);
}

/* ---- structural overlap of two rules (no look at which workloads groups select) ---- */

static bool sw_npx_sides_meet(const size_t *a, size_t na, bool a_any, const size_t *b, size_t nb,
			      bool b_any)
{
	if ((a_any && (nb || b_any)) || (b_any && na))
		return true;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (a[i] == b[j])
				return true;
	return false;
}

static bool sw_npx_ports_meet(const struct sw_pol_rule *a, const struct sw_pol_rule *b)
{
	if (!a->n_ports || !b->n_ports)
		return true;
	for (size_t i = 0; i < a->n_ports; i++)
		for (size_t j = 0; j < b->n_ports; j++)
			if (a->ports[i].lo <= b->ports[j].hi && b->ports[j].lo <= a->ports[i].hi)
				return true;
	return false;
}

static bool sw_npx_types_meet(const struct sw_pol_rule *a, const struct sw_pol_rule *b)
{
	if (!a->n_icmp_types || !b->n_icmp_types)
		return true;
	for (size_t i = 0; i < a->n_icmp_types; i++)
		if (memchr(b->icmp_types, a->icmp_types[i], b->n_icmp_types))
			return true;
	return false;
}

bool sw_npx_rules_overlap(const struct sw_pol_rule *a, const struct sw_pol_rule *b)
{
	if (a->proto != SW_POL_PROTO_ANY && b->proto != SW_POL_PROTO_ANY && a->proto != b->proto)
		return false;
	return sw_npx_sides_meet(a->from, a->n_from, a->from_any, b->from, b->n_from, b->from_any) &&
	       sw_npx_sides_meet(a->to, a->n_to, a->to_any, b->to, b->n_to, b->to_any) &&
	       sw_npx_ports_meet(a, b) && sw_npx_types_meet(a, b);
}

/* ---- entry ---- */

static void sw_npx_free(struct sw_npx *x)
{
	for (size_t i = 0; x->groups && i < x->p->n_groups; i++)
		free(x->groups[i].terms);
	for (size_t i = 0; i < x->n_namespaces; i++)
		free((char *)x->namespaces[i]);
	free(x->namespaces);
	for (size_t i = 0; i < x->n_names; i++)
		free(x->names[i]);
	free(x->names);
	free(x->groups);
	free(x->rule_ok);
	sw_npx_yaml_free(&x->y);
}

static bool sw_npx_groups_build(struct sw_npx *x)
{
	x->groups = calloc(x->p->n_groups ? x->p->n_groups : 1, sizeof(*x->groups));
	x->rule_ok = calloc(x->p->n_rules ? x->p->n_rules : 1, sizeof(*x->rule_ok));
	/* the default namespace first: it is where ungrouped things go */
	if (!x->groups || !x->rule_ok || !sw_npx_namespace(x, x->default_ns, strlen(x->default_ns)))
		return x->nomem = true, false;
	for (size_t i = 0; i < x->p->n_groups; i++)
		if (!sw_npx_group_build(x, i))
			return false;
	return true;
}

int sw_netpol_export(const struct sw_policy *p, const struct sw_netpol_export_opts *o, FILE *out,
		     struct sw_diags *diags, struct sw_netpol_export_stats *st, struct sw_err *err)
{
	struct sw_npx x = { .p = p, .format = o->format, .diags = diags };
	int rc;

	x.default_ns = o->namespace ? o->namespace : "default";
	if (!sw_netpol_namespace_ok(x.default_ns))
		return sw_err_set(err, SW_EXIT_USAGE, "namespace %s is not a valid Kubernetes "
				  "namespace name (1 to 63 of a-z 0-9 -, alphanumeric at both ends)",
				  SW_QUOTE(x.default_ns));
	sw_npx_name_make(x.prefix, p->name ? p->name : "segwatch", NULL);
	if (!sw_npx_yaml_open(&x.y)) {
		sw_npx_free(&x);
		return sw_err_set(err, SW_EXIT_RUNTIME, "cannot start the YAML emitter");
	}
	rc = sw_npx_groups_build(&x) ? SW_EXIT_OK : SW_EXIT_RUNTIME;
	if (rc == SW_EXIT_OK)
		rc = o->format == SW_NETPOL_ADMIN ? sw_npx_adminnetworkpolicy(&x, err) :
		     sw_npx_networkpolicy(&x, err);
	sw_npx_yaml_close(&x.y);
	if (rc == SW_EXIT_OK && (x.y.failed || x.nomem))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "cannot build the YAML: %s",
				x.y.em.problem ? x.y.em.problem : "out of memory");
	else if (rc == SW_EXIT_RUNTIME && !err->msg[0])
		sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (rc == SW_EXIT_OK && x.y.len && fwrite(x.y.buf, 1, x.y.len, out) != x.y.len)
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "cannot write the YAML");
	if (st)
		*st = x.st;
	sw_npx_free(&x);
	return rc;
}
