/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_POLICY_H
#define SEGWATCH_POLICY_H

/*
 * policy - the segmentation policy language (docs/policy.md): JSON read
 * with jansson, checked completely (every error, not only the first) and
 * turned into an intermediate representation (IR) in which rules refer to
 * groups by index. The IR is what src/nft compiles; the evaluation helpers
 * below give the same answers for what-if replays and tests.
 *
 * Library code never prints: problems come back as diagnostics, and
 * sw_pol_diag_format() renders one the way the CLI prints it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/diag.h>
#include <segwatch/exit.h>
#include <segwatch/workload.h>

enum sw_pol_action {
	SW_POL_DENY = 0,
	SW_POL_ALLOW,
};

enum sw_pol_mode {
	SW_POL_ENFORCE = 0,	/* drop what is denied */
	SW_POL_MONITOR,		/* count and log what would be dropped, drop nothing */
};

/* Traffic between two endpoints that share a group. */
enum sw_pol_intra {
	SW_POL_INTRA_ALLOW = 0,	/* allowed before any rule is looked at */
	SW_POL_INTRA_POLICY,	/* judged by the rules and the default like any other */
};

/*
 * Addresses of the bridges' networks that no identified workload holds yet
 * (a container whose engine event has not arrived, that no inventory names).
 */
enum sw_pol_unclassified {
	SW_POL_UNCLASSIFIED_ALLOW = 0,	/* left alone, as any address no group selects */
	SW_POL_UNCLASSIFIED_DENY,	/* no connection east-west until identified */
};

/* The L2 guard of container ports ("l2_guard", docs/policy.md "L2 guard"). */
enum sw_pol_l2 {
	SW_POL_L2_OFF = 0,	/* no bridge table */
	SW_POL_L2_ENFORCE,	/* frames with forged sources are logged and dropped */
	SW_POL_L2_MONITOR,	/* logged and let through */
};

/* Protocols a rule can name; values are not IPPROTO numbers (sw_pol_proto_number). */
enum sw_pol_proto {
	SW_POL_PROTO_ANY = 0,
	SW_POL_PROTO_TCP,
	SW_POL_PROTO_UDP,
	SW_POL_PROTO_SCTP,
	SW_POL_PROTO_ICMP,
	SW_POL_PROTO_ICMPV6,
	SW_POL_PROTO_MAX
};

/* A prefix in the 16-byte address form (IPv4 as IPv4-mapped IPv6, plen 96 + v4 length). */
struct sw_pol_cidr {
	uint8_t addr[16];	/* host bits are zero (the checker insists) */
	uint8_t plen;		/* 0..128, in the 16-byte form */
	bool v4;
};

/* A Kubernetes LabelSelectorRequirement: "expressions" of a match term. */
enum sw_pol_expr_op {
	SW_POL_EXPR_IN = 0,		/* the label is present with one of the values */
	SW_POL_EXPR_NOT_IN,		/* absent, or present with none of the values */
	SW_POL_EXPR_EXISTS,
	SW_POL_EXPR_DOES_NOT_EXIST,
};

struct sw_pol_expr {
	char *key;
	enum sw_pol_expr_op op;
	char **values;		/* In, NotIn: at least one; Exists, DoesNotExist: none */
	size_t n_values;
};

/*
 * A "match" term of a group: every key given must hold. A term with any of
 * namespaces, labels or expressions (or with nothing at all) selects
 * workloads, whose address must then also be in cidrs minus except when
 * cidrs are given; a term with only cidrs (and except) selects addresses.
 */
struct sw_pol_term {
	char **namespaces;	/* the workload's namespace is one of them */
	size_t n_namespaces;
	bool has_namespaces;
	struct sw_label *labels;	/* all present with these values */
	size_t n_labels;
	bool has_labels;
	struct sw_pol_expr *exprs;	/* all hold */
	size_t n_exprs;
	bool has_exprs;
	struct sw_pol_cidr *cidrs;	/* the address is in one of them ... */
	size_t n_cidrs;
	struct sw_pol_cidr *except;	/* ... and in none of these (each inside a cidr) */
	size_t n_except;
};

