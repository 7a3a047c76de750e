/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_DISSECT_INTERNAL_H
#define SW_DISSECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <segwatch/dissect.h>

/*
 * The cursor every dissector reads through. Invariant: p <= end. Each
 * accessor checks the remaining length before reading and leaves the cursor
 * unchanged when it fails, so a failed read can simply be reported.
 */
struct sw_cur {
	const uint8_t *p;
	const uint8_t *end;
};

static inline size_t sw_cur_left(const struct sw_cur *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool sw_cur_has(const struct sw_cur *c, size_t n)
{
	return sw_cur_left(c) >= n;
}

static inline bool sw_cur_skip(struct sw_cur *c, size_t n)
{
	if (!sw_cur_has(c, n))
		return false;
	c->p += n;
	return true;
}

static inline bool sw_get_u8(struct sw_cur *c, uint8_t *v)
{
	if (!sw_cur_has(c, 1))
		return false;
	*v = c->p[0];
	c->p += 1;
	return true;
}

static inline bool sw_get_be16(struct sw_cur *c, uint16_t *v)
{
	if (!sw_cur_has(c, 2))
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return true;
}

static inline bool sw_get_be32(struct sw_cur *c, uint32_t *v)
{
	if (!sw_cur_has(c, 4))
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
	c->p += 4;
	return true;
}

static inline bool sw_get_bytes(struct sw_cur *c, void *dst, size_t n)
{
	if (!sw_cur_has(c, n))
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	return true;
}

/* sw_cur_limit - shrink the cursor to at most @n bytes (drops link padding). */
static inline void sw_cur_limit(struct sw_cur *c, size_t n)
{
	if (sw_cur_left(c) > n)
		c->end = c->p + n;
}

/* State shared by the layers while one frame is decoded. */
struct sw_dissect_ctx {
	struct sw_pkt *pkt;
	enum sw_reason why;
	bool snap_cut;	/* the capture's snap length cut this frame */
	uint32_t uncaptured;	/* wirelen - caplen: bytes the snap length cut off */
};

/* sw_cur_wire_left - bytes from the cursor to the end of the frame on the wire. */
static inline uint64_t sw_cur_wire_left(const struct sw_dissect_ctx *ctx,
					const struct sw_cur *c)
{
	return (uint64_t)sw_cur_left(c) + ctx->uncaptured;
}

static inline enum sw_result sw_fail(struct sw_dissect_ctx *ctx, enum sw_result r,
				     enum sw_reason why)
{
	ctx->why = why;
	return r;
}

/* Link layers (link.c): each ends by handing the payload to sw_dissect_ethertype. */
enum sw_result sw_dissect_eth(struct sw_dissect_ctx *ctx, struct sw_cur *c);
enum sw_result sw_dissect_sll(struct sw_dissect_ctx *ctx, struct sw_cur *c);
enum sw_result sw_dissect_sll2(struct sw_dissect_ctx *ctx, struct sw_cur *c);
enum sw_result sw_dissect_raw(struct sw_dissect_ctx *ctx, struct sw_cur *c);

/* vlan.c: walks 802.1Q/802.1ad tags, then dispatches on the inner ethertype. */
enum sw_result sw_dissect_ethertype(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				    uint16_t ethertype);

/* Network layers. */
enum sw_result sw_dissect_ipv4(struct sw_dissect_ctx *ctx, struct sw_cur *c);
enum sw_result sw_dissect_ipv6(struct sw_dissect_ctx *ctx, struct sw_cur *c);

/* transport.c: TCP, UDP, ICMP, ICMPv6 from the start of the transport header. */
enum sw_result sw_dissect_transport(struct sw_dissect_ctx *ctx, struct sw_cur *c);

/*
 * sw_dissect_quoted - decode the IP header + 8 bytes an ICMP error quotes,
 * into pkt->inner. Failures are not errors of the outer packet.
 */
void sw_dissect_quoted(struct sw_pkt_inner *in, struct sw_cur c, int family);

#define SW_ETH_IPV4 0x0800
#define SW_ETH_ARP 0x0806
#define SW_ETH_VLAN 0x8100
#define SW_ETH_QINQ 0x88a8
#define SW_ETH_QINQ_OLD 0x9100
#define SW_ETH_IPV6 0x86dd

#define SW_IPPROTO_HOPOPTS 0
#define SW_IPPROTO_ICMP 1
#define SW_IPPROTO_TCP 6
#define SW_IPPROTO_UDP 17
#define SW_IPPROTO_ROUTING 43
#define SW_IPPROTO_FRAGMENT 44
#define SW_IPPROTO_ESP 50
#define SW_IPPROTO_AH 51
#define SW_IPPROTO_ICMPV6 58
#define SW_IPPROTO_NONE 59
#define SW_IPPROTO_DSTOPTS 60
#define SW_IPPROTO_MH 135
#define SW_IPPROTO_SCTP 132
#define SW_IPPROTO_UDPLITE 136

/* Write an IPv4 address as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
static inline void sw_addr_from_v4(uint8_t dst[16], const uint8_t v4[4])
{
	memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	memcpy(dst + 12, v4, 4);
}

#endif
