/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live graph's store: what the page asks about, held in memory within
 * bounds (docs/web.md "Memory").
 *
 *   ended   a ring of the last max_flows flow records, as JSON lines, in
 *           the order they ended; records older than the window (by their
 *           last packet, against the newest) leave from the front
 *   open    flows seen but not ended, rendered at their first packet, in a
 *           chained hash keyed by 5-tuple and first packet; at most
 *           max_flows of them (more are counted, not held)
 *   alerts  a ring of the last max_alerts alert lines, numbered from 1
 *
 * Threads: the capture thread writes, the HTTP thread copies out. One
 * mutex, held to link or unlink a record or to copy lines into one buffer;
 * records are allocated and rendered before it is taken and freed after.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/web.h>

struct sw_web_line {
	uint64_t first_us, last_us, seq;
	size_t len;
	char text[];			/* len bytes and a NUL */
};

struct sw_web_open {
	struct sw_web_open *next;
	struct sw_web_key k;
	uint64_t hash;
	struct sw_web_line *line;
};

struct sw_web_ring {
	struct sw_web_line **v;
	size_t cap, head, n;		/* v[(head + i) % cap], i < n: oldest first */
};

struct sw_web_store {
	pthread_mutex_t mu;
	uint64_t window_us;
	size_t max_flows, max_alerts;
	struct sw_web_ring ended, alerts;
	struct sw_web_open **buckets;
	size_t n_buckets, n_open;
	uint64_t seq, flows_dropped, open_dropped;
};

static struct sw_web_line *sw_web_line_new(const char *text, size_t len, uint64_t first_us,
					   uint64_t last_us)
{
	struct sw_web_line *l = malloc(sizeof(*l) + len + 1);

	if (!l)
		return NULL;
	l->first_us = first_us;
	l->last_us = last_us;
	l->seq = 0;
	l->len = len;
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	return l;
}

static bool sw_web_ring_init(struct sw_web_ring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap ? cap : 1;
	r->v = calloc(r->cap, sizeof(*r->v));
	return r->v != NULL;
}

static struct sw_web_line *sw_web_ring_pop(struct sw_web_ring *r)
{
	struct sw_web_line *l;

	if (!r->n)
		return NULL;
	l = r->v[r->head];
	r->v[r->head] = NULL;
	r->head = (r->head + 1) % r->cap;
	r->n--;
	return l;
}

static struct sw_web_line *sw_web_ring_at(const struct sw_web_ring *r, size_t i)
{
	return r->v[(r->head + i) % r->cap];
}

/* Append @l; the oldest comes back when the ring was full (the caller frees it). */
static struct sw_web_line *sw_web_ring_push(struct sw_web_ring *r, struct sw_web_line *l)
{
	struct sw_web_line *old = r->n == r->cap ? sw_web_ring_pop(r) : NULL;

	r->v[(r->head + r->n) % r->cap] = l;
	r->n++;
	return old;
}

static void sw_web_ring_free(struct sw_web_ring *r)
{
	struct sw_web_line *l;

	while ((l = sw_web_ring_pop(r)))
		free(l);
	free(r->v);
}

/* The same records in a ring of another size: the oldest go when it is smaller. */
static bool sw_web_ring_resize(struct sw_web_ring *r, size_t cap, struct sw_web_line ***gone,
			       size_t *n_gone)
{
	struct sw_web_ring nr;
	size_t drop;

	*gone = NULL;
	*n_gone = 0;
	if (cap == r->cap)
		return true;
	if (!sw_web_ring_init(&nr, cap))
		return false;
	drop = r->n > nr.cap ? r->n - nr.cap : 0;
	if (drop && !(*gone = malloc(drop * sizeof(**gone)))) {
		free(nr.v);
		return false;
	}
	for (size_t i = 0; i < drop; i++)
		(*gone)[i] = sw_web_ring_pop(r);
	*n_gone = drop;
	while (r->n)
		sw_web_ring_push(&nr, sw_web_ring_pop(r));
	free(r->v);
	*r = nr;
	return true;
}

