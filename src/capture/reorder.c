/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reorder buffer for live capture on several interfaces. Each pcap handle
 * delivers its own frames in order, but handles are read one after another
 * (a ring block at a time), so a SYN-ACK read from one veth can come before
 * the SYN read from another. Frames are copied into fixed slots and released
 * in kernel timestamp order once they are older than a short hold time, which
 * keeps initiators and states exact.
 *
 * The frames of each source are kept in a list sorted by time: they nearly
 * always arrive in order, so an insert is an append (a late one walks back
 * from the tail). The oldest frame overall is the oldest head among the
 * sources, found with a min-heap of the sources that hold frames: O(log k)
 * for k busy interfaces, in small arrays that stay in cache, instead of a
 * heap over every buffered frame (tens of thousands at high rates), whose
 * every sift missed the cache.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_REORDER_SOURCES 64u	/* more share the last list, still sorted */
#define SW_NONE UINT32_MAX

struct sw_reorder_list {
	uint32_t head, tail;	/* slots, SW_NONE when empty */
	uint32_t heap_pos;	/* where in the heap, SW_NONE when empty */
};

struct sw_reorder {
	uint32_t capacity, slot_size;
	uint8_t *slots;		/* capacity * slot_size bytes */
	uint64_t *ts;		/* each slot's timestamp, beside the links */
	uint32_t *prev, *next;	/* each slot's neighbours in its source's list */
	/*
	 * Free slot numbers, a queue: frames leave in about the order they
	 * came, so slots are taken and read back in address order, which the
	 * hardware prefetcher follows (a stack handed out slots all over).
	 */
	uint32_t *free_slots;
	uint32_t n_free, free_head;	/* free_slots[free_head .. + n_free), modulo capacity */
	struct sw_reorder_list list[SW_REORDER_SOURCES];
	uint16_t heap[SW_REORDER_SOURCES];	/* sources with frames, by head time */
	uint32_t n_heap;
	uint32_t last_popped;
	bool has_popped;
};

static struct sw_reorder_frame *sw_frame(const struct sw_reorder *r, uint32_t slot)
{
	return (struct sw_reorder_frame *)(r->slots + (size_t)slot * r->slot_size);
}

struct sw_reorder *sw_reorder_alloc(uint32_t capacity, uint32_t max_caplen)
{
	struct sw_reorder *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->capacity = capacity;
	r->slot_size = (uint32_t)((sizeof(struct sw_reorder_frame) + max_caplen + 7) & ~7u);
	r->slots = malloc((size_t)capacity * r->slot_size);
	r->ts = malloc(capacity * sizeof(*r->ts));
	r->prev = malloc(capacity * sizeof(*r->prev));
	r->next = malloc(capacity * sizeof(*r->next));
	r->free_slots = malloc(capacity * sizeof(*r->free_slots));
	if (!r->slots || !r->ts || !r->prev || !r->next || !r->free_slots) {
		sw_reorder_free(r);
		return NULL;
	}
	for (uint32_t i = 0; i < capacity; i++)
		r->free_slots[i] = i;
	r->n_free = capacity;
	for (uint32_t s = 0; s < SW_REORDER_SOURCES; s++)
		r->list[s] = (struct sw_reorder_list){ SW_NONE, SW_NONE, SW_NONE };
	return r;
}

void sw_reorder_free(struct sw_reorder *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r->ts);
	free(r->prev);
	free(r->next);
	free(r->free_slots);
	free(r);
}

bool sw_reorder_empty(const struct sw_reorder *r)
{
	return r->n_heap == 0;
}

bool sw_reorder_full(const struct sw_reorder *r)
{
	return r->n_free == 0 && !r->has_popped;
}

/* ---- the heap of sources, keyed by the time of each one's oldest frame ---- */

static uint64_t sw_head_ts(const struct sw_reorder *r, uint32_t i)
{
	return r->ts[r->list[r->heap[i]].head];
}

static void sw_heap_set(struct sw_reorder *r, uint32_t i, uint16_t source)
{
	r->heap[i] = source;
	r->list[source].heap_pos = i;
}

