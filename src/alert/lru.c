// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lru.c - fixed pools of keyed slots, least recently used reused first. A
 * key is bytes (a source: a tag and its address or name, no text made per
 * packet) or a string (the dedup keys: the bytes before the NUL, kept
 * NUL-terminated so the slot reads as text).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL: touched instead */
#endif

/*
 * One madvise(MADV_POPULATE_WRITE) faults the whole range in: a capture of a
 * few seconds paid ~5% of its time for a page fault per 4 KiB of the 26 MiB
 * the scan tables reserve. The same pages end up resident either way.
 */
void sw_alert_prefault(void *p, size_t n)
{
	volatile uint8_t *b = p;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)p + pg - 1) & ~(pg - 1), hi = ((uintptr_t)p + n) & ~(pg - 1);

	if (!b || !n)
		return;
	if (hi > lo && madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0) {
		b[0] = 0;	/* the partial pages at either end */
		b[n - 1] = 0;
		return;
	}
	for (size_t i = 0; i < n; i += 4096)
		b[i] = 0;
}

/*
 * Eight bytes a step: a source key is 17 bytes, and FNV-1a's byte-at-a-time
 * chain was most of a lookup. A tail after whole words is the key's last
 * eight bytes (overlapping), so no copy of a length known only now (a call);
 * a full avalanche at the end, since the tables index by the low bits and
 * an IPv4 address's last octet ends up in the word's top byte.
 */
