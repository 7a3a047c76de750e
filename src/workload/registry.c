/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workload registry: workloads by (source, uid), and for each address
 * and host-side interface the history of who held it when.
 *
 * Bindings are kept newest first; a lookup walks the (short) history of one
 * address. Each address keeps at most max_versions closed bindings past its
 * newest ones (SW_REG_VERSIONS by default).
 *
 * Memory stays bounded on a host that churns containers for months: running
 * entries sit on one list, stopped (or superseded) entries on another in the
 * order they stopped. sw_registry_prune frees the head of the stopped list up
 * to a horizon given by the caller (who knows how long readers keep
 * pointers), and past max_stopped entries the oldest are freed at once
 * (forced). Freeing an entry frees its bindings, and an address (slot) left
 * with no binding is freed too.
 *
 * Merging: each source keeps its own entries (stopping one source's entry
 * retires only what that source said), and the MACs and namespaces of
 * entries are bound in a third map alongside addresses and interfaces. A
 * lookup finds the entry holding the address, then follows those keys to
 * an entry of a more specific source bound at the same time (see
 * sw_registry_merged). Entries are never changed, so the merge is done at
 * lookup time rather than stored.
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <string.h>

#include <segwatch/workload.h>

#define SW_REG_VERSIONS 16
#define SW_REG_STOPPED 65536
#define SW_OPEN UINT64_MAX
#define SW_MERGE_ADDRS 64	/* addresses of an entry followed to merge it (docs/workloads.md) */
#define SW_JOURNAL_MAX 4096	/* changes kept for sw_registry_changes_since */
#define SW_JOURNAL_REACH 64	/* entries one change may touch through merging, else unanswered */

struct sw_wl_entry {
	struct sw_workload w;
	bool running;
	bool keyed;			/* the current version of (source, uid): in by_key */
	uint64_t started_us, stopped_us;
	uint8_t (*learned)[16];		/* link-local addresses bound through a MAC */
	size_t n_learned;
	struct sw_wl_entry *next_key;	/* hash chain on (source, uid) */
	struct sw_wl_entry *prev, *next;	/* on the running or the stopped list */
};

/* Entries in a doubly linked list; the stopped list is in the order they stopped. */
struct sw_wl_list {
	struct sw_wl_entry *head, *tail;
	size_t n;
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
	bool merge;		/* the merge keys: counted apart, never trimmed */
};

struct sw_registry {
	struct sw_wl_list running;	/* entries are never moved: pointers stay valid */
	struct sw_wl_list stopped;	/* oldest stop first */
	struct sw_wl_entry **by_key;
	size_t key_mask, n_keyed;
	struct sw_map addrs;
	struct sw_map ifaces;
	struct sw_map keys;	/* MACs and namespaces (sw_mac_key, sw_netns_key) */
	size_t max_versions, max_stopped;
	struct sw_registry_stats st;	/* the counters; gauges are filled in by sw_registry_stats */
	uint64_t generation;	/* bumped by every change: watchers compare it */
	struct sw_bridge_net *nets;	/* sorted, unique (sw_registry_set_bridge_nets) */
	size_t n_nets;
	struct sw_reg_journal *journal;
};

/*
 * The journal: for each generation, the (source, uid) of the workloads whose
 * membership it may have changed; a ring, oldest first. Since any generation
 * from @floor on it can say what changed. Kept only once someone asked
 * (sw_registry_changes_since): loading a registry pays nothing for it.
 */
struct sw_reg_journal {
	struct sw_reg_change *v;
	size_t head, n;
	uint64_t floor;
	bool on;
};

struct sw_reg_change {
	uint64_t gen;
	enum sw_wl_source source;
	char *uid;
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

/* Free slot @s, whose history is empty. */
static void sw_map_remove(struct sw_map *m, struct sw_slot *s)
{
	struct sw_slot **pp = &m->b[sw_hash_bytes(s->key, 16) & m->mask];

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = s->next;
		m->count--;
	}
	free(s);
}

static void sw_ifindex_key(uint8_t key[16], int ifindex)
{
	memset(key, 0, 16);
	memcpy(key, &ifindex, sizeof(ifindex));
}

/* Merge keys: in their own map, so they never meet an address or ifindex. */
static void sw_mac_key(uint8_t key[16], const uint8_t mac[6])
{
	memset(key, 0, 16);
	memcpy(key, mac, 6);
	key[15] = 'M';
}

