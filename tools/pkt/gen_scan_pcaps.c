/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_scan_pcaps - write the scan-detection fixtures (issue 15): one pcap
 * per scenario, deterministic (fixed seed, fixed epoch), realistic
 * Ethernet/IPv4 and IPv6 traffic on a container bridge (10.88.0.0/16,
 * fd00:88::/64, Podman's default range).
 *
 *   gen_scan_pcaps -o DIR [SCENARIO...]    write DIR/SCENARIO.pcap (default: all)
 *   gen_scan_pcaps --list                  the scenario names, one a line
 *
 * Exchanges are built as the Linux stack sends them: an answered TCP
 * connection is SYN, SYN-ACK, ACK, a request and a response with ACKs, and
 * FIN/FIN; a refused one is SYN then RST/ACK; an unanswered one is the SYN
 * and its retransmits at 1 s and 3 s. UDP is a request and a reply, a
 * request and an ICMP port unreachable quoting the request's IP header and
 * first 8 bytes, or a request alone; ICMP echo is answered or not. Every
 * checksum is correct. Packets are sorted by time before they are written,
 * so exchanges interleave as on a wire.
 *
 * The expected alerts of each scenario are in tests/alert/scan/NAME.expect;
 * each "_mixed" scenario is its scan interleaved with normal traffic between
 * two other containers (10.88.0.20 -> 10.88.0.21). The scanner is always
 * 10.88.0.5 (fd00:88::5 over IPv6).
 *
 * Each scenario written is a line on stdout: its name, packets=N, then how
 * many TCP and UDP flows segwatch must find in each state (closed, refused,
 * attempted, established: docs/flows.md), which the fixtures' test checks.
 *
 * Exit status: 0 written, 2 usage error, 3 runtime failure (memory, file).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_pkt.h"

#define SW_SCAN_EXIT_USAGE 2
#define SW_SCAN_EXIT_RUNTIME 3

#define SW_SCAN_EPOCH_S 1764000000ULL	/* 2025-11-24T16:00:00Z: any fixed date */
#define SW_SCAN_SEED 0x5ca115ca115ULL
#define SW_SCAN_FRAME_MAX 1514		/* Ethernet, 1500 MTU */
#define SW_SCAN_PAYLOAD_MAX 1400	/* leaves room for IPv6 and TCP options */
#define SW_SCAN_QUOTE_MAX 256		/* of an offending packet in an ICMP error */
#define SW_SCAN_OUTBUF (1u << 20)
#define SW_SCAN_MS 1000ULL
#define SW_SCAN_S 1000000ULL


/* An address: IPv4 10.88.A.B, or IPv6 fd00:88::A:B (same A, B). */
struct sw_scan_addr {
	bool v6;
	uint8_t a, b;
};

/* One packet, built when it is scheduled and written once all are sorted. */
struct sw_scan_rec {
	uint64_t ts_us;
	uint32_t seq;		/* order of scheduling: ties keep it */
	uint16_t len;
	size_t off;		/* of the frame in the context's arena */
};

struct sw_scan_ctx {
	struct sw_scan_rec *rec;
	size_t n, cap;
	uint8_t *arena;		/* every frame, back to back */
	size_t arena_len, arena_cap;
	uint64_t rng;
	uint16_t ip_id[256][256];	/* per host: Linux-like incrementing IPv4 id */
	uint16_t eph[256][256];		/* per host: next ephemeral port */
	/* TCP and UDP flows by the state segwatch must give them (docs/flows.md) */
	uint32_t closed, refused, attempted, established;
	bool oom;
};

/* What one packet carries, before it is framed. */
struct sw_scan_pkt {
	struct sw_scan_addr from, to;
	uint8_t proto;			/* 6, 17, 1 (ICMP or ICMPv6) */
	uint16_t sport, dport;		/* ICMP echo: sport is the identifier */
	uint8_t flags;			/* TCP flags; ICMP: type */
	uint8_t code;			/* ICMP code */
	uint32_t seqno, ackno;		/* TCP; ICMP echo: seqno is the sequence */
	uint16_t payload;		/* bytes of payload (pattern-filled) */
	const uint8_t *data;		/* or these bytes, @payload of them */
	const uint8_t *quote;		/* ICMP error: the offending packet's IP header on */
	uint16_t quote_len;
};

static uint64_t sw_scan_rand(struct sw_scan_ctx *g)
{
	return sw_pkt_rng_next(&g->rng);
}

static uint32_t sw_scan_below(struct sw_scan_ctx *g, uint32_t n)
{
	return sw_pkt_rng_below(&g->rng, n);
}

static struct sw_scan_addr sw_scan_v4(uint8_t a, uint8_t b)
{
	return (struct sw_scan_addr){ .v6 = false, .a = a, .b = b };
}

static struct sw_scan_addr sw_scan_v6(uint8_t a, uint8_t b)
{
	return (struct sw_scan_addr){ .v6 = true, .a = a, .b = b };
}

static void sw_scan_mac(uint8_t *m, struct sw_scan_addr x)
{
	/* 02:42:<IPv4 address>: Docker's and Podman's locally administered scheme */
	m[0] = 0x02;
	m[1] = 0x42;
	m[2] = 10;
	m[3] = 88;
	m[4] = x.a;
	m[5] = x.b;
}

static void sw_scan_ip6_addr(uint8_t *p, struct sw_scan_addr x)
{
	memset(p, 0, 16);
	p[0] = 0xfd;
	p[3] = 0x88;		/* fd00:88:: */
	p[14] = x.a;
	p[15] = x.b;
}

/* sw_scan_l3 - the IP header of @p for @l4len bytes of transport; its length. */
static size_t sw_scan_l3(struct sw_scan_ctx *g, uint8_t *ip, const struct sw_scan_pkt *p,
			 uint32_t l4len)
{
	if (p->from.v6) {
		ip[0] = 0x60;
		sw_pkt_put_be16(ip + 4, (uint16_t)l4len);
		ip[6] = p->proto == 1 ? 58 : p->proto;
		ip[7] = 64;
		sw_scan_ip6_addr(ip + 8, p->from);
		sw_scan_ip6_addr(ip + 24, p->to);
		return 40;
	}
	ip[0] = 0x45;
	sw_pkt_put_be16(ip + 2, (uint16_t)(20 + l4len));
	sw_pkt_put_be16(ip + 4, g->ip_id[p->from.a][p->from.b]++);
	/* DF as Linux sets it, except on ICMP errors (which it sends without) */
	sw_pkt_put_be16(ip + 6, p->quote ? 0 : 0x4000);
	ip[8] = 64;
	ip[9] = p->proto;
	ip[12] = 10;
	ip[13] = 88;
	ip[14] = p->from.a;
	ip[15] = p->from.b;
	ip[16] = 10;
	ip[17] = 88;
	ip[18] = p->to.a;
	ip[19] = p->to.b;
	sw_pkt_put_be16(ip + 10, sw_pkt_csum_fold(sw_pkt_csum_add(0, ip, 20)));
	return 20;
}

/* sw_scan_l4 - the transport header and payload of @p at @l4; its length. */
static uint32_t sw_scan_l4(uint8_t *l4, const struct sw_scan_pkt *p, uint64_t ts_us)
{
	uint32_t hlen;

	if (p->proto == 6) {
		const struct sw_pkt_tcp t = {
			.sport = p->sport, .dport = p->dport, .seq = p->seqno, .ack = p->ackno,
			.tsval = (uint32_t)(ts_us / 1000) + p->from.b * 7919u, .flags = p->flags,
		};

		hlen = sw_pkt_put_tcp(l4, &t);
	} else if (p->proto == 17) {
		hlen = 8;
		sw_pkt_put_be16(l4, p->sport);
		sw_pkt_put_be16(l4 + 2, p->dport);
		sw_pkt_put_be16(l4 + 4, (uint16_t)(8 + p->payload));
	} else {
		hlen = 8;
		l4[0] = p->flags;
		l4[1] = p->code;
		if (p->quote) {
			/* errors: 4 unused bytes, then as much of the offending packet as fits */
			memcpy(l4 + 8, p->quote, p->quote_len);
			return hlen + p->quote_len;
		}
		sw_pkt_put_be16(l4 + 4, p->sport);
		sw_pkt_put_be16(l4 + 6, (uint16_t)p->seqno);
	}
	if (p->data)
		memcpy(l4 + hlen, p->data, p->payload);
	else
		for (uint32_t i = 0; i < p->payload; i++)
			l4[hlen + i] = (uint8_t)('a' + i % 26);	/* printable, like a request */
	return hlen + p->payload;
}

/* sw_scan_reserve - room for one more record and frame; false when out of memory. */
static bool sw_scan_reserve(struct sw_scan_ctx *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4096;
		struct sw_scan_rec *nr = realloc(g->rec, cap * sizeof(*nr));

		if (!nr)
			return false;
		g->rec = nr;
		g->cap = cap;
	}
	if (g->arena_len + SW_SCAN_FRAME_MAX > g->arena_cap) {
		size_t cap = g->arena_cap ? 2 * g->arena_cap : 1u << 20;
		uint8_t *na = realloc(g->arena, cap);

		if (!na)
			return false;
		g->arena = na;
		g->arena_cap = cap;
	}
	return true;
}

