/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workload registry: workloads by (source, uid), and for each address
 * and host-side interface the history of who held it when.
 *
 * Bindings are kept newest first; a lookup walks the (short) history of one
 * address. Each address keeps at most SW_HISTORY_MAX bindings, so a host
 * that churns containers does not grow without bound.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/workload.h>

#define SW_HISTORY_MAX 16
#define SW_OPEN UINT64_MAX

struct sw_wl_entry {
	struct sw_workload w;
	bool running;
	uint64_t started_us, stopped_us;
	struct sw_wl_entry *next_key;	/* hash chain on (source, uid) */
};

struct sw_binding {
	struct sw_wl_entry *entry;
	uint64_t from_us, to_us;	/* [from, to) */
	struct sw_binding *next;	/* older */
};

/* One address (or ifindex, stored as a 16-byte key with a marker) and its history. */
struct sw_slot {
	uint8_t key[16];
	struct sw_binding *hist;
	struct sw_slot *next;
};

struct sw_map {
	struct sw_slot **b;
	size_t mask, count;
};

struct sw_registry {
	struct sw_wl_entry **entries;	/* every entry ever, stable pointers */
	size_t n_entries, cap_entries;
	struct sw_wl_entry **by_key;
	size_t key_mask;
	struct sw_map addrs;
	struct sw_map ifaces;
	size_t running;
	uint64_t generation;	/* bumped by every change: watchers compare it */
};

static uint64_t sw_hash_bytes(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static bool sw_map_init(struct sw_map *m, size_t buckets)
{
	m->b = calloc(buckets, sizeof(*m->b));
	m->mask = buckets - 1;
	return m->b != NULL;
}

static void sw_map_free(struct sw_map *m)
{
	for (size_t i = 0; m->b && i <= m->mask; i++) {
		struct sw_slot *s = m->b[i];

		while (s) {
			struct sw_slot *n = s->next;
			struct sw_binding *bd = s->hist;

			while (bd) {
				struct sw_binding *bn = bd->next;

				free(bd);
				bd = bn;
			}
			free(s);
			s = n;
		}
	}
	free(m->b);
}

static bool sw_map_grow(struct sw_map *m)
{
	size_t n = (m->mask + 1) * 2;
	struct sw_slot **b = calloc(n, sizeof(*b));

	if (!b)
		return false;
	for (size_t i = 0; i <= m->mask; i++) {
		struct sw_slot *s = m->b[i];

		while (s) {
			struct sw_slot *next = s->next;
			size_t h = sw_hash_bytes(s->key, 16) & (n - 1);

			s->next = b[h];
			b[h] = s;
			s = next;
		}
	}
	free(m->b);
	m->b = b;
	m->mask = n - 1;
	return true;
}

static struct sw_slot *sw_map_find(const struct sw_map *m, const uint8_t key[16])
{
	struct sw_slot *s = m->b[sw_hash_bytes(key, 16) & m->mask];

	while (s && memcmp(s->key, key, 16) != 0)
		s = s->next;
	return s;
}

static struct sw_slot *sw_map_get(struct sw_map *m, const uint8_t key[16])
{
	struct sw_slot *s = sw_map_find(m, key);
	size_t h;

	if (s)
		return s;
	if (m->count >= m->mask + 1 && !sw_map_grow(m))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->key, key, 16);
	h = sw_hash_bytes(key, 16) & m->mask;
	s->next = m->b[h];
	m->b[h] = s;
	m->count++;
	return s;
}

static void sw_ifindex_key(uint8_t key[16], int ifindex)
{
	memset(key, 0, 16);
	memcpy(key, &ifindex, sizeof(ifindex));
}

struct sw_registry *sw_registry_alloc(void)
{
	struct sw_registry *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	reg->key_mask = 1023;
	reg->by_key = calloc(reg->key_mask + 1, sizeof(*reg->by_key));
	if (!reg->by_key || !sw_map_init(&reg->addrs, 1024) || !sw_map_init(&reg->ifaces, 256)) {
		sw_registry_free(reg);
		return NULL;
	}
	return reg;
}

void sw_registry_free(struct sw_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n_entries; i++) {
		sw_workload_clear(&reg->entries[i]->w);
		free(reg->entries[i]);
	}
	free(reg->entries);
	free(reg->by_key);
	sw_map_free(&reg->addrs);
	sw_map_free(&reg->ifaces);
	free(reg);
}