static void sw_netns_key(uint8_t key[16], uint64_t ino)
{
	memset(key, 0, 16);
	memcpy(key, &ino, sizeof(ino));
	key[15] = 'N';
}

/* A MAC that names one interface: not zero, not group (multicast, broadcast). */
static bool sw_mac_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static void sw_list_push(struct sw_wl_list *l, struct sw_wl_entry *e)
{
	e->prev = l->tail;
	e->next = NULL;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	l->n++;
}

static void sw_list_remove(struct sw_wl_list *l, struct sw_wl_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	l->n--;
}

struct sw_registry *sw_registry_alloc(void)
{
	struct sw_registry *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	/*
	 * Watchers compare (registry, generation) to skip work: a registry that
	 * replaces another at the same address must not meet its generation.
	 */
	if (getrandom(&reg->generation, sizeof(reg->generation), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(reg->generation))
		reg->generation = (uint64_t)time(NULL) << 20;
	reg->key_mask = 1023;
	reg->max_versions = SW_REG_VERSIONS;
	reg->max_stopped = SW_REG_STOPPED;
	reg->by_key = calloc(reg->key_mask + 1, sizeof(*reg->by_key));
	reg->journal = calloc(1, sizeof(*reg->journal));
	if (reg->journal)
		reg->journal->floor = reg->generation;
	if (!reg->journal || !reg->by_key || !sw_map_init(&reg->addrs, 1024) ||
	    !sw_map_init(&reg->ifaces, 256) || !sw_map_init(&reg->keys, 256)) {
		sw_registry_free(reg);
		return NULL;
	}
	reg->keys.merge = true;
	return reg;
}

static void sw_list_free(struct sw_wl_list *l)
{
	struct sw_wl_entry *e = l->head;

	while (e) {
		struct sw_wl_entry *next = e->next;

		sw_workload_clear(&e->w);
		free(e->learned);
		free(e);
		e = next;
	}
	l->head = l->tail = NULL;
	l->n = 0;
}

void sw_registry_free(struct sw_registry *reg)
{
	if (!reg)
		return;
	sw_list_free(&reg->running);
	sw_list_free(&reg->stopped);
	free(reg->by_key);
	sw_map_free(&reg->addrs);
	sw_map_free(&reg->ifaces);
	sw_map_free(&reg->keys);
	free(reg->nets);
	for (size_t i = 0; reg->journal && i < reg->journal->n; i++)
		free(reg->journal->v[(reg->journal->head + i) % SW_JOURNAL_MAX].uid);
	if (reg->journal)
		free(reg->journal->v);
	free(reg->journal);
	free(reg);
}

static uint64_t sw_key_hash(enum sw_wl_source source, const char *uid)
{
	return sw_hash_bytes(uid, strlen(uid)) ^ (uint64_t)source;
}

static struct sw_wl_entry *sw_registry_find(const struct sw_registry *reg,
					    enum sw_wl_source source, const char *uid)
{
	struct sw_wl_entry *e = reg->by_key[sw_key_hash(source, uid) & reg->key_mask];

	while (e && !(e->w.source == source && strcmp(e->w.uid, uid) == 0))
		e = e->next_key;
	return e;
}

/* Double the (source, uid) table; on out of memory chains just get longer. */
static void sw_keys_grow(struct sw_registry *reg)
{
	size_t n = (reg->key_mask + 1) * 2;
	struct sw_wl_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i <= reg->key_mask; i++) {
		struct sw_wl_entry *e = reg->by_key[i];

		while (e) {
			struct sw_wl_entry *next = e->next_key;
			size_t h = sw_key_hash(e->w.source, e->w.uid) & (n - 1);

			e->next_key = b[h];
			b[h] = e;
			e = next;
		}
	}
	free(reg->by_key);
	reg->by_key = b;
	reg->key_mask = n - 1;
}

static void sw_registry_unlink_key(struct sw_registry *reg, struct sw_wl_entry *e)
{
	struct sw_wl_entry **pp = &reg->by_key[sw_key_hash(e->w.source, e->w.uid) & reg->key_mask];

	if (!e->keyed)
		return;
	while (*pp && *pp != e)
		pp = &(*pp)->next_key;
	if (*pp)
		*pp = e->next_key;
	e->next_key = NULL;
	e->keyed = false;
	reg->n_keyed--;
}