/*
 * sw_scan_emit - frame @p at @ts_us and queue it; returns the frame's
 * offset in the arena (SIZE_MAX: no memory, remembered in g->oom).
 */
static size_t sw_scan_emit(struct sw_scan_ctx *g, const struct sw_scan_pkt *p, uint64_t ts_us)
{
	struct sw_scan_rec *r;
	uint8_t *f, *ip, l4buf[SW_SCAN_FRAME_MAX];
	uint32_t l4len, sum;
	size_t l3len, csum_off;

	if (g->oom || !sw_scan_reserve(g)) {
		g->oom = true;
		return SIZE_MAX;
	}
	r = &g->rec[g->n];
	memset(r, 0, sizeof(*r));
	memset(l4buf, 0, sizeof(l4buf));
	f = g->arena + g->arena_len;
	memset(f, 0, 54);
	sw_scan_mac(f, p->to);
	sw_scan_mac(f + 6, p->from);
	sw_pkt_put_be16(f + 12, p->from.v6 ? 0x86dd : 0x0800);
	ip = f + 14;
	l4len = sw_scan_l4(l4buf, p, ts_us);
	l3len = sw_scan_l3(g, ip, p, l4len);
	memcpy(ip + l3len, l4buf, l4len);
	csum_off = p->proto == 6 ? 16 : p->proto == 17 ? 6 : 2;
	if (p->from.v6)
		sum = sw_pkt_pseudo6_sum(ip, p->proto == 1 ? 58 : p->proto, l4len);
	else
		sum = p->proto == 1 ? 0 : sw_pkt_pseudo4_sum(ip, p->proto, l4len);
	sum = sw_pkt_csum_fold(sw_pkt_csum_add(sum, ip + l3len, l4len));
	if (p->proto == 17 && !sum)
		sum = 0xffff;
	sw_pkt_put_be16(ip + l3len + csum_off, (uint16_t)sum);
	r->len = (uint16_t)(14 + l3len + l4len);
	r->off = g->arena_len;
	r->ts_us = ts_us;
	r->seq = (uint32_t)g->n;
	g->arena_len += r->len;
	g->n++;
	return r->off;
}

