/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * expr.c - a plan's rule as nf_tables expressions, the way nft builds the
 * same text (implicit dependencies included: `ip saddr` in an inet table
 * needs `meta nfproto ipv4`, `icmp type` needs `meta l4proto icmp`).
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "internal.h"

int sw_nft__expr_add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -1;
	nftnl_rule_add_expr(r, e);	/* the rule owns it now */
	return 0;
}

int sw_nft__expr_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return sw_nft__expr_add(r, e);
}

int sw_nft__expr_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
			 uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	return sw_nft__expr_add(r, e);
}

int sw_nft__expr_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return sw_nft__expr_add(r, e);
}

int sw_nft__expr_lookup(struct nftnl_rule *r, const char *set, uint32_t id, bool negate)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (!e)
		return -1;
	if (negate)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (id)	/* a set made in the same batch; 0: by name only */
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	return sw_nft__expr_add(r, e);
}

/* A value of @klen (1 or 2) bytes in network order. */
static void put_be(uint8_t *b, unsigned v, size_t klen)
{
	if (klen == 2) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
	} else {
		b[0] = (uint8_t)v;
	}
}

/* One range [@lo_v, @hi_v] against the value in reg 1. */
static int match_range(struct nftnl_rule *r, unsigned lo_v, unsigned hi_v, size_t klen)
{
	struct nftnl_expr *e = nftnl_expr_alloc("range");
	uint8_t lo[2], hi[2];

	put_be(lo, lo_v, klen);
	put_be(hi, hi_v, klen);
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, lo, (uint32_t)klen);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, hi, (uint32_t)klen);
	}
	return sw_nft__expr_add(r, e);
}

/*
 * An anonymous constant set of the normalised ranges @v (an interval set
 * when any is wider than one value); NULL when out of memory.
 */
static struct nftnl_set *anon_values_set(const struct sw_nft_plan *p, const struct sw_nft_range *v,
					 size_t k, size_t klen, uint32_t key_type, uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();
	bool interval = false;

	for (size_t i = 0; i < k; i++)
		interval |= v[i].lo != v[i].hi;
	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, p->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "__set%d");
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)klen);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT |
			  (interval ? NFT_SET_INTERVAL : 0));
	for (size_t i = 0; i < k; i++) {
		struct sw_nft_ival iv = { .plen = 0 };
		unsigned end = v[i].hi + 1u;

		put_be(iv.start, v[i].lo, klen);
		iv.end_wraps = end > (klen == 2 ? 0xffffu : 0xffu);
		put_be(iv.end, end, klen);
		if (!interval)
			iv.end_wraps = true;	/* plain set: one element each */
		if (sw_nft__set_add_ival(s, &iv, klen) < 0) {
			nftnl_set_free(s);
			return NULL;
		}
	}
	return s;
}

/* @ranges against the value in reg 1: cmp, range, or an anonymous set. */
static int match_values(struct nftnl_rule *r, const struct sw_nft_plan *p,
			const struct sw_nft_range *ranges, size_t n, size_t klen, uint32_t key_type,
			struct sw_nft_anon *anon, size_t *n_anon, size_t max_anon, uint32_t *next_id)
{
	struct sw_nft_range *v;
	size_t k;
	uint8_t lo[2];
	int ret = -1;

	if (sw_nft__ranges_norm(ranges, n, &v, &k) < 0)
		return -1;
	if (k == 1 && v[0].lo == v[0].hi) {
		put_be(lo, v[0].lo, klen);
		ret = sw_nft__expr_cmp(r, NFT_CMP_EQ, lo, (uint32_t)klen);
	} else if (k == 1) {
		ret = match_range(r, v[0].lo, v[0].hi, klen);
	} else if (*n_anon < max_anon) {
		uint32_t id = (*next_id)++;
		struct nftnl_set *s = anon_values_set(p, v, k, klen, key_type, id);

		if (s) {
			anon[(*n_anon)++].set = s;	/* the caller frees it */
			ret = sw_nft__expr_lookup(r, "__set%d", id, false);
		}
	}
	free(v);
	return ret;
}

/*
 * One rule being built: where its expressions and anonymous sets go, and
 * what earlier matches made sure of, so implied checks are not repeated.
 */