/* Keep at most max_versions bindings in @s, newest first; open ones always stay. */
static void sw_hist_trim(struct sw_registry *reg, struct sw_map *m, struct sw_slot *s)
{
	struct sw_binding **pp = &s->hist;
	size_t n = 0;

	if (m->merge)
		return; /* one per entry holding it, freed with the entry */
	while (*pp) {
		struct sw_binding *b = *pp;

		if (n >= reg->max_versions && b->to_us != SW_OPEN) {
			*pp = b->next;
			free(b);
			reg->st.bindings--;
			reg->st.versions_dropped++;
			continue;
		}
		pp = &b->next;
		n++;
	}
}

/* Open a binding of @key to @e from @now, unless it is already open; trim old history. */
static bool sw_bind(struct sw_registry *reg, struct sw_map *m, const uint8_t key[16],
		    struct sw_wl_entry *e, uint64_t now)
{
	struct sw_slot *s = sw_map_get(m, key);
	struct sw_binding *b;

	if (!s)
		return false;
	for (b = s->hist; b; b = b->next)
		if (b->entry == e && b->to_us == SW_OPEN)
			return true;
	b = calloc(1, sizeof(*b));
	if (!b) {
		if (!s->hist)
			sw_map_remove(m, s);
		return false;
	}
	b->entry = e;
	b->from_us = now;
	b->to_us = SW_OPEN;
	b->next = s->hist;
	s->hist = b;
	if (m->merge)
		reg->st.merge_bindings++;
	else
		reg->st.bindings++;
	sw_hist_trim(reg, m, s);
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

/* Free every binding of @key to @e, and the slot when none is left. */
static void sw_unbind_all(struct sw_registry *reg, struct sw_map *m, const uint8_t key[16],
			  const struct sw_wl_entry *e)
{
	struct sw_slot *s = sw_map_find(m, key);
	struct sw_binding **pp;

	if (!s)
		return;
	for (pp = &s->hist; *pp;) {
		struct sw_binding *b = *pp;

		if (b->entry != e) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		free(b);
		if (m->merge)
			reg->st.merge_bindings--;
		else
			reg->st.bindings--;
	}
	if (!s->hist)
		sw_map_remove(m, s);
}

static bool sw_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
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
	for (size_t i = 0; i < e->n_learned; i++)
		sw_unbind(&reg->addrs, e->learned[i], e, now);
	for (size_t i = 0; i < e->w.n_macs; i++) {
		sw_mac_key(key, e->w.macs[i]);
		sw_unbind(&reg->keys, key, e, now);
	}
	if (e->w.netns) {
		sw_netns_key(key, e->w.netns);
		sw_unbind(&reg->keys, key, e, now);
	}
}

/* A running entry stopped (or was superseded) at @now: to the tail of the stopped list. */
static void sw_registry_retire(struct sw_registry *reg, struct sw_wl_entry *e, uint64_t now)
{
	sw_release_all(reg, e, now);
	e->running = false;
	e->stopped_us = now;
	sw_list_remove(&reg->running, e);
	sw_list_push(&reg->stopped, e);
}

/* Free stopped entry @e, its bindings, and the slots left empty. */
static void sw_registry_free_entry(struct sw_registry *reg, struct sw_wl_entry *e)
{
	uint8_t key[16];

	sw_list_remove(&reg->stopped, e);
	sw_registry_unlink_key(reg, e);
	for (size_t i = 0; i < e->w.n_addrs; i++)
		sw_unbind_all(reg, &reg->addrs, e->w.addrs[i], e);
	if (e->w.ifindex) {
		sw_ifindex_key(key, e->w.ifindex);
		sw_unbind_all(reg, &reg->ifaces, key, e);
	}
	for (size_t i = 0; i < e->n_learned; i++)
		sw_unbind_all(reg, &reg->addrs, e->learned[i], e);
	for (size_t i = 0; i < e->w.n_macs; i++) {
		sw_mac_key(key, e->w.macs[i]);
		sw_unbind_all(reg, &reg->keys, key, e);
	}
	if (e->w.netns) {
		sw_netns_key(key, e->w.netns);
		sw_unbind_all(reg, &reg->keys, key, e);
	}
	free(e->learned);
	sw_workload_clear(&e->w);
	free(e);
}

