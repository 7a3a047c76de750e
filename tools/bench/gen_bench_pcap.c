/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_bench_pcap - write a large, deterministic, realistic Ethernet pcap for
 * the capture benchmark (tools/bench/capture_bench.sh).
 *
 * The traffic looks like east-west container traffic on one L2 segment:
 * a few hundred 10.42.0.0/16 hosts, a fifth of them offering a TCP service
 * port and some a UDP one. Flows are mostly TCP (handshake, data both ways,
 * FIN or RST close; some refused by RST, some SYNs never answered), plus UDP
 * request/response and ICMP echo. Flow start times are spread over the span
 * and durations are heavy-tailed, so tens of thousands of flows are live at
 * once and their packets interleave, as on a real wire.
 *
 * Every flow has a 5-tuple of its own in the whole file (and ICMP echo flows
 * a host pair of their own), so the exact number of flows is known: both
 * the bidirectional count and the one-record-per-direction count that
 * NetFlow-style tools report are printed at the end as key=value lines.
 *
 * Frames are cut at --snaplen (default 128, headers plus a little payload,
 * like tcpdump -s 128) to keep the file in the page cache; the record's
 * original length and the IP total length stay those of the full packet.
 * Payload bytes are zero, which lets us compute correct IPv4, TCP, UDP and
 * ICMP checksums from the headers alone.
 *
 * No libpcap: the pcap global and record headers are written by hand
 * (tools/pkt/sw_pkt.h, shared with the scan fixtures' generator).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw_pkt.h"

#define SW_GEN_EXIT_USAGE 2
#define SW_GEN_EXIT_RUNTIME 3

#define SW_GEN_EPOCH_S 1764000000ULL	/* 2025-11-24T16:00:00Z: any fixed date */
#define SW_GEN_MAX_HOSTS 4000		/* host index must fit 12 bits of the tuple key */
#define SW_GEN_EPHEMERAL_LO 32768	/* Linux net.ipv4.ip_local_port_range */
#define SW_GEN_EPHEMERAL_N (60999 - 32768 + 1)
#define SW_GEN_MSS 1448			/* 1500 - 20 IP - 20 TCP - 12 timestamps */
#define SW_GEN_HDR_MAX 96		/* largest header stack we build, rounded up */
#define SW_GEN_FRAME_MAX 1514
#define SW_GEN_OUTBUF (4u << 20)

/* Flow kinds, and the share of flows (per mille) each one gets. */
enum sw_gen_kind {
	SW_GEN_TCP_FULL = 0,	/* handshake, data both ways, FIN close */
	SW_GEN_TCP_RSTCLOSE,	/* handshake, data both ways, client RST */
	SW_GEN_TCP_REFUSED,	/* SYN answered by RST */
	SW_GEN_TCP_UNANSWERED,	/* 1 to 3 SYNs, no answer */
	SW_GEN_UDP,		/* 1 to 3 request/response pairs */
	SW_GEN_ICMP,		/* 1 to 4 echo request/reply pairs */
	SW_GEN_KINDS
};

static const char *const sw_gen_kind_names[SW_GEN_KINDS] = {
	"tcp_fin_close", "tcp_rst_close", "tcp_refused", "tcp_unanswered", "udp", "icmp_echo",
};

/* Cumulative per-mille thresholds, in enum order. */
static const uint16_t sw_gen_kind_cum[SW_GEN_KINDS] = { 650, 720, 780, 830, 960, 1000 };

static const uint16_t sw_gen_tcp_ports[] = {
	80, 443, 8080, 5432, 6379, 3306, 9092, 27017, 9200, 11211, 8443, 5672,
};
static const uint16_t sw_gen_udp_ports[] = { 53, 123, 8125, 5353 };

#define SW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* TCP flag bits as on the wire. */

struct sw_gen_opts {
	const char *out;
	uint64_t packets;
	uint32_t flows;
	uint32_t hosts;
	uint32_t span_s;
	uint32_t snaplen;
	uint64_t seed;
};

/* xoshiro-style generators are overkill: splitmix64 is fast and good enough. */
struct sw_rng {
	uint64_t s;
};

/*
 * One flow's schedule and TCP state. Kept small (40 bytes) because there is
 * one per flow for the whole run.
 */
struct sw_gen_flow {
	uint64_t next_us;	/* time of the next packet, from the start of the span */
	uint32_t gap_us;	/* mean spacing of data packets */
	uint32_t npkts;
	uint32_t sent;
	uint32_t cseq, sseq;	/* next sequence number each side sends */
	uint16_t cli, srv;	/* host indexes: initiator, responder */
	uint16_t cport, sport;	/* ICMP: both the echo identifier */
	uint8_t kind;
};

/* Open-addressing set of packed tuples, to keep every flow's tuple unique. */
struct sw_gen_tupleset {
	uint64_t *slot;		/* key + 1; 0 is empty */
	uint64_t mask;
};

/* Min-heap of flow indexes ordered by (next_us, index): a deterministic merge. */
struct sw_gen_heap {
	uint32_t *v;
	uint32_t n;
};

struct sw_gen_ctx {
	struct sw_gen_opts o;
	struct sw_rng rng;
	struct sw_gen_flow *flow;
	uint16_t *ip_id;	/* per host: Linux-like incrementing IPv4 identification */
	uint64_t kind_count[SW_GEN_KINDS];
	uint64_t wire_bytes;	/* sum of IP total lengths */
	uint64_t last_us;
	uint8_t frame[SW_GEN_FRAME_MAX];
	struct sw_pkt_pcap out;
};

static uint64_t sw_rng_next(struct sw_rng *r)
{
	return sw_pkt_rng_next(&r->s);
}

static uint32_t sw_rng_below(struct sw_rng *r, uint32_t n)
{
	return sw_pkt_rng_below(&r->s, n);
}

/* sw_rng_range - uniform in [lo, hi]. */
static uint32_t sw_rng_range(struct sw_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + sw_rng_below(r, hi - lo + 1);
}

/*
 * sw_rng_logu - log-uniform in [2^lo_bits, 2^hi_bits): integer only, so the
 * file is identical on every machine (no libm rounding differences).
 */
static uint64_t sw_rng_logu(struct sw_rng *r, unsigned lo_bits, unsigned hi_bits)
{
	unsigned e = lo_bits + sw_rng_below(r, hi_bits - lo_bits);

	return (1ULL << e) + (sw_rng_next(r) & ((1ULL << e) - 1));
}

static uint64_t sw_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static int sw_gen_tupleset_alloc(struct sw_gen_tupleset *s, uint32_t n)
{
	uint64_t cap = 1024;

	while (cap < 2ULL * n)
		cap <<= 1;
	s->slot = calloc(cap, sizeof(*s->slot));
	s->mask = cap - 1;
	return s->slot ? 0 : -1;
}

/* sw_gen_tupleset_add - insert @key; false if it was already there. */
static bool sw_gen_tupleset_add(struct sw_gen_tupleset *s, uint64_t key)
{
	uint64_t i = sw_mix64(key) & s->mask;

	while (s->slot[i]) {
		if (s->slot[i] == key + 1)
			return false;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = key + 1;
	return true;
}

/* Pack (proto class, hosts, ports) into 58 bits: 2 + 12 + 12 + 16 + 16. */
static uint64_t sw_gen_tuple_key(unsigned cls, unsigned a, unsigned b, unsigned pa, unsigned pb)
{
	return (uint64_t)cls << 56 | (uint64_t)a << 44 | (uint64_t)b << 32 |
	       (uint64_t)pa << 16 | pb;
}

static uint32_t sw_gen_host_ip(uint32_t host)
{
	return 0x0a2a0000u + host + 2; /* 10.42.0.2 upwards: .0.0/.0.1 left to the gateway */
}

/* ---- output ---------------------------------------------------------- */

/* sw_gen_out_record - one record at @ts_us from the start of the span. */
static int sw_gen_out_record(struct sw_pkt_pcap *o, uint64_t ts_us, const uint8_t *frame,
			     uint32_t caplen, uint32_t wirelen)
{
	return sw_pkt_pcap_record(o, SW_GEN_EPOCH_S + ts_us / 1000000, (uint32_t)(ts_us % 1000000),
				  frame, caplen, wirelen);
}

/* ---- frame building --------------------------------------------------- */

/*
 * A packet to build: who sends it and what goes in the transport header.
 * Payload length is what the IP total length accounts for; the bytes are 0.
 */
struct sw_gen_pkt {
	uint16_t from, to;	/* host indexes */
	uint16_t sport, dport;
	uint8_t proto;		/* 6, 17 or 1 */
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint32_t seq, ack;	/* TCP; ICMP: seq is the echo sequence */
	uint32_t payload;
};

static void sw_gen_eth(uint8_t *f, uint32_t from, uint32_t to)
{
	/* 02:42:<IPv4 address>: Docker's locally administered MAC scheme. */
	f[0] = 0x02;
	f[1] = 0x42;
	sw_pkt_put_be32(f + 2, sw_gen_host_ip(to));
	f[6] = 0x02;
	f[7] = 0x42;
	sw_pkt_put_be32(f + 8, sw_gen_host_ip(from));
	sw_pkt_put_be16(f + 12, 0x0800);
}

static void sw_gen_ipv4(uint8_t *ip, const struct sw_gen_pkt *p, uint16_t id, uint32_t total)
{
	ip[0] = 0x45;
	ip[1] = 0;
	sw_pkt_put_be16(ip + 2, (uint16_t)total);
	sw_pkt_put_be16(ip + 4, id);
	sw_pkt_put_be16(ip + 6, 0x4000);	/* DF, as Linux sets for PMTU discovery */
	ip[8] = 64;
	ip[9] = p->proto;
	sw_pkt_put_be16(ip + 10, 0);
	sw_pkt_put_be32(ip + 12, sw_gen_host_ip(p->from));
	sw_pkt_put_be32(ip + 16, sw_gen_host_ip(p->to));
	sw_pkt_put_be16(ip + 10, sw_pkt_csum_fold(sw_pkt_csum_add(0, ip, 20)));
}

/* sw_gen_tcp - the TCP header of @p (tools/pkt: as Linux writes one); its length. */
static uint32_t sw_gen_tcp(uint8_t *th, const struct sw_gen_pkt *p, uint64_t ts_us)
{
	const struct sw_pkt_tcp t = {
		.sport = p->sport, .dport = p->dport, .seq = p->seq, .ack = p->ack,
		.tsval = (uint32_t)(ts_us / 1000) + p->from * 7919u, /* per-host clock offset */
		.flags = p->tcp_flags,
	};

	return sw_pkt_put_tcp(th, &t);
}

static uint32_t sw_gen_udp(uint8_t *uh, const struct sw_gen_pkt *p)
{
	sw_pkt_put_be16(uh, p->sport);
	sw_pkt_put_be16(uh + 2, p->dport);
	sw_pkt_put_be16(uh + 4, (uint16_t)(8 + p->payload));
	sw_pkt_put_be16(uh + 6, 0);
	return 8;
}

static uint32_t sw_gen_icmp(uint8_t *ih, const struct sw_gen_pkt *p)
{
	ih[0] = p->icmp_type;
	ih[1] = 0;
	sw_pkt_put_be16(ih + 2, 0);
	sw_pkt_put_be16(ih + 4, p->sport);		/* identifier */
	sw_pkt_put_be16(ih + 6, (uint16_t)p->seq);	/* sequence */
	sw_pkt_put_be16(ih + 2, sw_pkt_csum_fold(sw_pkt_csum_add(0, ih, 8)));
	return 8;
}

/* sw_gen_emit - build @p at @ts_us and append it to the file. */
static int sw_gen_emit(struct sw_gen_ctx *g, const struct sw_gen_pkt *p, uint64_t ts_us)
{
	uint8_t *f = g->frame, *ip = f + 14, *l4 = ip + 20;
	uint32_t l4hdr, total, sum;

	/* Only the header area can hold stale bytes: the payload must stay 0. */
	memset(f, 0, SW_GEN_HDR_MAX);
	sw_gen_eth(f, p->from, p->to);
	if (p->proto == 6)
		l4hdr = sw_gen_tcp(l4, p, ts_us);
	else if (p->proto == 17)
		l4hdr = sw_gen_udp(l4, p);
	else
		l4hdr = sw_gen_icmp(l4, p);
	total = 20 + l4hdr + p->payload;
	sw_gen_ipv4(ip, p, g->ip_id[p->from]++, total);
	if (p->proto == 6) {
		sum = sw_pkt_csum_add(sw_pkt_pseudo4_sum(ip, 6, l4hdr + p->payload), l4, l4hdr);
		sw_pkt_put_be16(l4 + 16, sw_pkt_csum_fold(sum));
	} else if (p->proto == 17) {
		sum = sw_pkt_csum_add(sw_pkt_pseudo4_sum(ip, 17, l4hdr + p->payload), l4, l4hdr);
		sw_pkt_put_be16(l4 + 6, sw_pkt_csum_fold(sum) ? sw_pkt_csum_fold(sum) : 0xffff);
	} else {
		/* ICMP checksum covers the payload too, but it is all zeros. */
	}
	g->wire_bytes += total;
	g->last_us = ts_us;
	return sw_gen_out_record(&g->out, ts_us, f,
				 14 + total < g->o.snaplen ? 14 + total : g->o.snaplen, 14 + total);
}

/* ---- flows ------------------------------------------------------------ */

static uint32_t sw_gen_base_packets(struct sw_rng *r, enum sw_gen_kind k)
{
	switch (k) {
	case SW_GEN_TCP_FULL:		return 8;	/* 3 handshake, 2 data, 3 close */
	case SW_GEN_TCP_RSTCLOSE:	return 6;	/* 3 handshake, 2 data, RST */
	case SW_GEN_TCP_REFUSED:	return 2;
	case SW_GEN_TCP_UNANSWERED:	return sw_rng_range(r, 1, 3);	/* Linux retries at 1 s, 3 s */
	case SW_GEN_UDP:		return 2 * sw_rng_range(r, 1, 3);
	default:			return 2 * sw_rng_range(r, 1, 4);
	}
}

static enum sw_gen_kind sw_gen_pick_kind(struct sw_rng *r)
{
	uint32_t x = sw_rng_below(r, 1000);
	int k = 0;

	while (x >= sw_gen_kind_cum[k])
		k++;
	return (enum sw_gen_kind)k;
}

/*
 * sw_gen_pick_icmp - an ICMP echo flow gets a host pair no other ICMP flow
 * uses, in either order: NetFlow-style tools key ICMP without the echo
 * identifier, and we want their expected record count to be exact too.
 * Returns false when no free pair was found quickly (then use UDP instead).
 */
static bool sw_gen_pick_icmp(struct sw_gen_ctx *g, struct sw_gen_tupleset *set,
			     struct sw_gen_flow *f)
{
	for (int tries = 0; tries < 64; tries++) {
		uint32_t a = sw_rng_below(&g->rng, g->o.hosts);
		uint32_t b = sw_rng_below(&g->rng, g->o.hosts);

		if (a == b)
			continue;
		if (!sw_gen_tupleset_add(set, sw_gen_tuple_key(2, a < b ? a : b, a < b ? b : a, 0, 0)))
			continue;
		f->cli = (uint16_t)a;
		f->srv = (uint16_t)b;
		f->cport = f->sport = (uint16_t)sw_rng_range(&g->rng, 1, 65535);
		return true;
	}
	return false;
}

/*
 * sw_gen_pick_ports - client, server and ports for a TCP or UDP flow. The
 * client port is ephemeral (>= 32768) and the service port is below that,
 * so no flow's reverse direction can equal another flow's forward one.
 * Returns false when no unused tuple turns up: --hosts is too small for
 * --flows.
 */
static bool sw_gen_pick_ports(struct sw_gen_ctx *g, struct sw_gen_tupleset *set,
			      struct sw_gen_flow *f, bool udp)
{
	uint32_t servers = g->o.hosts / 5 ? g->o.hosts / 5 : 1;

	for (int tries = 0; tries < 10000; tries++) {
		f->srv = (uint16_t)sw_rng_below(&g->rng, servers);
		do
			f->cli = (uint16_t)sw_rng_below(&g->rng, g->o.hosts);
		while (f->cli == f->srv);
		f->sport = udp ? sw_gen_udp_ports[f->srv % SW_ARRAY_SIZE(sw_gen_udp_ports)]
			       : sw_gen_tcp_ports[f->srv % SW_ARRAY_SIZE(sw_gen_tcp_ports)];
		f->cport = (uint16_t)(SW_GEN_EPHEMERAL_LO + sw_rng_below(&g->rng, SW_GEN_EPHEMERAL_N));
		if (sw_gen_tupleset_add(set, sw_gen_tuple_key(udp, f->cli, f->srv, f->cport, f->sport)))
			return true;
	}
	return false;
}

/*
 * sw_gen_plan_flow - kind, endpoints, ISNs and minimum packet count of flow
 * @i. Returns false when the hosts have no unused tuple left.
 */
static bool sw_gen_plan_flow(struct sw_gen_ctx *g, struct sw_gen_tupleset *set, uint32_t i)
{
	struct sw_gen_flow *f = &g->flow[i];
	enum sw_gen_kind k = sw_gen_pick_kind(&g->rng);
	uint64_t slot = (uint64_t)g->o.span_s * 1000000 / g->o.flows;

	if (k == SW_GEN_ICMP && !sw_gen_pick_icmp(g, set, f))
		k = SW_GEN_UDP;
	if (k != SW_GEN_ICMP && !sw_gen_pick_ports(g, set, f, k == SW_GEN_UDP))
		return false;
	f->kind = (uint8_t)k;
	f->npkts = sw_gen_base_packets(&g->rng, k);
	f->sent = 0;
	f->cseq = (uint32_t)sw_rng_next(&g->rng);
	f->sseq = (uint32_t)sw_rng_next(&g->rng);
	/* Starts are sorted by index (one random point per time slot). */
	f->next_us = slot * i + (slot ? sw_rng_below(&g->rng, (uint32_t)slot) : 0);
	g->kind_count[k]++;
	return true;
}

static bool sw_gen_is_tcp_data(const struct sw_gen_flow *f)
{
	return f->kind == SW_GEN_TCP_FULL || f->kind == SW_GEN_TCP_RSTCLOSE;
}

/*
 * sw_gen_spread_extra - hand the packets left after every flow's minimum to
 * the data phase of TCP flows, in proportion to a Pareto(1) weight: most
 * flows stay short, a few become elephants with tens of thousands of packets.
 */
static int sw_gen_spread_extra(struct sw_gen_ctx *g, uint64_t extra)
{
	uint32_t *w = malloc((size_t)g->o.flows * sizeof(*w));
	uint64_t total = 0, given = 0;

	if (!w)
		return -1;
	for (uint32_t i = 0; i < g->o.flows; i++) {
		uint64_t u = sw_rng_range(&g->rng, 1u << 12, UINT32_MAX);

		w[i] = sw_gen_is_tcp_data(&g->flow[i]) ? (uint32_t)((1ULL << 32) / u) : 0;
		total += w[i];
	}
	if (!total && extra) {
		free(w);
		errno = EINVAL;
		return -2;	/* no TCP flow to carry the extra packets */
	}
	for (uint32_t i = 0; total && i < g->o.flows; i++) {
		/* extra < 2^33 and w <= 2^20: the product fits 64 bits. */
		uint64_t add = extra * w[i] / total;

		g->flow[i].npkts += (uint32_t)add;
		given += add;
	}
	for (uint32_t i = 0; given < extra; i = (i + 1) % g->o.flows) {
		if (w[i]) {
			g->flow[i].npkts++;
			given++;
		}
	}
	free(w);
	return 0;
}

/*
 * sw_gen_set_gaps - data-phase pacing: a log-uniform duration from 256 µs to
 * 33 s, cut so that the flow ends within the span, spread over its packets.
 */
static void sw_gen_set_gaps(struct sw_gen_ctx *g)
{
	uint64_t span_us = (uint64_t)g->o.span_s * 1000000;

	for (uint32_t i = 0; i < g->o.flows; i++) {
		struct sw_gen_flow *f = &g->flow[i];
		uint64_t dur = sw_rng_logu(&g->rng, 8, 25);
		uint64_t left = span_us > f->next_us ? span_us - f->next_us : 0;

		if (dur > left)
			dur = left > 1000 ? left : 1000;
		f->gap_us = (uint32_t)(dur / f->npkts ? dur / f->npkts : 1);
	}
}

/*
 * sw_gen_delay - time between packet @j - 1 and packet @j of @f. Answers
 * (SYN-ACK, RST, UDP and echo replies, FIN exchange) come one LAN round
 * trip later; data packets follow the flow's pace; SYN retries and pings
 * follow the kernel's and ping's timers.
 */
static uint32_t sw_gen_delay(struct sw_gen_ctx *g, const struct sw_gen_flow *f, uint32_t j)
{
	uint32_t rtt = sw_rng_range(&g->rng, 20, 300);

	switch (f->kind) {
	case SW_GEN_TCP_UNANSWERED:
		return j == 1 ? 1000000 : 2000000;
	case SW_GEN_TCP_REFUSED:
		return rtt;
	case SW_GEN_UDP:
		return (j & 1) ? rtt * 4 : sw_rng_range(&g->rng, 1000, 900000);
	case SW_GEN_ICMP:
		return (j & 1) ? rtt : 1000000 - rtt;
	default:
		if (j <= 2 || j >= f->npkts - (f->kind == SW_GEN_TCP_FULL ? 2 : 0))
			return rtt;
		return 1 + sw_rng_below(&g->rng, 2 * f->gap_us);
	}
}

/* sw_gen_tcp_data - packet @j of the data phase (j >= 3). */
static void sw_gen_tcp_data(struct sw_gen_ctx *g, uint32_t j, struct sw_gen_pkt *p,
			    bool *from_client)
{
	/* The first data packet is the request, the second the response. */
	bool cli = j == 3 || (j != 4 && sw_rng_below(&g->rng, 10) < 4);

	*from_client = cli;
	p->tcp_flags = SW_TH_ACK;
	if (cli) {
		p->payload = (j == 3 || sw_rng_below(&g->rng, 10) < 3) ? sw_rng_range(&g->rng, 40, 600) : 0;
	} else {
		p->payload = sw_rng_below(&g->rng, 10) < 6 ? SW_GEN_MSS : sw_rng_range(&g->rng, 1, SW_GEN_MSS);
	}
	if (p->payload)
		p->tcp_flags |= SW_TH_PSH;
}

/*
 * sw_gen_tcp_packet - flags, direction and payload of packet @j of a TCP
 * flow, then advance the sequence numbers the way a TCP stack would.
 */
static void sw_gen_tcp_packet(struct sw_gen_ctx *g, struct sw_gen_flow *f, uint32_t j,
			      struct sw_gen_pkt *p, bool *from_client)
{
	uint32_t last = f->npkts - 1;
	bool fin_close = f->kind == SW_GEN_TCP_FULL;

	p->payload = 0;
	*from_client = true;
	if (j == 0 || f->kind == SW_GEN_TCP_UNANSWERED) {
		p->tcp_flags = SW_TH_SYN;	/* retries reuse the ISN */
	} else if (j == 1 && f->kind == SW_GEN_TCP_REFUSED) {
		*from_client = false;
		p->tcp_flags = SW_TH_RST | SW_TH_ACK;
	} else if (j == 1) {
		*from_client = false;
		p->tcp_flags = SW_TH_SYN | SW_TH_ACK;
	} else if (j == 2) {
		p->tcp_flags = SW_TH_ACK;
	} else if (!fin_close && j == last) {
		p->tcp_flags = SW_TH_RST | SW_TH_ACK;
	} else if (fin_close && j >= last - 2) {
		*from_client = j != last - 1;
		p->tcp_flags = j == last ? SW_TH_ACK : SW_TH_FIN | SW_TH_ACK;
	} else {
		sw_gen_tcp_data(g, j, p, from_client);
	}
}

static void sw_gen_tcp_seq(struct sw_gen_flow *f, struct sw_gen_pkt *p, bool from_client)
{
	uint32_t *mine = from_client ? &f->cseq : &f->sseq;
	uint32_t *theirs = from_client ? &f->sseq : &f->cseq;

	if (f->kind == SW_GEN_TCP_REFUSED && !from_client) {
		p->seq = 0;
		p->ack = f->cseq + 1;	/* RFC 793: RST for a SYN acks SYN + 1 */
		return;
	}
	p->seq = *mine;
	p->ack = (p->tcp_flags & SW_TH_ACK) ? *theirs : 0;
	if ((p->tcp_flags & SW_TH_SYN) && !from_client) {
		f->cseq++;	/* the SYN-ACK acknowledges the client's SYN */
		p->ack = f->cseq;
		f->sseq++;
	} else if (!(p->tcp_flags & SW_TH_SYN)) {
		*mine += p->payload + ((p->tcp_flags & SW_TH_FIN) ? 1 : 0);
	}
}

/* sw_gen_packet - describe packet number f->sent of flow @f. */
static void sw_gen_packet(struct sw_gen_ctx *g, struct sw_gen_flow *f, struct sw_gen_pkt *p)
{
	uint32_t j = f->sent;
	bool from_client = !(j & 1);

	memset(p, 0, sizeof(*p));
	if (f->kind == SW_GEN_UDP) {
		p->proto = 17;
		p->payload = from_client ? sw_rng_range(&g->rng, 28, 120) : sw_rng_range(&g->rng, 40, 480);
	} else if (f->kind == SW_GEN_ICMP) {
		p->proto = 1;
		p->icmp_type = from_client ? 8 : 0;
		p->seq = j / 2 + 1;
		p->payload = 56;	/* ping's default */
	} else {
		p->proto = 6;
		sw_gen_tcp_packet(g, f, j, p, &from_client);
		sw_gen_tcp_seq(f, p, from_client);
	}
	p->from = from_client ? f->cli : f->srv;
	p->to = from_client ? f->srv : f->cli;
	p->sport = from_client ? f->cport : f->sport;
	p->dport = from_client ? f->sport : f->cport;
}

/* ---- the merge -------------------------------------------------------- */

static bool sw_gen_heap_less(const struct sw_gen_flow *fl, uint32_t a, uint32_t b)
{
	return fl[a].next_us < fl[b].next_us || (fl[a].next_us == fl[b].next_us && a < b);
}

static void sw_gen_heap_down(struct sw_gen_heap *h, const struct sw_gen_flow *fl, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < h->n && sw_gen_heap_less(fl, h->v[l], h->v[m]))
			m = l;
		if (l + 1 < h->n && sw_gen_heap_less(fl, h->v[l + 1], h->v[m]))
			m = l + 1;
		if (m == i)
			return;
		uint32_t t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

static void sw_gen_heap_push(struct sw_gen_heap *h, const struct sw_gen_flow *fl, uint32_t idx)
{
	uint32_t i = h->n++;

	h->v[i] = idx;
	while (i && sw_gen_heap_less(fl, h->v[i], h->v[(i - 1) / 2])) {
		uint32_t p = (i - 1) / 2, t = h->v[i];

		h->v[i] = h->v[p];
		h->v[p] = t;
		i = p;
	}
}

/*
 * sw_gen_run - emit every packet in time order. Flows join the heap when
 * their start time comes (they are sorted by start), so the heap only holds
 * the live flows and the merge costs O(packets * log(live flows)).
 */
static int sw_gen_run(struct sw_gen_ctx *g, uint32_t *peak_live)
{
	struct sw_gen_heap h = { malloc((size_t)g->o.flows * sizeof(uint32_t)), 0 };
	uint32_t next = 0;
	struct sw_gen_pkt p;

	if (!h.v)
		return -1;
	*peak_live = 0;
	while (next < g->o.flows || h.n) {
		while (next < g->o.flows &&
		       (!h.n || g->flow[next].next_us <= g->flow[h.v[0]].next_us))
			sw_gen_heap_push(&h, g->flow, next++);
		if (h.n > *peak_live)
			*peak_live = h.n;

		struct sw_gen_flow *f = &g->flow[h.v[0]];

		sw_gen_packet(g, f, &p);
		if (sw_gen_emit(g, &p, f->next_us) < 0) {
			free(h.v);
			return -1;
		}
		if (++f->sent < f->npkts) {
			f->next_us += sw_gen_delay(g, f, f->sent);
		} else {
			h.v[0] = h.v[--h.n];
		}
		sw_gen_heap_down(&h, g->flow, 0);
	}
	free(h.v);
	return 0;
}

/* ---- command line ----------------------------------------------------- */

static void sw_gen_usage(FILE *to)
{
	fprintf(to,
		"usage: gen_bench_pcap -o FILE [--packets N] [--flows N] [--hosts N]\n"
		"                      [--span SECONDS] [--snaplen N] [--seed N]\n"
		"  defaults: 5000000 packets, 500000 flows, 300 hosts, 60 s, snaplen 128, seed 1\n"
		"  prints key=value lines: packets, flows, directional_flows, ... \n");
}

static bool sw_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int sw_gen_parse(int argc, char **argv, struct sw_gen_opts *o)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' }, { "packets", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' },  { "hosts", required_argument, NULL, 'H' },
		{ "span", required_argument, NULL, 'S' },   { "snaplen", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	*o = (struct sw_gen_opts){ NULL, 5000000, 500000, 300, 60, 128, 1 };
	while ((c = getopt_long(argc, argv, "o:n:f:H:S:s:r:h", lo, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case 'o': o->out = optarg; break;
		case 'n': ok = sw_parse_u64(optarg, 1, 4000000000ULL, &o->packets); break;
		case 'f': ok = sw_parse_u64(optarg, 1, 50000000, &v); o->flows = (uint32_t)v; break;
		case 'H': ok = sw_parse_u64(optarg, 2, SW_GEN_MAX_HOSTS, &v); o->hosts = (uint32_t)v; break;
		case 'S': ok = sw_parse_u64(optarg, 1, 86400, &v); o->span_s = (uint32_t)v; break;
		case 's': ok = sw_parse_u64(optarg, 64, 65535, &v); o->snaplen = (uint32_t)v; break;
		case 'r': ok = sw_parse_u64(optarg, 0, UINT64_MAX, &o->seed); break;
		case 'h': sw_gen_usage(stdout); exit(0);
		default: return -1;
		}
		if (!ok) {
			fprintf(stderr, "gen_bench_pcap: bad value for -%c: %s\n", c, optarg);
			return -1;
		}
	}
	if (!o->out || optind != argc) {
		fprintf(stderr, "gen_bench_pcap: %s\n", o->out ? "unexpected argument" : "-o FILE is required");
		return -1;
	}
	return 0;
}

/* sw_gen_plan - plan every flow; fails when --packets cannot cover them. */
static int sw_gen_plan(struct sw_gen_ctx *g)
{
	struct sw_gen_tupleset set;
	uint64_t base = 0;
	int r;

	if (sw_gen_tupleset_alloc(&set, g->o.flows) < 0)
		return -1;
	for (uint32_t i = 0; i < g->o.flows; i++) {
		if (!sw_gen_plan_flow(g, &set, i)) {
			fprintf(stderr, "gen_bench_pcap: %" PRIu32 " hosts have no unused 5-tuple left"
				" after %" PRIu32 " flows; use more --hosts\n", g->o.hosts, i);
			free(set.slot);
			return -2;
		}
		base += g->flow[i].npkts;
	}
	free(set.slot);
	if (base > g->o.packets) {
		fprintf(stderr, "gen_bench_pcap: %" PRIu64 " flows need at least %" PRIu64
			" packets; use --packets >= that or fewer --flows\n", (uint64_t)g->o.flows, base);
		errno = EINVAL;
		return -2;
	}
	r = sw_gen_spread_extra(g, g->o.packets - base);
	if (r == -2)
		fprintf(stderr, "gen_bench_pcap: no TCP flow to carry %" PRIu64
			" packets beyond the minimum; use more --flows\n", g->o.packets - base);
	if (r < 0)
		return r;
	sw_gen_set_gaps(g);
	return 0;
}

static void sw_gen_report(const struct sw_gen_ctx *g, uint32_t peak_live)
{
	uint64_t unanswered = g->kind_count[SW_GEN_TCP_UNANSWERED];

	printf("file=%s\npackets=%" PRIu64 "\nflows=%" PRIu32 "\n", g->o.out, g->o.packets, g->o.flows);
	/* Tools that keep one record per direction: every flow has two but unanswered SYNs. */
	printf("directional_flows=%" PRIu64 "\n", (uint64_t)2 * g->o.flows - unanswered);
	for (int k = 0; k < SW_GEN_KINDS; k++)
		printf("%s=%" PRIu64 "\n", sw_gen_kind_names[k], g->kind_count[k]);
	printf("hosts=%" PRIu32 "\nip_bytes=%" PRIu64 "\nfile_bytes=%" PRIu64 "\n", g->o.hosts,
	       g->wire_bytes, g->out.bytes_written);
	printf("span_s=%.6f\npeak_concurrent_flows=%" PRIu32 "\nseed=%" PRIu64 "\n",
	       (double)g->last_us / 1e6, peak_live, g->o.seed);
}

static int sw_gen_open(struct sw_gen_ctx *g)
{
	g->flow = calloc(g->o.flows, sizeof(*g->flow));
	g->ip_id = calloc(g->o.hosts, sizeof(*g->ip_id));
	g->out.buf = malloc(SW_GEN_OUTBUF);
	g->out.cap = SW_GEN_OUTBUF;
	if (!g->flow || !g->ip_id || !g->out.buf)
		return -1;
	g->out.f = strcmp(g->o.out, "-") ? fopen(g->o.out, "wb") : stdout;
	return g->out.f ? 0 : -1;
}

static void sw_gen_close(struct sw_gen_ctx *g)
{
	if (g->out.f && g->out.f != stdout)
		fclose(g->out.f);
	free(g->out.buf);
	free(g->ip_id);
	free(g->flow);
}

int main(int argc, char **argv)
{
	struct sw_gen_ctx *g = calloc(1, sizeof(*g));
	uint32_t peak_live = 0;
	int rc = 0, r;

	if (!g)
		return SW_GEN_EXIT_RUNTIME;
	if (sw_gen_parse(argc, argv, &g->o) < 0) {
		sw_gen_usage(stderr);
		free(g);
		return SW_GEN_EXIT_USAGE;
	}
	g->rng.s = g->o.seed;
	if (sw_gen_open(g) < 0) {
		fprintf(stderr, "gen_bench_pcap: %s: %s\n", g->o.out, strerror(errno));
		rc = SW_GEN_EXIT_RUNTIME;
	} else if ((r = sw_gen_plan(g)) < 0) {
		if (r == -1)
			perror("gen_bench_pcap");
		rc = r == -2 ? SW_GEN_EXIT_USAGE : SW_GEN_EXIT_RUNTIME;
	} else if (sw_pkt_pcap_header(&g->out, g->o.snaplen, SW_PKT_LINKTYPE_ETHERNET) < 0 || sw_gen_run(g, &peak_live) < 0 ||
		   sw_pkt_pcap_flush(&g->out) < 0 || fflush(g->out.f) != 0) {
		fprintf(stderr, "gen_bench_pcap: %s: write failed: %s\n", g->o.out, strerror(errno));
		rc = SW_GEN_EXIT_RUNTIME;
	}
	if (!rc && g->out.f != stdout)
		sw_gen_report(g, peak_live);
	sw_gen_close(g);
	if (rc && g->out.f && strcmp(g->o.out, "-"))
		unlink(g->o.out);	/* no half-written file that looks like a benchmark input */
	free(g);
	return rc;
}