static size_t sw_key_hash(const struct sw_registry *reg, enum sw_wl_source source, const char *uid)
{
	return (sw_hash_bytes(uid, strlen(uid)) ^ (uint64_t)source) & reg->key_mask;
}

static struct sw_wl_entry *sw_registry_find(const struct sw_registry *reg,
					    enum sw_wl_source source, const char *uid)
{
	struct sw_wl_entry *e = reg->by_key[sw_key_hash(reg, source, uid)];

	while (e && !(e->w.source == source && strcmp(e->w.uid, uid) == 0))
		e = e->next_key;
	return e;
}

/* Open a binding of @key to @e from @now, unless it is already open; trim old history. */
static bool sw_bind(struct sw_map *m, const uint8_t key[16], struct sw_wl_entry *e, uint64_t now)
{
	struct sw_slot *s = sw_map_get(m, key);
	struct sw_binding *b, **pp;
	int n = 0;

	if (!s)
		return false;
	for (b = s->hist; b; b = b->next)
		if (b->entry == e && b->to_us == SW_OPEN)
			return true;
	b = calloc(1, sizeof(*b));
	if (!b)
		return false;
	b->entry = e;
	b->from_us = now;
	b->to_us = SW_OPEN;
	b->next = s->hist;
	s->hist = b;
	for (pp = &s->hist; *pp; n++) {
		if (n >= SW_HISTORY_MAX && (*pp)->to_us != SW_OPEN) {
			struct sw_binding *old = *pp;

			*pp = old->next;
			free(old);
			continue;
		}
		pp = &(*pp)->next;
	}
	return true;
}

/* Close the open binding of @key to @e as of @now. */
static void sw_unbind(struct sw_map *m, const uint8_t key[16], const struct sw_wl_entry *e,
		      uint64_t now)
{
	struct sw_slot *s = sw_map_find(m, key);

	for (struct sw_binding *b = s ? s->hist : NULL; b; b = b->next)
		if (b->entry == e && b->to_us == SW_OPEN)
			b->to_us = now > b->from_us ? now : b->from_us + 1;
}

static bool sw_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void sw_registry_unlink_key(struct sw_registry *reg, struct sw_wl_entry *e)
{
	struct sw_wl_entry **pp = &reg->by_key[sw_key_hash(reg, e->w.source, e->w.uid)];

	while (*pp && *pp != e)
		pp = &(*pp)->next_key;
	if (*pp)
		*pp = e->next_key;
	e->next_key = NULL;
}

static void sw_release_all(struct sw_registry *reg, struct sw_wl_entry *e, uint64_t now)
{
	uint8_t key[16];

	for (size_t i = 0; i < e->w.n_addrs; i++)
		sw_unbind(&reg->addrs, e->w.addrs[i], e, now);
	if (e->w.ifindex) {
		sw_ifindex_key(key, e->w.ifindex);
		sw_unbind(&reg->ifaces, key, e, now);
	}
}

static struct sw_wl_entry *sw_registry_new_entry(struct sw_registry *reg, const struct sw_workload *w)
{
	struct sw_wl_entry *e;
	size_t h;

