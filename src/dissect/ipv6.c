/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv6, RFC 8200, with its extension-header chain.
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                  Source Address (16 bytes)                    |
 *   |               Destination Address (16 bytes)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers walked: hop-by-hop (0), routing (43), destination
 * options (60), fragment (44), authentication (51, RFC 4302 length unit),
 * mobility (135). Each generic one is | next | len in 8-octet units - 1 | ...
 * The fragment header (RFC 8200 4.5) is 8 bytes:
 *   | next | reserved | offset (13 bits) | res (2) | M | identification (32) |
 * ESP and "no next header" end the walk with no ports.
 */
#include "internal.h"

#define SW_IPV6_HDR_LEN 40

static enum sw_result sw_ipv6_length(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				     uint32_t payload_len)
{
	uint64_t wire = sw_cur_wire_left(ctx, c);

	/* Jumbograms and GSO "BIG TCP" packets carry 0 here. */
	if (payload_len == 0 && wire > 65535 + SW_IPV6_HDR_LEN) {
		ctx->pkt->ip_len = (uint32_t)(wire > UINT32_MAX ? UINT32_MAX : wire);
		return SW_OK;
	}
	if (payload_len == 0 && c->p[6] != SW_IPPROTO_NONE)
		return sw_fail(ctx, SW_INVALID, SW_R_IPV6_BAD_PAYLOAD_LENGTH);
	if (SW_IPV6_HDR_LEN + payload_len > sw_cur_left(c) && !ctx->snap_cut)
		return sw_fail(ctx, SW_TRUNC, SW_R_IP_TRUNCATED_BY_CAPTURE);
	ctx->pkt->ip_len = SW_IPV6_HDR_LEN + payload_len;
	sw_cur_limit(c, ctx->pkt->ip_len);
	return SW_OK;
}

static enum sw_result sw_ipv6_fragment(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				       uint8_t *next, bool *stop)
{
	uint8_t reserved;
	uint16_t off_field;
	uint32_t id;

	if (!sw_get_u8(c, next) || !sw_get_u8(c, &reserved) ||
	    !sw_get_be16(c, &off_field) || !sw_get_be32(c, &id))
		return sw_fail(ctx, SW_TRUNC, SW_R_IPV6_EXT_TRUNCATED);
	ctx->pkt->frag_id = id;
	if ((off_field & 0xfff8) != 0) {
		if ((uint32_t)(off_field & 0xfff8) + sw_cur_left(c) > 65535)
			return sw_fail(ctx, SW_INVALID, SW_R_IPV6_BAD_FRAGMENT);
		ctx->pkt->frag = SW_FRAG_LATER;
		*stop = true;
	} else if (off_field & 1) {
		ctx->pkt->frag = SW_FRAG_FIRST;
	}
	/* offset 0 without M is an atomic fragment (RFC 6946): a whole packet */
	return SW_OK;
}

/* Skip one generic extension header; AH counts its length in 4-octet units. */
static enum sw_result sw_ipv6_skip_ext(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				       uint8_t type, uint8_t *next)
{
	uint8_t len;
	size_t total;

	if (!sw_get_u8(c, next) || !sw_get_u8(c, &len))
		return sw_fail(ctx, SW_TRUNC, SW_R_IPV6_EXT_TRUNCATED);
	total = type == SW_IPPROTO_AH ? ((size_t)len + 2) * 4 : ((size_t)len + 1) * 8;
	if (!sw_cur_skip(c, total - 2))
		return sw_fail(ctx, SW_TRUNC, SW_R_IPV6_EXT_TRUNCATED);
	return SW_OK;
}

static bool sw_ipv6_is_ext(uint8_t nh)
{
	return nh == SW_IPPROTO_HOPOPTS || nh == SW_IPPROTO_ROUTING ||
	       nh == SW_IPPROTO_DSTOPTS || nh == SW_IPPROTO_FRAGMENT ||
	       nh == SW_IPPROTO_AH || nh == SW_IPPROTO_MH;
}

/* Walk the chain; on return pkt->proto is the first non-extension header. */
static enum sw_result sw_ipv6_walk_ext(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				       uint8_t nh, bool *stop)
{
	enum sw_result r;
	int n = 0;

	while (sw_ipv6_is_ext(nh) && !*stop) {
		if (++n > SW_IPV6_MAX_EXT)
			return sw_fail(ctx, SW_INVALID, SW_R_IPV6_EXT_TOO_MANY);
		if (nh == SW_IPPROTO_FRAGMENT)
			r = sw_ipv6_fragment(ctx, c, &nh, stop);
		else
			r = sw_ipv6_skip_ext(ctx, c, nh, &nh);
		if (r != SW_OK)
			return r;
	}
	ctx->pkt->proto = nh;
	return SW_OK;
}

enum sw_result sw_dissect_ipv6(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;
	uint16_t payload_len;
	uint8_t nh;
	bool stop = false;
	enum sw_result r;

	if (!sw_cur_has(c, SW_IPV6_HDR_LEN))
		return sw_fail(ctx, SW_TRUNC, SW_R_IPV6_TRUNCATED);
	if (c->p[0] >> 4 != 6)
		return sw_fail(ctx, SW_INVALID, SW_R_IPV6_BAD_VERSION);
	payload_len = (uint16_t)(c->p[4] << 8 | c->p[5]);
	nh = c->p[6];
	memcpy(pkt->src, c->p + 8, 16);
	memcpy(pkt->dst, c->p + 24, 16);
	r = sw_ipv6_length(ctx, c, payload_len);
	if (r != SW_OK)
		return r;
	sw_cur_skip(c, SW_IPV6_HDR_LEN);
	pkt->family = 6;

	r = sw_ipv6_walk_ext(ctx, c, nh, &stop);
	if (r != SW_OK || stop)
		return r;
	if (pkt->proto == SW_IPPROTO_ESP || pkt->proto == SW_IPPROTO_NONE)
		return SW_OK;
	return sw_dissect_transport(ctx, c);
}
