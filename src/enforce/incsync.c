/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Membership kept by counting (what a sync sends when a few workloads
 * changed): for each hash set and address, how many running workloads put
 * the address there (group sets, managed, classified), and each workload's
 * own contributions by (source, uid). The rules' union sets are not
 * counted (they would be most of the elements): an address is in one while
 * it is in one of the sets feeding it.
 * A change subtracts the workload's old contributions and adds its new ones
 * (sw_compile_members_of); an element is added when its count leaves 0 and
 * removed when it returns to 0, so an address two workloads share stays
 * while either holds it. The registry's journal says which workloads to
 * look at (sw_registry_changes_since); when it cannot, the caller compiles
 * everything, which stays the reference.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_INC_MAX_CHANGED 4096	/* workloads looked at in one sync, else recompile */

struct sw_inc_elem {
	uint8_t addr[16];
	uint32_t set;
};

/* One slot of the count table (open addressing, linear probing); count 0: empty. */
struct sw_inc_count {
	uint8_t addr[16];
	uint32_t set;
	uint32_t count;
};

/* One workload's contributions, on a hash chain by (source, uid). */
struct sw_inc_wl {
	struct sw_inc_wl *next;
	uint64_t hash;
	enum sw_wl_source source;
	char *uid;
	struct sw_inc_elem *v;
	size_t n;
};

struct sw_enforce_inc {
	struct sw_compile_members *members;
	const struct sw_registry *reg;
	uint64_t generation;
	struct sw_inc_count *counts;
	size_t c_mask, c_used;
	struct sw_inc_wl **wl;
	size_t w_mask, w_used;
	/* scratch of one workload's contributions */
	struct sw_inc_elem *tmp;
	size_t n_tmp, cap_tmp;
	bool nomem;
};

static uint64_t sw_inc_hash(const void *p, size_t n, uint64_t h)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h ^ (h >> 31);
}

/* splitmix64's finalizer: every input bit reaches the low bits the table uses */
static uint64_t sw_inc_mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t sw_inc_elem_hash(const uint8_t addr[16], uint32_t set)
{
	uint64_t lo, hi;

	memcpy(&hi, addr, 8);
	memcpy(&lo, addr + 8, 8);
	return sw_inc_mix(lo ^ sw_inc_mix(hi ^ sw_inc_mix(set)));
}

static uint64_t sw_inc_wl_hash(enum sw_wl_source source, const char *uid)
{
	return sw_inc_hash(uid, strlen(uid), 1469598103934665603ULL ^ (uint64_t)source);
}

static struct sw_inc_count *sw_inc_count_find(struct sw_enforce_inc *inc, const uint8_t addr[16],
					      uint32_t set)
{
	size_t i = sw_inc_elem_hash(addr, set) & inc->c_mask;

	for (;; i = (i + 1) & inc->c_mask) {
		struct sw_inc_count *c = &inc->counts[i];

		if (!c->count || (c->set == set && memcmp(c->addr, addr, 16) == 0))
			return c;
	}
}

static bool sw_inc_count_grow(struct sw_enforce_inc *inc)
{
	size_t n = inc->counts ? 2 * (inc->c_mask + 1) : 1024;
	struct sw_inc_count *old = inc->counts, *nv = calloc(n, sizeof(*nv));
	size_t old_n = old ? inc->c_mask + 1 : 0;

	if (!nv)
		return false;
	inc->counts = nv;
	inc->c_mask = n - 1;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].count)
			*sw_inc_count_find(inc, old[i].addr, old[i].set) = old[i];
	free(old);
	return true;
}

