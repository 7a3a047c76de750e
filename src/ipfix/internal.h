/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_IPFIX_INTERNAL_H
#define SW_IPFIX_INTERNAL_H

#include <stdio.h>

#include <fixbuf/public.h>
#include <segwatch/ipfix.h>

/* Which part of a flow one record carries. */
enum sw_ipfix_dir {
	SW_IPFIX_DIR_BOTH = 0,	/* biflow: fwd, and rev in the reverse elements */
	SW_IPFIX_DIR_FWD,	/* initiator -> responder */
	SW_IPFIX_DIR_REV,	/* responder -> initiator: the ends swapped */
};

#define SW_IPFIX_LABELS_MAX 512	/* "k=v,k=v" per end, cut at a label boundary */

/*
 * The internal template: libfixbuf copies fields at the offsets the template
 * spells out, so the struct has no holes (asserted in encode.c) and its
 * order is the order of sw_ipfix_spec[].
 */
struct sw_ipfix_rec {
	uint64_t start_ms, end_ms;
	uint64_t octets, packets;
	uint64_t rev_octets, rev_packets;
	fbVarfield_t src_name, dst_name, src_ns, dst_ns, src_kind, dst_kind;
	fbVarfield_t src_labels, dst_labels, state;
	fbVarfield_t community_id;	/* enterprise element 9, sw_flow_community_id() */
	fbVarfield_t src_groups, dst_groups, rule, verdict;	/* 5-8: struct sw_ipfix_verdict */
	uint8_t src6[16], dst6[16];
	uint32_t src4, dst4;
	uint32_t in_if, out_if;
	uint16_t sport, dport;
	uint16_t tcp_flags, rev_tcp_flags;
	uint8_t proto, end_reason, direction;
	uint8_t pad[5];
};

/* Scratch strings a record points into (labels), and which labels to take. */
struct sw_ipfix_scratch {
	const char *label_keys;		/* "app,tier"; NULL or "": every label */
	char src_labels[SW_IPFIX_LABELS_MAX], dst_labels[SW_IPFIX_LABELS_MAX];
	char community_id[SW_COMMUNITY_ID_LEN];
};

/*
 * sw_ipfix_rec_fill - the IPFIX record of @r and its verdict @v (NULL:
 * none) for @dir (pure: no libfixbuf state). Strings point into @r's
 * workloads, @v and @s.
 */
void sw_ipfix_rec_fill(struct sw_ipfix_rec *x, const struct sw_flow_rec *r,
		       const struct sw_ipfix_verdict *v, enum sw_ipfix_dir dir,
		       struct sw_ipfix_scratch *s);
/* sw_ipfix_end_reason - flowEndReason (RFC 5102) for segwatch's end and state. */
uint8_t sw_ipfix_end_reason(uint8_t end, uint8_t state);
/* sw_ipfix_rec_size - a bound on the encoded size of @x (for keeping UDP messages small). */
size_t sw_ipfix_rec_size(const struct sw_ipfix_rec *x);

/* ---- the libfixbuf side (encode.c) ---- */

/* Called with each whole IPFIX message and the number of flow records in it. */
typedef void (*sw_ipfix_msg_fn)(void *arg, const uint8_t *msg, size_t len, uint64_t nrec);

struct sw_ipfix_enc;

/* sw_ipfix_enc_alloc - the information model with the enterprise elements under @pen. */
/* @label_keys: as sw_ipfix_opts.label_keys, kept (not copied). */
struct sw_ipfix_enc *sw_ipfix_enc_alloc(uint32_t pen, enum sw_ipfix_mode mode, uint32_t domain,
					const char *label_keys, sw_ipfix_msg_fn fn, void *arg,
					char *why, size_t why_len);
/*
 * sw_ipfix_enc_session - a new transport session: templates and RFC 5610
 * type information go out first (in a message of their own). Pending records
 * of an earlier session are dropped and reported to @fn as lost (msg NULL).
 */
bool sw_ipfix_enc_session(struct sw_ipfix_enc *e, char *why, size_t why_len);
/* sw_ipfix_enc_end - the transport session is gone: what was being built is reported lost. */
void sw_ipfix_enc_end(struct sw_ipfix_enc *e);
/* sw_ipfix_enc_templates - the templates again (UDP refresh), in a message of their own. */
bool sw_ipfix_enc_templates(struct sw_ipfix_enc *e);
/* sw_ipfix_enc_add - one flow (two records in uniflow mode with answers); false: not encoded. */
bool sw_ipfix_enc_add(struct sw_ipfix_enc *e, const struct sw_flow_rec *r,
		      const struct sw_ipfix_verdict *v);
/* sw_ipfix_enc_flush - the message being built out now. */
void sw_ipfix_enc_flush(struct sw_ipfix_enc *e);
/* sw_ipfix_enc_max_msg - keep messages under @bytes (UDP: one datagram without fragments). */
void sw_ipfix_enc_max_msg(struct sw_ipfix_enc *e, size_t bytes);
void sw_ipfix_enc_free(struct sw_ipfix_enc *e);

#endif
