/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_TEST_PKTBUILD_H
#define SW_TEST_PKTBUILD_H

/*
 * pktbuild - assemble test frames layer by layer.
 *
 * Headers are appended in wire order (link, VLAN tags, IP, IP options or
 * IPv6 extension headers, transport, payload); pb_finish() then writes the
 * length fields of the outermost IP header and of the first UDP header from
 * what was appended, so every frame is consistent unless a test overwrites a
 * field on purpose (pb_set_be16() and friends, after pb_finish()).
 * Bytes appended by pb_pad() after pb_finish() model link-layer padding and
 * are not covered by any length field.
 *
 * Quoted packets inside ICMP errors are built in a second struct pb and
 * appended raw with pb_append().
 *
 * Checksums are not computed (the decoder does not check them); TCP/UDP/ICMP
 * checksum fields carry whatever pb_set_be16() puts there (0 by default).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/dissect.h>

#define PB_MAX 4096

struct pb {
	uint8_t data[PB_MAX];
	size_t len;
	int ip_ver;	   /* 4 or 6: the outermost IP header, 0 before any */
	size_t ip_off;	   /* its offset */
	size_t udp_off;	   /* first UDP header, (size_t)-1 when none */
	size_t tcp_off;	   /* first TCP header, (size_t)-1 when none */
	size_t l4_off;	   /* first transport header of any kind, (size_t)-1 when none */
};

#define PB_NONE ((size_t)-1)

/* Ethertypes and IP protocol numbers used by the tests. */
#define PB_ETH_IPV4 0x0800
#define PB_ETH_ARP 0x0806
#define PB_ETH_VLAN 0x8100
#define PB_ETH_QINQ 0x88a8
#define PB_ETH_IPV6 0x86dd

#define PB_IP_HOPOPTS 0
#define PB_IP_ICMP 1
#define PB_IP_TCP 6
#define PB_IP_UDP 17
#define PB_IP_ROUTING 43
#define PB_IP_FRAGMENT 44
#define PB_IP_ICMPV6 58
#define PB_IP_NONE 59
#define PB_IP_DSTOPTS 60

#define PB_TCP_FIN 0x01
#define PB_TCP_SYN 0x02
#define PB_TCP_RST 0x04
#define PB_TCP_PSH 0x08
#define PB_TCP_ACK 0x10

void pb_init(struct pb *p);

/* Raw bytes and filler. */
void pb_append(struct pb *p, const void *bytes, size_t n);
void pb_payload(struct pb *p, size_t n);	/* n bytes of a counting pattern */
void pb_pad(struct pb *p, size_t n);		/* n zero bytes, after pb_finish() */

/* Link layers. */
void pb_eth(struct pb *p, uint16_t ethertype);
void pb_vlan(struct pb *p, uint16_t vid, uint16_t next_ethertype);
void pb_sll(struct pb *p, uint16_t protocol, uint16_t hatype);
void pb_sll2(struct pb *p, uint16_t protocol, uint32_t ifindex, uint16_t hatype);
void pb_arp(struct pb *p);			/* a 28-byte ARP request body */

/* IPv4: addresses in dotted text. IHL 5 unless pb_ipv4_options() follows. */
void pb_ipv4(struct pb *p, const char *src, const char *dst, uint8_t proto);
/* pb_ipv4_options - append @words 32-bit words of options (NOPs + EOL), fix IHL. */
void pb_ipv4_options(struct pb *p, unsigned words);
/* pb_ipv4_frag - set identification, fragment offset (bytes, multiple of 8) and MF. */
void pb_ipv4_frag(struct pb *p, uint16_t id, uint16_t offset, bool more);

/* IPv6: addresses in text; @nh is the first next-header value. */
void pb_ipv6(struct pb *p, const char *src, const char *dst, uint8_t nh);
/* pb_ipv6_ext - a generic extension header of (@len8 + 1) * 8 bytes. */
void pb_ipv6_ext(struct pb *p, uint8_t next, uint8_t len8);
/* pb_ipv6_frag - the 8-byte fragment header. @offset in bytes (multiple of 8). */
void pb_ipv6_frag(struct pb *p, uint8_t next, uint16_t offset, bool more, uint32_t id);

/* Transport. */
void pb_tcp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	    uint8_t flags);
/* pb_tcp_options - append @words 32-bit words of options (NOPs), fix the data offset. */
void pb_tcp_options(struct pb *p, unsigned words);
void pb_udp(struct pb *p, uint16_t sport, uint16_t dport);
/* pb_icmp - type, code, and the 4-byte "rest of header" as two 16-bit halves. */
void pb_icmp(struct pb *p, uint8_t type, uint8_t code, uint16_t rest_hi, uint16_t rest_lo);

/* pb_finish - write the outer IP length field and the first UDP length. */
void pb_finish(struct pb *p);

/* Overwrite fields after pb_finish(), at absolute offsets. */
void pb_set_u8(struct pb *p, size_t off, uint8_t v);
void pb_set_be16(struct pb *p, size_t off, uint16_t v);
uint16_t pb_get_be16(const struct pb *p, size_t off);

/* Address helpers: text to the 16-byte form struct sw_pkt uses. */
void pb_addr4(uint8_t out[16], const char *v4);	/* IPv4-mapped ::ffff:a.b.c.d */
void pb_addr6(uint8_t out[16], const char *v6);

/*
 * pb_dissect - run sw_dissect_packet on an exact-size heap copy of the first
 * @caplen bytes (so ASan sees any overread), with wirelen @wirelen.
 */
enum sw_result pb_dissect_n(const struct pb *p, int dlt, uint32_t caplen, uint32_t wirelen,
			    struct sw_pkt *pkt, enum sw_reason *why);
enum sw_result pb_dissect(const struct pb *p, int dlt, struct sw_pkt *pkt,
			  enum sw_reason *why);
enum sw_result pb_dissect_buf(int dlt, const uint8_t *data, uint32_t caplen,
			      uint32_t wirelen, struct sw_pkt *pkt, enum sw_reason *why);

#endif
