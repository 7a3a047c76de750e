/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_NFT_INTERNAL_H
#define SEGWATCH_NFT_INTERNAL_H

/*
 * Shared between render.c (the script) and batch.c/expr.c (the netlink
 * batch): both derive elements, port lists and names from the same
 * normalised forms below, so what is reviewed is what is applied.
 */

#include <segwatch/nft.h>

/* One interval of a set: [start, last] inclusive, as klen key bytes. */
struct sw_nft_ival {
	uint8_t start[16];
	uint8_t end[16];	/* end exclusive (start + size) */
	bool end_wraps;		/* the interval runs to the last address: no end element */
	uint8_t plen;		/* in key bits (0..32 or 0..128) */
};

/* Key length of a set of @family (4 or 16 bytes). */
static inline size_t sw_nft__klen(uint8_t family) { return family == 4 ? 4 : 16; }

/*
 * sw_nft__set_ivals - the elements of @s sorted, deduplicated, and with
 * prefixes contained in another dropped (prefixes nest or are disjoint, so
 * the result is disjoint). *@out is malloc'ed, caller frees. -1: a bad
 * element (message in @err), -2: out of memory.
 */
int sw_nft__set_ivals(const struct sw_nft_set *s, struct sw_nft_ival **out, size_t *n,
		      struct sw_err *err, const char *what);
/* One prefix as an interval of @family; false when it does not fit the family. */
bool sw_nft__prefix_ival(const struct sw_nft_prefix *p, uint8_t family, struct sw_nft_ival *iv);

/*
 * A list of set elements for the batch's element writer (batch.c): @n keys
 * of @klen bytes, @stride bytes apart from @keys; for an interval set, @iv
 * are the items (keys = their starts) and their ends follow each start.
 */
struct sw_nft__elem_list {
	const char *table, *set;
	uint32_t id;		/* the set's id in this batch, 0: by name only */
	uint8_t family;		/* NFPROTO_* of the table, 0: inet */
	size_t klen, stride, n;
	const uint8_t *keys;
	const struct sw_nft_ival *iv;	/* NULL: a hash set, one element per key */
};

/* Port/type ranges sorted, merged where they overlap; *@out malloc'ed. */
int sw_nft__ranges_norm(const struct sw_nft_range *r, size_t n, struct sw_nft_range **out,
			size_t *n_out);

/* Values in one port list (its anonymous set is one netlink message). */
#define SW_NFT_MAX_RANGES 1000

/* Check a plan before building anything (indexes, families, names). */
int sw_nft__plan_check(const struct sw_nft_plan *p, struct sw_err *err);

/* Copy @in to @out (size @sz) as a string nft accepts between quotes. */
void sw_nft__quote_safe(const char *in, char *out, size_t sz);

/* "forward", ... for NF_INET_* hooks; NULL when unknown. */
const char *sw_nft__hook_name(int hook);

/* The rule's description for error messages: rule N of chain C ("comment"). */
void sw_nft__rule_desc(const struct sw_nft_plan *p, size_t ci, size_t ri, char *buf, size_t sz);

/* nftables datatypes (nftables include/datatype.h) for set keys. */
#define SW_NFT_TYPE_IPADDR	7
#define SW_NFT_TYPE_IP6ADDR	8
#define SW_NFT_TYPE_INET_SERVICE 13
#define SW_NFT_TYPE_ICMP_TYPE	14
#define SW_NFT_TYPE_ICMP6_TYPE	29

/* expr.c: what a rule needs besides itself (anonymous sets for lists). */
struct nftnl_rule;
struct nftnl_set;
struct sw_nft_anon {
	struct nftnl_set *set;	/* with its elements, ready for NEWSET + NEWSETELEM */
};
/*
 * sw_nft__rule_build - the expressions of rule @ri of chain @ci into @r;
 * anonymous sets it needs are appended to @anon (ids from *@next_id).
 */
int sw_nft__rule_build(const struct sw_nft_plan *p, size_t ci, size_t ri, struct nftnl_rule *r,
		       struct sw_nft_anon *anon, size_t *n_anon, size_t max_anon,
		       uint32_t *next_id, struct sw_err *err);
/*
 * The expressions rules are made of, one call each (the inet chain's and
 * the L2 guard's alike): -1 when out of memory. Registers are NFT_REG_*,
 * verdicts NF_ACCEPT/NF_DROP/NFT_*; a lookup with @id 0 names its set only.
 */
struct nftnl_expr;
int sw_nft__expr_add(struct nftnl_rule *r, struct nftnl_expr *e);
int sw_nft__expr_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
int sw_nft__expr_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
			 uint32_t dreg);
int sw_nft__expr_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len);
int sw_nft__expr_lookup(struct nftnl_rule *r, const char *set, uint32_t id, bool negate);
int sw_nft__expr_log(struct nftnl_rule *r, const char *prefix, int group);
int sw_nft__expr_verdict(struct nftnl_rule *r, int nf_verdict);
/* sw_nft__rule_comment - the comment in the rule's userdata, where nft looks for it. */
int sw_nft__rule_comment(struct nftnl_rule *r, const char *comment);
/* sw_nft__set_build - a named set (no elements) of the plan. */
struct nftnl_set *sw_nft__set_build(const char *table, const struct sw_nft_set *s, uint32_t id);
/* Add interval elements (start, and end unless it wraps) of @iv to @s. */
int sw_nft__set_add_ival(struct nftnl_set *s, const struct sw_nft_ival *iv, size_t klen);

/* 1: the table (@chain NULL) or chain exists, 0: it does not, -1: cannot tell. */
int sw_nft__exists(const char *table, const char *chain);

#endif
