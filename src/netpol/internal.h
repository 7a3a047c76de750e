/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_NETPOL_INTERNAL_H
#define SW_NETPOL_INTERNAL_H

/*
 * Private to src/netpol. yaml.c reads documents with libyaml (bounded) and
 * gives typed access to nodes with their places; k8s.c reads the
 * Kubernetes objects into rules whose sides are arrays of match terms
 * (jansson, in the policy language's own shape); terms.c intersects them;
 * emit.c writes the first-match rules; namespaces.c resolves
 * namespaceSelectors to names.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <yaml.h>

#include <segwatch/jsonptr.h>
#include <segwatch/netpol.h>

/* ---- yaml.c ---- */

struct sw_np_yaml {
	yaml_document_t *docs;
	size_t n_docs;
};

struct sw_np_ctx;
struct sw_np_rule;

/* sw_np_yaml_load - every document of @in; false after an error note (syntax, bounds). */
bool sw_np_yaml_load(struct sw_np_ctx *c, const struct sw_netpol_input *in, struct sw_np_yaml *y);
void sw_np_yaml_free(struct sw_np_yaml *y);

/* A value that is null (absent, "null", "~", empty plain scalar) is NULL. */
yaml_node_t *sw_np_get(yaml_document_t *d, const yaml_node_t *map, const char *key);
bool sw_np_is_map(const yaml_node_t *n);
bool sw_np_is_seq(const yaml_node_t *n);
/* sw_np_str - a scalar's text (NUL-terminated by libyaml), NULL for a collection. */
const char *sw_np_str(const yaml_node_t *n);
size_t sw_np_seq_len(const yaml_node_t *n);
yaml_node_t *sw_np_seq_at(yaml_document_t *d, const yaml_node_t *n, size_t i);
const char *sw_np_type_name(const yaml_node_t *n);

/* ---- notes, at the current place ---- */

struct sw_np_ctx {
	struct sw_netpol_result *res;
	const char *file;
	yaml_document_t *doc;
	struct sw_jsonptr ptr;
	const yaml_node_t *node;	/* where ptr points: line and column */
};

void sw_np_note(struct sw_np_ctx *c, enum sw_diag_severity sev, const yaml_node_t *at,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define sw_np_warn(c, at, ...) sw_np_note(c, SW_DIAG_WARNING, at, __VA_ARGS__)
/* sw_np_err - an error note; returns false. */
bool sw_np_err(struct sw_np_ctx *c, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sw_np_nomem(struct sw_np_ctx *c);
/* sw_np_warn_rule - a warning placed at model rule @r (after reading). */
void sw_np_warn_rule(struct sw_np_ctx *c, const struct sw_np_rule *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the model: rules of every object, before translation ---- */

/* A port range of one protocol: proto 0 TCP, 1 UDP, 2 SCTP. */
struct sw_np_port {
	int proto;
	unsigned lo, hi;	/* 1-65535, inclusive */
};

enum sw_np_dir { SW_NP_INGRESS = 0, SW_NP_EGRESS };

/* One Kubernetes rule: subject (the pods the policy selects) and peers, on ports. */
struct sw_np_rule {
	char *label;		/* "shop.web-policy.in0": names its groups and rules */
	enum sw_np_dir dir;
	json_t *subject;	/* array of terms */
	json_t *peers;		/* array of terms, or NULL for every address */
	struct sw_np_port *ports;	/* NULL with all_ports */
	size_t n_ports;
	bool all_ports;
	int action;		/* SW_NP_ALLOW, SW_NP_DENY, SW_NP_PASS (AdminNetworkPolicy) */
	long priority;		/* AdminNetworkPolicy priority */
	char *where;		/* the rule's YAML path, for later warnings */
	const char *file;	/* its input's name (lives as long as the import) */
	int line, col;
};

enum { SW_NP_ALLOW = 0, SW_NP_DENY, SW_NP_PASS };

struct sw_np_rules {
	struct sw_np_rule *v;
	size_t n, cap;
};

struct sw_np_model {
	struct sw_np_rules np;		/* NetworkPolicy rules, ingress and egress */
	json_t *ingress_isolated;	/* array of terms: pods some policy isolates */
	json_t *egress_isolated;
	struct sw_np_rules anp;		/* AdminNetworkPolicy, in priority order */
	struct sw_np_rules banp;	/* BaselineAdminNetworkPolicy */
	json_t *ns_list;		/* [{"name":..., "labels": {...}}], or NULL without --namespaces */
};

bool sw_np_rules_add(struct sw_np_ctx *c, struct sw_np_rules *r, struct sw_np_rule *rule);
void sw_np_rule_clear(struct sw_np_rule *r);
void sw_np_model_clear(struct sw_np_model *m);

/* k8s.c: one document's root object (or a List's items) into the model. */
void sw_np_read_object(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj);
/* A label selector into @term (labels, expressions); false after an error note. */
bool sw_np_selector(struct sw_np_ctx *c, const yaml_node_t *sel, json_t *term);
/* An object's (meta) name into the sanitized label form. */
char *sw_np_sanitize(const char *a, const char *b);

/* anp.c: AdminNetworkPolicy and BaselineAdminNetworkPolicy. */
void sw_np_read_anp(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj, bool baseline);
/* Read a rule's place (path, line, column) into @r. */
bool sw_np_rule_place(struct sw_np_ctx *c, const yaml_node_t *at, struct sw_np_rule *r);
/* k8s.c helpers shared with anp.c */
bool sw_np_read_ports(struct sw_np_ctx *c, const yaml_node_t *ports, struct sw_np_rule *r,
		      bool anp);
bool sw_np_peer_namespaces(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *sel,
			   json_t *term);

/* Warn about keys of @map outside @known; a scalar of digits as a number, or -1. */
void sw_np_unknown_keys(struct sw_np_ctx *c, const yaml_node_t *map, const char *const *known,
			size_t n);
long sw_np_number(const yaml_node_t *n);

/* namespaces.c */
bool sw_np_namespaces_load(struct sw_np_ctx *c, struct sw_np_model *m, const struct sw_netpol_input *in);
/* sw_np_labels_match - does the selector term (labels, expressions) hold for @labels? */
bool sw_np_labels_match(const json_t *term, const json_t *labels);

/* terms.c: sides are arrays of terms; NULL is every address. */
json_t *sw_np_term_and(const json_t *a, const json_t *b);		/* NULL when empty */
json_t *sw_np_side_and(const json_t *a, const json_t *b);		/* a side: NULL any */
bool sw_np_side_empty(const json_t *side);
size_t sw_np_ports_and(const struct sw_np_rule *a, const struct sw_np_rule *b,
		       struct sw_np_port **out, bool *all);

/* emit.c: the policy document */
json_t *sw_np_emit(struct sw_np_ctx *c, struct sw_np_model *m, const char *name);

#endif