static uint16_t sw_scan_eph(struct sw_scan_ctx *g, struct sw_scan_addr c)
{
	uint16_t *e = &g->eph[c.a][c.b];

	/* Linux picks ephemeral ports in 32768-60999: here in order from a random start */
	if (!*e)
		*e = (uint16_t)(32768 + sw_scan_below(g, 28000));
	else if (*e > 60999)
		*e = 32768;
	return (*e)++;
}

/* ---- exchanges -------------------------------------------------------- */

enum sw_scan_outcome { SW_SCAN_OK, SW_SCAN_REFUSED, SW_SCAN_SILENT };

/*
 * sw_scan_tcp - one TCP connection from @c to @s:@port at @t: answered (a
 * request of @req bytes and a response of @resp, FIN close), refused
 * (RST/ACK) or unanswered (SYN, retransmits at 1 s and 3 s).
 */
static void sw_scan_tcp(struct sw_scan_ctx *g, struct sw_scan_addr c, struct sw_scan_addr s,
			uint16_t port, uint64_t t, enum sw_scan_outcome how, uint16_t req,
			uint16_t resp)
{
	uint32_t ci = (uint32_t)sw_scan_rand(g), si = (uint32_t)sw_scan_rand(g);
	uint16_t cp = sw_scan_eph(g, c);
	struct sw_scan_pkt up = { .from = c, .to = s, .proto = 6, .sport = cp, .dport = port };
	struct sw_scan_pkt dn = { .from = s, .to = c, .proto = 6, .sport = port, .dport = cp };
	uint64_t rtt = 80 + sw_scan_below(g, 120);	/* on one bridge: 80-200 us */

	up.flags = SW_TH_SYN;
	up.seqno = ci;
	sw_scan_emit(g, &up, t);
	g->closed += how == SW_SCAN_OK;
	g->refused += how == SW_SCAN_REFUSED;
	g->attempted += how == SW_SCAN_SILENT;
	if (how == SW_SCAN_SILENT) {
		sw_scan_emit(g, &up, t + 1 * SW_SCAN_S);
		sw_scan_emit(g, &up, t + 3 * SW_SCAN_S);
		return;
	}
	dn.ackno = ci + 1;
	if (how == SW_SCAN_REFUSED) {
		dn.flags = SW_TH_RST | SW_TH_ACK;
		sw_scan_emit(g, &dn, t + rtt / 2);
		return;
	}
	dn.flags = SW_TH_SYN | SW_TH_ACK;
	dn.seqno = si;
	sw_scan_emit(g, &dn, t + rtt / 2);
	up.flags = SW_TH_ACK;
	up.seqno = ci + 1;
	up.ackno = si + 1;
	sw_scan_emit(g, &up, t + rtt);
	up.flags = SW_TH_ACK | SW_TH_PSH;
	up.payload = req;
	sw_scan_emit(g, &up, t + rtt + 30);
	dn.flags = SW_TH_ACK;
	dn.seqno = si + 1;
	dn.ackno = ci + 1 + req;
	sw_scan_emit(g, &dn, t + rtt + 30 + rtt / 2);
	dn.flags = SW_TH_ACK | SW_TH_PSH;
	dn.payload = resp;
	sw_scan_emit(g, &dn, t + 2 * rtt + 400);
	up.flags = SW_TH_ACK;
	up.payload = 0;
	up.seqno = ci + 1 + req;
	up.ackno = si + 1 + resp;
	sw_scan_emit(g, &up, t + 2 * rtt + 450);
	up.flags = SW_TH_FIN | SW_TH_ACK;
	sw_scan_emit(g, &up, t + 2 * rtt + 600);
	dn.flags = SW_TH_FIN | SW_TH_ACK;
	dn.payload = 0;
	dn.seqno = si + 1 + resp;
	dn.ackno = ci + 2 + req;
	sw_scan_emit(g, &dn, t + 2 * rtt + 600 + rtt / 2);
	up.flags = SW_TH_ACK;
	up.seqno = ci + 2 + req;
	up.ackno = si + 2 + resp;
	sw_scan_emit(g, &up, t + 3 * rtt + 600);
}

