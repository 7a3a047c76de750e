/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sw_pkt - what our packet tools share: byte order, the Internet checksum
 * and a buffered pcap writer (libc only, no libpcap). Used by
 * tools/bench/gen_bench_pcap.c, tools/bench/pktsend.c and
 * tools/gen_scan_pcaps.c so that each builds frames the same way.
 */
#ifndef SW_TOOLS_PKT_H
#define SW_TOOLS_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SW_PKT_LINKTYPE_ETHERNET 1

/*
 * sw_pkt_rng_next - splitmix64 over *@state: a fixed stream from a seed, so
 * the bench file and the scan fixtures come out byte for byte the same.
 */
static inline uint64_t sw_pkt_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* sw_pkt_rng_below - in [0, @n); the modulo bias is irrelevant for test traffic. */
static inline uint32_t sw_pkt_rng_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(sw_pkt_rng_next(state) % n);
}

static inline void sw_pkt_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sw_pkt_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void sw_pkt_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void sw_pkt_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define SW_TH_FIN 0x01
#define SW_TH_SYN 0x02
#define SW_TH_RST 0x04
#define SW_TH_PSH 0x08
#define SW_TH_ACK 0x10

/* What a TCP header carries; the rest is what Linux sends. */
struct sw_pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t tsval;		/* the timestamp option's value (TSecr: tsval - 1 when ACK) */
	uint8_t flags;		/* SW_TH_* */
};

/*
 * sw_pkt_put_tcp - a TCP header at @th as Linux writes one: MSS,
 * SACK-permitted, timestamps and window scale on a SYN, NOP NOP and
 * timestamps otherwise, no options on a RST; checksum 0 (the caller's).
 * Returns its length (40, 32 or 20).
 */
uint32_t sw_pkt_put_tcp(uint8_t *th, const struct sw_pkt_tcp *t);

/* sw_pkt_csum_add - add big-endian 16-bit words of @p to a one's complement sum. */
uint32_t sw_pkt_csum_add(uint32_t sum, const uint8_t *p, size_t len);

/* sw_pkt_csum_fold - fold and complement: the checksum field's value. */
uint16_t sw_pkt_csum_fold(uint32_t sum);

/*
 * sw_pkt_pseudo4_sum - the IPv4 pseudo-header (RFC 793, RFC 768) of the
 * header at @ip for a transport segment of @l4len bytes.
 */
uint32_t sw_pkt_pseudo4_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len);

/* sw_pkt_pseudo6_sum - the IPv6 pseudo-header (RFC 8200 section 8.1). */
uint32_t sw_pkt_pseudo6_sum(const uint8_t *ip6, uint8_t next, uint32_t l4len);

/*
 * A buffered pcap writer: little-endian, microsecond magic 0xa1b2c3d4.
 * @buf of @cap bytes is the caller's (a few MiB keeps writes large).
 */
struct sw_pkt_pcap {
	FILE *f;
	uint8_t *buf;
	size_t len, cap;
	uint64_t bytes_written;
};

/* sw_pkt_pcap_header - append the global header; 0, or -1 when @cap is too small. */
int sw_pkt_pcap_header(struct sw_pkt_pcap *w, uint32_t snaplen, uint32_t linktype);

/*
 * sw_pkt_pcap_record - append one record: its header, then @caplen bytes
 * of @frame (@wirelen is the original length). 0, or -1 on a write error.
 */
int sw_pkt_pcap_record(struct sw_pkt_pcap *w, uint64_t sec, uint32_t usec, const uint8_t *frame,
		       uint32_t caplen, uint32_t wirelen);

/* sw_pkt_pcap_flush - write out what is buffered; 0, or -1 on a write error. */
int sw_pkt_pcap_flush(struct sw_pkt_pcap *w);

#endif