	if (reg->n_entries == reg->cap_entries) {
		size_t cap = reg->cap_entries ? reg->cap_entries * 2 : 64;
		struct sw_wl_entry **p = realloc(reg->entries, cap * sizeof(*p));

		if (!p)
			return NULL;
		reg->entries = p;
		reg->cap_entries = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	h = sw_key_hash(reg, w->source, w->uid);
	e->next_key = reg->by_key[h];
	reg->by_key[h] = e;
	reg->entries[reg->n_entries++] = e;
	return e;
}

static bool sw_workload_same(const struct sw_workload *a, const struct sw_workload *b)
{
	if (a->n_labels != b->n_labels || a->n_addrs != b->n_addrs || a->n_macs != b->n_macs ||
	    a->ifindex != b->ifindex || !sw_str_eq(a->name, b->name) ||
	    !sw_str_eq(a->namespace, b->namespace) || !sw_str_eq(a->iface, b->iface))
		return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (strcmp(a->labels[i].key, b->labels[i].key) != 0 ||
		    strcmp(a->labels[i].value, b->labels[i].value) != 0)
			return false;
	/* memcmp on a NULL array is undefined even for 0 bytes */
	return (!a->n_addrs || memcmp(a->addrs, b->addrs, a->n_addrs * 16) == 0) &&
	       (!a->n_macs || memcmp(a->macs, b->macs, a->n_macs * 6) == 0);
}

/*
 * A changed workload gets a new entry (a new version) and the old one is
 * retired, never modified: lookups hand out pointers to entries, and a
 * flow written later (on another thread) must still read what was true
 * when it was resolved.
 */
bool sw_registry_upsert(struct sw_registry *reg, const struct sw_workload *w, uint64_t now_us)
{
	struct sw_wl_entry *old = w->uid ? sw_registry_find(reg, w->source, w->uid) : NULL;
	struct sw_workload copy;
	struct sw_wl_entry *e;
	uint8_t key[16];
	bool ok = true;

	if (!w->uid)
		return false;
	if (old && old->running && sw_workload_same(&old->w, w))
		return true;
	if (!sw_workload_copy(&copy, w))
		return false;
	e = sw_registry_new_entry(reg, w);
	if (!e) {
		sw_workload_clear(&copy);
		return false;
	}
	e->w = copy;
	if (old) {
		sw_registry_unlink_key(reg, old);
		if (old->running) {
			sw_release_all(reg, old, now_us);
			old->running = false;
			old->stopped_us = now_us;
			reg->running--;
		}
	}
	for (size_t i = 0; ok && i < e->w.n_addrs; i++)
		ok = sw_bind(&reg->addrs, e->w.addrs[i], e, now_us);
	if (ok && e->w.ifindex) {
		sw_ifindex_key(key, e->w.ifindex);
		ok = sw_bind(&reg->ifaces, key, e, now_us);
	}
	e->running = true;
	e->started_us = now_us;
	reg->running++;
	reg->generation++;
	return ok;
}

void sw_registry_stop(struct sw_registry *reg, enum sw_wl_source source, const char *uid,
		      uint64_t now_us)
{
	struct sw_wl_entry *e = sw_registry_find(reg, source, uid);

	if (!e || !e->running)
		return;
	sw_release_all(reg, e, now_us);
	e->running = false;
	e->stopped_us = now_us;
	reg->running--;
	reg->generation++;
}

/* Lower is more specific: the engine knows best what runs now. */
static int sw_source_rank(enum sw_wl_source s)
{
	static const int rank[SW_WL_SRC_MAX] = {
		[SW_WL_SRC_ENGINE] = 0,
		[SW_WL_SRC_KUBERNETES] = 1,
		[SW_WL_SRC_INVENTORY] = 2,
		[SW_WL_SRC_KERNEL] = 3,
	};

	return (unsigned)s < SW_WL_SRC_MAX ? rank[s] : SW_WL_SRC_MAX;
}

static const struct sw_workload *sw_lookup(const struct sw_map *m, const uint8_t key[16],
					   uint64_t ts_us)
{
	const struct sw_slot *s = sw_map_find(m, key);
	const struct sw_wl_entry *best = NULL;

	for (const struct sw_binding *b = s ? s->hist : NULL; b; b = b->next)
		if (b->from_us <= ts_us && ts_us < b->to_us &&
		    (!best || sw_source_rank(b->entry->w.source) < sw_source_rank(best->w.source)))
			best = b->entry;
	return best ? &best->w : NULL;
}

const struct sw_workload *sw_registry_lookup_addr(const struct sw_registry *reg,
						  const uint8_t addr[16], uint64_t ts_us)
{
	return sw_lookup(&reg->addrs, addr, ts_us);
}

const struct sw_workload *sw_registry_lookup_ifindex(const struct sw_registry *reg, int ifindex,
						     uint64_t ts_us)
{
	uint8_t key[16];

	sw_ifindex_key(key, ifindex);
	return sw_lookup(&reg->ifaces, key, ts_us);
}

void sw_registry_foreach(const struct sw_registry *reg, sw_registry_visit_fn fn, void *arg)
{
	for (size_t i = 0; i < reg->n_entries; i++)
		fn(&reg->entries[i]->w, reg->entries[i]->running, arg);
}

size_t sw_registry_count(const struct sw_registry *reg)
{
	return reg->running;
}

uint64_t sw_registry_generation(const struct sw_registry *reg)
{
	return reg->generation;
}
