/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reorder buffer for live capture on several interfaces. Each pcap handle
 * delivers its own frames in order, but handles are read one after another,
 * so a SYN-ACK read from one veth can come before the SYN read from another.
 * Frames are copied into fixed slots and released through a min-heap on the
 * kernel timestamp once they are older than a short hold time, which keeps
 * initiators and states exact.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sw_reorder {
	uint32_t capacity, count, slot_size;
	uint8_t *slots;		/* capacity * slot_size bytes */
	uint32_t *free_slots;	/* stack of free slot numbers */
	uint32_t n_free;
	uint32_t *heap;		/* slot numbers ordered by timestamp */
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
	r->free_slots = malloc(capacity * sizeof(uint32_t));
	r->heap = malloc(capacity * sizeof(uint32_t));
	if (!r->slots || !r->free_slots || !r->heap) {
		sw_reorder_free(r);
		return NULL;
	}
	for (uint32_t i = 0; i < capacity; i++)
		r->free_slots[i] = capacity - 1 - i;
	r->n_free = capacity;
	return r;
}

void sw_reorder_free(struct sw_reorder *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r->free_slots);
	free(r->heap);
	free(r);
}

bool sw_reorder_full(const struct sw_reorder *r)
{
	return r->n_free == 0 && !r->has_popped;
}

static bool sw_heap_less(const struct sw_reorder *r, uint32_t i, uint32_t j)
{
	return sw_frame(r, r->heap[i])->ts_us < sw_frame(r, r->heap[j])->ts_us;
}

static void sw_heap_swap(struct sw_reorder *r, uint32_t i, uint32_t j)
{
	uint32_t tmp = r->heap[i];

	r->heap[i] = r->heap[j];
	r->heap[j] = tmp;
}

void sw_reorder_push(struct sw_reorder *r, uint64_t ts_us, uint16_t source,
		     const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	uint32_t slot, i;
	struct sw_reorder_frame *f;
	uint32_t room = r->slot_size - (uint32_t)sizeof(struct sw_reorder_frame);

	/* the frame handed out by the last pop has been processed by now: reuse its slot */
	if (r->has_popped) {
		r->free_slots[r->n_free++] = r->last_popped;
		r->has_popped = false;
	}
	if (r->n_free == 0)
		return;
	slot = r->free_slots[--r->n_free];
	f = sw_frame(r, slot);
	f->ts_us = ts_us;
	f->caplen = caplen < room ? caplen : room;
	f->wirelen = wirelen;
	f->source = source;
	memcpy(f->data, data, f->caplen);
	i = r->count++;
	r->heap[i] = slot;
	while (i > 0 && sw_heap_less(r, i, (i - 1) / 2)) {
		sw_heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

const struct sw_reorder_frame *sw_reorder_pop(struct sw_reorder *r, uint64_t until_us)
{
	uint32_t top, i = 0;

	if (r->has_popped) {
		r->free_slots[r->n_free++] = r->last_popped;
		r->has_popped = false;
	}
	if (r->count == 0 || sw_frame(r, r->heap[0])->ts_us > until_us)
		return NULL;
	top = r->heap[0];
	r->heap[0] = r->heap[--r->count];
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < r->count && sw_heap_less(r, l, m))
			m = l;
		if (l + 1 < r->count && sw_heap_less(r, l + 1, m))
			m = l + 1;
		if (m == i)
			break;
		sw_heap_swap(r, i, m);
		i = m;
	}
	r->last_popped = top;
	r->has_popped = true;
	return sw_frame(r, top);
}
