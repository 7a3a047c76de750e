/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fragment tracker: only the first fragment of an IP datagram carries the
 * transport header, so the ports it gives are remembered under (family,
 * source, destination, protocol, identification) and later fragments are
 * counted in the same flow. Later fragments that arrive before the first are
 * held as counts, credited when the first comes, or turned into a port-less
 * flow if it never does (RFC 791 and RFC 8200 allow any arrival order).
 *
 * The table is a fixed array with short linear probing: its size bounds the
 * memory a flood of fragments can take.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_FRAG_SLOTS 4096u
#define SW_FRAG_PROBE 8u
#define SW_FRAG_TIMEOUT_US (30ULL * 1000000)

struct sw_frag_entry {
	bool used;
	bool have_first;
	uint8_t family, proto;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint64_t last_us;
	uint64_t pend_packets, pend_bytes;
	uint64_t pend_first_us, pend_last_us;
};

struct sw_frag_table {
	uint32_t n_used;	/* entries in use: expiry skips the scan when none are */
	struct sw_frag_entry slot[SW_FRAG_SLOTS];
};

struct sw_frag_table *sw_frag_table_alloc(void)
{
	return calloc(1, sizeof(struct sw_frag_table));
}

void sw_frag_table_free(struct sw_frag_table *ft)
{
	free(ft);
}

static uint32_t sw_frag_hash(const struct sw_pkt *pkt)
{
	uint32_t h = 2166136261u ^ pkt->frag_id;

	for (int i = 0; i < 16; i++) {
		h = (h ^ pkt->src[i]) * 16777619u;
		h = (h ^ pkt->dst[i]) * 16777619u;
	}
	return (h ^ pkt->proto) * 16777619u;
}

static bool sw_frag_match(const struct sw_frag_entry *e, const struct sw_pkt *pkt)
{
	return e->used && e->id == pkt->frag_id && e->proto == pkt->proto &&
	       e->family == pkt->family && memcmp(e->src, pkt->src, 16) == 0 &&
	       memcmp(e->dst, pkt->dst, 16) == 0;
}

/* Account the held fragments in the flow with these ports, and forget them. */
static void sw_frag_credit(struct sw_flow_table *t, struct sw_frag_entry *e, uint16_t sport,
			   uint16_t dport)
{
	struct sw_flow_obs o = { 0 };

	if (!e->pend_packets)
		return;
	o.dir = sw_flow_key_make(&o.key, e->family, e->proto, e->src, sport, e->dst, dport);
	o.ts_us = e->pend_last_us;
	o.first_us = e->pend_first_us;
	o.packets = e->pend_packets;
	o.bytes = e->pend_bytes;
	o.extra_flags = SW_FLOW_F_FRAGMENTS;
	sw_flow_table_observe(t, &o);
	e->pend_packets = e->pend_bytes = 0;
}

/* Count held fragments whose first never came as a flow without ports. */
static void sw_frag_orphan(struct sw_frag_table *ft, struct sw_flow_table *t,
			   struct sw_frag_entry *e)
{
	sw_flow_table_stats_mut(t)->frag_orphans += e->pend_packets;
	sw_frag_credit(t, e, 0, 0);
	memset(e, 0, sizeof(*e));
	ft->n_used--;
}

static struct sw_frag_entry *sw_frag_slot(struct sw_frag_table *ft, struct sw_flow_table *t,
					  const struct sw_pkt *pkt)
{
	uint32_t h = sw_frag_hash(pkt);
	struct sw_frag_entry *free_e = NULL, *oldest = NULL;

	for (uint32_t i = 0; i < SW_FRAG_PROBE; i++) {
		struct sw_frag_entry *e = &ft->slot[(h + i) & (SW_FRAG_SLOTS - 1)];

		if (sw_frag_match(e, pkt))
			return e;
		if (!e->used && !free_e)
			free_e = e;
		if (e->used && (!oldest || e->last_us < oldest->last_us))
			oldest = e;
	}
	if (!free_e) {
		sw_flow_table_stats_mut(t)->frag_evicted++;
		sw_frag_orphan(ft, t, oldest);
		free_e = oldest;
	}
	ft->n_used++;
	free_e->used = true;
	free_e->family = pkt->family;
	free_e->proto = pkt->proto;
	free_e->id = pkt->frag_id;
	memcpy(free_e->src, pkt->src, 16);
	memcpy(free_e->dst, pkt->dst, 16);
	return free_e;
}

static void sw_frag_observe(struct sw_flow_table *t, const struct sw_frag_entry *e,
			    const struct sw_pkt *pkt, uint64_t ts_us)
{
	struct sw_flow_obs o = { 0 };

	o.dir = sw_flow_key_make(&o.key, e->family, e->proto, e->src, e->sport, e->dst,
				 e->dport);
	o.ts_us = ts_us;
	o.packets = 1;
	o.bytes = pkt->ip_len;
	o.tcp_flags = pkt->proto == 6 ? pkt->tcp_flags : 0;
	o.extra_flags = SW_FLOW_F_FRAGMENTS;
	o.pkt = pkt->frag == SW_FRAG_FIRST ? pkt : NULL;
	sw_flow_table_observe(t, &o);
}

void sw_frag_handle(struct sw_frag_table *ft, struct sw_flow_table *t,
		    const struct sw_pkt *pkt, uint64_t ts_us)
{
	struct sw_frag_entry *e = sw_frag_slot(ft, t, pkt);

	e->last_us = ts_us;
	if (pkt->frag == SW_FRAG_FIRST) {
		e->have_first = true;
		if (pkt->proto == 1 || pkt->proto == 58)
			sw_flow_icmp_ports(pkt, &e->sport, &e->dport);
		else if (pkt->has_ports) {
			e->sport = pkt->sport;
			e->dport = pkt->dport;
		}
		sw_frag_observe(t, e, pkt, ts_us);
		sw_frag_credit(t, e, e->sport, e->dport); /* later ones that came first */
	} else if (e->have_first) {
		sw_frag_observe(t, e, pkt, ts_us);
	} else {
		if (!e->pend_packets)
			e->pend_first_us = ts_us;
		e->pend_last_us = ts_us;
		e->pend_packets++;
		e->pend_bytes += pkt->ip_len;
	}
}

void sw_frag_expire(struct sw_frag_table *ft, struct sw_flow_table *t, uint64_t now_us,
		    bool all)
{
	for (uint32_t i = 0; i < SW_FRAG_SLOTS && ft->n_used; i++) {
		struct sw_frag_entry *e = &ft->slot[i];

		if (e->used && (all || e->last_us + SW_FRAG_TIMEOUT_US <= now_us))
			sw_frag_orphan(ft, t, e);
	}
}