/* sw_pol_term_workload - whether @t selects workloads (not bare addresses). */
bool sw_pol_term_workload(const struct sw_pol_term *t);

struct sw_pol_group {
	char *name;
	char *where;		/* JSON Pointer of the group, "/groups/front" */
	struct sw_label *labels;	/* all must match */
	size_t n_labels;
	char **names;		/* fnmatch(3) patterns on the workload name */
	size_t n_names;
	struct sw_pol_cidr *cidrs;
	size_t n_cidrs;
	struct sw_pol_term *terms;	/* "match": the group also selects what one term selects */
	size_t n_terms;
};

struct sw_pol_range {
	uint16_t lo, hi;	/* inclusive, 1 <= lo <= hi */
};

struct sw_pol_rule {
	char *name;
	char *where;		/* JSON Pointer of the rule, "/rules/3" */
	size_t *from;		/* indices into sw_policy.groups */
	size_t n_from;
	bool from_any;		/* "any" was listed: every address */
	size_t *to;
	size_t n_to;
	bool to_any;
	enum sw_pol_proto proto;
	struct sw_pol_range *ports;	/* destination ports; none = every port */
	size_t n_ports;
	uint8_t *icmp_types;	/* none = every type */
	size_t n_icmp_types;
	enum sw_pol_action action;
	enum sw_pol_mode mode;	/* the rule's own, or the policy's when not given */
	bool mode_set;		/* the rule said "mode" itself */
};

/* The IR. Everything is owned by the struct (sw_policy_free). */
struct sw_policy {
	int version;
	char *name;
	enum sw_pol_mode mode;
	enum sw_pol_action default_action;
	enum sw_pol_intra intra;
	enum sw_pol_unclassified unclassified;
	enum sw_pol_l2 l2_guard;
	struct sw_pol_group *groups;
	size_t n_groups;
	struct sw_pol_rule *rules;
	size_t n_rules;
	unsigned refs;		/* holders besides the first (sw_policy_ref); 0 when made */
};

/* sw_policy_free - let go of @p: freed when no other holder is left (NULL is fine). */
void sw_policy_free(struct sw_policy *p);

/*
 * sw_policy_ref - one more holder of @p (each calls sw_policy_free once):
 * the agent and its alerts share the policy it checked. Returns @p.
 */
struct sw_policy *sw_policy_ref(struct sw_policy *p);

/* ---- diagnostics ---- */

/*
 * The policy's diagnostics are the shared ones of include/segwatch/diag.h;
 * these names stay for the code written against them.
 */
#define sw_pol_severity sw_diag_severity
#define SW_POL_ERROR SW_DIAG_ERROR
#define SW_POL_WARNING SW_DIAG_WARNING
#define sw_pol_diag sw_diag
#define sw_pol_diags sw_diags
#define sw_pol_diags_init sw_diags_init
#define sw_pol_diags_clear sw_diags_clear
#define sw_pol_diag_add sw_diags_add
#define sw_pol_diag_format sw_diag_format

/* ---- loading ---- */

/**
 * sw_policy_load_buffer - parse and check a policy held in memory
 * @buf, @len: the document (need not be NUL-terminated)
 * @name: input name, used only by the caller when formatting diagnostics
 * @out: set to the IR when there is no error, NULL otherwise
 * @diags: every error and warning found is appended (initialised by the caller)
 *
 * Returns SW_EXIT_OK (warnings are allowed), SW_EXIT_USAGE when the policy
 * has errors, SW_EXIT_RUNTIME on out of memory. The caller owns *@out.
 */
int sw_policy_load_buffer(const char *buf, size_t len, const char *name, struct sw_policy **out,
			  struct sw_pol_diags *diags);

/* sw_policy_load_file - the same for a file; an unreadable file is SW_EXIT_RUNTIME. */
int sw_policy_load_file(const char *path, struct sw_policy **out, struct sw_pol_diags *diags);

/* ---- prefixes ---- */

/* sw_pol_cidr_contains - whether prefix @outer covers all of @inner (same family). */
bool sw_pol_cidr_contains(const struct sw_pol_cidr *outer, const struct sw_pol_cidr *inner);