struct rule_ctx {
	struct nftnl_rule *r;
	const struct sw_nft_plan *p;
	struct sw_nft_anon *anon;
	size_t *n_anon;
	size_t max_anon;
	uint32_t *next_id;
	uint8_t nfproto, l4;
	bool l4_known;
};

static int ct_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	return sw_nft__expr_add(r, e);
}

/* reg 1 &= @mask (4 bytes), as nft writes it: with a zero xor. */
static int bitwise_and(struct nftnl_rule *r, uint32_t mask)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint32_t zero = 0;

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	return sw_nft__expr_add(r, e);
}

/* ip/ip6 saddr/daddr @set, with the `meta nfproto` it implies unless already checked. */
static int match_addr_set(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	const struct sw_nft_set *s = &c->p->sets[mt->set];
	bool src = mt->kind == SW_NFT_M_SADDR_SET;
	uint8_t want = mt->family == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	int ret = 0;

	if (c->nfproto != want) {
		ret |= sw_nft__expr_meta(c->r, NFT_META_NFPROTO, NFT_REG_1);
		ret |= sw_nft__expr_cmp(c->r, NFT_CMP_EQ, &want, 1);
		c->nfproto = want;
	}
	if (mt->family == 4)
		ret |= sw_nft__expr_payload(c->r, NFT_PAYLOAD_NETWORK_HEADER, src ? 12 : 16, 4, NFT_REG_1);
	else
		ret |= sw_nft__expr_payload(c->r, NFT_PAYLOAD_NETWORK_HEADER, src ? 8 : 24, 16, NFT_REG_1);
	ret |= sw_nft__expr_lookup(c->r, s->name, (uint32_t)mt->set + 1, mt->negate);
	return ret;
}

static int match_l4proto(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	int ret = sw_nft__expr_meta(c->r, NFT_META_L4PROTO, NFT_REG_1);

	ret |= sw_nft__expr_cmp(c->r, NFT_CMP_EQ, &mt->proto, 1);
	c->l4 = mt->proto;
	c->l4_known = true;
	return ret;
}

static int match_dport(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	int ret = sw_nft__expr_payload(c->r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);

	ret |= match_values(c->r, c->p, mt->ranges, mt->n_ranges, 2, SW_NFT_TYPE_INET_SERVICE,
			    c->anon, c->n_anon, c->max_anon, c->next_id);
	return ret;
}

/* icmp/icmpv6 type, with the `meta l4proto` it implies unless already checked. */
static int match_icmp_type(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	uint8_t want = mt->family == 4 ? 1 : 58;
	int ret = 0;

	if (!c->l4_known || c->l4 != want) {
		ret |= sw_nft__expr_meta(c->r, NFT_META_L4PROTO, NFT_REG_1);
		ret |= sw_nft__expr_cmp(c->r, NFT_CMP_EQ, &want, 1);
		c->l4 = want;
		c->l4_known = true;
	}
	ret |= sw_nft__expr_payload(c->r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	ret |= match_values(c->r, c->p, mt->ranges, mt->n_ranges, 1,
			    mt->family == 4 ? SW_NFT_TYPE_ICMP_TYPE : SW_NFT_TYPE_ICMP6_TYPE,
			    c->anon, c->n_anon, c->max_anon, c->next_id);
	return ret;
}

static int match_ct_state(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	uint32_t zero = 0;
	int ret = ct_load(c->r, NFT_CT_STATE);

	ret |= bitwise_and(c->r, mt->ct_bits);	/* SW_NFT_CT_* are the kernel's NF_CT_STATE bits */
	ret |= sw_nft__expr_cmp(c->r, NFT_CMP_NEQ, &zero, 4);
	return ret;
}

static int match_nfproto(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	uint8_t b = mt->family == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	int ret = sw_nft__expr_meta(c->r, NFT_META_NFPROTO, NFT_REG_1);

	ret |= sw_nft__expr_cmp(c->r, NFT_CMP_EQ, &b, 1);
	c->nfproto = b;
	return ret;
}

/* One match's expressions; a kind it does not know adds nothing (plan_check rejects those). */
static int match_add(struct rule_ctx *c, const struct sw_nft_match *mt)
{
	switch (mt->kind) {
	case SW_NFT_M_SADDR_SET:
	case SW_NFT_M_DADDR_SET:
		return match_addr_set(c, mt);
	case SW_NFT_M_L4PROTO:
		return match_l4proto(c, mt);
	case SW_NFT_M_DPORT:
		return match_dport(c, mt);
	case SW_NFT_M_ICMP_TYPE:
		return match_icmp_type(c, mt);
	case SW_NFT_M_CT_STATE:
		return match_ct_state(c, mt);
	case SW_NFT_M_NFPROTO:
		return match_nfproto(c, mt);
	}
	return 0;
}

int sw_nft__expr_log(struct nftnl_rule *r, const char *prefix, int group)
{
	struct nftnl_expr *e = nftnl_expr_alloc("log");
	char buf[256];

	if (!e)
		return -1;
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)group);
	if (prefix[0]) {
		sw_nft__quote_safe(prefix, buf, sizeof(buf));
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, buf);
	}
	return sw_nft__expr_add(r, e);
}

