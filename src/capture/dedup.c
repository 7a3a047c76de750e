/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Duplicate filter for packets captured on several interfaces at once.
 *
 * A signature hashes the fields forwarding leaves alone (addresses, protocol,
 * IPv4 identification, IP length, ports, TCP sequence and acknowledgement,
 * flags, transport checksum, fragment identity): a bridged frame keeps them
 * all, a routed packet only loses TTL and MACs. A signature seen within the
 * window on another interface is a copy; seen again on the *same* interface
 * it is a genuine repeat (a retransmission) and counts.
 *
 * Storage is a 4-way set-associative array of 16-byte entries: fixed memory,
 * the oldest entry of a set is replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_DEDUP_SETS (1u << 10)
#define SW_DEDUP_WAYS 4

struct sw_dedup_entry {
	uint64_t sig;
	uint32_t t_10us;	/* time in 10 µs units, wrapping; compared by difference */
	uint32_t ifaces;	/* bit per source (sources >= 32 share bit 31) */
};

struct sw_dedup {
	uint32_t window_10us;
	struct sw_dedup_entry e[SW_DEDUP_SETS][SW_DEDUP_WAYS];
};

struct sw_dedup *sw_dedup_alloc(uint64_t window_us)
{
	struct sw_dedup *d = calloc(1, sizeof(*d));

	if (d)
		d->window_10us = (uint32_t)(window_us / 10);
	return d;
}

void sw_dedup_free(struct sw_dedup *d)
{
	free(d);
}

static inline uint64_t sw_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static uint64_t sw_dedup_sig(const struct sw_pkt *p)
{
	uint64_t w[4], h = 0x51ed27;

	memcpy(w, p->src, 16);
	memcpy(w + 2, p->dst, 16);
	for (int i = 0; i < 4; i++)
		h = sw_mix(h, w[i]);
	h = sw_mix(h, (uint64_t)p->proto << 56 | (uint64_t)p->frag << 48 |
			      (uint64_t)p->tcp_flags << 40 | (uint64_t)p->ip_id << 24 |
			      (uint64_t)p->icmp_type << 16 | p->l4_csum);
	h = sw_mix(h, (uint64_t)p->sport << 48 | (uint64_t)p->dport << 32 | p->ip_len);
	h = sw_mix(h, (uint64_t)p->tcp_seq << 32 | p->tcp_ack);
	h = sw_mix(h, (uint64_t)p->frag_id << 16 | p->icmp_id);
	return h | 1; /* 0 marks an empty entry */
}

bool sw_dedup_is_copy(struct sw_dedup *d, const struct sw_pkt *pkt, unsigned iface,
		      uint64_t ts_us)
{
	uint64_t sig = sw_dedup_sig(pkt);
	struct sw_dedup_entry *set = d->e[(sig >> 40) & (SW_DEDUP_SETS - 1)];
	uint32_t now = (uint32_t)(ts_us / 10);
	uint32_t bit = 1u << (iface < 31 ? iface : 31);
	struct sw_dedup_entry *victim = &set[0];

	for (int w = 0; w < SW_DEDUP_WAYS; w++) {
		struct sw_dedup_entry *e = &set[w];
		/* copies can be read out of order across sources: use |difference| */
		uint32_t age = now - e->t_10us;

		if (age > 0x80000000u)
			age = -age;
		if (e->sig == sig && age <= d->window_10us) {
			if (e->ifaces & bit) {
				e->ifaces = bit; /* a repeat on the same interface: new packet */
				e->t_10us = now;
				return false;
			}
			e->ifaces |= bit;
			return true;
		}
		if (!e->sig || (int32_t)(e->t_10us - victim->t_10us) < 0)
			victim = e;
	}
	victim->sig = sig;
	victim->t_10us = now;
	victim->ifaces = bit;
	return false;
}