/* sw_pol_cidr_has_addr - whether address @a (16-byte form) is in @c. */
bool sw_pol_cidr_has_addr(const struct sw_pol_cidr *c, const uint8_t a[16]);

/*
 * sw_pol_cidr_subtract - @base minus the prefixes @except[0..@n), as the
 * fewest disjoint prefixes, each handed to @emit in address order (at most
 * 128 per except, plus one). Stops and returns false when @emit does.
 */
bool sw_pol_cidr_subtract(const struct sw_pol_cidr *base, const struct sw_pol_cidr *except,
			  size_t n, bool (*emit)(const struct sw_pol_cidr *piece, void *arg),
			  void *arg);

/* sw_pol_cidr_text - "10.0.0.0/8" or "fd00::/64" into @buf. */
void sw_pol_cidr_text(const struct sw_pol_cidr *c, char *buf, size_t size);

/*
 * sw_pol_cidr_parse - "10.0.0.0/8", "fd00::/64" or a bare address; false
 * when it is not one. *@host_bits tells that bits past the length were set
 * (they are cleared in @out).
 */
bool sw_pol_cidr_parse(const char *text, struct sw_pol_cidr *out, bool *host_bits);

/* ---- names ---- */

const char *sw_pol_action_name(enum sw_pol_action a);
const char *sw_pol_mode_name(enum sw_pol_mode m);
const char *sw_pol_proto_name(enum sw_pol_proto p);
/* sw_pol_proto_number - IPPROTO_* of @p; 0 for SW_POL_PROTO_ANY. */
uint8_t sw_pol_proto_number(enum sw_pol_proto p);

/* ---- evaluation ---- */

/* Words of a group bitmap for @n_groups groups. */
#define SW_POL_BITMAP_WORDS(n_groups) (((n_groups) + 63) / 64)

/**
 * sw_policy_group_selects - does group @g select this endpoint?
 * @w: the workload behind the address, or NULL when unknown
 * @addr: the address (16-byte form), or NULL to use @w's addresses
 *
 * True when all of the group's labels match @w, or @w's name matches one
 * of its patterns, or the address is in one of its CIDRs.
 */
bool sw_policy_group_selects(const struct sw_policy *p, size_t g, const struct sw_workload *w,
			     const uint8_t addr[16]);

/*
 * sw_policy_groups_same - whether @a and @b have the same groups in the same
 * order, with the same names, labels, name patterns and CIDRs: over the same
 * workloads they select the same addresses.
 */
bool sw_policy_groups_same(const struct sw_policy *a, const struct sw_policy *b);

/* sw_policy_membership - fill @bits (SW_POL_BITMAP_WORDS(n_groups) words) with the groups selecting the endpoint. */
void sw_policy_membership(const struct sw_policy *p, const struct sw_workload *w,
			  const uint8_t addr[16], uint64_t *bits);

/* What opened a connection: protocol and destination port or ICMP type. */
struct sw_pol_conn {
	uint8_t ipproto;	/* IPPROTO_TCP, ... */
	uint16_t dport;		/* TCP, UDP, SCTP */
	uint8_t icmp_type;	/* ICMP, ICMPv6 */
};

enum sw_pol_reason {
	SW_POL_BY_RULE = 0,
	SW_POL_BY_INTRA,	/* same group, intra_group "allow" */
	SW_POL_BY_DEFAULT,
	SW_POL_BY_PLUMBING,	/* IPv6 neighbour discovery: the ruleset accepts it before any rule */
};

struct sw_pol_verdict {
	enum sw_pol_action action;
	enum sw_pol_reason reason;
	size_t rule;		/* index of the matching rule when reason is SW_POL_BY_RULE */
	enum sw_pol_mode mode;	/* of the rule, or the policy's */
	bool drop;		/* action deny in enforce mode */
};

/* sw_policy_evaluate_sets - judge a connection from the group bitmaps of its two ends. */
void sw_policy_evaluate_sets(const struct sw_policy *p, const uint64_t *src_bits,
			     const uint64_t *dst_bits, const struct sw_pol_conn *c,
			     struct sw_pol_verdict *v);

