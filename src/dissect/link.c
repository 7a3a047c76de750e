/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link layers: Ethernet II, Linux cooked capture v1 and v2, raw IP.
 *
 * Ethernet II (IEEE 802.3 frames with a length < 1536 are not IP, skipped):
 *   +----------------+----------------+-----------+
 *   | dst MAC (6)    | src MAC (6)    | type (2)  |
 *   +----------------+----------------+-----------+
 *
 * Linux cooked v1 (LINKTYPE_LINUX_SLL, 16 bytes), what `-i any` gave before
 * libpcap 1.10:
 *   | pkttype (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2) |
 *
 * Linux cooked v2 (LINKTYPE_LINUX_SLL2, 20 bytes), carries the ifindex:
 *   | protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | pkttype (1) |
 *   | addr len (1) | addr (8) |
 */
#include "internal.h"

#define SW_ETH_HDR_LEN 14
#define SW_SLL_HDR_LEN 16
#define SW_SLL2_HDR_LEN 20
#define SW_ARPHRD_NETLINK 824

enum sw_result sw_dissect_eth(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	uint16_t type;

	if (!sw_cur_skip(c, 6) || !sw_get_bytes(c, ctx->pkt->src_mac, 6) ||
	    !sw_get_be16(c, &type))
		return sw_fail(ctx, SW_TRUNC, SW_R_LINK_TRUNCATED);
	ctx->pkt->has_mac = true;
	return sw_dissect_ethertype(ctx, c, type);
}

enum sw_result sw_dissect_sll(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	uint16_t hatype = 0, proto = 0;

	if (!sw_cur_has(c, SW_SLL_HDR_LEN))
		return sw_fail(ctx, SW_TRUNC, SW_R_LINK_TRUNCATED);
	sw_cur_skip(c, 2);
	sw_get_be16(c, &hatype);
	sw_cur_skip(c, 10);
	sw_get_be16(c, &proto);
	if (hatype == SW_ARPHRD_NETLINK)
		return sw_fail(ctx, SW_UNSUPPORTED, SW_R_NON_IP);
	return sw_dissect_ethertype(ctx, c, proto);
}

enum sw_result sw_dissect_sll2(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	uint16_t proto = 0, hatype = 0;
	uint32_t ifindex = 0;

	if (!sw_cur_has(c, SW_SLL2_HDR_LEN))
		return sw_fail(ctx, SW_TRUNC, SW_R_LINK_TRUNCATED);
	sw_get_be16(c, &proto);
	sw_cur_skip(c, 2);
	sw_get_be32(c, &ifindex);
	sw_get_be16(c, &hatype);
	sw_cur_skip(c, 10);
	ctx->pkt->ifindex = ifindex;
	if (hatype == SW_ARPHRD_NETLINK)
		return sw_fail(ctx, SW_UNSUPPORTED, SW_R_NON_IP);
	return sw_dissect_ethertype(ctx, c, proto);
}

/* Raw IP: the version nibble says which. */
enum sw_result sw_dissect_raw(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	if (!sw_cur_has(c, 1))
		return sw_fail(ctx, SW_TRUNC, SW_R_LINK_TRUNCATED);
	switch (c->p[0] >> 4) {
	case 4:
		return sw_dissect_ipv4(ctx, c);
	case 6:
		return sw_dissect_ipv6(ctx, c);
	default:
		return sw_fail(ctx, SW_UNSUPPORTED, SW_R_NON_IP);
	}
}