static void sw_heap_up(struct sw_reorder *r, uint32_t i)
{
	uint16_t s = r->heap[i];
	uint64_t t = r->ts[r->list[s].head];

	while (i > 0 && t < sw_head_ts(r, (i - 1) / 2)) {
		sw_heap_set(r, i, r->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	sw_heap_set(r, i, s);
}

static void sw_heap_down(struct sw_reorder *r, uint32_t i)
{
	uint16_t s = r->heap[i];
	uint64_t t = r->ts[r->list[s].head];

	for (;;) {
		uint32_t l = 2 * i + 1, m = l;

		if (l >= r->n_heap)
			break;
		if (l + 1 < r->n_heap && sw_head_ts(r, l + 1) < sw_head_ts(r, l))
			m = l + 1;
		if (sw_head_ts(r, m) >= t)
			break;
		sw_heap_set(r, i, r->heap[m]);
		i = m;
	}
	sw_heap_set(r, i, s);
}

/* ---- push and pop ---- */

/* Put @slot in @source's list at its place in time (after equal times: first in, first out). */
static void sw_list_insert(struct sw_reorder *r, uint16_t source, uint32_t slot)
{
	struct sw_reorder_list *l = &r->list[source];
	uint32_t after = l->tail;

	while (after != SW_NONE && r->ts[after] > r->ts[slot])
		after = r->prev[after];
	r->prev[slot] = after;
	r->next[slot] = after == SW_NONE ? l->head : r->next[after];
	if (r->next[slot] == SW_NONE)
		l->tail = slot;
	else
		r->prev[r->next[slot]] = slot;
	if (after != SW_NONE) {
		r->next[after] = slot;
		return;
	}
	l->head = slot; /* a new oldest frame for this source */
	if (l->heap_pos == SW_NONE) {
		l->heap_pos = r->n_heap;
		r->heap[r->n_heap++] = source;
	}
	sw_heap_up(r, l->heap_pos);
}

/* The frame handed out by the last pop has been processed by now: its slot is free. */
static void sw_reorder_recycle(struct sw_reorder *r)
{
	if (r->has_popped) {
		r->free_slots[(r->free_head + r->n_free++) % r->capacity] = r->last_popped;
		r->has_popped = false;
	}
}

void sw_reorder_push(struct sw_reorder *r, uint64_t ts_us, uint16_t source,
		     const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	uint32_t room = r->slot_size - (uint32_t)sizeof(struct sw_reorder_frame);
	struct sw_reorder_frame *f;
	uint32_t slot;

	sw_reorder_recycle(r);
	if (r->n_free == 0)
		return;
	slot = r->free_slots[r->free_head];
	r->free_head = (r->free_head + 1) % r->capacity;
	r->n_free--;
	f = sw_frame(r, slot);
	f->ts_us = ts_us;
	f->caplen = caplen < room ? caplen : room;
	f->wirelen = wirelen;
	f->source = source;
	memcpy(f->data, data, f->caplen);
	r->ts[slot] = ts_us;
	sw_list_insert(r, source < SW_REORDER_SOURCES ? source : SW_REORDER_SOURCES - 1, slot);
}

const struct sw_reorder_frame *sw_reorder_pop(struct sw_reorder *r, uint64_t until_us)
{
	struct sw_reorder_list *l;
	uint32_t slot;

	sw_reorder_recycle(r);
	if (r->n_heap == 0 || sw_head_ts(r, 0) > until_us)
		return NULL;
	l = &r->list[r->heap[0]];
	slot = l->head;
	l->head = r->next[slot];
	if (l->head != SW_NONE) {
		r->prev[l->head] = SW_NONE;
		sw_heap_down(r, 0); /* its next frame is newer */
	} else {
		l->tail = l->heap_pos = SW_NONE;
		if (--r->n_heap > 0) {
			sw_heap_set(r, 0, r->heap[r->n_heap]);
			sw_heap_down(r, 0);
		}
	}
	r->last_popped = slot;
	r->has_popped = true;
	/*
	 * Buffered frames have mostly left the caches by the time they go out
	 * (the watched containers share the core): fetch the next one while
	 * this one is processed.
	 */
	if (r->n_heap > 0) {
		const uint8_t *next = (const uint8_t *)sw_frame(r, r->list[r->heap[0]].head);

		__builtin_prefetch(next);
		__builtin_prefetch(next + 64);
	}
	return sw_frame(r, slot);
}