/* Past max_stopped: free the entries that stopped first. */
static void sw_registry_force_prune(struct sw_registry *reg)
{
	while (reg->stopped.n > reg->max_stopped) {
		sw_registry_free_entry(reg, reg->stopped.head);
		reg->st.forced_pruned++;
	}
}

/* Nothing before generation @gen can be answered any more. */
static void sw_journal_cut(struct sw_registry *reg, uint64_t gen)
{
	struct sw_reg_journal *j = reg->journal;

	if (gen - j->floor <= reg->generation + 1 - j->floor)
		j->floor = gen;
}

/* (source, uid) changed its membership at generation @gen. */
static void sw_journal_add(struct sw_registry *reg, uint64_t gen, const struct sw_wl_entry *e)
{
	struct sw_reg_journal *j = reg->journal;
	struct sw_reg_change *c;

	if (!j->v && !(j->v = calloc(SW_JOURNAL_MAX, sizeof(*j->v)))) {
		sw_journal_cut(reg, gen);
		return;
	}
	if (j->n == SW_JOURNAL_MAX) {	/* the oldest goes, and with it what it answered */
		c = &j->v[j->head];
		sw_journal_cut(reg, c->gen);
		free(c->uid);
		j->head = (j->head + 1) % SW_JOURNAL_MAX;
		j->n--;
	}
	c = &j->v[(j->head + j->n) % SW_JOURNAL_MAX];
	*c = (struct sw_reg_change){ gen, e->w.source, strdup(e->w.uid) };
	if (!c->uid) {
		sw_journal_cut(reg, gen);
		return;
	}
	j->n++;
}

/* The entries reached from @e's keys so far; false past SW_JOURNAL_REACH. */
struct sw_reach {
	const struct sw_wl_entry *v[SW_JOURNAL_REACH];
	size_t n;
	bool over;
};

static void sw_reach_key(struct sw_reach *r, const struct sw_map *m, const uint8_t key[16])
{
	const struct sw_slot *s = sw_map_find(m, key);

	for (const struct sw_binding *b = s ? s->hist : NULL; b && !r->over; b = b->next) {
		size_t i = 0;

		if (b->to_us != SW_OPEN || !b->entry->running)
			continue;
		while (i < r->n && r->v[i] != b->entry)
			i++;
		if (i < r->n)
			continue;
		if (r->n == SW_JOURNAL_REACH)
			r->over = true;
		else
			r->v[r->n++] = b->entry;
	}
}

static void sw_reach_entry(const struct sw_registry *reg, struct sw_reach *r,
			   const struct sw_wl_entry *e)
{
	uint8_t key[16];

	if (e->w.netns) {
		sw_netns_key(key, e->w.netns);
		sw_reach_key(r, &reg->keys, key);
	}
	if (e->w.ifindex) {
		sw_ifindex_key(key, e->w.ifindex);
		sw_reach_key(r, &reg->ifaces, key);
	}
	for (size_t i = 0; i < e->w.n_macs; i++) {
		if (!sw_mac_unicast(e->w.macs[i]))
			continue;
		sw_mac_key(key, e->w.macs[i]);
		sw_reach_key(r, &reg->keys, key);
	}
	for (size_t i = 0; i < e->w.n_addrs && !r->over; i++)
		if (!sw_addr_is_linklocal(e->w.addrs[i]))
			sw_reach_key(r, &reg->addrs, e->w.addrs[i]);
}

/*
 * @e (running, bound) changes at generation @gen: it, and every running entry
 * whose merge (sw_merge) may pass through it, may change membership. A merge
 * goes from entry to entry sharing a key, at most SW_WL_SRC_MAX - 1 steps:
 * those within that many steps of @e are journaled.
 */
static void sw_journal_reach(struct sw_registry *reg, uint64_t gen, const struct sw_wl_entry *e)
{
	struct sw_reach r = { .n = 1 };
	size_t from = 0;

	if (!reg->journal->on) {	/* nobody asks: nothing kept, nothing answered */
		sw_journal_cut(reg, gen);
		return;
	}
	r.v[0] = e;
	for (int step = 0; step < SW_WL_SRC_MAX - 1 && !r.over; step++) {
		size_t to = r.n;

		for (size_t i = from; i < to && !r.over; i++)
			sw_reach_entry(reg, &r, r.v[i]);
		from = to;
	}
	if (r.over) {
		sw_journal_cut(reg, gen);
		return;
	}
	for (size_t i = 0; i < r.n; i++)
		sw_journal_add(reg, gen, r.v[i]);
}

