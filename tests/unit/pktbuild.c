/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test frame builder: see pktbuild.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"

static void pb_die(const char *what)
{
	fprintf(stderr, "pktbuild: %s\n", what);
	abort();
}

static uint8_t *pb_room(struct pb *p, size_t n)
{
	uint8_t *at;

	if (n > PB_MAX - p->len)
		pb_die("frame too long");
	at = p->data + p->len;
	memset(at, 0, n);
	p->len += n;
	return at;
}

static void pb_put16(uint8_t *at, uint16_t v)
{
	at[0] = (uint8_t)(v >> 8);
	at[1] = (uint8_t)v;
}

static void pb_put32(uint8_t *at, uint32_t v)
{
	pb_put16(at, (uint16_t)(v >> 16));
	pb_put16(at + 2, (uint16_t)v);
}

void pb_init(struct pb *p)
{
	memset(p, 0, sizeof(*p));
	p->udp_off = p->tcp_off = p->l4_off = PB_NONE;
}

void pb_append(struct pb *p, const void *bytes, size_t n)
{
	memcpy(pb_room(p, n), bytes, n);
}

void pb_payload(struct pb *p, size_t n)
{
	uint8_t *at = pb_room(p, n);

	for (size_t i = 0; i < n; i++)
		at[i] = (uint8_t)(0x41 + i % 26);
}

void pb_pad(struct pb *p, size_t n)
{
	pb_room(p, n);
}

void pb_eth(struct pb *p, uint16_t ethertype)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *at = pb_room(p, 14);

	memcpy(at, macs, 12);
	pb_put16(at + 12, ethertype);
}

void pb_vlan(struct pb *p, uint16_t vid, uint16_t next_ethertype)
{
	uint8_t *at = pb_room(p, 4);

	pb_put16(at, vid & 0x0fff);
	pb_put16(at + 2, next_ethertype);
}

void pb_sll(struct pb *p, uint16_t protocol, uint16_t hatype)
{
	uint8_t *at = pb_room(p, 16);

	pb_put16(at, 0);	/* packet type: to us */
	pb_put16(at + 2, hatype);
	pb_put16(at + 4, 6);	/* address length */
	at[6] = 0x02;
	at[11] = 0x07;
	pb_put16(at + 14, protocol);
}

void pb_sll2(struct pb *p, uint16_t protocol, uint32_t ifindex, uint16_t hatype)
{
	uint8_t *at = pb_room(p, 20);

	pb_put16(at, protocol);
	pb_put32(at + 4, ifindex);
	pb_put16(at + 8, hatype);
	at[10] = 0;		/* packet type */
	at[11] = 6;		/* address length */
	at[12] = 0x02;
	at[17] = 0x09;
}

void pb_arp(struct pb *p)
{
	uint8_t *at = pb_room(p, 28);

	pb_put16(at, 1);	/* Ethernet */
	pb_put16(at + 2, 0x0800);
	at[4] = 6;
	at[5] = 4;
	pb_put16(at + 6, 1);	/* request */
	at[14] = 10;
	at[17] = 1;
	at[24] = 10;
	at[27] = 2;
}

static void pb_text_addr(int af, const char *text, void *out)
{
	if (inet_pton(af, text, out) != 1)
		pb_die("bad address text");
}

void pb_ipv4(struct pb *p, const char *src, const char *dst, uint8_t proto)
{
	size_t off = p->len;
	uint8_t *at = pb_room(p, 20);

	at[0] = 0x45;
	at[8] = 64;
	at[9] = proto;
	pb_put16(at + 4, 0x1234);
	pb_text_addr(AF_INET, src, at + 12);
	pb_text_addr(AF_INET, dst, at + 16);
	if (!p->ip_ver) {
		p->ip_ver = 4;
		p->ip_off = off;
	}
}

void pb_ipv4_options(struct pb *p, unsigned words)
{
	uint8_t *at;

	if (p->ip_ver != 4 || p->len != p->ip_off + 20 || words > 10)
		pb_die("pb_ipv4_options must follow pb_ipv4");
	at = pb_room(p, (size_t)words * 4);
	memset(at, 1, (size_t)words * 4);	/* NOP */
	if (words)
		at[words * 4 - 1] = 0;		/* EOL */
	p->data[p->ip_off] = (uint8_t)(0x40 | (5 + words));
}

void pb_ipv4_frag(struct pb *p, uint16_t id, uint16_t offset, bool more)
{
	uint8_t *ip = p->data + p->ip_off;

	if (p->ip_ver != 4 || offset % 8)
		pb_die("pb_ipv4_frag: no IPv4 header or bad offset");
	pb_put16(ip + 4, id);
	pb_put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | (offset / 8)));
}

void pb_ipv6(struct pb *p, const char *src, const char *dst, uint8_t nh)
{
	size_t off = p->len;
	uint8_t *at = pb_room(p, 40);

	at[0] = 0x60;
	at[6] = nh;
	at[7] = 64;
	pb_text_addr(AF_INET6, src, at + 8);
	pb_text_addr(AF_INET6, dst, at + 24);
	if (!p->ip_ver) {
		p->ip_ver = 6;
		p->ip_off = off;
	}
}