/*
 * sw_scan_udp - a UDP request of @req bytes from @c to @s:@port at @t:
 * answered with @resp bytes, refused (ICMP port unreachable quoting the
 * request) or unanswered.
 */
static void sw_scan_udp(struct sw_scan_ctx *g, struct sw_scan_addr c, struct sw_scan_addr s,
			uint16_t port, uint64_t t, enum sw_scan_outcome how, uint16_t req,
			uint16_t resp)
{
	uint16_t cp = sw_scan_eph(g, c);
	struct sw_scan_pkt up = { .from = c, .to = s, .proto = 17, .sport = cp, .dport = port,
				  .payload = req };
	struct sw_scan_pkt dn = { .from = s, .to = c, .proto = 17, .sport = port, .dport = cp,
				  .payload = resp };
	size_t off = sw_scan_emit(g, &up, t);
	uint64_t rtt = 80 + sw_scan_below(g, 120);

	g->established += how == SW_SCAN_OK;
	g->refused += how == SW_SCAN_REFUSED;
	g->attempted += how == SW_SCAN_SILENT;
	if (off == SIZE_MAX || how == SW_SCAN_SILENT)
		return;
	if (how == SW_SCAN_OK) {
		sw_scan_emit(g, &dn, t + rtt);
		return;
	}
	/*
	 * Port unreachable: IPv4 quotes the IP header and 8 bytes (RFC 792;
	 * Linux quotes more, as much as fits 576 bytes: the whole request
	 * here), IPv6 as much of the packet as fits the minimum MTU (RFC 4443).
	 */
	{
		uint8_t quote[SW_SCAN_QUOTE_MAX];
		uint16_t qlen = (uint16_t)(g->rec[g->n - 1].len - 14);
		struct sw_scan_pkt icmp = { .from = s, .to = c, .proto = 1 };

		if (qlen > SW_SCAN_QUOTE_MAX)
			qlen = SW_SCAN_QUOTE_MAX;
		memcpy(quote, g->arena + off + 14, qlen);
		icmp.flags = c.v6 ? 1 : 3;	/* destination unreachable */
		icmp.code = c.v6 ? 4 : 3;	/* port unreachable */
		icmp.quote = quote;
		icmp.quote_len = qlen;
		sw_scan_emit(g, &icmp, t + rtt);
	}
}

/*
 * sw_scan_dns - a DNS lookup of @name (type A or AAAA) from @c to resolver
 * @s at @t, and its answer: well-formed messages, as a stub resolver sends.
 */
static void sw_scan_dns(struct sw_scan_ctx *g, struct sw_scan_addr c, struct sw_scan_addr s,
			const char *name, bool aaaa, uint64_t t)
{
	uint8_t msg[256];
	size_t n = 12, qend;
	uint16_t id = (uint16_t)sw_scan_rand(g), cp = sw_scan_eph(g, c);
	struct sw_scan_pkt up = { .from = c, .to = s, .proto = 17, .sport = cp, .dport = 53,
				  .data = msg };
	struct sw_scan_pkt dn = { .from = s, .to = c, .proto = 17, .sport = 53, .dport = cp,
				  .data = msg };

	memset(msg, 0, sizeof(msg));
	sw_pkt_put_be16(msg, id);
	sw_pkt_put_be16(msg + 2, 0x0100);	/* query, recursion desired */
	sw_pkt_put_be16(msg + 4, 1);		/* one question */
	for (const char *l = name; *l;) {
		const char *dot = strchr(l, '.');
		size_t len = dot ? (size_t)(dot - l) : strlen(l);

		msg[n++] = (uint8_t)len;
		memcpy(msg + n, l, len);
		n += len;
		l += len + (dot ? 1 : 0);
	}
	msg[n++] = 0;
	sw_pkt_put_be16(msg + n, aaaa ? 28 : 1);
	sw_pkt_put_be16(msg + n + 2, 1);	/* IN */
	qend = n + 4;
	g->established++;
	up.payload = (uint16_t)qend;
	sw_scan_emit(g, &up, t);
	sw_pkt_put_be16(msg + 2, 0x8180);	/* response, RD, RA, no error */
	sw_pkt_put_be16(msg + 6, 1);		/* one answer */
	n = qend;
	sw_pkt_put_be16(msg + n, 0xc00c);	/* the question's name */
	sw_pkt_put_be16(msg + n + 2, aaaa ? 28 : 1);
	sw_pkt_put_be16(msg + n + 4, 1);
	sw_pkt_put_be32(msg + n + 6, 30);	/* TTL */
	sw_pkt_put_be16(msg + n + 10, aaaa ? 16 : 4);
	n += 12;
	if (aaaa) {
		sw_scan_ip6_addr(msg + n, sw_scan_v6(6, (uint8_t)(id % 200 + 1)));
		n += 16;
	} else {
		memcpy(msg + n, "\x0a\x58\x06", 3);
		msg[n + 3] = (uint8_t)(id % 200 + 1);
		n += 4;
	}
	dn.payload = (uint16_t)n;
	sw_scan_emit(g, &dn, t + 150 + sw_scan_below(g, 400));
}

