/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_NFT_L2_INTERNAL_H
#define SW_NFT_L2_INTERNAL_H

/* Shared by l2.c, l2_render.c, l2_batch.c and the hooks in batch.c. */

#include <segwatch/nft_l2.h>

#include "internal.h"

/* One element of a binding set: the port's name (16 bytes, NUL padded), then the value. */
struct sw_nft_l2_key {
	uint8_t b[32];
};

/* Key length of set @s in the kernel (the value padded to 4 bytes, as concatenations are). */
size_t sw_nft__l2_klen(enum sw_nft_l2_set s);

/* The elements of set @s, sorted and unique; *@out malloc'ed. -1: out of memory. */
int sw_nft__l2_keys(const struct sw_nft_l2 *l2, enum sw_nft_l2_set s, struct sw_nft_l2_key **out,
		    size_t *n);

/*
 * The hooks batch.c gives l2_batch.c: messages of another family in its
 * batches, described in errors by sw_nft__l2_desc.
 */
struct batch;
struct nlmsghdr;
struct nlmsghdr *sw_nft__batch_msg(struct batch *b, uint16_t type, uint16_t family,
				   uint16_t flags, uint32_t what, uint32_t idx);
void sw_nft__batch_done(struct batch *b, struct nlmsghdr *nlh);
/* The elements of @l as NEWSETELEM/DELSETELEM @type: batch.c's writer, one for both tables. */
int sw_nft__batch_elems(struct batch *b, const struct sw_nft__elem_list *l, uint16_t type,
			uint32_t what, uint32_t idx);
struct batch *sw_nft__batch_new(void);
int sw_nft__batch_send(struct batch *b, struct sw_nft_conn *conn, struct sw_err *err);
void sw_nft__batch_del(struct batch *b);

/* What a message of the L2 guard (@what: SW_NFT_L2_OBJ_*, @idx) builds, for errors. */
enum { SW_NFT_L2_OBJ_TABLE, SW_NFT_L2_OBJ_SET, SW_NFT_L2_OBJ_ELEMS, SW_NFT_L2_OBJ_CHAIN,
       SW_NFT_L2_OBJ_RULE };
void sw_nft__l2_desc(uint32_t what, uint32_t idx, char *buf, size_t sz);

/*
 * sw_nft__l2_apply_msgs - into @b: the bridge table @table replaced by @l2,
 * or (@l2 NULL) deleted when it exists. Returns 0 or an SW_EXIT_* code.
 */
int sw_nft__l2_apply_msgs(struct batch *b, const struct sw_nft_l2 *l2, const char *table,
			  struct sw_err *err);

#endif

/* l2_rules.c: the chain's rules, as nft text and as expressions, side by side. */
#define SW_NFT_L2_N_RULES 8
struct nftnl_rule;
/* The rule's matches as nft writes them ("iifname . ether saddr != @l2_mac"). */
const char *sw_nft__l2_rule_match(size_t r);
/* What rule @r drops (enum sw_nft_l2_forged), -1 for the first (unguarded ports: accept). */
int sw_nft__l2_rule_forged(size_t r);
/* The rule's comment ("l2 source_mac"). */
const char *sw_nft__l2_rule_comment(size_t r);
/* sw_nft__l2_rule_build - rule @r's expressions and comment into @nr; -1 when out of memory. */
int sw_nft__l2_rule_build(const struct sw_nft_l2 *l2, size_t r, struct nftnl_rule *nr);