void pb_ipv6_ext(struct pb *p, uint8_t next, uint8_t len8)
{
	size_t n = ((size_t)len8 + 1) * 8;
	uint8_t *at = pb_room(p, n);

	at[0] = next;
	at[1] = len8;
	/* PadN option filling the rest (valid for hop-by-hop and dstopts) */
	at[2] = 1;
	at[3] = (uint8_t)(n - 4);
}

void pb_ipv6_frag(struct pb *p, uint8_t next, uint16_t offset, bool more, uint32_t id)
{
	uint8_t *at = pb_room(p, 8);

	if (offset % 8)
		pb_die("pb_ipv6_frag: bad offset");
	at[0] = next;
	pb_put16(at + 2, (uint16_t)(offset | (more ? 1 : 0)));
	pb_put32(at + 4, id);
}

static void pb_mark_l4(struct pb *p, size_t off, size_t *which)
{
	if (*which == PB_NONE)
		*which = off;
	if (p->l4_off == PB_NONE)
		p->l4_off = off;
}

void pb_tcp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	    uint8_t flags)
{
	size_t off = p->len;
	uint8_t *at = pb_room(p, 20);

	pb_put16(at, sport);
	pb_put16(at + 2, dport);
	pb_put32(at + 4, seq);
	pb_put32(at + 8, ack);
	at[12] = 5 << 4;
	at[13] = flags;
	pb_put16(at + 14, 64240);
	pb_mark_l4(p, off, &p->tcp_off);
}

void pb_tcp_options(struct pb *p, unsigned words)
{
	if (p->tcp_off == PB_NONE || p->len != p->tcp_off + 20 || words > 10)
		pb_die("pb_tcp_options must follow pb_tcp");
	memset(pb_room(p, (size_t)words * 4), 1, (size_t)words * 4);
	p->data[p->tcp_off + 12] = (uint8_t)((5 + words) << 4);
}

void pb_udp(struct pb *p, uint16_t sport, uint16_t dport)
{
	size_t off = p->len;
	uint8_t *at = pb_room(p, 8);

	pb_put16(at, sport);
	pb_put16(at + 2, dport);
	pb_mark_l4(p, off, &p->udp_off);
}

void pb_icmp(struct pb *p, uint8_t type, uint8_t code, uint16_t rest_hi, uint16_t rest_lo)
{
	size_t off = p->len;
	uint8_t *at = pb_room(p, 8);
	size_t none = PB_NONE;

	at[0] = type;
	at[1] = code;
	pb_put16(at + 4, rest_hi);
	pb_put16(at + 6, rest_lo);
	pb_mark_l4(p, off, &none);
}

void pb_finish(struct pb *p)
{
	if (p->ip_ver == 4)
		pb_put16(p->data + p->ip_off + 2, (uint16_t)(p->len - p->ip_off));
	else if (p->ip_ver == 6)
		pb_put16(p->data + p->ip_off + 4, (uint16_t)(p->len - p->ip_off - 40));
	if (p->udp_off != PB_NONE)
		pb_put16(p->data + p->udp_off + 4, (uint16_t)(p->len - p->udp_off));
}

void pb_set_u8(struct pb *p, size_t off, uint8_t v)
{
	if (off >= p->len)
		pb_die("pb_set_u8 out of range");
	p->data[off] = v;
}

void pb_set_be16(struct pb *p, size_t off, uint16_t v)
{
	if (off + 2 > p->len)
		pb_die("pb_set_be16 out of range");
	pb_put16(p->data + off, v);
}

uint16_t pb_get_be16(const struct pb *p, size_t off)
{
	return (uint16_t)(p->data[off] << 8 | p->data[off + 1]);
}

void pb_addr4(uint8_t out[16], const char *v4)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	pb_text_addr(AF_INET, v4, out + 12);
}

void pb_addr6(uint8_t out[16], const char *v6)
{
	pb_text_addr(AF_INET6, v6, out);
}

enum sw_result pb_dissect_buf(int dlt, const uint8_t *data, uint32_t caplen,
			      uint32_t wirelen, struct sw_pkt *pkt, enum sw_reason *why)
{
	/* exactly caplen bytes on the heap: ASan flags a read one past the end */
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum sw_result r;

	if (!copy)
		pb_die("out of memory");
	if (caplen)
		memcpy(copy, data, caplen);
	/* poison the value so that a result left unset is visible */
	*why = SW_R_MAX;
	r = sw_dissect_packet(dlt, caplen ? copy : copy + 1, caplen, wirelen, pkt, why);
	free(copy);
	return r;
}

enum sw_result pb_dissect_n(const struct pb *p, int dlt, uint32_t caplen, uint32_t wirelen,
			    struct sw_pkt *pkt, enum sw_reason *why)
{
	if (caplen > p->len)
		pb_die("pb_dissect_n: caplen beyond the frame");
	return pb_dissect_buf(dlt, p->data, caplen, wirelen, pkt, why);
}

enum sw_result pb_dissect(const struct pb *p, int dlt, struct sw_pkt *pkt,
			  enum sw_reason *why)
{
	return pb_dissect_n(p, dlt, (uint32_t)p->len, (uint32_t)p->len, pkt, why);
}