/* sw_scan_ping - one echo request from @c to @s at @t (id @id, seq @seq), answered or not. */
static void sw_scan_ping(struct sw_scan_ctx *g, struct sw_scan_addr c, struct sw_scan_addr s,
			 uint16_t id, uint16_t seq, uint64_t t, bool answered)
{
	struct sw_scan_pkt p = { .from = c, .to = s, .proto = 1, .sport = id, .seqno = seq,
				 .payload = 56 };

	p.flags = c.v6 ? 128 : 8;
	sw_scan_emit(g, &p, t);
	if (!answered)
		return;
	p.from = s;
	p.to = c;
	p.flags = c.v6 ? 129 : 0;
	sw_scan_emit(g, &p, t + 60 + sw_scan_below(g, 100));
}

/* ---- scenarios -------------------------------------------------------- */

static const struct sw_scan_addr sw_scan_scanner4 = { false, 0, 5 };
static const struct sw_scan_addr sw_scan_scanner6 = { true, 0, 5 };

/*
 * sw_scan_background - normal traffic between two other containers from
 * @t0 to @t1: web requests every second, a UDP exchange every 3 s, the same
 * service over IPv6 every 2 s and a ping every 10 s. All answered.
 */
static void sw_scan_background(struct sw_scan_ctx *g, uint64_t t0, uint64_t t1)
{
	struct sw_scan_addr c4 = sw_scan_v4(0, 20), s4 = sw_scan_v4(0, 21);
	struct sw_scan_addr c6 = sw_scan_v6(0, 20), s6 = sw_scan_v6(0, 21);
	uint16_t pings = 0;

	for (uint64_t t = t0, i = 0; t < t1; t += SW_SCAN_S, i++) {
		uint64_t j = sw_scan_below(g, 200) * SW_SCAN_MS;

		sw_scan_tcp(g, c4, s4, 8080, t + j, SW_SCAN_OK, 180, 900);
		if (i % 3 == 0)
			sw_scan_udp(g, c4, s4, 5000, t + j + 250 * SW_SCAN_MS, SW_SCAN_OK, 40, 120);
		if (i % 2 == 0)
			sw_scan_tcp(g, c6, s6, 8080, t + j + 500 * SW_SCAN_MS, SW_SCAN_OK, 180, 900);
		if (i % 10 == 0)
			sw_scan_ping(g, c4, s4, 0x1d2e, pings++, t + j + 700 * SW_SCAN_MS, true);
	}
}

/* A scan starts 10 s into the file, so a mixed scenario has traffic before it. */
#define SW_SCAN_T0 (10 * SW_SCAN_S)

/* vertical_fast: 100 ports of one peer in 2 s, refused (two are open). */
static uint64_t sw_scan_vertical_fast(struct sw_scan_ctx *g)
{
	for (uint16_t i = 0; i < 100; i++) {
		uint16_t port = (uint16_t)(i + 1);

		sw_scan_tcp(g, sw_scan_scanner4, sw_scan_v4(0, 10), port, SW_SCAN_T0 + i * 20 * SW_SCAN_MS,
			    port == 22 || port == 80 ? SW_SCAN_OK : SW_SCAN_REFUSED, 0, 40);
	}
	return SW_SCAN_T0 + 2 * SW_SCAN_S;
}

/* vertical_slow: one port every 5 s, 60 ports, refused. */
static uint64_t sw_scan_vertical_slow_on(struct sw_scan_ctx *g, struct sw_scan_addr src,
					 struct sw_scan_addr dst)
{
	for (uint16_t i = 0; i < 60; i++)
		sw_scan_tcp(g, src, dst, (uint16_t)(1000 + i * 7), SW_SCAN_T0 + i * 5 * SW_SCAN_S,
			    SW_SCAN_REFUSED, 0, 0);
	return SW_SCAN_T0 + 300 * SW_SCAN_S;
}

static uint64_t sw_scan_vertical_slow(struct sw_scan_ctx *g)
{
	return sw_scan_vertical_slow_on(g, sw_scan_scanner4, sw_scan_v4(0, 10));
}

/* vertical_slow_v6: the same over IPv6. */
static uint64_t sw_scan_vertical_slow_v6(struct sw_scan_ctx *g)
{
	return sw_scan_vertical_slow_on(g, sw_scan_scanner6, sw_scan_v6(0, 10));
}