/* Remove slot @c (count now 0), shifting back the slots its removal would hide. */
static void sw_inc_count_remove(struct sw_enforce_inc *inc, struct sw_inc_count *c)
{
	size_t i = (size_t)(c - inc->counts), j = i;

	inc->c_used--;
	for (;;) {
		size_t home;

		c->count = 0;
		do {
			j = (j + 1) & inc->c_mask;
			if (!inc->counts[j].count)
				return;
			home = sw_inc_elem_hash(inc->counts[j].addr, inc->counts[j].set) & inc->c_mask;
			/* stays when its home lies cyclically in (i, j] */
		} while (i <= j ? (i < home && home <= j) : (i < home || home <= j));
		inc->counts[i] = inc->counts[j];
		c = &inc->counts[j];
		i = j;
	}
}

/* +1 for (set, addr); true when it was 0 (the element is new). */
static bool sw_inc_count_up(struct sw_enforce_inc *inc, const struct sw_inc_elem *e)
{
	struct sw_inc_count *c;

	if (2 * (inc->c_used + 1) > inc->c_mask + 1 && !sw_inc_count_grow(inc)) {
		inc->nomem = true;
		return false;
	}
	c = sw_inc_count_find(inc, e->addr, e->set);
	if (c->count++)
		return false;
	memcpy(c->addr, e->addr, 16);
	c->set = e->set;
	inc->c_used++;
	return true;
}

/* -1 for (set, addr); true when it reached 0 (the element goes). */
static bool sw_inc_count_down(struct sw_enforce_inc *inc, const struct sw_inc_elem *e)
{
	struct sw_inc_count *c = inc->counts ? sw_inc_count_find(inc, e->addr, e->set) : NULL;

	if (!c || !c->count) {
		inc->nomem = true;	/* cannot be: the counts no longer hold */
		return false;
	}
	if (--c->count)
		return false;
	c->count = 1;
	sw_inc_count_remove(inc, c);
	return true;
}

static struct sw_inc_wl **sw_inc_wl_slot(struct sw_enforce_inc *inc, enum sw_wl_source source,
					 const char *uid, uint64_t h)
{
	struct sw_inc_wl **pp = &inc->wl[h & inc->w_mask];

	while (*pp && !((*pp)->source == source && strcmp((*pp)->uid, uid) == 0))
		pp = &(*pp)->next;
	return pp;
}

static bool sw_inc_wl_grow(struct sw_enforce_inc *inc)
{
	size_t n = inc->wl ? 2 * (inc->w_mask + 1) : 1024, old_n = inc->wl ? inc->w_mask + 1 : 0;
	struct sw_inc_wl **nv = calloc(n, sizeof(*nv)), **old = inc->wl;

	if (!nv)
		return false;
	for (size_t i = 0; i < old_n; i++)
		for (struct sw_inc_wl *w = old[i], *next; w; w = next) {
			next = w->next;
			w->next = nv[w->hash & (n - 1)];
			nv[w->hash & (n - 1)] = w;
		}
	free(old);
	inc->wl = nv;
	inc->w_mask = n - 1;
	return true;
}

static void sw_inc_emit(void *arg, size_t set, const uint8_t addr[16])
{
	struct sw_enforce_inc *inc = arg;
	struct sw_inc_elem *e;

	if (inc->n_tmp == inc->cap_tmp) {
		size_t cap = inc->cap_tmp ? 2 * inc->cap_tmp : 64;
		struct sw_inc_elem *nv = realloc(inc->tmp, cap * sizeof(*nv));

		if (!nv) {
			inc->nomem = true;
			return;
		}
		inc->tmp = nv;
		inc->cap_tmp = cap;
	}
	e = &inc->tmp[inc->n_tmp++];
	memcpy(e->addr, addr, 16);
	e->set = (uint32_t)set;
}

/* @w's contributions, in a fresh array (*@n of them; NULL when none). */
static struct sw_inc_elem *sw_inc_contrib(struct sw_enforce_inc *inc, const struct sw_workload *w,
					  size_t *n)
{
	struct sw_inc_elem *v;

	*n = 0;
	inc->n_tmp = 0;
	if (!w)
		return NULL;
	sw_compile_members_of(inc->members, inc->reg, w, sw_inc_emit, inc);
	if (!inc->n_tmp || inc->nomem)
		return NULL;
	if (!(v = malloc(inc->n_tmp * sizeof(*v)))) {
		inc->nomem = true;
		return NULL;
	}
	memcpy(v, inc->tmp, inc->n_tmp * sizeof(*v));
	*n = inc->n_tmp;
	return v;
}