/* A new running entry for @w (its workload is filled in by the caller), the current one of its key. */
static struct sw_wl_entry *sw_registry_new_entry(struct sw_registry *reg, const struct sw_workload *w)
{
	struct sw_wl_entry *e;
	size_t h;

	if (reg->n_keyed > reg->key_mask)
		sw_keys_grow(reg);
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	h = sw_key_hash(w->source, w->uid) & reg->key_mask;
	e->next_key = reg->by_key[h];
	reg->by_key[h] = e;
	e->keyed = true;
	reg->n_keyed++;
	sw_list_push(&reg->running, e);
	return e;
}

static bool sw_workload_same(const struct sw_workload *a, const struct sw_workload *b)
{
	if (a->n_labels != b->n_labels || a->n_addrs != b->n_addrs || a->n_macs != b->n_macs ||
	    a->ifindex != b->ifindex || a->netns != b->netns || !sw_str_eq(a->name, b->name) ||
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
	if (old && old->running)
		sw_journal_reach(reg, reg->generation + 1, old);
	e = sw_registry_new_entry(reg, w);
	if (!e) {
		sw_workload_clear(&copy);
		return false;
	}
	e->w = copy;
	if (old) {
		sw_registry_unlink_key(reg, old);
		if (old->running)
			sw_registry_retire(reg, old, now_us);
	}
	for (size_t i = 0; ok && i < e->w.n_addrs; i++)
		ok = sw_bind(reg, &reg->addrs, e->w.addrs[i], e, now_us);
	if (ok && e->w.ifindex) {
		sw_ifindex_key(key, e->w.ifindex);
		ok = sw_bind(reg, &reg->ifaces, key, e, now_us);
	}
	for (size_t i = 0; ok && i < e->w.n_macs; i++) {
		if (!sw_mac_unicast(e->w.macs[i]))
			continue;
		sw_mac_key(key, e->w.macs[i]);
		ok = sw_bind(reg, &reg->keys, key, e, now_us);
	}
	if (ok && e->w.netns) {
		sw_netns_key(key, e->w.netns);
		ok = sw_bind(reg, &reg->keys, key, e, now_us);
	}
	e->running = true;
	e->started_us = now_us;
	sw_journal_reach(reg, reg->generation + 1, e);
	reg->generation++;
	sw_registry_force_prune(reg);
	return ok;
}

void sw_registry_stop(struct sw_registry *reg, enum sw_wl_source source, const char *uid,
		      uint64_t now_us)
{
	struct sw_wl_entry *e = sw_registry_find(reg, source, uid);

	if (!e || !e->running)
		return;
	sw_journal_reach(reg, reg->generation + 1, e);
	sw_registry_retire(reg, e, now_us);
	reg->generation++;
	sw_registry_force_prune(reg);
}

size_t sw_registry_prune(struct sw_registry *reg, uint64_t before_us)
{
	size_t n = 0;

	while (reg->stopped.head && reg->stopped.head->stopped_us < before_us) {
		sw_registry_free_entry(reg, reg->stopped.head);
		n++;
	}
	reg->st.pruned += n;
	return n;
}

void sw_registry_set_max_versions(struct sw_registry *reg, size_t n)
{
	reg->max_versions = n ? n : 1;
}

void sw_registry_set_max_stopped(struct sw_registry *reg, size_t n)
{
	reg->max_stopped = n ? n : 1;
	sw_registry_force_prune(reg);
}

void sw_registry_stats(const struct sw_registry *reg, struct sw_registry_stats *st)
{
	*st = reg->st;
	st->entries_running = reg->running.n;
	st->entries_stopped = reg->stopped.n;
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

static const struct sw_wl_entry *sw_lookup_entry(const struct sw_map *m, const uint8_t key[16],
						 uint64_t ts_us)
{
	const struct sw_slot *s = sw_map_find(m, key);
	const struct sw_wl_entry *best = NULL;

	for (const struct sw_binding *b = s ? s->hist : NULL; b; b = b->next)
		if (b->from_us <= ts_us && ts_us < b->to_us &&
		    (!best || sw_source_rank(b->entry->w.source) < sw_source_rank(best->w.source)))
			best = b->entry;
	return best;
}

static const struct sw_workload *sw_lookup(const struct sw_map *m, const uint8_t key[16],
					   uint64_t ts_us)
{
	const struct sw_wl_entry *e = sw_lookup_entry(m, key, ts_us);

	return e ? &e->w : NULL;
}

/* An entry bound to @key at @ts_us from a more specific source than *@best becomes *@best. */
static void sw_merge_key(const struct sw_map *m, const uint8_t key[16], uint64_t ts_us,
			 const struct sw_wl_entry **best)
{
	const struct sw_wl_entry *e = sw_lookup_entry(m, key, ts_us);

	if (e && sw_source_rank(e->w.source) < sw_source_rank((*best)->w.source))
		*best = e;
}

/*
 * Follow @from's keys once. Link-local addresses are left out: only unique
 * on one link, two namespaces on two bridges may well share fe80::1.
 */
static void sw_merge_step(const struct sw_registry *reg, const struct sw_wl_entry *from,
			  uint64_t ts_us, const struct sw_wl_entry **best)
{
	uint8_t key[16];

	if (from->w.netns) {
		sw_netns_key(key, from->w.netns);
		sw_merge_key(&reg->keys, key, ts_us, best);
	}
	if (from->w.ifindex) {
		sw_ifindex_key(key, from->w.ifindex);
		sw_merge_key(&reg->ifaces, key, ts_us, best);
	}
	for (size_t i = 0; i < from->w.n_macs; i++) {
		if (!sw_mac_unicast(from->w.macs[i]))
			continue;
		sw_mac_key(key, from->w.macs[i]);
		sw_merge_key(&reg->keys, key, ts_us, best);
	}
	/* bounded: an inventory entry may list thousands of addresses, and this runs per lookup */
	for (size_t i = 0; i < from->w.n_addrs && i < SW_MERGE_ADDRS &&
			   sw_source_rank((*best)->w.source) > 0; i++)
		if (!sw_addr_is_linklocal(from->w.addrs[i]))
			sw_merge_key(&reg->addrs, from->w.addrs[i], ts_us, best);
}

/*
 * Each step moves to a strictly more specific source, so this ends within
 * SW_WL_SRC_MAX steps; a chain (kernel -MAC-> inventory -address-> engine)
 * is followed to its end.
 */
static const struct sw_wl_entry *sw_merge(const struct sw_registry *reg,
					  const struct sw_wl_entry *e, uint64_t ts_us)
{
	for (int i = 0; e && i < SW_WL_SRC_MAX && sw_source_rank(e->w.source) > 0; i++) {
		const struct sw_wl_entry *best = e;

		sw_merge_step(reg, e, ts_us, &best);
		if (best == e)
			break;
		e = best;
	}
	return e;
}

/* The entry holding workload @w: a registry's workloads are the first member of an entry. */
static const struct sw_wl_entry *sw_entry_of(const struct sw_workload *w)
{
	return (const struct sw_wl_entry *)(const void *)((const char *)w -
							  offsetof(struct sw_wl_entry, w));
}

const struct sw_workload *sw_registry_merged(const struct sw_registry *reg,
					     const struct sw_workload *w, uint64_t ts_us)
{
	return w ? &sw_merge(reg, sw_entry_of(w), ts_us)->w : NULL;
}

const struct sw_workload *sw_registry_lookup_addr(const struct sw_registry *reg,
						  const uint8_t addr[16], uint64_t ts_us)
{
	const struct sw_wl_entry *e = sw_lookup_entry(&reg->addrs, addr, ts_us);

	return e ? &sw_merge(reg, e, ts_us)->w : NULL;
}

bool sw_registry_learn_linklocal(struct sw_registry *reg, const uint8_t addr[16],
				 const uint8_t mac[6], uint64_t ts_us)
{
	struct sw_wl_entry *e;
	struct sw_slot *s;
	uint8_t key[16], (*l)[16];

	if (!sw_addr_is_linklocal(addr) || !sw_mac_unicast(mac) ||
	    sw_lookup_entry(&reg->addrs, addr, ts_us))
		return false;
	sw_mac_key(key, mac);
	s = sw_map_find(&reg->keys, key);
	e = NULL;
	for (struct sw_binding *b = s ? s->hist : NULL; b; b = b->next)
		if (b->to_us == SW_OPEN && b->from_us <= ts_us &&
		    (!e || sw_source_rank(b->entry->w.source) < sw_source_rank(e->w.source)))
			e = b->entry;
	if (!e)
		return false;
	l = realloc(e->learned, (e->n_learned + 1) * sizeof(*l));
	if (!l)
		return false;
	e->learned = l;
	memcpy(l[e->n_learned++], addr, 16);
	/* from its start: a flow's responder is looked up at the flow's first packet */
	if (!sw_bind(reg, &reg->addrs, addr, e, e->started_us)) {
		e->n_learned--;
		return false;
	}
	/* no generation bump: what sw_registry_foreach shows (and policy sets) did not change */
	reg->st.learned_linklocal++;
	return true;
}

const struct sw_workload *sw_registry_lookup_ifindex(const struct sw_registry *reg, int ifindex,
						     uint64_t ts_us)
{
	uint8_t key[16];

	sw_ifindex_key(key, ifindex);
	return sw_lookup(&reg->ifaces, key, ts_us);
}

/* Running entries first, then the stopped ones still kept, oldest stop first. */
void sw_registry_foreach(const struct sw_registry *reg, sw_registry_visit_fn fn, void *arg)
{
	for (const struct sw_wl_entry *e = reg->running.head; e; e = e->next)
		fn(&e->w, true, arg);
	for (const struct sw_wl_entry *e = reg->stopped.head; e; e = e->next)
		fn(&e->w, false, arg);
}

size_t sw_registry_count(const struct sw_registry *reg)
{
	return reg->running.n;
}

uint64_t sw_registry_generation(const struct sw_registry *reg)
{
	return reg->generation;
}

static int sw_bridge_net_cmp(const void *pa, const void *pb)
{
	const struct sw_bridge_net *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	if (c)
		return c;
	if (a->plen != b->plen)
		return (int)a->plen - (int)b->plen;
	return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
}

bool sw_registry_set_bridge_nets(struct sw_registry *reg, const struct sw_bridge_net *nets,
				 size_t n)
{
	struct sw_bridge_net *v = n ? malloc(n * sizeof(*v)) : NULL;
	size_t kept = 0;

	if (n && !v)
		return false;
	if (n)
		memcpy(v, nets, n * sizeof(*v));
	if (n > 1)
		qsort(v, n, sizeof(*v), sw_bridge_net_cmp);
	for (size_t i = 0; i < n; i++)
		if (!kept || sw_bridge_net_cmp(&v[kept - 1], &v[i]) != 0)
			v[kept++] = v[i];
	if (kept == reg->n_nets) {
		size_t i = 0;

		while (i < kept && sw_bridge_net_cmp(&v[i], &reg->nets[i]) == 0)
			i++;
		if (i == kept) {
			free(v);
			return true;
		}
	}
	free(reg->nets);
	reg->nets = v;
	reg->n_nets = kept;
	sw_journal_cut(reg, reg->generation + 1);	/* every set of bridge networks changes */
	reg->generation++;
	return true;
}

const struct sw_bridge_net *sw_registry_bridge_nets(const struct sw_registry *reg, size_t *n)
{
	*n = reg->n_nets;
	return reg->nets;
}

bool sw_registry_changes_since(const struct sw_registry *reg, uint64_t gen,
			       sw_registry_change_fn fn, void *arg)
{
	struct sw_reg_journal *j = reg->journal;
	/* generations are compared by their distance from the floor: they may wrap */
	uint64_t since = gen - j->floor;

	j->on = true;	/* from now on */
	if (since > reg->generation - j->floor)
		return false;
	for (size_t i = 0; i < j->n; i++) {
		const struct sw_reg_change *c = &j->v[(j->head + i) % SW_JOURNAL_MAX];

		if (c->gen - j->floor > since)
			fn(c->source, c->uid, arg);
	}
	return true;
}

const struct sw_workload *sw_registry_running(const struct sw_registry *reg,
					      enum sw_wl_source source, const char *uid)
{
	const struct sw_wl_entry *e = sw_registry_find(reg, source, uid);

	return e && e->running ? &e->w : NULL;
}