/* very_slow: one contact a minute for an hour, refused or unanswered in turn. */
static uint64_t sw_scan_very_slow(struct sw_scan_ctx *g)
{
	static const uint16_t ports[] = { 21, 22, 23, 25, 110, 139, 143, 445, 1433, 1521 };

	for (uint16_t i = 0; i < 60; i++)
		sw_scan_tcp(g, sw_scan_scanner4, sw_scan_v4(0, 10),
			    (uint16_t)(ports[i % 10] + 10000 * (i / 10 % 6)),
			    SW_SCAN_T0 + i * 60 * SW_SCAN_S, i % 2 ? SW_SCAN_SILENT : SW_SCAN_REFUSED, 0, 0);
	return SW_SCAN_T0 + 3600 * SW_SCAN_S;
}

/* horizontal: port 22 of 50 peers, one every 2 s, mostly unanswered, 5 answered. */
static uint64_t sw_scan_horizontal(struct sw_scan_ctx *g)
{
	for (uint8_t i = 0; i < 50; i++) {
		enum sw_scan_outcome how = i % 10 == 7 ? SW_SCAN_OK : i % 4 == 3 ? SW_SCAN_REFUSED
										  : SW_SCAN_SILENT;

		sw_scan_tcp(g, sw_scan_scanner4, sw_scan_v4(1, (uint8_t)(10 + i)), 22,
			    SW_SCAN_T0 + i * 2 * SW_SCAN_S, how, 0, 32);
	}
	return SW_SCAN_T0 + 100 * SW_SCAN_S;
}

/* udp_scan: 40 UDP ports of one peer, one a second: port unreachable or silent. */
static uint64_t sw_scan_udp_scan(struct sw_scan_ctx *g)
{
	for (uint16_t i = 0; i < 40; i++)
		sw_scan_udp(g, sw_scan_scanner4, sw_scan_v4(0, 10), (uint16_t)(100 + i * 11),
			    SW_SCAN_T0 + i * SW_SCAN_S, i % 3 == 1 ? SW_SCAN_SILENT : SW_SCAN_REFUSED, 16, 0);
	return SW_SCAN_T0 + 40 * SW_SCAN_S;
}

/* icmp_sweep: echo to 60 peers, one a second; 5 answer. */
static uint64_t sw_scan_icmp_sweep(struct sw_scan_ctx *g)
{
	for (uint16_t i = 0; i < 60; i++)
		sw_scan_ping(g, sw_scan_scanner4, sw_scan_v4(2, (uint8_t)(1 + i)), 0x4242, i,
			     SW_SCAN_T0 + i * SW_SCAN_S, i % 12 == 5);
	return SW_SCAN_T0 + 60 * SW_SCAN_S;
}

/* block: 8 ports x 8 peers, one a second, refused (each peer has one port open). */
static uint64_t sw_scan_block(struct sw_scan_ctx *g)
{
	static const uint16_t ports[] = { 22, 80, 443, 3306, 5432, 6379, 8080, 9200 };

	for (uint16_t i = 0; i < 64; i++) {
		uint8_t peer = (uint8_t)(i / 8);
		uint16_t port = ports[i % 8];

		sw_scan_tcp(g, sw_scan_scanner4, sw_scan_v4(3, (uint8_t)(10 + peer)), port,
			    SW_SCAN_T0 + i * SW_SCAN_S, i % 8 == peer ? SW_SCAN_OK : SW_SCAN_REFUSED, 0, 64);
	}
	return SW_SCAN_T0 + 64 * SW_SCAN_S;
}

/* scraper: 10.88.0.30 scrapes 200 exporters (:9100) every 15 s for 5 minutes. */
static uint64_t sw_scan_scraper(struct sw_scan_ctx *g)
{
	for (uint32_t round = 0; round < 20; round++)
		for (uint32_t i = 0; i < 200; i++)
			sw_scan_tcp(g, sw_scan_v4(0, 30), sw_scan_v4((uint8_t)(4 + i / 100), (uint8_t)(1 + i % 100)),
				    9100, SW_SCAN_T0 + round * 15 * SW_SCAN_S + i * 75 * SW_SCAN_MS,
				    SW_SCAN_OK, 120, 1200);
	return SW_SCAN_T0 + 300 * SW_SCAN_S;
}

/* retry_down: 3 clients retry a down database every 2 s for 2 minutes (refused). */
static uint64_t sw_scan_retry_down(struct sw_scan_ctx *g)
{
	for (uint32_t i = 0; i < 60; i++)
		for (uint8_t c = 0; c < 3; c++)
			sw_scan_tcp(g, sw_scan_v4(0, (uint8_t)(40 + c)), sw_scan_v4(0, 50), 5432,
				    SW_SCAN_T0 + i * 2 * SW_SCAN_S + c * 300 * SW_SCAN_MS, SW_SCAN_REFUSED, 0, 0);
	return SW_SCAN_T0 + 120 * SW_SCAN_S;
}

