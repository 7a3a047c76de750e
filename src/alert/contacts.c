// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * contacts.c - what a source has contacted before (a bounded set: only a
 * first contact is a test of the source) and its first contacts still
 * waiting for an answer (a fixed few, each with its attempt time).
 */
#include <string.h>

#include "internal.h"

uint32_t sw_scan_target_hash(const struct sw_scan_target *t)
{
	uint64_t h = sw_alert_target_hash(t->addr, t->proto, t->port);

	return (uint32_t)(h ^ (h >> 32));
}

void sw_scan_target_of(struct sw_scan_target *t, const struct sw_alert_conn *c)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->addr, c->dst.addr, 16);
	t->proto = c->proto;
	t->port = (c->proto == 1 || c->proto == 58) ? c->icmp_type : c->dport;
}

/* Four words (the compiler's generic vectors: SSE2/NEON compares where there are some). */
typedef uint32_t sw_u32x4 __attribute__((vector_size(16)));

/*
 * @h among the @n words of @set, eight at a time in vector compares (a new
 * flow pays this scan: about 200 instructions one word at a time).
 */
static bool sw_contact_in(const uint32_t *set, uint32_t n, uint32_t h)
{
	const sw_u32x4 want = { h, h, h, h };
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8) {
		sw_u32x4 a, b, hit;
		uint64_t w[2];

		memcpy(&a, set + i, sizeof(a));
		memcpy(&b, set + i + 4, sizeof(b));
		hit = (sw_u32x4)((a == want) | (b == want));
		memcpy(w, &hit, sizeof(w));
		if (w[0] | w[1])
			return true;
	}
	for (; i < n; i++)
		if (set[i] == h)
			return true;
	return false;
}

/*
 * A linear scan of at most contacts_per_source words (256 by default, 1 KiB):
 * on this kind of host it measured cheaper than a hash index beside it (one
 * random line of a larger table, a TLB miss more often than not), and only a
 * new flow pays it.
 */
bool sw_scan_contact_seen(uint32_t *set, uint32_t cap, struct sw_scan_source *s, uint32_t h,
			  bool *evicted)
{
	*evicted = false;
	if (sw_contact_in(set, s->n_contacts, h))
		return true;
	if (s->n_contacts < cap) {
		set[s->n_contacts++] = h;
		return false;
	}
	/* full: the oldest goes (FIFO); a retry to it later counts as a first contact again */
	set[s->next_contact] = h;
	s->next_contact = (s->next_contact + 1) % cap;
	*evicted = true;
	return false;
}

_Static_assert(SW_SCAN_PENDING == 32, "pending_used is a 32-bit mask");

struct sw_scan_pending *sw_scan_pending_add(struct sw_scan_pending *p, struct sw_scan_source *s,
					    uint32_t h)
{
	uint32_t k;

	if (s->pending_used == UINT32_MAX)
		return NULL;
	k = (uint32_t)__builtin_ctz(~s->pending_used);
	s->pending_used |= 1u << k;
	s->pending_hash[k] = h;
	s->n_pending++;
	p[k].used = 1;
	p[k].slot = (uint8_t)k;
	p[k].hash = h;
	return &p[k];
}

struct sw_scan_pending *sw_scan_pending_find(struct sw_scan_pending *p,
					     const struct sw_scan_source *s, uint32_t h,
					     const struct sw_scan_target *t)
{
	for (uint32_t m = s->pending_used; m; m &= m - 1) {
		uint32_t k = (uint32_t)__builtin_ctz(m);
		uint64_t a[2], b[2];

		if (s->pending_hash[k] != h || p[k].t.proto != t->proto || p[k].t.port != t->port)
			continue;
		memcpy(a, p[k].t.addr, 16);
		memcpy(b, t->addr, 16);
		if (a[0] == b[0] && a[1] == b[1])
			return &p[k];
	}
	return NULL;
}

struct sw_scan_pending *sw_scan_pending_oldest(struct sw_scan_pending *p,
					       const struct sw_scan_source *s)
{
	struct sw_scan_pending *o = NULL;

	for (uint32_t m = s->pending_used; m; m &= m - 1) {
		uint32_t k = (uint32_t)__builtin_ctz(m);

		if (!o || p[k].ts_us < o->ts_us)
			o = &p[k];
	}
	return o;
}

void sw_scan_pending_drop(struct sw_scan_pending *p, struct sw_scan_source *s)
{
	/* the mask, not p->used, says what is pending: slots are not cleared for a new source */
	if (s->pending_used & (1u << p->slot)) {
		s->pending_used &= ~(1u << p->slot);
		s->n_pending--;
	}
	p->used = 0;
}

void sw_scan_pending_due(struct sw_scan_pending *p, struct sw_scan_source *s, uint64_t timeout_us)
{
	struct sw_scan_pending *o = s->n_pending ? sw_scan_pending_oldest(p, s) : NULL;

	s->next_due_us = o ? o->ts_us + timeout_us : UINT64_MAX;
}