/* Keep @v (n) as what (source, uid) contributes now; the old array is returned for freeing. */
static struct sw_inc_elem *sw_inc_wl_set(struct sw_enforce_inc *inc, enum sw_wl_source source,
					 const char *uid, struct sw_inc_elem *v, size_t n,
					 size_t *n_old)
{
	uint64_t h = sw_inc_wl_hash(source, uid);
	struct sw_inc_wl **pp = sw_inc_wl_slot(inc, source, uid, h), *w = *pp;
	struct sw_inc_elem *old = w ? w->v : NULL;

	*n_old = w ? w->n : 0;
	if (!n && w) {		/* nothing to remember: forgotten */
		*pp = w->next;
		free(w->uid);
		free(w);
		inc->w_used--;
		return old;
	}
	if (!n)
		return NULL;
	if (!w) {
		if (inc->w_used + 1 > inc->w_mask + 1) {
			if (!sw_inc_wl_grow(inc))
				goto nomem;
			pp = sw_inc_wl_slot(inc, source, uid, h);
		}
		if (!(w = calloc(1, sizeof(*w))) || !(w->uid = strdup(uid))) {
			free(w);
			goto nomem;
		}
		w->hash = h;
		w->source = source;
		w->next = *pp;
		*pp = w;
		inc->w_used++;
	}
	w->v = v;
	w->n = n;
	return old;
nomem:
	inc->nomem = true;
	free(v);
	return NULL;
}

void sw_enforce_inc_free(struct sw_enforce_inc *inc)
{
	if (!inc)
		return;
	for (size_t i = 0; inc->wl && i <= inc->w_mask; i++)
		for (struct sw_inc_wl *w = inc->wl[i], *next; w; w = next) {
			next = w->next;
			free(w->uid);
			free(w->v);
			free(w);
		}
	free(inc->wl);
	free(inc->counts);
	free(inc->tmp);
	sw_compile_members_close(inc->members);
	free(inc);
}

static void sw_inc_build_visit(const struct sw_workload *w, bool running, void *arg)
{
	struct sw_enforce_inc *inc = arg;
	struct sw_inc_elem *v, *old;
	size_t n, n_old;

	if (!running || inc->nomem)
		return;
	v = sw_inc_contrib(inc, w, &n);
	for (size_t i = 0; i < n; i++)
		sw_inc_count_up(inc, &v[i]);
	old = sw_inc_wl_set(inc, w->source, w->uid, v, n, &n_old);
	free(old);	/* (source, uid) is running once: none */
}

static int sw_prefix_cmp(const void *pa, const void *pb)
{
	const struct sw_nft_prefix *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->plen - (int)b->plen;
}

/* Whether the counts say exactly what @applied's hash sets hold. */
static bool sw_inc_matches(struct sw_enforce_inc *inc, const struct sw_nft_plan *applied)
{
	const struct sw_nft_plan *layout = sw_compile_members_layout(inc->members);
	size_t total = 0, feeders;

	if (layout->n_sets != applied->n_sets)
		return false;
	for (size_t s = 0; s < applied->n_sets; s++) {
		const struct sw_nft_set *a = &applied->sets[s];

		if (strcmp(a->name, layout->sets[s].name) != 0 || a->family != layout->sets[s].family ||
		    a->hash != layout->sets[s].hash)
			return false;
		if (!a->hash)
			continue;
		sw_compile_members_feeders(inc->members, s, &feeders);
		if (feeders)	/* a union: what its feeders hold, by the same compile */
			continue;
		for (size_t i = 0; i < a->n_elems; i++) {
			const struct sw_inc_count *c = sw_inc_count_find(inc, a->elems[i].addr, (uint32_t)s);

			if (!c->count || a->elems[i].plen != 128)
				return false;
		}
		total += a->n_elems;
	}
	return total == inc->c_used;
}

