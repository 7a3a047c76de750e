/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_NFT_H
#define SEGWATCH_NFT_H

/*
 * nft - segwatch's ruleset as a plan, and the two things made from the same
 * plan: the `nft -f` script people review, and the libnftnl/libmnl batch
 * that is committed to the kernel atomically. What is reviewed is what is
 * applied.
 *
 * Only segwatch's own table is ever touched.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <segwatch/exit.h>

#define SW_NFT_NAME_MAX 64
#define SW_NFT_COMMENT_MAX 240	/* a table's comment: within the kernel's 256 bytes of userdata */

/* An address or prefix; IPv4 as IPv4-mapped IPv6, plen counted in IPv6 bits (96 + v4 plen). */
struct sw_nft_prefix {
	uint8_t addr[16];
	uint8_t plen;
};

/*
 * A named set of addresses of one family: an interval set (prefixes
 * allowed), or with @hash a hash set of single addresses, whose elements
 * the kernel adds and removes in constant time whatever its size (an
 * interval set's cost grows with it).
 * Set and chain names: letters, digits, '_', '-', '.', not starting with a
 * digit, '-' or '.', and containing a '_' or an upper-case letter: nft's
 * keywords ("fwd", "log", "dns", "tcp", ...) cannot name objects in a script
 * and nft 1.0.6 takes no quoted names (e.g. "g_web", "sw_fwd").
 * Elements are deduplicated and prefixes inside another one dropped.
 */
struct sw_nft_set {
	char name[SW_NFT_NAME_MAX];
	uint8_t family;			/* 4 or 6 */
	bool hash;			/* addresses only, no interval flag */
	struct sw_nft_prefix *elems;
	size_t n_elems;
};

struct sw_nft_range {
	uint16_t lo, hi;		/* lo == hi: a single value */
};

enum sw_nft_match_kind {
	SW_NFT_M_SADDR_SET,		/* ip[6] saddr @set */
	SW_NFT_M_DADDR_SET,		/* ip[6] daddr @set */
	SW_NFT_M_L4PROTO,		/* meta l4proto N */
	SW_NFT_M_DPORT,			/* th dport { ranges } (tcp, udp, sctp) */
	SW_NFT_M_ICMP_TYPE,		/* icmp type / icmpv6 type { values } (ranges of one) */
	SW_NFT_M_CT_STATE,		/* ct state { bits } */
	SW_NFT_M_NFPROTO,		/* meta nfproto ipv4|ipv6 */
};

#define SW_NFT_CT_INVALID	0x01
#define SW_NFT_CT_ESTABLISHED	0x02
#define SW_NFT_CT_RELATED	0x04
#define SW_NFT_CT_NEW		0x08

struct sw_nft_match {
	enum sw_nft_match_kind kind;
	uint8_t family;			/* SADDR/DADDR/NFPROTO/ICMP: 4 or 6 */
	size_t set;			/* SADDR/DADDR: index in plan->sets */
	bool negate;			/* SADDR/DADDR: the address is not in the set (!= @set) */
	uint8_t proto;			/* L4PROTO */
	struct sw_nft_range *ranges;	/* DPORT, ICMP_TYPE */
	size_t n_ranges;
	uint32_t ct_bits;		/* CT_STATE: SW_NFT_CT_* */
};

enum sw_nft_verdict { SW_NFT_ACCEPT, SW_NFT_DROP, SW_NFT_CONTINUE, SW_NFT_RETURN };

struct sw_nft_rule {
	struct sw_nft_match *matches;	/* all must hold */
	size_t n_matches;
	bool counter;
	int log_group;			/* NFLOG group, -1: no log */
	char log_prefix[SW_NFT_NAME_MAX];
	enum sw_nft_verdict verdict;
	char comment[128];		/* shown in the script and kept as the rule's userdata */
	int origin;			/* the policy rule it comes from, -1 for plumbing */
};

struct sw_nft_chain {
	char name[SW_NFT_NAME_MAX];
	bool base;			/* a base chain on a hook */
	int hook;			/* NF_INET_* when base */
	int priority;
	struct sw_nft_rule *rules;
	size_t n_rules;
	/*
	 * The kernel's handle of each rule (n_rules), once known: learned by
	 * sw_nft_plan_learn_handles, kept by sw_nft_apply_delta. NULL: not known.
	 */
	uint64_t *handles;
};

struct sw_nft_l2;	/* <segwatch/nft_l2.h> */

/* One table (family inet) with its sets and chains. */
struct sw_nft_plan {
	char table[SW_NFT_NAME_MAX];	/* "segwatch" */
	struct sw_nft_set *sets;
	size_t n_sets;
	struct sw_nft_chain *chains;
	size_t n_chains;
	char comment[SW_NFT_COMMENT_MAX];	/* the table's comment: which policy this is */
	struct sw_nft_l2 *l2;	/* the L2 guard (a bridge table of the same name), NULL: none */
};

void sw_nft_plan_free(struct sw_nft_plan *p);	/* frees the arrays and l2, not @p */

/* sw_nft_render - the plan as an `nft -f` script (deterministic: golden-file friendly). */
int sw_nft_render(const struct sw_nft_plan *p, FILE *out);

