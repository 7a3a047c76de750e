/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_NETPOL_EXPORT_INTERNAL_H
#define SW_NETPOL_EXPORT_INTERNAL_H

/*
 * Private to the export side of src/netpol (include/segwatch/netpol_export.h):
 * the YAML writer, the Kubernetes view of the policy's groups ("terms") and
 * the context the two formats share. Named apart from the import side's
 * declarations (sw_npx_*), which live in the same directory.
 */

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include <segwatch/netpol_export.h>

/* ---- export_yaml.c: libyaml's emitter into memory, errors sticky ---- */

struct sw_npx_yaml {
	yaml_emitter_t em;
	char *buf;		/* the whole stream, written out only at the end */
	size_t len, cap;
	bool failed;		/* an event was refused or memory ran out */
};

bool sw_npx_yaml_open(struct sw_npx_yaml *y);
void sw_npx_yaml_close(struct sw_npx_yaml *y);	/* stream end; buf holds the text */
void sw_npx_yaml_free(struct sw_npx_yaml *y);
void sw_npx_doc_start(struct sw_npx_yaml *y);
void sw_npx_doc_end(struct sw_npx_yaml *y);
void sw_npx_map_start(struct sw_npx_yaml *y);
void sw_npx_map_end(struct sw_npx_yaml *y);
void sw_npx_seq_start(struct sw_npx_yaml *y);
void sw_npx_seq_end(struct sw_npx_yaml *y);
/* sw_npx_str - a string: plain when no YAML reader can take it for anything else, else quoted. */
void sw_npx_str(struct sw_npx_yaml *y, const char *s);
void sw_npx_int(struct sw_npx_yaml *y, long v);
void sw_npx_kv(struct sw_npx_yaml *y, const char *key, const char *value);
void sw_npx_ki(struct sw_npx_yaml *y, const char *key, long value);
/* sw_npx_empty_map - "KEY: {}" */
void sw_npx_empty_map(struct sw_npx_yaml *y, const char *key);

/* ---- export_names.c: Kubernetes name and label syntax ---- */

#define SW_NPX_NAME_MAX 63	/* object names: DNS-1123 labels, valid as subdomains too */

/* sw_npx_label_key_ok, sw_npx_label_value_ok - the API server's label syntax. */
bool sw_npx_label_key_ok(const char *key);
bool sw_npx_label_value_ok(const char *value);
/*
 * sw_npx_name_make - "@a-@b" (@b may be NULL) as a DNS-1123 label: lower
 * case, every other character '-', runs collapsed, cut to leave room for a
 * "-N" suffix. Returns @buf (SW_NPX_NAME_MAX + 1 bytes).
 */
char *sw_npx_name_make(char *buf, const char *a, const char *b);

/* ---- export.c: the policy seen as Kubernetes selectors ---- */

enum sw_npx_term_kind {
	SW_NPX_LABELS,		/* podSelector.matchLabels in ns */
	SW_NPX_NAMESPACE,	/* every pod of ns (a pattern "ns/" + "*") */
	SW_NPX_CIDR,		/* ipBlock (a source only) */
};

struct sw_npx_term {
	enum sw_npx_term_kind kind;
	const char *ns;		/* LABELS, NAMESPACE */
	size_t cidr;		/* CIDR: index into the group's (or the match term's) cidrs */
	const struct sw_pol_term *match;	/* from a "match" term, NULL from the group's keys */
};

struct sw_npx_group {
	const char *ns;		/* its namespace: from "ns/..." patterns, else the default */
	struct sw_npx_term *terms;
	size_t n_terms;
	size_t n_pods;		/* LABELS and NAMESPACE terms: what can be a subject */
	bool cidr_warned;	/* cidrs reported as unusable where they were */
};

struct sw_npx {
	const struct sw_policy *p;
	enum sw_netpol_format format;
	const char *default_ns;
	char prefix[SW_NPX_NAME_MAX + 1];	/* the policy's name as a DNS label */
	struct sw_npx_group *groups;
	const char **namespaces;	/* every namespace the export touches, default first */
	size_t n_namespaces;
	char **names;			/* object names used, "ns/name" */
	size_t n_names;
	bool *rule_ok;			/* per rule: exported (after the checks that warned) */
	struct sw_diags *diags;
	struct sw_npx_yaml y;
	struct sw_netpol_export_stats st;
	bool nomem;
};

/* sw_npx_warn - a warning at @where (a JSON Pointer) with a printf-style message. */
void sw_npx_warn(struct sw_npx *x, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* sw_npx_where - "@base@suffix" into @buf (a pointer below a group or rule). */
const char *sw_npx_where(char *buf, size_t size, const char *base, const char *suffix);

/*
 * sw_npx_object_name - a unique object name in @ns (NULL: cluster-scoped)
 * from @a and @b, into @buf (SW_NPX_NAME_MAX + 1 bytes).
 */
const char *sw_npx_object_name(struct sw_npx *x, const char *ns, const char *a, const char *b,
			       char *buf);
/* sw_npx_cidr_text - "10.0.3.0/24", "fd00:3::/64". */
const char *sw_npx_cidr_text(const struct sw_pol_cidr *c, char *buf, size_t size);
/*
 * sw_npx_match_labels - "matchLabels:" (and "matchExpressions:") of a LABELS
 * term: the group's labels, or its match term's labels and expressions.
 */
void sw_npx_match_labels(struct sw_npx *x, const struct sw_pol_group *g,
			 const struct sw_npx_term *t);
/* sw_npx_ip_block - "ipBlock:" of a CIDR term, with the match term's except inside it. */
void sw_npx_ip_block(struct sw_npx *x, const struct sw_pol_group *g, const struct sw_npx_term *t);
/* sw_npx_ns_selector - "KEY: {matchLabels: {kubernetes.io/metadata.name: NS}}". */
void sw_npx_ns_selector(struct sw_npx *x, const char *key, const char *ns);
/* sw_npx_metadata - metadata with name, namespace (NULL: none) and the annotations. */
void sw_npx_metadata(struct sw_npx *x, const char *name, const char *ns, const char *source,
		     const char *note);
/* sw_npx_rules_overlap - could one connection match both rules (structurally, as the checker)? */
bool sw_npx_rules_overlap(const struct sw_pol_rule *a, const struct sw_pol_rule *b);
/* sw_npx_proto_k8s - "TCP", "UDP", "SCTP"; NULL for protocols Kubernetes ports cannot name. */
const char *sw_npx_proto_k8s(enum sw_pol_proto p);
/* sw_npx_is_icmp - ICMP or ICMPv6: no Kubernetes policy can name them. */
bool sw_npx_is_icmp(enum sw_pol_proto p);

/* export_np.c and export_anp.c: the documents of one format. */
int sw_npx_networkpolicy(struct sw_npx *x, struct sw_err *err);
int sw_npx_adminnetworkpolicy(struct sw_npx *x, struct sw_err *err);

#define SW_NPX_NS_LABEL "kubernetes.io/metadata.name"

#endif