static void sw_inc_key_ignore(enum sw_wl_source source, const char *uid, void *arg)
{
	(void)source;
	(void)uid;
	(void)arg;
}

int sw_enforce_inc_build(struct sw_enforce_inc **out, const struct sw_policy *p,
			 const struct sw_compile_opts *o, const struct sw_registry *reg,
			 uint64_t generation, const struct sw_nft_plan *applied, struct sw_err *err)
{
	struct sw_enforce_inc *inc = calloc(1, sizeof(*inc));
	int rc;

	*out = NULL;
	if (!inc)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if ((rc = sw_compile_members_open(&inc->members, p, o, err)) != SW_EXIT_OK) {
		free(inc);
		return rc;
	}
	inc->reg = reg;
	inc->generation = generation;
	if (!sw_registry_changes_since(reg, generation, sw_inc_key_ignore, NULL)) {
		sw_enforce_inc_free(inc);	/* (the journal is kept from now on) */
		return SW_EXIT_OK;
	}
	if (!sw_inc_count_grow(inc) || !sw_inc_wl_grow(inc))
		inc->nomem = true;
	/* room for what is applied at once, rather than growing through it */
	for (size_t s = 0, want = 0; !inc->nomem && s <= applied->n_sets; s++) {
		size_t feeders;

		if (s == applied->n_sets) {
			while (!inc->nomem && inc->c_mask + 1 < 2 * want)
				inc->nomem = !sw_inc_count_grow(inc);
			break;
		}
		sw_compile_members_feeders(inc->members, s, &feeders);
		if (applied->sets[s].hash && !feeders)
			want += applied->sets[s].n_elems;
	}
	if (!inc->nomem)
		sw_registry_foreach(reg, sw_inc_build_visit, inc);
	if (inc->nomem) {
		sw_enforce_inc_free(inc);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (!sw_inc_matches(inc, applied)) {	/* not what we think is applied: recompile */
		sw_enforce_inc_free(inc);
		return SW_EXIT_OK;
	}
	*out = inc;
	return SW_EXIT_OK;
}

struct sw_inc_key {
	enum sw_wl_source source;
	const char *uid;
	struct sw_inc_elem *v;		/* its new contributions */
	size_t n;
};

struct sw_inc_keys {
	struct sw_inc_key *v;
	size_t n;
	bool over;
};

static void sw_inc_key_add(enum sw_wl_source source, const char *uid, void *arg)
{
	struct sw_inc_keys *k = arg;

	if (k->n == SW_INC_MAX_CHANGED)
		k->over = true;
	else
		k->v[k->n++] = (struct sw_inc_key){ source, uid, NULL, 0 };
}

static int sw_inc_key_cmp(const void *pa, const void *pb)
{
	const struct sw_inc_key *a = pa, *b = pb;

	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	return strcmp(a->uid, b->uid);
}

static int sw_inc_elem_cmp(const void *pa, const void *pb)
{
	const struct sw_inc_elem *a = pa, *b = pb;

	if (a->set != b->set)
		return a->set < b->set ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

/* A growing list of elements (the additions, the removals). */
struct sw_inc_list {
	struct sw_inc_elem *v;
	size_t n, cap;
};

static bool sw_inc_list_push(struct sw_inc_list *l, const struct sw_inc_elem *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct sw_inc_elem *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return false;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
	return true;
}

static size_t sw_inc_find(const struct sw_nft_set *s, const struct sw_nft_prefix *p, bool *found);

/*
 * The union sets' changes, from their feeders' (@add, @del so far): a union
 * holds an address while any feeder does, now (the counts) as before (the
 * applied plan).
 */
static bool sw_inc_unions(struct sw_enforce_inc *inc, const struct sw_nft_plan *applied,
			  struct sw_inc_list *add, struct sw_inc_list *del)
{
	struct sw_inc_list cand = { 0 };
	size_t n_base_add = add->n, n_base_del = del->n;
	bool ok = true;

	for (size_t i = 0; ok && i < n_base_add + n_base_del; i++) {
		const struct sw_inc_elem *e = i < n_base_add ? &add->v[i] : &del->v[i - n_base_add];
		size_t n;
		const size_t *u = sw_compile_members_unions(inc->members, e->set, &n);

		for (size_t j = 0; ok && j < n; j++) {
			struct sw_inc_elem c = *e;

			c.set = (uint32_t)u[j];
			ok = sw_inc_list_push(&cand, &c);
		}
	}
	if (cand.n > 1)
		qsort(cand.v, cand.n, sizeof(*cand.v), sw_inc_elem_cmp);
	for (size_t i = 0; ok && i < cand.n; i++) {
		struct sw_nft_prefix p = { .plen = 128 };
		size_t n;
		const size_t *f = sw_compile_members_feeders(inc->members, cand.v[i].set, &n);
		bool now = false, was;

		if (i && sw_inc_elem_cmp(&cand.v[i - 1], &cand.v[i]) == 0)
			continue;
		for (size_t j = 0; !now && j < n; j++)
			now = sw_inc_count_find(inc, cand.v[i].addr, (uint32_t)f[j])->count > 0;
		memcpy(p.addr, cand.v[i].addr, 16);
		sw_inc_find(&applied->sets[cand.v[i].set], &p, &was);
		if (now && !was)
			ok = sw_inc_list_push(add, &cand.v[i]);
		else if (!now && was)
			ok = sw_inc_list_push(del, &cand.v[i]);
	}
	free(cand.v);
	return ok;
}

/* The additions and removals, set by set, as sw_nft_sets_update takes them. */
static int sw_inc_changes(const struct sw_nft_plan *applied, struct sw_inc_list *add,
			  struct sw_inc_list *del, struct sw_nft_set_change **out, size_t *n_ch)
{
	size_t n = 0, a = 0, d = 0;
	struct sw_nft_set_change *ch = calloc(1, (add->n + del->n + 1) * sizeof(*ch) +
					       (add->n + del->n + 1) * sizeof(struct sw_nft_prefix));
	struct sw_nft_prefix *buf;

	if (!ch)
		return -1;
	buf = (struct sw_nft_prefix *)(ch + add->n + del->n + 1);
	if (add->n > 1)
		qsort(add->v, add->n, sizeof(*add->v), sw_inc_elem_cmp);
	if (del->n > 1)
		qsort(del->v, del->n, sizeof(*del->v), sw_inc_elem_cmp);
	while (a < add->n || d < del->n) {
		uint32_t set = a == add->n ? del->v[d].set : d == del->n ? add->v[a].set :
			       add->v[a].set < del->v[d].set ? add->v[a].set : del->v[d].set;
		struct sw_nft_set_change *c = &ch[n++];

		c->set = &applied->sets[set];
		c->add = buf;
		for (; a < add->n && add->v[a].set == set; a++, c->n_add++, buf++)
			*buf = (struct sw_nft_prefix){ .plen = 128 }, memcpy(buf->addr, add->v[a].addr, 16);
		c->del = buf;
		for (; d < del->n && del->v[d].set == set; d++, c->n_del++, buf++)
			*buf = (struct sw_nft_prefix){ .plen = 128 }, memcpy(buf->addr, del->v[d].addr, 16);
	}
	*out = ch;
	*n_ch = n;
	return 0;
}

int sw_enforce_inc_delta(struct sw_enforce_inc *inc, const struct sw_registry *reg,
			 const struct sw_nft_plan *applied, struct sw_nft_set_change **ch,
			 size_t *n_ch, size_t *added, size_t *removed)
{
	struct sw_inc_keys k = { .v = malloc(SW_INC_MAX_CHANGED * sizeof(*k.v)) };
	struct sw_inc_list add = { 0 }, del = { 0 };
	int rc = 1;

	*ch = NULL;
	*n_ch = *added = *removed = 0;
	if (reg != inc->reg || !k.v ||
	    !sw_registry_changes_since(reg, inc->generation, sw_inc_key_add, &k) || k.over) {
		free(k.v);
		return 1;
	}
	if (k.n > 1)
		qsort(k.v, k.n, sizeof(*k.v), sw_inc_key_cmp);
	/* each workload once; their new contributions, before any count moves */
	for (size_t i = 0, j = 0; i <= k.n; i++) {
		if (i == k.n || inc->nomem) {
			k.n = j;
			break;
		}
		if (j && sw_inc_key_cmp(&k.v[j - 1], &k.v[i]) == 0)
			continue;
		k.v[j] = k.v[i];
		k.v[j].v = sw_inc_contrib(inc, sw_registry_running(reg, k.v[j].source, k.v[j].uid),
					  &k.v[j].n);
		j++;
	}
	if (inc->nomem)
		goto out;
	/* every count up first, then down: an element kept is never seen at 0 */
	for (size_t i = 0; i < k.n; i++)
		for (size_t e = 0; e < k.v[i].n; e++)
			if (sw_inc_count_up(inc, &k.v[i].v[e]) && !sw_inc_list_push(&add, &k.v[i].v[e]))
				inc->nomem = true;
	for (size_t i = 0; i < k.n; i++) {
		size_t n_old;
		struct sw_inc_elem *old = sw_inc_wl_set(inc, k.v[i].source, k.v[i].uid, k.v[i].v,
							k.v[i].n, &n_old);

		k.v[i].v = NULL;	/* kept, or freed on out of memory */
		for (size_t e = 0; e < n_old; e++)
			if (sw_inc_count_down(inc, &old[e]) && !sw_inc_list_push(&del, &old[e]))
				inc->nomem = true;
		free(old);
	}
	if (inc->nomem || !sw_inc_unions(inc, applied, &add, &del) ||
	    sw_inc_changes(applied, &add, &del, ch, n_ch) < 0) {
		inc->nomem = true;
		goto out;
	}
	*added = add.n;
	*removed = del.n;
	inc->generation = sw_registry_generation(reg);
	rc = 0;
out:
	for (size_t i = 0; i < k.n; i++)
		free(k.v[i].v);
	free(k.v);
	free(add.v);
	free(del.v);
	return rc ? (inc->nomem ? -1 : 1) : 0;
}

/* Where @p is in sorted @s, or where it would go (*@found false). */
static size_t sw_inc_find(const struct sw_nft_set *s, const struct sw_nft_prefix *p, bool *found)
{
	size_t lo = 0, hi = s->n_elems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sw_prefix_cmp(&s->elems[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n_elems && sw_prefix_cmp(&s->elems[lo], p) == 0;
	return lo;
}

bool sw_enforce_inc_commit(struct sw_nft_plan *applied, const struct sw_nft_set_change *ch,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sw_nft_set *s = &applied->sets[ch[i].set - applied->sets];
		struct sw_nft_prefix *nv;
		bool found;

		for (size_t d = 0; d < ch[i].n_del; d++) {
			size_t at = sw_inc_find(s, &ch[i].del[d], &found);

			if (!found)
				return false;
			memmove(&s->elems[at], &s->elems[at + 1], (s->n_elems - at - 1) * sizeof(*nv));
			s->n_elems--;
		}
		if (!ch[i].n_add)
			continue;
		if (!(nv = realloc(s->elems, (s->n_elems + ch[i].n_add) * sizeof(*nv))))
			return false;
		s->elems = nv;
		for (size_t a = 0; a < ch[i].n_add; a++) {
			size_t at = sw_inc_find(s, &ch[i].add[a], &found);

			if (found)
				return false;
			memmove(&s->elems[at + 1], &s->elems[at], (s->n_elems - at) * sizeof(*nv));
			s->elems[at] = ch[i].add[a];
			s->n_elems++;
		}
	}
	return true;
}
