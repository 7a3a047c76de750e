/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transport headers: just what a flow needs.
 *
 * TCP (RFC 9293), first 20 bytes:
 *   | src port (2) | dst port (2) | sequence (4) | acknowledgment (4) |
 *   | data offset (4 bits) | reserved (4) | flags (8) | window (2) |
 *   | checksum (2) | urgent pointer (2) | options ...
 * UDP (RFC 768) and UDP-Lite (RFC 3828):
 *   | src port (2) | dst port (2) | length / coverage (2) | checksum (2) |
 * SCTP (RFC 9260) common header:
 *   | src port (2) | dst port (2) | verification tag (4) | checksum (4) |
 * ICMP (RFC 792) and ICMPv6 (RFC 4443):
 *   | type (1) | code (1) | checksum (2) | rest of header (4) | ...
 * Echo messages carry | identifier (2) | sequence (2) | in the rest of header.
 * Error messages quote the offending packet's IP header and 8 bytes of it.
 */
#include "internal.h"

static enum sw_result sw_dissect_tcp(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;
	uint8_t off = 0, flags = 0;
	uint16_t win = 0, urp = 0;

	if (!sw_cur_has(c, 20))
		return sw_fail(ctx, SW_TRUNC, SW_R_TCP_TRUNCATED);
	sw_get_be16(c, &pkt->sport);
	sw_get_be16(c, &pkt->dport);
	sw_get_be32(c, &pkt->tcp_seq);
	sw_get_be32(c, &pkt->tcp_ack);
	sw_get_u8(c, &off);
	sw_get_u8(c, &flags);
	sw_get_be16(c, &win);
	sw_get_be16(c, &pkt->l4_csum);
	sw_get_be16(c, &urp);
	off = (uint8_t)((off >> 4) * 4);
	if (off < 20)
		return sw_fail(ctx, SW_INVALID, SW_R_TCP_BAD_OFFSET);
	/* Options cut by the snap length are fine; beyond the IP payload they are not. */
	if ((size_t)off - 20 > sw_cur_left(c) && !ctx->snap_cut)
		return sw_fail(ctx, SW_INVALID, SW_R_TCP_BAD_OFFSET);
	pkt->tcp_flags = flags;
	pkt->has_ports = true;
	return SW_OK;
}

static enum sw_result sw_dissect_udp(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;
	uint16_t len = 0;

	if (!sw_cur_has(c, 8))
		return sw_fail(ctx, SW_TRUNC, SW_R_UDP_TRUNCATED);
	sw_get_be16(c, &pkt->sport);
	sw_get_be16(c, &pkt->dport);
	sw_get_be16(c, &len);
	sw_get_be16(c, &pkt->l4_csum);
	/*
	 * The UDP length covers the whole datagram: only a complete, unfragmented
	 * packet can be checked against it. UDP-Lite puts its coverage there.
	 */
	if (pkt->proto == SW_IPPROTO_UDP && pkt->frag == SW_FRAG_NONE &&
	    pkt->ip_len <= 65535 &&
	    (len < 8 || (!ctx->snap_cut && (size_t)len - 8 > sw_cur_left(c))))
		return sw_fail(ctx, SW_INVALID, SW_R_UDP_BAD_LENGTH);
	pkt->has_ports = true;
	return SW_OK;
}

static enum sw_result sw_dissect_sctp(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;

	/* Ports are all we need: a short SCTP header is counted without them. */
	if (sw_get_be16(c, &pkt->sport) && sw_get_be16(c, &pkt->dport))
		pkt->has_ports = true;
	return SW_OK;
}