/* health_checks: a checker hits 10 services every 5 s for 5 minutes, all answer (3 over IPv6). */
static uint64_t sw_scan_health_checks(struct sw_scan_ctx *g)
{
	static const uint16_t ports[] = { 8080, 8080, 9090, 3000, 8000, 8081, 5000, 8443, 9000, 7000 };

	for (uint32_t i = 0; i < 60; i++)
		for (uint8_t s = 0; s < 10; s++) {
			struct sw_scan_addr c = s < 7 ? sw_scan_v4(0, 60) : sw_scan_v6(0, 60);
			struct sw_scan_addr d = s < 7 ? sw_scan_v4(0, (uint8_t)(61 + s))
						      : sw_scan_v6(0, (uint8_t)(61 + s));

			sw_scan_tcp(g, c, d, ports[s], SW_SCAN_T0 + i * 5 * SW_SCAN_S + s * 20 * SW_SCAN_MS,
				    SW_SCAN_OK, 90, 60);
		}
	return SW_SCAN_T0 + 300 * SW_SCAN_S;
}

/* dns: 24 containers (4 over IPv6) ask two resolvers over UDP 53 every few seconds. */
static uint64_t sw_scan_dns_lookups(struct sw_scan_ctx *g)
{
	static const char *const names[] = { "db.shop.svc.cluster.local", "cache.shop.svc.cluster.local",
					      "api.example.com", "web.shop.svc.cluster.local" };

	for (uint32_t i = 0; i < 40; i++)
		for (uint8_t c = 0; c < 24; c++) {
			bool v6 = c >= 20;
			struct sw_scan_addr cl = v6 ? sw_scan_v6(0, (uint8_t)(100 + c))
						    : sw_scan_v4(0, (uint8_t)(100 + c));
			struct sw_scan_addr r1 = v6 ? sw_scan_v6(0, 2) : sw_scan_v4(0, 2);
			struct sw_scan_addr r2 = v6 ? sw_scan_v6(0, 3) : sw_scan_v4(0, 3);
			uint64_t t = SW_SCAN_T0 + i * 3 * SW_SCAN_S + sw_scan_below(g, 2900) * SW_SCAN_MS;

			/* A and AAAA: two queries, to the resolvers in turn */
			sw_scan_dns(g, cl, i % 2 ? r2 : r1, names[(i + c) % 4], false, t);
			sw_scan_dns(g, cl, i % 2 ? r2 : r1, names[(i + c) % 4], true, t + 300);
		}
	return SW_SCAN_T0 + 120 * SW_SCAN_S;
}

/* startup_burst: 30 connections to 30 services in 1 s, then each every 2 s for a minute. */
static uint64_t sw_scan_startup_burst(struct sw_scan_ctx *g)
{
	for (uint32_t i = 0; i < 31; i++)
		for (uint8_t s = 0; s < 30; s++)
			sw_scan_tcp(g, sw_scan_v4(0, 70), sw_scan_v4(5, (uint8_t)(1 + s)),
				    (uint16_t)(8000 + s % 5), SW_SCAN_T0 + i * 2 * SW_SCAN_S + s * 33 * SW_SCAN_MS,
				    SW_SCAN_OK, 200, 400);
	return SW_SCAN_T0 + 62 * SW_SCAN_S;
}

struct sw_scan_scenario {
	const char *name;
	uint64_t (*build)(struct sw_scan_ctx *g);	/* returns the end of its traffic */
	bool scan;					/* also written as NAME_mixed */
};

static const struct sw_scan_scenario sw_scan_scenarios[] = {
	{ "vertical_fast", sw_scan_vertical_fast, true },
	{ "vertical_slow", sw_scan_vertical_slow, true },
	{ "vertical_slow_v6", sw_scan_vertical_slow_v6, true },
	{ "very_slow", sw_scan_very_slow, true },
	{ "horizontal", sw_scan_horizontal, true },
	{ "udp_scan", sw_scan_udp_scan, true },
	{ "icmp_sweep", sw_scan_icmp_sweep, true },
	{ "block", sw_scan_block, true },
	{ "scraper", sw_scan_scraper, false },
	{ "retry_down", sw_scan_retry_down, false },
	{ "health_checks", sw_scan_health_checks, false },
	{ "dns", sw_scan_dns_lookups, false },
	{ "startup_burst", sw_scan_startup_burst, false },
};

#define SW_SCAN_N (sizeof(sw_scan_scenarios) / sizeof(sw_scan_scenarios[0]))

