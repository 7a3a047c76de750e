// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agg.c - logged packets counted per key, in a bounded table: entries in a
 * dense array (insertion order, sortable), found through an open-addressing
 * index of entry numbers. Like softflowd's flow table, the bound is kept by
 * counting what did not fit, never by growing without end: a scan logs one
 * key per port probed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/nflog.h>

struct sw_nflog_agg {
	struct sw_nflog_agg_entry *v;
	size_t n, cap;
	uint32_t *slots;	/* entry number + 1; 0 = empty */
	size_t n_slots;		/* a power of two, at least twice n */
	struct sw_nflog_agg_stats stats;
};

struct sw_nflog_agg *sw_nflog_agg_alloc(uint32_t max_keys)
{
	struct sw_nflog_agg *a = calloc(1, sizeof(*a));

	if (a)
		a->stats.max_keys = max_keys ? max_keys : SW_NFLOG_AGG_MAX_DEFAULT;
	return a;
}

void sw_nflog_agg_free(struct sw_nflog_agg *a)
{
	if (!a)
		return;
	free(a->v);
	free(a->slots);
	free(a);
}

static bool sw_nflog_is_icmp(uint8_t family, uint8_t proto)
{
	return (family == 4 && proto == 1) || (family == 6 && proto == 58);
}

bool sw_nflog_agg_key_fill(struct sw_nflog_agg_key *k, const struct sw_nflog_rec *r)
{
	memset(k, 0, sizeof(*k)); /* padding too: keys are compared and hashed as bytes */
	if (r->action == SW_NFLOG_UNKNOWN || r->rule == SW_NFLOG_RULE_NONE || !r->decoded)
		return false;
	k->rule = r->rule;
	k->action = (uint8_t)r->action;
	k->family = r->family;
	k->proto = r->proto;
	k->icmp = sw_nflog_is_icmp(r->family, r->proto);
	k->port = k->icmp ? r->icmp_type : r->dport;
	memcpy(k->src, r->src, 16);
	memcpy(k->dst, r->dst, 16);
	return true;
}

/* FNV-1a over the key's bytes. */
static uint32_t sw_nflog_key_hash(const struct sw_nflog_agg_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The slot holding @k, or the empty slot where it would go. */
static uint32_t *sw_nflog_slot(const struct sw_nflog_agg *a, const struct sw_nflog_agg_key *k)
{
	size_t mask = a->n_slots - 1, i = sw_nflog_key_hash(k) & mask;

	while (a->slots[i] && memcmp(&a->v[a->slots[i] - 1].key, k, sizeof(*k)) != 0)
		i = (i + 1) & mask;
	return &a->slots[i];
}

/* Index every entry in @slots (@n_slots, zeroed), which replaces the old index. */
static void sw_nflog_index(struct sw_nflog_agg *a, uint32_t *slots, size_t n_slots)
{
	free(a->slots);
	a->slots = slots;
	a->n_slots = n_slots;
	for (size_t i = 0; i < a->n; i++)
		*sw_nflog_slot(a, &a->v[i].key) = (uint32_t)(i + 1);
}

/* Room for one more entry: the array, and an index at most half full. */
static bool sw_nflog_agg_reserve(struct sw_nflog_agg *a)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct sw_nflog_agg_entry *v;

		if (cap > a->stats.max_keys)
			cap = a->stats.max_keys;
		v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return false;
		a->v = v;
		a->cap = cap;
	}
	if ((a->n + 1) * 2 > a->n_slots) {
		size_t n_slots = a->n_slots ? a->n_slots * 2 : 128;
		uint32_t *slots = calloc(n_slots, sizeof(*slots));

		if (!slots)
			return false;
		sw_nflog_index(a, slots, n_slots);
	}
	return true;
}

bool sw_nflog_agg_add(struct sw_nflog_agg *a, const struct sw_nflog_rec *r)
{
	struct sw_nflog_agg_entry *e;
	struct sw_nflog_agg_key k;
	uint32_t *slot;

	if (!sw_nflog_agg_key_fill(&k, r)) {
		if (r->action == SW_NFLOG_UNKNOWN || r->rule == SW_NFLOG_RULE_NONE)
			a->stats.foreign++;
		else
			a->stats.undecoded++;
		return false;
	}
	slot = a->n_slots ? sw_nflog_slot(a, &k) : NULL;
	if (!slot || !*slot) {
		/* a new key: only while the bound (and memory) allows */
		if (a->n >= a->stats.max_keys || !sw_nflog_agg_reserve(a)) {
			a->stats.not_aggregated++;
			return false;
		}
		slot = sw_nflog_slot(a, &k);
		e = &a->v[a->n++];
		*slot = (uint32_t)a->n;
		e->key = k;
		e->packets = 0;
		e->first_us = e->last_us = r->ts_us;
		a->stats.keys = (uint32_t)a->n;
	}
	e = &a->v[*slot - 1];
	e->packets++;
	if (r->ts_us < e->first_us)
		e->first_us = r->ts_us;
	if (r->ts_us > e->last_us)
		e->last_us = r->ts_us;
	a->stats.packets++;
	return true;
}

void sw_nflog_agg_cb(const struct sw_nflog_rec *r, void *arg)
{
	sw_nflog_agg_add(arg, r);
}

static int sw_nflog_entry_cmp(const void *x, const void *y)
{
	const struct sw_nflog_agg_entry *a = x, *b = y;

	if (a->first_us != b->first_us)
		return a->first_us < b->first_us ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

void sw_nflog_agg_sort(struct sw_nflog_agg *a)
{
	uint32_t *slots;

	if (a->n < 2)
		return;
	/* the index is rebuilt for the moved entries; without memory, stay unsorted */
	if (!(slots = calloc(a->n_slots, sizeof(*slots))))
		return;
	qsort(a->v, a->n, sizeof(*a->v), sw_nflog_entry_cmp);
	sw_nflog_index(a, slots, a->n_slots);
}

const struct sw_nflog_agg_entry *sw_nflog_agg_entries(const struct sw_nflog_agg *a, size_t *n)
{
	*n = a->n;
	return a->v;
}

const struct sw_nflog_agg_stats *sw_nflog_agg_stats(const struct sw_nflog_agg *a)
{
	return &a->stats;
}

void sw_nflog_prefix_format(char *buf, size_t len, enum sw_nflog_action action, int rule)
{
	if (rule == SW_NFLOG_RULE_DEFAULT)
		snprintf(buf, len, "sw %s default", sw_nflog_action_name(action));
	else if (rule == SW_NFLOG_RULE_UNCLASSIFIED)
		snprintf(buf, len, "sw %s unclassified", sw_nflog_action_name(action));
	else
		snprintf(buf, len, "sw %s rules/%d", sw_nflog_action_name(action), rule);
}

const char *sw_nflog_action_name(enum sw_nflog_action action)
{
	switch (action) {
	case SW_NFLOG_DENY: return "deny";
	case SW_NFLOG_MONITOR: return "monitor";
	default: return "unknown";
	}
}