/*
 * sw_nft_payload - the rules' expressions as libnftnl prints them (what the
 * batch sends), for golden files. Returns 0 or an SW_EXIT_* code with @err.
 */
int sw_nft_payload(const struct sw_nft_plan *p, FILE *out, struct sw_err *err);

/**
 * sw_nft_apply - replace segwatch's table with @p in one atomic batch
 *
 * The batch deletes the old table (if any) and adds the new one; the kernel
 * commits all of it or nothing. On failure the old ruleset is untouched and
 * @err says which object the kernel refused and why (extack text when given).
 */
int sw_nft_apply(const struct sw_nft_plan *p, struct sw_err *err);

/* sw_nft_remove - delete segwatch's table (absent: fine). */
int sw_nft_remove(const char *table, struct sw_err *err);

/*
 * sw_nft_set_update - add and remove elements of one set in one small batch
 * (a container started or stopped). Only @set's name and family are used.
 * Deletions go first. Removing an element that is not there, or adding one
 * that overlaps an element in the set, fails the whole batch (nothing changes).
 */
int sw_nft_set_update(const char *table, const struct sw_nft_set *set,
		      const struct sw_nft_prefix *add, size_t n_add,
		      const struct sw_nft_prefix *del, size_t n_del, struct sw_err *err);

/* One set's changes for sw_nft_sets_update. */
struct sw_nft_set_change {
	const struct sw_nft_set *set;
	const struct sw_nft_prefix *add, *del;
	size_t n_add, n_del;
};

/*
 * A netlink socket kept open across updates (closing one after a batch that
 * deleted elements waits for the kernel's RCU grace period).
 */
struct sw_nft_conn;
struct sw_nft_conn *sw_nft_conn_open(struct sw_err *err);
void sw_nft_conn_close(struct sw_nft_conn *conn);

/*
 * sw_nft_sets_update - the changes of several sets in one atomic batch, sent
 * on @conn (NULL: a socket of its own, opened and closed around the batch).
 */
int sw_nft_sets_update(struct sw_nft_conn *conn, const char *table,
		       const struct sw_nft_set_change *ch, size_t n, struct sw_err *err);

/*
 * sw_nft_plan_same_layout - whether @a and @b have the same table, sets (name
 * and family, in order) and chains (name, hook, priority): then one can
 * replace the other with sw_nft_apply_delta.
 */
bool sw_nft_plan_same_layout(const struct sw_nft_plan *a, const struct sw_nft_plan *b);

/*
 * sw_nft_apply_delta - @p replaces @applied, the plan in force, whose layout
 * is the same, in one atomic batch on @conn: the element changes @ch (@n
 * sets), then the rules. A chain whose rules' handles @applied knows and
 * whose rule count did not change has only its changed rules replaced, each
 * in place by its handle; any other chain is flushed and @p's rules added.
 * A policy whose rules changed but whose groups did not costs what its
 * changed rules cost, not its elements: a full sw_nft_apply re-adds every
 * element. The table (and its comment) stay. On success @p's chains replaced
 * rule by rule know their handles (the same as before); the others do not.
 */
int sw_nft_apply_delta(struct sw_nft_conn *conn, const struct sw_nft_plan *applied,
		       struct sw_nft_plan *p, const struct sw_nft_set_change *ch, size_t n,
		       struct sw_err *err);

/*
 * sw_nft_plan_learn_handles - read the handles of @p's rules from the kernel
 * (one rule dump per chain) into its chains, for sw_nft_apply_delta. A chain
 * whose rules in the kernel are not @p's (another count, another comment)
 * stays without: it is flushed and filled again at the next delta. Fails
 * only when the kernel cannot be asked.
 */
int sw_nft_plan_learn_handles(struct sw_nft_plan *p, struct sw_err *err);

/* sw_nft_rule_same - whether two rules are the same in the kernel (same expressions, comment). */
bool sw_nft_rule_same(const struct sw_nft_rule *a, const struct sw_nft_rule *b);

/* Counters of the rules of one chain, by position, from the kernel; free(*out). */
struct sw_nft_rule_counters {
	uint64_t packets, bytes;
	char comment[128];
	uint64_t handle;
	char action[12];	/* "allow", "deny", "monitor" (logs, accepts) or "" */
	uint8_t family;		/* 4 or 6 when the rule looks up an IPv4 or IPv6 set, else 0 */
};

int sw_nft_read_counters(const char *table, const char *chain,
			 struct sw_nft_rule_counters **out, size_t *n, struct sw_err *err);

/*
 * sw_nft_read_table_comment - the comment segwatch gave its table (which
 * policy, when, from where). Returns SW_EXIT_OK with "" when it has none.
 */
int sw_nft_read_table_comment(const char *table, char *out, size_t len, struct sw_err *err);

/* A set in the kernel and how many elements (addresses or prefixes) it holds. */
struct sw_nft_set_info {
	char name[SW_NFT_NAME_MAX];
	uint8_t family;
	uint64_t elements;
};

/* sw_nft_read_sets - the sets of @table, in the kernel's order; the caller frees *out. */
int sw_nft_read_sets(const char *table, struct sw_nft_set_info **out, size_t *n,
		     struct sw_err *err);

/* sw_nft_table_exists - whether segwatch's table is in the kernel now. */
bool sw_nft_table_exists(const char *table);

#endif