int sw_nft__expr_verdict(struct nftnl_rule *r, int nf_verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)nf_verdict);
	return sw_nft__expr_add(r, e);
}

static int verdict_add(struct nftnl_rule *r, enum sw_nft_verdict verdict)
{
	static const int verdicts[] = { NF_ACCEPT, NF_DROP, NFT_CONTINUE, NFT_RETURN };

	return sw_nft__expr_verdict(r, verdicts[verdict]);
}

/* The comment goes in the rule's userdata, where nft looks for it. */
int sw_nft__rule_comment(struct nftnl_rule *r, const char *comment)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	char buf[256];
	int ret = 0;

	sw_nft__quote_safe(comment, buf, sizeof(buf));
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, buf))
		ret = -1;
	else
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return ret;
}

/* What follows the matches, in nft's order: counter, log, verdict; then the comment. */
static int stmts_add(struct nftnl_rule *r, const struct sw_nft_rule *ru)
{
	int ret = 0;

	if (ru->counter)
		ret = sw_nft__expr_add(r, nftnl_expr_alloc("counter"));
	if (!ret && ru->log_group >= 0)
		ret = sw_nft__expr_log(r, ru->log_prefix, ru->log_group);
	if (!ret)
		ret = verdict_add(r, ru->verdict);
	if (!ret && ru->comment[0])
		ret = sw_nft__rule_comment(r, ru->comment);
	return ret;
}

int sw_nft__rule_build(const struct sw_nft_plan *p, size_t ci, size_t ri, struct nftnl_rule *r,
		       struct sw_nft_anon *anon, size_t *n_anon, size_t max_anon,
		       uint32_t *next_id, struct sw_err *err)
{
	const struct sw_nft_chain *ch = &p->chains[ci];
	const struct sw_nft_rule *ru = &ch->rules[ri];
	struct rule_ctx c = {
		.r = r, .p = p, .anon = anon, .n_anon = n_anon, .max_anon = max_anon,
		.next_id = next_id,
	};
	char desc[256];
	int ret = 0;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, p->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, ch->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	for (size_t m = 0; m < ru->n_matches && !ret; m++)
		ret = match_add(&c, &ru->matches[m]);
	if (!ret)
		ret = stmts_add(r, ru);
	if (!ret)
		return 0;
	sw_nft__rule_desc(p, ci, ri, desc, sizeof(desc));
	return sw_err_set(err, SW_EXIT_RUNTIME, "nft: %s: cannot build expressions (out of memory)",
			  desc);
}

struct nftnl_set *sw_nft__set_build(const char *table, const struct sw_nft_set *s, uint32_t id)
{
	struct nftnl_set *ns = nftnl_set_alloc();

	if (!ns)
		return NULL;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, (uint32_t)sw_nft__klen(s->family));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE,
			  s->family == 4 ? SW_NFT_TYPE_IPADDR : SW_NFT_TYPE_IP6ADDR);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, s->hash ? 0 : NFT_SET_INTERVAL);
	return ns;
}

int sw_nft__set_add_ival(struct nftnl_set *s, const struct sw_nft_ival *iv, size_t klen)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return -1;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, iv->start, (uint32_t)klen);
	nftnl_set_elem_add(s, e);	/* the set owns it now */
	if (iv->end_wraps)
		return 0;
	e = nftnl_set_elem_alloc();
	if (!e)
		return -1;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, iv->end, (uint32_t)klen);
	nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	return 0;
}