/* What the compiled ruleset does with the first packet of a connection. */
enum sw_pol_outcome {
	SW_POL_OUT_ALLOWED = 0,
	SW_POL_OUT_DENIED,	/* dropped: a deny in enforce mode */
	SW_POL_OUT_MONITORED,	/* would be dropped: a deny in monitor mode */
	SW_POL_OUT_UNMANAGED,	/* left alone: the default with an end no group selects */
};

/*
 * sw_policy_outcome - sw_policy_evaluate_sets (verdict in @v), then as the
 * kernel applies it: IPv6 neighbour discovery (ICMPv6 133-137) is accepted
 * before any rule (reason SW_POL_BY_PLUMBING), and the default only judges
 * traffic between two managed ends (selected by some group).
 */
enum sw_pol_outcome sw_policy_outcome(const struct sw_policy *p, const uint64_t *src_bits,
				      const uint64_t *dst_bits, const struct sw_pol_conn *c,
				      struct sw_pol_verdict *v);

/* sw_pol_outcome_name - "allowed", "denied", "monitored", "unmanaged". */
const char *sw_pol_outcome_name(enum sw_pol_outcome o);

/* ---- live flow records (flow.c) ---- */

/*
 * sw_policy_judge_flow - sw_policy_outcome for the flow @r (its initiator
 * and responder, protocol and port), the groups of its ends in @src_bits
 * and @dst_bits (SW_POL_BITMAP_WORDS(n_groups) words each, filled).
 */
enum sw_pol_outcome sw_policy_judge_flow(const struct sw_policy *p, const struct sw_flow_rec *r,
					 uint64_t *src_bits, uint64_t *dst_bits,
					 struct sw_pol_verdict *v);

/*
 * sw_policy_groups_text - the names of the groups in @bits joined by '+'
 * ("front+pci"), "" for none, into @buf; a name that does not fit is left
 * out whole, with every later one. Returns the number of groups in @bits.
 */
size_t sw_policy_groups_text(const struct sw_policy *p, const uint64_t *bits, char *buf,
			     size_t size);

/*
 * sw_policy_verdict_rule - what decided @v: the rule's name, "intra_group",
 * "neighbour_discovery" or "default"; NULL when @out is SW_POL_OUT_UNMANAGED (nothing decided).
 */
const char *sw_policy_verdict_rule(const struct sw_policy *p, enum sw_pol_outcome out,
				   const struct sw_pol_verdict *v);

/* ---- recorded flows (record.c) ---- */

struct json_t;

/**
 * sw_policy_record_membership - the groups selecting one end of a record
 * @rec: a flow or kernel_log record as read from a JSON line (docs/flows.md)
 * @end: "src" or "dst": the address in rec[@end], the workload in rec[@end_workload]
 * @bits: SW_POL_BITMAP_WORDS(n_groups) words, filled
 *
 * Any JSON is accepted. False when the end has no usable address (or on out
 * of memory); @bits is then left as it was.
 */
bool sw_policy_record_membership(const struct sw_policy *p, const struct json_t *rec,
				 const char *end, uint64_t *bits);

/*
 * sw_policy_record_outcome - sw_policy_outcome for @rec (proto_num, dport,
 * icmp_type read from it) whose ends are in @src_bits and @dst_bits.
 */
enum sw_pol_outcome sw_policy_record_outcome(const struct sw_policy *p, const struct json_t *rec,
					     const uint64_t *src_bits, const uint64_t *dst_bits,
					     struct sw_pol_verdict *v);

/*
 * sw_policy_evaluate - judge a connection from its two ends (workload may
 * be NULL, address may be NULL but not both). Returns false on out of memory.
 */
bool sw_policy_evaluate(const struct sw_policy *p, const struct sw_workload *src_w,
			const uint8_t src_addr[16], const struct sw_workload *dst_w,
			const uint8_t dst_addr[16], const struct sw_pol_conn *c,
			struct sw_pol_verdict *v);

#endif