static int sw_scan_rec_cmp(const void *a, const void *b)
{
	const struct sw_scan_rec *x = a, *y = b;

	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* sw_scan_write - the records of @g, sorted, to @path; 0 or -1 (errno set). */
static int sw_scan_write(struct sw_scan_ctx *g, const char *path)
{
	struct sw_pkt_pcap w = { .cap = SW_SCAN_OUTBUF };
	int rc = 0;

	qsort(g->rec, g->n, sizeof(*g->rec), sw_scan_rec_cmp);
	w.buf = malloc(w.cap);
	w.f = w.buf ? fopen(path, "wb") : NULL;
	if (!w.f) {
		free(w.buf);
		return -1;
	}
	rc = sw_pkt_pcap_header(&w, 262144, SW_PKT_LINKTYPE_ETHERNET);
	for (size_t i = 0; !rc && i < g->n; i++) {
		const struct sw_scan_rec *r = &g->rec[i];

		rc = sw_pkt_pcap_record(&w, SW_SCAN_EPOCH_S + r->ts_us / SW_SCAN_S,
					(uint32_t)(r->ts_us % SW_SCAN_S), g->arena + r->off, r->len, r->len);
	}
	if (!rc)
		rc = sw_pkt_pcap_flush(&w);
	if (fclose(w.f) != 0)
		rc = -1;
	free(w.buf);
	return rc;
}

/* sw_scan_one - write DIR/NAME.pcap (with background when @mixed); 0 or an exit code. */
static int sw_scan_one(const char *dir, const struct sw_scan_scenario *s, bool mixed)
{
	struct sw_scan_ctx *g = calloc(1, sizeof(*g));
	char path[4096];
	uint64_t end;
	int rc = 0;

	if (!g) {
		fprintf(stderr, "gen_scan_pcaps: out of memory\n");
		return SW_SCAN_EXIT_RUNTIME;
	}
	g->rng = SW_SCAN_SEED;
	for (const char *c = s->name; *c; c++)
		g->rng = g->rng * 31 + (uint8_t)*c;	/* each scenario its own stream */
	end = s->build(g);
	if (mixed)
		sw_scan_background(g, 0, end + 10 * SW_SCAN_S);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s%s.pcap", dir, s->name,
			     mixed ? "_mixed" : "") >= sizeof(path)) {
		fprintf(stderr, "gen_scan_pcaps: %s: directory name too long\n", dir);
		rc = SW_SCAN_EXIT_USAGE;
	} else if (g->oom) {
		fprintf(stderr, "gen_scan_pcaps: %s: out of memory\n", path);
		rc = SW_SCAN_EXIT_RUNTIME;
	} else if (sw_scan_write(g, path) < 0) {
		fprintf(stderr, "gen_scan_pcaps: %s: %s\n", path, strerror(errno ? errno : EIO));
		rc = SW_SCAN_EXIT_RUNTIME;
	} else {
		printf("%s%s packets=%zu closed=%" PRIu32 " refused=%" PRIu32 " attempted=%" PRIu32
		       " established=%" PRIu32 "\n", s->name, mixed ? "_mixed" : "", g->n, g->closed,
		       g->refused, g->attempted, g->established);
	}
	free(g->rec);
	free(g->arena);
	free(g);
	return rc;
}

static void sw_scan_usage(FILE *f)
{
	fprintf(f, "usage: gen_scan_pcaps -o DIR [SCENARIO...]\n"
		   "       gen_scan_pcaps --list\n\n"
		   "Write the scan-detection fixtures (tests/alert/scan/*.expect): DIR/NAME.pcap\n"
		   "for each scenario (default: all); a scan scenario NAME also has NAME_mixed.\n\n"
		   "example:\n  gen_scan_pcaps -o /tmp/scan vertical_slow vertical_slow_mixed\n\n"
		   "exit status: 0 written, 2 usage error, 3 runtime failure\n");
}

/* sw_scan_find - the scenario named @arg (NAME or NAME_mixed), or NULL. */
static const struct sw_scan_scenario *sw_scan_find(const char *arg, bool *mixed)
{
	size_t n = strlen(arg);

	*mixed = n > 6 && !strcmp(arg + n - 6, "_mixed");
	for (size_t i = 0; i < SW_SCAN_N; i++) {
		const struct sw_scan_scenario *s = &sw_scan_scenarios[i];
		size_t len = strlen(s->name);

		if (*mixed ? (s->scan && len == n - 6 && !strncmp(arg, s->name, len))
			   : !strcmp(arg, s->name))
			return s;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	bool list = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "o:lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'l': list = true; break;
		case 'h': sw_scan_usage(stdout); return 0;
		default: sw_scan_usage(stderr); return SW_SCAN_EXIT_USAGE;
		}
	}
	if (list) {
		for (size_t i = 0; i < SW_SCAN_N; i++) {
			printf("%s\n", sw_scan_scenarios[i].name);
			if (sw_scan_scenarios[i].scan)
				printf("%s_mixed\n", sw_scan_scenarios[i].name);
		}
		return 0;
	}
	if (!dir) {
		fprintf(stderr, "gen_scan_pcaps: -o DIR is required\n");
		sw_scan_usage(stderr);
		return SW_SCAN_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		bool mixed = false;

		if (!sw_scan_find(argv[i], &mixed)) {
			fprintf(stderr, "gen_scan_pcaps: %s: no such scenario (see --list)\n", argv[i]);
			return SW_SCAN_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		for (size_t i = 0; !rc && i < SW_SCAN_N; i++) {
			rc = sw_scan_one(dir, &sw_scan_scenarios[i], false);
			if (!rc && sw_scan_scenarios[i].scan)
				rc = sw_scan_one(dir, &sw_scan_scenarios[i], true);
		}
		return rc;
	}
	for (int i = optind; !rc && i < argc; i++) {
		bool mixed = false;
		const struct sw_scan_scenario *sc = sw_scan_find(argv[i], &mixed);

		rc = sw_scan_one(dir, sc, mixed);
	}
	return rc;
}