static bool sw_icmp_is_error(int family, uint8_t type)
{
	if (family == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

static bool sw_icmp_is_echo(int family, uint8_t type)
{
	if (family == 4)
		return type == 0 || type == 8;
	return type == 128 || type == 129;
}

static enum sw_result sw_dissect_icmp(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;
	uint16_t seq;

	if (!sw_get_u8(c, &pkt->icmp_type) || !sw_get_u8(c, &pkt->icmp_code) ||
	    !sw_get_be16(c, &pkt->l4_csum))
		return sw_fail(ctx, SW_TRUNC, SW_R_ICMP_TRUNCATED);
	if (sw_icmp_is_echo(pkt->family, pkt->icmp_type)) {
		if (!sw_get_be16(c, &pkt->icmp_id) || !sw_get_be16(c, &seq))
			return sw_fail(ctx, SW_TRUNC, SW_R_ICMP_TRUNCATED);
		pkt->tcp_seq = seq; /* part of the duplicate signature */
	} else if (sw_icmp_is_error(pkt->family, pkt->icmp_type)) {
		if (!sw_cur_skip(c, 4))
			return sw_fail(ctx, SW_TRUNC, SW_R_ICMP_TRUNCATED);
		sw_dissect_quoted(&pkt->inner, *c, pkt->family);
	}
	return SW_OK;
}

enum sw_result sw_dissect_transport(struct sw_dissect_ctx *ctx, struct sw_cur *c)
{
	struct sw_pkt *pkt = ctx->pkt;

	switch (pkt->proto) {
	case SW_IPPROTO_TCP:
		return sw_dissect_tcp(ctx, c);
	case SW_IPPROTO_UDP:
	case SW_IPPROTO_UDPLITE:
		return sw_dissect_udp(ctx, c);
	case SW_IPPROTO_SCTP:
		return sw_dissect_sctp(ctx, c);
	case SW_IPPROTO_ICMP:
		if (pkt->family != 4)
			return SW_OK;
		return sw_dissect_icmp(ctx, c);
	case SW_IPPROTO_ICMPV6:
		if (pkt->family != 6)
			return SW_OK;
		return sw_dissect_icmp(ctx, c);
	default:
		return SW_OK; /* counted as a flow without ports */
	}
}

/*
 * Ports of a quoted transport header: the first 4 bytes of TCP, UDP, SCTP;
 * for a quoted echo request, its identifier (echo flows are keyed on it).
 */
static void sw_quoted_ports(struct sw_pkt_inner *in, struct sw_cur *c)
{
	uint8_t echo = in->proto == SW_IPPROTO_ICMP ? 8 : 128;

	if ((in->proto == SW_IPPROTO_ICMP || in->proto == SW_IPPROTO_ICMPV6) &&
	    sw_cur_has(c, 6) && c->p[0] == echo) {
		in->sport = in->dport = (uint16_t)(c->p[4] << 8 | c->p[5]);
		in->present = true;
		return;
	}
	if (in->proto != SW_IPPROTO_TCP && in->proto != SW_IPPROTO_UDP &&
	    in->proto != SW_IPPROTO_UDPLITE && in->proto != SW_IPPROTO_SCTP)
		return;
	if (sw_get_be16(c, &in->sport) && sw_get_be16(c, &in->dport))
		in->present = true;
}

static void sw_quoted_v4(struct sw_pkt_inner *in, struct sw_cur *c)
{
	uint8_t addr[4];
	size_t hlen;

	if (!sw_cur_has(c, 20) || c->p[0] >> 4 != 4)
		return;
	hlen = (size_t)(c->p[0] & 0x0f) * 4;
	/* a quoted non-first fragment has no ports to match */
	if (hlen < 20 || (c->p[6] & 0x1f) != 0 || c->p[7] != 0)
		return;
	in->proto = c->p[9];
	memcpy(addr, c->p + 12, 4);
	sw_addr_from_v4(in->src, addr);
	memcpy(addr, c->p + 16, 4);
	sw_addr_from_v4(in->dst, addr);
	if (sw_cur_skip(c, hlen))
		sw_quoted_ports(in, c);
}

static void sw_quoted_v6(struct sw_pkt_inner *in, struct sw_cur *c)
{
	uint8_t nh, len;
	int n = 0;

	if (!sw_cur_has(c, 40) || c->p[0] >> 4 != 6)
		return;
	nh = c->p[6];
	memcpy(in->src, c->p + 8, 16);
	memcpy(in->dst, c->p + 24, 16);
	sw_cur_skip(c, 40);
	while (nh == SW_IPPROTO_HOPOPTS || nh == SW_IPPROTO_ROUTING ||
	       nh == SW_IPPROTO_DSTOPTS) {
		if (++n > SW_IPV6_MAX_EXT || !sw_get_u8(c, &nh) || !sw_get_u8(c, &len) ||
		    !sw_cur_skip(c, (size_t)len * 8 + 6))
			return;
	}
	in->proto = nh;
	sw_quoted_ports(in, c);
}

void sw_dissect_quoted(struct sw_pkt_inner *in, struct sw_cur c, int family)
{
	if (family == 4)
		sw_quoted_v4(in, &c);
	else
		sw_quoted_v6(in, &c);
}
