/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4, RFC 791.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The byte count of a packet is its Total Length. Link padding after it is
 * dropped; a frame cut by the capture's snap length keeps the header's length.
 * Total Length 0 on a frame longer than 64 KiB is a GSO "BIG TCP" packet
 * (Linux >= 6.3): its length is taken from the wire.
 */
#include "internal.h"

#define SW_IPV4_MF 0x2000
#define SW_IPV4_OFFMASK 0x1fff

static enum sw_result sw_ipv4_length(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				     uint32_t tot_len, uint32_t hlen)
{
	uint64_t wire = sw_cur_wire_left(ctx, c);

	if (tot_len == 0 && wire > 65535) {
		ctx->pkt->ip_len = (uint32_t)(wire > UINT32_MAX ? UINT32_MAX : wire);
		return SW_OK;
	}
	if (tot_len < hlen)
		return sw_fail(ctx, SW_INVALID, SW_R_IPV4_BAD_TOTAL_LENGTH);
	if (tot_len > sw_cur_left(c) && !ctx->snap_cut)
		return sw_fail(ctx, SW_TRUNC, SW_R_IP_TRUNCATED_BY_CAPTURE);
	ctx->pkt->ip_len = tot_len;
	sw_cur_limit(c, tot_len);
	return SW_OK;
}

enum sw_result sw_dissect_ipv4(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;
	uint8_t vihl = 0, tos = 0, ttl = 0, addr[4] = { 0 };
	uint16_t tot_len = 0, frag_field = 0, csum = 0;
	uint32_t hlen, frag_off;
	enum sw_result r;

	if (!sw_cur_has(c, 20))
		return sw_fail(ctx, SW_TRUNC, SW_R_IPV4_TRUNCATED);
	if (c->p[0] >> 4 != 4)
		return sw_fail(ctx, SW_INVALID, SW_R_IPV4_BAD_VERSION);
	hlen = (uint32_t)(c->p[0] & 0x0f) * 4;
	if (hlen < 20)
		return sw_fail(ctx, SW_INVALID, SW_R_IPV4_BAD_IHL);

	r = sw_ipv4_length(ctx, c, (uint32_t)(c->p[2] << 8 | c->p[3]), hlen);
	if (r != SW_OK)
		return r;
	sw_get_u8(c, &vihl);
	sw_get_u8(c, &tos);
	sw_get_be16(c, &tot_len);
	sw_get_be16(c, &pkt->ip_id);
	sw_get_be16(c, &frag_field);
	sw_get_u8(c, &ttl);
	sw_get_u8(c, &pkt->proto);
	sw_get_be16(c, &csum);
	sw_get_bytes(c, addr, 4);
	sw_addr_from_v4(pkt->src, addr);
	sw_get_bytes(c, addr, 4);
	sw_addr_from_v4(pkt->dst, addr);
	if (!sw_cur_skip(c, hlen - 20))
		return sw_fail(ctx, SW_TRUNC, SW_R_IPV4_TRUNCATED);

	pkt->family = 4;
	pkt->frag_id = pkt->ip_id;
	frag_off = (uint32_t)(frag_field & SW_IPV4_OFFMASK) * 8;
	if (frag_off > 0) {
		if (frag_off + (pkt->ip_len - hlen) > 65535)
			return sw_fail(ctx, SW_INVALID, SW_R_IPV4_BAD_FRAGMENT);
		pkt->frag = SW_FRAG_LATER;
		return SW_OK; /* no transport header in this one */
	}
	if (frag_field & SW_IPV4_MF)
		pkt->frag = SW_FRAG_FIRST;
	return sw_dissect_transport(ctx, c);
}