struct sw_web_store *sw_web_store_alloc(uint64_t window_us, size_t max_flows, size_t max_alerts)
{
	struct sw_web_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->window_us = window_us;
	s->max_flows = max_flows ? max_flows : 1;
	s->max_alerts = max_alerts ? max_alerts : 1;
	s->n_buckets = 1024;
	if (!sw_web_ring_init(&s->ended, s->max_flows) ||
	    !sw_web_ring_init(&s->alerts, s->max_alerts) ||
	    !(s->buckets = calloc(s->n_buckets, sizeof(*s->buckets)))) {
		free(s->ended.v);
		free(s->alerts.v);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

/* Unlinked under the lock, freed after it. */
static struct sw_web_open *sw_web_open_unlink_all(struct sw_web_store *s)
{
	struct sw_web_open *all = NULL;

	for (size_t b = 0; b < s->n_buckets; b++) {
		struct sw_web_open *o = s->buckets[b], *next;

		for (; o; o = next) {
			next = o->next;
			o->next = all;
			all = o;
		}
		s->buckets[b] = NULL;
	}
	s->n_open = 0;
	return all;
}

static void sw_web_open_free_list(struct sw_web_open *o)
{
	struct sw_web_open *next;

	for (; o; o = next) {
		next = o->next;
		free(o->line);
		free(o);
	}
}

void sw_web_store_free(struct sw_web_store *s)
{
	if (!s)
		return;
	sw_web_open_free_list(sw_web_open_unlink_all(s));
	free(s->buckets);
	sw_web_ring_free(&s->ended);
	sw_web_ring_free(&s->alerts);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void sw_web_store_limits(struct sw_web_store *s, uint64_t window_us, size_t max_flows,
			 size_t max_alerts)
{
	struct sw_web_line **gone1 = NULL, **gone2 = NULL;
	size_t n1 = 0, n2 = 0;

	pthread_mutex_lock(&s->mu);
	s->window_us = window_us;
	/* out of memory: the old bounds stay */
	if (sw_web_ring_resize(&s->ended, max_flows ? max_flows : 1, &gone1, &n1))
		s->max_flows = s->ended.cap;
	if (sw_web_ring_resize(&s->alerts, max_alerts ? max_alerts : 1, &gone2, &n2))
		s->max_alerts = s->alerts.cap;
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < n1; i++)
		free(gone1[i]);
	for (size_t i = 0; i < n2; i++)
		free(gone2[i]);
	free(gone1);
	free(gone2);
}

uint64_t sw_web_store_window(struct sw_web_store *s)
{
	uint64_t w;

	pthread_mutex_lock(&s->mu);
	w = s->window_us;
	pthread_mutex_unlock(&s->mu);
	return w;
}

static uint64_t sw_web_key_hash(const struct sw_web_key *k)
{
	const uint8_t *parts[] = { k->init_addr, k->resp_addr };
	uint64_t h = 0xcbf29ce484222325ull;

	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 0x100000001b3ull;
	h = (h ^ ((uint64_t)k->init_port << 24 | (uint64_t)k->resp_port << 8 | k->proto)) *
	    0x100000001b3ull;
	h = (h ^ k->first_us) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static bool sw_web_key_eq(const struct sw_web_key *a, const struct sw_web_key *b)
{
	return a->first_us == b->first_us && a->proto == b->proto &&
	       a->init_port == b->init_port && a->resp_port == b->resp_port &&
	       memcmp(a->init_addr, b->init_addr, 16) == 0 &&
	       memcmp(a->resp_addr, b->resp_addr, 16) == 0;
}

/* Twice the buckets once the open records outnumber them (failure: chains grow longer). */
static void sw_web_open_grow(struct sw_web_store *s)
{
	size_t n = s->n_buckets * 2;
	struct sw_web_open **nb;

	if (s->n_open <= s->n_buckets || n > (1u << 24) || !(nb = calloc(n, sizeof(*nb))))
		return;
	for (size_t b = 0; b < s->n_buckets; b++) {
		struct sw_web_open *o = s->buckets[b], *next;

		for (; o; o = next) {
			next = o->next;
			o->next = nb[o->hash & (n - 1)];
			nb[o->hash & (n - 1)] = o;
		}
	}
	free(s->buckets);
	s->buckets = nb;
	s->n_buckets = n;
}

void sw_web_store_flow_open(struct sw_web_store *s, const struct sw_web_key *k, const char *line,
			    size_t len)
{
	struct sw_web_open *o = malloc(sizeof(*o));

	if (!o || !(o->line = sw_web_line_new(line, len, k->first_us, k->first_us))) {
		free(o);
		pthread_mutex_lock(&s->mu);
		s->open_dropped++;
		pthread_mutex_unlock(&s->mu);
		return;
	}
	o->k = *k;
	o->hash = sw_web_key_hash(k);
	pthread_mutex_lock(&s->mu);
	if (s->n_open >= s->max_flows) {
		s->open_dropped++;
	} else {
		sw_web_open_grow(s);
		o->next = s->buckets[o->hash & (s->n_buckets - 1)];
		s->buckets[o->hash & (s->n_buckets - 1)] = o;
		s->n_open++;
		o = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	if (o) {
		free(o->line);
		free(o);
	}
}

/* Unlink the open record of @k; NULL when not held. */
static struct sw_web_open *sw_web_open_take(struct sw_web_store *s, const struct sw_web_key *k)
{
	uint64_t h = sw_web_key_hash(k);
	struct sw_web_open **pp = &s->buckets[h & (s->n_buckets - 1)], *o;

	for (; (o = *pp); pp = &o->next) {
		if (o->hash == h && sw_web_key_eq(&o->k, k)) {
			*pp = o->next;
			s->n_open--;
			return o;
		}
	}
	return NULL;
}

void sw_web_store_flow_end(struct sw_web_store *s, const struct sw_web_key *k, uint64_t last_us,
			   const char *line, size_t len)
{
	struct sw_web_line *l = sw_web_line_new(line, len, k->first_us, last_us), *gone[9];
	struct sw_web_open *o;
	size_t n_gone = 0;

	pthread_mutex_lock(&s->mu);
	o = sw_web_open_take(s, k);
	/* at most a few out of the window per flow: the rest go with the next ones */
	while (n_gone < 8 && s->ended.n &&
	       sw_web_ring_at(&s->ended, 0)->last_us + s->window_us < last_us)
		gone[n_gone++] = sw_web_ring_pop(&s->ended);
	if (l && (gone[n_gone] = sw_web_ring_push(&s->ended, l)) != NULL) {
		n_gone++;
		s->flows_dropped++; /* max_flows reached within the window */
	}
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < n_gone; i++)
		free(gone[i]);
	if (o) {
		free(o->line);
		free(o);
	}
}

void sw_web_store_open_clear(struct sw_web_store *s)
{
	struct sw_web_open *all;

	pthread_mutex_lock(&s->mu);
	all = sw_web_open_unlink_all(s);
	pthread_mutex_unlock(&s->mu);
	sw_web_open_free_list(all);
}

void sw_web_store_alert(struct sw_web_store *s, uint64_t ts_us, const char *line, size_t len)
{
	struct sw_web_line *l = sw_web_line_new(line, len, ts_us, ts_us), *old = NULL;

	if (!l)
		return;
	pthread_mutex_lock(&s->mu);
	l->seq = ++s->seq;
	old = sw_web_ring_push(&s->alerts, l);
	pthread_mutex_unlock(&s->mu);
	free(old);
}

/* ---- copies for readers ---- */

static bool sw_web_meets(const struct sw_web_line *l, uint64_t since_us, uint64_t until_us)
{
	return (!since_us || l->last_us >= since_us) && (!until_us || l->first_us <= until_us);
}

/* Room for @n records of @bytes text in all: allocated under the lock (sizes move). */
static int sw_web_snap_alloc(struct sw_web_snap *out, size_t n, size_t bytes)
{
	memset(out, 0, sizeof(*out));
	out->v = malloc((n ? n : 1) * sizeof(*out->v));
	out->buf = malloc(bytes ? bytes : 1);
	if (!out->v || !out->buf) {
		sw_web_snap_clear(out);
		return SW_EXIT_RUNTIME;
	}
	return SW_EXIT_OK;
}

static void sw_web_snap_put(struct sw_web_snap *out, size_t *off, const struct sw_web_line *l,
			    bool open)
{
	struct sw_web_rec *r = &out->v[out->n++];

	memcpy(out->buf + *off, l->text, l->len + 1);
	r->line = out->buf + *off;
	r->len = l->len;
	r->first_us = l->first_us;
	r->last_us = l->last_us;
	r->seq = l->seq;
	r->open = open;
	*off += l->len + 1;
}

int sw_web_store_flows(struct sw_web_store *s, uint64_t since_us, uint64_t until_us,
		       struct sw_web_snap *out)
{
	size_t n = 0, bytes = 0, off = 0;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->ended.n; i++) {
		const struct sw_web_line *l = sw_web_ring_at(&s->ended, i);

		if (sw_web_meets(l, since_us, until_us)) {
			n++;
			bytes += l->len + 1;
		}
	}
	for (size_t b = 0; b < s->n_buckets; b++)
		for (const struct sw_web_open *o = s->buckets[b]; o; o = o->next)
			if (!until_us || o->line->first_us <= until_us) {
				n++;
				bytes += o->line->len + 1;
			}
	rc = sw_web_snap_alloc(out, n, bytes);
	for (size_t i = 0; rc == SW_EXIT_OK && i < s->ended.n; i++) {
		const struct sw_web_line *l = sw_web_ring_at(&s->ended, i);

		if (sw_web_meets(l, since_us, until_us))
			sw_web_snap_put(out, &off, l, false);
	}
	for (size_t b = 0; rc == SW_EXIT_OK && b < s->n_buckets; b++)
		for (const struct sw_web_open *o = s->buckets[b]; o; o = o->next)
			if (!until_us || o->line->first_us <= until_us)
				sw_web_snap_put(out, &off, o->line, true);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int sw_web_store_alerts(struct sw_web_store *s, uint64_t after, struct sw_web_snap *out)
{
	size_t n = 0, bytes = 0, off = 0;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->alerts.n; i++) {
		const struct sw_web_line *l = sw_web_ring_at(&s->alerts, i);

		if (l->seq > after) {
			n++;
			bytes += l->len + 1;
		}
	}
	rc = sw_web_snap_alloc(out, n, bytes);
	for (size_t i = 0; rc == SW_EXIT_OK && i < s->alerts.n; i++) {
		const struct sw_web_line *l = sw_web_ring_at(&s->alerts, i);

		if (l->seq > after)
			sw_web_snap_put(out, &off, l, false);
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void sw_web_snap_clear(struct sw_web_snap *snap)
{
	free(snap->v);
	free(snap->buf);
	memset(snap, 0, sizeof(*snap));
}

void sw_web_store_stats(struct sw_web_store *s, struct sw_web_store_stats *out)
{
	pthread_mutex_lock(&s->mu);
	out->flows = s->ended.n;
	out->open = s->n_open;
	out->alerts = s->alerts.n;
	out->flows_dropped = s->flows_dropped;
	out->open_dropped = s->open_dropped;
	out->last_seq = s->seq;
	pthread_mutex_unlock(&s->mu);
}