uint64_t sw_alert_hash(const void *key, size_t len)
{
	const uint8_t *b = key, *end = b + len;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, v = 0;
	size_t n = len;

	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&v, b, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (n && len >= 8) {
		memcpy(&v, end - 8, 8);
	} else {
		v = 0;
		for (size_t i = 0; i < n; i++)
			v = v << 8 | b[i];
	}
	h ^= v; /* MurmurHash3's fmix64 */
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* @a and @b equal over @len bytes (at most 24): overlapping word loads, no call. */
static bool sw_alert_eq_small(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y, x2, y2;

	if (len < 8)
		return memcmp(a, b, len) == 0;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	memcpy(&x2, a + len - 8, 8);
	memcpy(&y2, b + len - 8, 8);
	if (x != y || x2 != y2)
		return false;
	if (len <= 16)
		return true;
	memcpy(&x, a + 8, 8);
	memcpy(&y, b + 8, 8);
	return x == y;
}

uint64_t sw_alert_target_hash(const uint8_t addr[16], uint8_t proto, uint16_t port)
{
	uint8_t b[19];

	memcpy(b, addr, 16);
	b[16] = proto;
	memcpy(b + 17, &port, sizeof(port));
	return sw_alert_hash(b, sizeof(b));
}

/*
 * Node @i's key equals @key (@len bytes, the node's klen): a short key from
 * the node's inline copy alone; a longer one also from its slot.
 */
static bool sw_lru_key_eq(const struct sw_lru *lru, uint32_t i, const void *key, size_t len)
{
	const struct sw_lru_node *s = &lru->nodes[i];

	_Static_assert(SW_LRU_KEY_INLINE <= 24, "sw_alert_eq_small compares at most 24 bytes");
	if (len > SW_LRU_KEY_INLINE)
		return sw_alert_eq_small(s->kpre, key, SW_LRU_KEY_INLINE) &&
		       memcmp(lru->slots[i].key + SW_LRU_KEY_INLINE,
			      (const uint8_t *)key + SW_LRU_KEY_INLINE, len - SW_LRU_KEY_INLINE) == 0;
	return sw_alert_eq_small(s->kpre, key, len);
}

bool sw_lru_init(struct sw_lru *lru, uint32_t n)
{
	memset(lru, 0, sizeof(*lru));
	lru->n = n ? n : 1;
	lru->nbuckets = 1;
	while (lru->nbuckets < lru->n)
		lru->nbuckets <<= 1;
	lru->slots = calloc(lru->n, sizeof(*lru->slots));
	lru->nodes = calloc(lru->n, sizeof(*lru->nodes));
	lru->buckets = malloc(lru->nbuckets * sizeof(*lru->buckets));
	if (!lru->slots || !lru->nodes || !lru->buckets) {
		sw_lru_clear(lru);
		return false;
	}
	memset(lru->buckets, 0xff, lru->nbuckets * sizeof(*lru->buckets));
	sw_alert_prefault(lru->slots, (size_t)lru->n * sizeof(*lru->slots));
	sw_alert_prefault(lru->nodes, (size_t)lru->n * sizeof(*lru->nodes));
	lru->head = lru->tail = SW_LRU_NIL;
	return true;
}

void sw_lru_clear(struct sw_lru *lru)
{
	free(lru->slots);
	free(lru->nodes);
	free(lru->buckets);
	memset(lru, 0, sizeof(*lru));
}

static void sw_lru_unlink(struct sw_lru *lru, uint32_t i)
{
	struct sw_lru_node *s = &lru->nodes[i];

	if (s->prev != SW_LRU_NIL)
		lru->nodes[s->prev].next = s->next;
	else
		lru->head = s->next;
	if (s->next != SW_LRU_NIL)
		lru->nodes[s->next].prev = s->prev;
	else
		lru->tail = s->prev;
}

static void sw_lru_push_front(struct sw_lru *lru, uint32_t i)
{
	struct sw_lru_node *s = &lru->nodes[i];

	s->prev = SW_LRU_NIL;
	s->next = lru->head;
	if (lru->head != SW_LRU_NIL)
		lru->nodes[lru->head].prev = i;
	lru->head = i;
	if (lru->tail == SW_LRU_NIL)
		lru->tail = i;
}

uint32_t sw_lru_lookup(const struct sw_lru *lru, const void *key, size_t len)
{
	uint64_t h = sw_alert_hash(key, len);
	uint32_t i = lru->buckets[h & (lru->nbuckets - 1)];

	for (; i != SW_LRU_NIL; i = lru->nodes[i].hnext)
		if (lru->nodes[i].hash == h && lru->nodes[i].klen == len &&
		    sw_lru_key_eq(lru, i, key, len))
			return i;
	return SW_LRU_NIL;
}

void sw_lru_touch(struct sw_lru *lru, uint32_t i)
{
	if (lru->head != i) {
		sw_lru_unlink(lru, i);
		sw_lru_push_front(lru, i);
	}
}

uint32_t sw_lru_find_bytes(struct sw_lru *lru, const void *key, size_t len)
{
	uint32_t i = sw_lru_lookup(lru, key, len);

	if (i != SW_LRU_NIL)
		sw_lru_touch(lru, i);
	return i;
}

uint32_t sw_lru_find(struct sw_lru *lru, const char *key)
{
	return sw_lru_find_bytes(lru, key, strlen(key));
}

static void sw_lru_unhash(struct sw_lru *lru, uint32_t i)
{
	uint32_t *pp = &lru->buckets[lru->nodes[i].hash & (lru->nbuckets - 1)];

	while (*pp != i)
		pp = &lru->nodes[*pp].hnext;
	*pp = lru->nodes[i].hnext;
}

uint32_t sw_lru_insert_bytes(struct sw_lru *lru, const void *key, size_t len, bool *evicted)
{
	struct sw_lru_node *s;
	uint32_t i, *b;

	*evicted = lru->used == lru->n;
	if (*evicted) {
		i = lru->tail;
		sw_lru_unlink(lru, i);
		sw_lru_unhash(lru, i);
	} else {
		i = lru->used++;
	}
	if (len > SW_ALERT_KEY_MAX - 1)
		len = SW_ALERT_KEY_MAX - 1;
	s = &lru->nodes[i];
	memcpy(lru->slots[i].key, key, len);
	lru->slots[i].key[len] = '\0';
	s->klen = (uint16_t)len;
	memset(s->kpre, 0, sizeof(s->kpre));
	memcpy(s->kpre, key, len < SW_LRU_KEY_INLINE ? len : SW_LRU_KEY_INLINE);
	s->hash = sw_alert_hash(key, len);
	b = &lru->buckets[s->hash & (lru->nbuckets - 1)];
	s->hnext = *b;
	*b = i;
	sw_lru_push_front(lru, i);
	return i;
}

uint32_t sw_lru_insert(struct sw_lru *lru, const char *key, bool *evicted)
{
	return sw_lru_insert_bytes(lru, key, strlen(key), evicted);
}
