/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bidirectional flow table.
 *
 * Memory: records live in chunks of SW_CHUNK_RECS, addressed by 32-bit
 * indices (1-based, 0 = none) so that links cost 4 bytes, and chunks are
 * allocated as the table grows: RSS follows the number of live flows. The
 * hash has a power-of-two number of 4-byte buckets, doubled (and rehashed)
 * when live flows outnumber them, up to one per allowed flow.
 *
 * Expiry: a timer wheel with one slot per second. A record is filed under
 * the second its idle timeout would end and is not moved on activity (that
 * would touch two more cache lines per packet). When its slot comes up it is
 * either emitted (idle) or filed again under its new deadline, so a record is
 * looked at about once per timeout period, and expires within a second of
 * its deadline. A change of timeout class (a TCP flow closes) refiles it at
 * once. Every lookup also checks the record's own idle time, so results are
 * exact whenever expiry runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define SW_CHUNK_SHIFT 14	/* 16k records (1.9 MB) a chunk: RSS follows live flows closely */
#define SW_CHUNK_RECS (1u << SW_CHUNK_SHIFT)
#define SW_DEFAULT_MAX_FLOWS (1u << 20)
/* a record is cut before its 32-bit µs time offsets could overflow (~71 min) */
#define SW_OFF_MAX_US (4200ULL * 1000000)
/* how far back an out-of-order packet may move a record's start */
#define SW_REBASE_MAX_US (60ULL * 1000000)
/* seconds the wheel spans; later deadlines are parked at its far end and refiled */
#define SW_WHEEL_SLOTS 4096u

/* Memory per flow is a product figure (docs/benchmarks.md): keep an eye on it. */
_Static_assert(sizeof(struct sw_flow_live) == 96, "flow record grew");

/* The end of a wheel slot's list, in qnext and qprev (record indices stay below 2^31). */
#define SW_WHEEL_END 0x80000000u
#define SW_BYTES_MAX ((1ULL << 48) - 1)

struct sw_flow_queue {
	uint32_t head, tail;
};

struct sw_flow_table {
	struct sw_flow_config cfg;
	sw_flow_emit_fn emit;
	void *emit_arg;
	sw_flow_new_fn on_new;	/* optional: each flow at its first packet (alerts) */
	void *on_new_arg;
	sw_flow_answer_fn on_answer;	/* optional: each flow at its first answer (alerts) */
	void *on_answer_arg;
	uint64_t seed;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t max_buckets;
	struct sw_flow_live **chunks;
	uint32_t n_chunks;	/* allocated so far */
	uint32_t max_chunks;
	uint32_t next_unused;	/* records never used yet (1-based) */
	uint32_t free_list;
	struct sw_flow_queue wheel[SW_WHEEL_SLOTS];
	uint32_t wheel_s;	/* slots up to this second are done */
	uint32_t evict_hint;	/* no record is due before this second */
	uint32_t idle_s[SW_Q_MAX];
	uint64_t epoch_us;
	uint64_t now_us;
	struct sw_frag_table *frags;
	struct sw_flow_stats stats;
};

void sw_flow_config_defaults(struct sw_flow_config *cfg)
{
	cfg->max_flows = SW_DEFAULT_MAX_FLOWS;
	cfg->idle_tcp_s = 300;
	cfg->idle_tcp_closed_s = 15;
	cfg->idle_udp_s = 60;
	cfg->idle_icmp_s = 30;
	cfg->idle_other_s = 60;
	cfg->active_s = 1800;
}

static inline struct sw_flow_live *sw_rec(const struct sw_flow_table *t, uint32_t idx)
{
	idx--;
	return &t->chunks[idx >> SW_CHUNK_SHIFT][idx & (SW_CHUNK_RECS - 1)];
}

/* A keyed mix over the 40-byte key; the random seed defeats crafted collisions. */
static inline uint64_t sw_flow_hash(const struct sw_flow_table *t, const struct sw_flow_key *k)
{
	uint64_t w[5], h = t->seed;

	memcpy(w, k, sizeof(w));
	for (int i = 0; i < 5; i++) {
		h ^= w[i];
		h *= 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static uint64_t sw_flow_seed(void)
{
	struct timespec ts;
	uint64_t s;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&s;
	return s | 1;
}

static uint32_t sw_flow_max_clamp(uint32_t max_flows)
{
	if (max_flows == 0)
		return SW_DEFAULT_MAX_FLOWS;
	return max_flows > (1u << 31) ? 1u << 31 : max_flows;
}

static void sw_flow_table_timeouts(struct sw_flow_table *t)
{
	t->idle_s[SW_Q_TCP] = t->cfg.idle_tcp_s;
	t->idle_s[SW_Q_TCP_CLOSED] = t->cfg.idle_tcp_closed_s;
	t->idle_s[SW_Q_UDP] = t->cfg.idle_udp_s;
	t->idle_s[SW_Q_ICMP] = t->cfg.idle_icmp_s;
	t->idle_s[SW_Q_OTHER] = t->cfg.idle_other_s;
}

struct sw_flow_table *sw_flow_table_alloc(const struct sw_flow_config *cfg,
					  sw_flow_emit_fn emit, void *arg)
{
	struct sw_flow_table *t = calloc(1, sizeof(*t));
	uint32_t nb = 1024;

	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->cfg.max_flows = sw_flow_max_clamp(cfg->max_flows);
	t->max_buckets = nb;
	while (t->max_buckets < t->cfg.max_flows)
		t->max_buckets <<= 1;
	nb = t->max_buckets < 65536 ? t->max_buckets : 65536;
	t->bucket_mask = nb - 1;
	t->max_chunks = (t->cfg.max_flows + SW_CHUNK_RECS - 1) / SW_CHUNK_RECS;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->chunks = calloc(t->max_chunks, sizeof(*t->chunks));
	t->frags = sw_frag_table_alloc();
	if (!t->buckets || !t->chunks || !t->frags) {
		sw_flow_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->emit = emit;
	t->emit_arg = arg;
	t->seed = sw_flow_seed();
	sw_flow_table_timeouts(t);
	return t;
}

void sw_flow_table_free(struct sw_flow_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n_chunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->buckets);
	sw_frag_table_free(t->frags);
	free(t);
}

const struct sw_flow_stats *sw_flow_table_stats(const struct sw_flow_table *t)
{
	return &t->stats;
}

struct sw_flow_stats *sw_flow_table_stats_mut(struct sw_flow_table *t)
{
	return &t->stats;
}

/* ---- records: allocation, hash and queues ---- */

static uint32_t sw_rec_alloc(struct sw_flow_table *t)
{
	uint32_t idx;

	if (t->free_list) {
		idx = t->free_list;
		t->free_list = sw_rec(t, idx)->hnext;
		return idx;
	}
	if (t->next_unused >= t->cfg.max_flows)
		return 0;
	if (t->next_unused >= t->n_chunks * SW_CHUNK_RECS) {
		/* a small table (--max-flows below one chunk) gets a small chunk */
		size_t recs = t->cfg.max_flows < SW_CHUNK_RECS ? t->cfg.max_flows : SW_CHUNK_RECS;
		struct sw_flow_live *c;

		if (t->n_chunks == t->max_chunks)
			return 0;
		c = malloc(sizeof(*c) * recs);
		if (!c)
			return 0;
		t->chunks[t->n_chunks++] = c;
	}
	return ++t->next_unused;
}

static void sw_rec_release(struct sw_flow_table *t, uint32_t idx)
{
	sw_rec(t, idx)->hnext = t->free_list;
	t->free_list = idx;
}

static void sw_hash_unlink(struct sw_flow_table *t, uint32_t idx)
{
	struct sw_flow_live *r = sw_rec(t, idx);
	uint32_t *pp = &t->buckets[sw_flow_hash(t, &r->key) & t->bucket_mask];

	while (*pp && *pp != idx)
		pp = &sw_rec(t, *pp)->hnext;
	if (*pp)
		*pp = r->hnext;
}

static uint32_t sw_now_s(const struct sw_flow_table *t, uint64_t us)
{
	return us > t->epoch_us ? (uint32_t)((us - t->epoch_us) / 1000000) : 0;
}

static void sw_wheel_unlink(struct sw_flow_table *t, uint32_t idx)
{
	struct sw_flow_live *r = sw_rec(t, idx);
	uint32_t prev = r->qprev, next = r->qnext;

	if (prev & SW_WHEEL_END)
		t->wheel[prev & ~SW_WHEEL_END].head = next & SW_WHEEL_END ? 0 : next;
	else
		sw_rec(t, prev)->qnext = next;
	if (next & SW_WHEEL_END)
		t->wheel[next & ~SW_WHEEL_END].tail = prev & SW_WHEEL_END ? 0 : prev;
	else
		sw_rec(t, next)->qprev = prev;
}

static void sw_wheel_insert(struct sw_flow_table *t, uint32_t idx, uint32_t due_s)
{
	struct sw_flow_live *r = sw_rec(t, idx);
	uint32_t slot;
	struct sw_flow_queue *q;

	if (due_s <= t->wheel_s)
		due_s = t->wheel_s + 1;
	if (due_s - t->wheel_s >= SW_WHEEL_SLOTS)
		due_s = t->wheel_s + SW_WHEEL_SLOTS - 1;
	if (due_s < t->evict_hint)
		t->evict_hint = due_s;
	slot = due_s % SW_WHEEL_SLOTS;
	q = &t->wheel[slot];
	r->qnext = SW_WHEEL_END | slot;
	r->qprev = q->tail ? q->tail : SW_WHEEL_END | slot;
	if (q->tail)
		sw_rec(t, q->tail)->qnext = idx;
	else
		q->head = idx;
	q->tail = idx;
}

static int sw_rec_class(const struct sw_flow_live *r)
{
	switch (r->key.proto) {
	case 6:
		return r->state == SW_FLOW_CLOSED || r->state == SW_FLOW_REFUSED ?
			       SW_Q_TCP_CLOSED : SW_Q_TCP;
	case 17:
	case 136:
		return SW_Q_UDP;
	case 1:
	case 58:
		return SW_Q_ICMP;
	default:
		return SW_Q_OTHER;
	}
}

static uint64_t sw_rec_first(const struct sw_flow_live *r)
{
	return r->base_us; /* the earliest packet either way, by construction */
}

static uint64_t sw_rec_last(const struct sw_flow_live *r)
{
	uint32_t a = r->packets[0] ? r->last_off[0] : 0;
	uint32_t b = r->packets[1] ? r->last_off[1] : 0;

	return r->base_us + (a > b ? a : b);
}

static bool sw_rec_idle(const struct sw_flow_table *t, const struct sw_flow_live *r,
			uint64_t now_us)
{
	uint64_t last = sw_rec_last(r);

	return now_us > last && now_us - last >= (uint64_t)t->idle_s[sw_rec_class(r)] * 1000000;
}

/* The second (relative to the epoch) at which a record's idle timeout ends, rounded up. */
static uint32_t sw_rec_deadline(const struct sw_flow_table *t, const struct sw_flow_live *r)
{
	uint64_t end = sw_rec_last(r) + (uint64_t)t->idle_s[sw_rec_class(r)] * 1000000;

	if (end <= t->epoch_us)
		return 0;
	end = (end - t->epoch_us + 999999) / 1000000;
	return end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

static void sw_rec_schedule(struct sw_flow_table *t, uint32_t idx)
{
	struct sw_flow_live *r = sw_rec(t, idx);

	r->qclass = (uint8_t)sw_rec_class(r);
	sw_wheel_insert(t, idx, sw_rec_deadline(t, r));
}

/* ---- emitting ---- */

static uint64_t sw_rec_bytes(const struct sw_flow_live *r, int d)
{
	return (uint64_t)r->bytes_hi[d] << 32 | r->bytes_lo[d];
}

static uint32_t sw_rec_first_off(const struct sw_flow_live *r, int d)
{
	return d == r->first_dir ? 0 : r->first_off;
}

static void sw_dir_export(struct sw_flow_dir *d, const struct sw_flow_live *r, int i)
{
	d->bytes = sw_rec_bytes(r, i);
	d->packets = r->packets[i];
	d->first_us = r->packets[i] ? r->base_us + sw_rec_first_off(r, i) : 0;
	d->last_us = r->packets[i] ? r->base_us + r->last_off[i] : 0;
	d->tcp_flags = r->key.proto == 6 ? r->u.tcp_flags[i] : 0;
}

/* The public view of a record, oriented initiator -> responder. */
static void sw_rec_export(const struct sw_flow_live *r, enum sw_flow_end end, struct sw_flow *out)
{
	struct sw_flow f;
	int i = r->init_side;

	memset(&f, 0, sizeof(f));
	f.family = r->key.family;
	f.proto = r->key.proto;
	f.state = r->state;
	f.end = (uint8_t)end;
	f.flags = r->flags & (uint8_t)~SW_FLOW_LF_MASK;
	if (r->key.proto == 1 || r->key.proto == 58) {
		f.icmp_type = r->u.icmp.type;
		f.icmp_code = r->u.icmp.code;
	}
	memcpy(f.init_addr, i ? r->key.b : r->key.a, 16);
	memcpy(f.resp_addr, i ? r->key.a : r->key.b, 16);
	f.init_port = i ? r->key.pb : r->key.pa;
	f.resp_port = i ? r->key.pa : r->key.pb;
	/* packets from side a travel a -> b (SW_DIR_AB == 0) */
	sw_dir_export(&f.fwd, r, i);
	sw_dir_export(&f.rev, r, 1 - i);
	*out = f;
}

static void sw_rec_emit(struct sw_flow_table *t, const struct sw_flow_live *r,
			enum sw_flow_end end)
{
	struct sw_flow f;

	t->stats.emitted++;
	if (!t->emit)
		return;
	sw_rec_export(r, end, &f);
	t->emit(&f, t->emit_arg);
}

/*
 * A flow just began (its first packet is accounted): tell the watcher, if
 * any, and mark the record when its first answer is wanted (every record
 * when nobody watches beginnings).
 */
static void sw_rec_notify_new(struct sw_flow_table *t, struct sw_flow_live *r)
{
	struct sw_flow f;

	if (!t->on_new) {
		r->flags |= SW_FLOW_LF_ANSWER_WANTED;
		return;
	}
	sw_rec_export(r, SW_END_FLUSH, &f);
	if (t->on_new(&f, t->on_new_arg))
		r->flags |= SW_FLOW_LF_ANSWER_WANTED;
}

/* The record's first answer is to be told: someone listens and wanted this one. */
static bool sw_rec_answer_wanted(const struct sw_flow_table *t, const struct sw_flow_live *r)
{
	return t->on_answer && (r->flags & SW_FLOW_LF_ANSWER_WANTED);
}

void sw_flow_table_set_on_new(struct sw_flow_table *t, sw_flow_new_fn fn, void *arg)
{
	t->on_new = fn;
	t->on_new_arg = arg;
}

/*
 * A record left "attempted" with the packet at @ts_us: its first answer.
 * Every packet from the responder takes a record out of "attempted" (TCP:
 * packets both ways at least), so this is that first packet; the initiator's
 * own RST and ICMP errors that do not refuse (host unreachable, time
 * exceeded) leave it there and are not answers.
 */
static void sw_rec_notify_answer(struct sw_flow_table *t, const struct sw_flow_live *r,
				 uint64_t ts_us)
{
	struct sw_flow f;

	sw_rec_export(r, SW_END_FLUSH, &f);
	t->on_answer(&f, r->state == SW_FLOW_REFUSED, ts_us, t->on_answer_arg);
}

void sw_flow_table_set_on_answer(struct sw_flow_table *t, sw_flow_answer_fn fn, void *arg)
{
	t->on_answer = fn;
	t->on_answer_arg = arg;
}

/* Emit and drop a record that has already left its queue. */
static void sw_rec_retire(struct sw_flow_table *t, uint32_t idx, enum sw_flow_end end)
{
	sw_rec_emit(t, sw_rec(t, idx), end);
	t->stats.live_by_state[sw_rec(t, idx)->state]--;
	sw_hash_unlink(t, idx);
	sw_rec_release(t, idx);
	t->stats.live--;
}

/* Forget the counters of a record, keeping key, queue and hash links. */
static void sw_rec_reset(struct sw_flow_live *r)
{
	r->base_us = 0;
	r->first_off = 0;
	r->first_dir = 0;
	memset(r->last_off, 0, sizeof(r->last_off));
	memset(r->bytes_lo, 0, sizeof(r->bytes_lo));
	memset(r->bytes_hi, 0, sizeof(r->bytes_hi));
	memset(r->packets, 0, sizeof(r->packets));
	if (r->key.proto == 6) /* ICMP keeps its type and code in the same bytes */
		memset(r->u.tcp_flags, 0, sizeof(r->u.tcp_flags));
	r->flags = 0;
}

/* ---- expiry and eviction ---- */

/* Look at every record filed under one second: emit the idle, refile the rest. */
static void sw_wheel_run_slot(struct sw_flow_table *t, uint32_t slot_s, uint64_t now_us)
{
	struct sw_flow_queue *q = &t->wheel[slot_s % SW_WHEEL_SLOTS];
	uint32_t idx = q->head;

	q->head = q->tail = 0;
	while (idx) {
		struct sw_flow_live *r = sw_rec(t, idx);
		uint32_t next = r->qnext & SW_WHEEL_END ? 0 : r->qnext;
		uint32_t due_s = sw_rec_deadline(t, r);

		if (next) /* records of a slot are scattered: start the next load now */
			__builtin_prefetch(sw_rec(t, next));
		if (due_s > slot_s)
			sw_wheel_insert(t, idx, due_s); /* parked, or seen since: not due yet */
		else if (sw_rec_idle(t, r, now_us))
			sw_rec_retire(t, idx, SW_END_IDLE);
		else
			sw_rec_schedule(t, idx);
		idx = next;
	}
}

void sw_flow_table_expire(struct sw_flow_table *t, uint64_t now_us)
{
	uint32_t now_s, first, steps;

	sw_frag_expire(t->frags, t, now_us, false);
	if (!t->epoch_us)
		return;
	now_s = sw_now_s(t, now_us);
	if (now_s <= t->wheel_s)
		return;
	first = t->wheel_s + 1;
	steps = now_s - t->wheel_s;
	if (steps > SW_WHEEL_SLOTS)
		steps = SW_WHEEL_SLOTS;
	/* refiled records go to seconds after now: advance the clock first */
	t->wheel_s = now_s;
	for (uint32_t i = 0; i < steps; i++)
		sw_wheel_run_slot(t, first + i, now_us);
	if (t->evict_hint <= now_s)
		t->evict_hint = now_s + 1;
}

/* Table full: evict the record whose deadline is nearest. */
static void sw_flow_evict_one(struct sw_flow_table *t)
{
	uint32_t s = t->evict_hint > t->wheel_s ? t->evict_hint : t->wheel_s + 1;

	for (uint32_t i = 0; i < SW_WHEEL_SLOTS; i++, s++) {
		uint32_t idx = t->wheel[s % SW_WHEEL_SLOTS].head;

		if (idx) {
			t->evict_hint = s;
			sw_wheel_unlink(t, idx);
			sw_rec_retire(t, idx, SW_END_EVICTED);
			t->stats.evicted++;
			return;
		}
	}
}

/*
 * A raised bound needs room for more chunks; a lowered one evicts the
 * oldest flows down to it now (the chunks already held stay: a lowered
 * bound caps what is live, not what the process keeps until it restarts).
 */
static bool sw_flow_table_rebound(struct sw_flow_table *t, uint32_t max_flows)
{
	uint32_t max_chunks = (max_flows + SW_CHUNK_RECS - 1) / SW_CHUNK_RECS;

	if (max_chunks > t->max_chunks) {
		struct sw_flow_live **c = realloc(t->chunks, sizeof(*c) * max_chunks);

		if (!c)
			return false;
		memset(c + t->max_chunks, 0, sizeof(*c) * (max_chunks - t->max_chunks));
		t->chunks = c;
		t->max_chunks = max_chunks;
	}
	/* a small table's one chunk holds max_flows records, not a full chunk */
	if (t->n_chunks && t->cfg.max_flows < SW_CHUNK_RECS && max_flows > t->cfg.max_flows) {
		size_t recs = max_flows < SW_CHUNK_RECS ? max_flows : SW_CHUNK_RECS;
		struct sw_flow_live *c = realloc(t->chunks[0], sizeof(*c) * recs);

		if (!c)
			return false;
		t->chunks[0] = c;
	}
	t->cfg.max_flows = max_flows;
	while (t->max_buckets < max_flows)
		t->max_buckets <<= 1;
	while (t->stats.live > max_flows) {
		uint64_t before = t->stats.evicted;

		sw_flow_evict_one(t);
		if (t->stats.evicted == before)
			break; /* nothing queued to evict: cannot happen with live records */
	}
	return true;
}

bool sw_flow_table_set_config(struct sw_flow_table *t, const struct sw_flow_config *cfg)
{
	uint32_t max_flows = sw_flow_max_clamp(cfg->max_flows);

	if (max_flows != t->cfg.max_flows && !sw_flow_table_rebound(t, max_flows))
		return false;
	t->cfg = *cfg;
	t->cfg.max_flows = max_flows;
	sw_flow_table_timeouts(t);
	return true;
}

void sw_flow_table_flush(struct sw_flow_table *t)
{
	sw_frag_expire(t->frags, t, t->now_us, true);
	/* everything goes: emit and free without unlinking records one by one */
	for (uint32_t s = 0; s < SW_WHEEL_SLOTS; s++) {
		uint32_t idx = t->wheel[s].head;

		while (idx) {
			uint32_t next = sw_rec(t, idx)->qnext;

			next = next & SW_WHEEL_END ? 0 : next;
			sw_rec_emit(t, sw_rec(t, idx), SW_END_FLUSH);
			sw_rec_release(t, idx);
			idx = next;
		}
		t->wheel[s].head = t->wheel[s].tail = 0;
	}
	memset(t->buckets, 0, ((size_t)t->bucket_mask + 1) * sizeof(*t->buckets));
	t->stats.live = 0;
	memset(t->stats.live_by_state, 0, sizeof(t->stats.live_by_state));
}

static uint32_t sw_flow_find_hashed(const struct sw_flow_table *t, const struct sw_flow_key *k,
				    uint64_t hash, uint32_t **bucket)
{
	uint32_t *b = &t->buckets[hash & t->bucket_mask];
	uint32_t idx = *b;

	*bucket = b;
	while (idx) {
		struct sw_flow_live *r = sw_rec(t, idx);

		if (memcmp(&r->key, k, sizeof(*k)) == 0)
			return idx;
		idx = r->hnext;
	}
	return 0;
}

static uint32_t sw_flow_find(const struct sw_flow_table *t, const struct sw_flow_key *k,
			     uint32_t **bucket)
{
	return sw_flow_find_hashed(t, k, sw_flow_hash(t, k), bucket);
}

static uint32_t sw_flow_create(struct sw_flow_table *t, const struct sw_flow_obs *o,
			       uint32_t *bucket)
{
	struct sw_flow_live *r;
	uint32_t idx;

	if (t->stats.live >= t->cfg.max_flows)
		sw_flow_evict_one(t);
	idx = sw_rec_alloc(t);
	if (!idx)
		return 0;
	r = sw_rec(t, idx);
	memset(r, 0, sizeof(*r));
	r->key = o->key;
	sw_flow_live_begin(r, o);
	/* eviction may have unlinked from this bucket: the pointer is still valid */
	r->hnext = *bucket;
	*bucket = idx;
	t->stats.created++;
	t->stats.live_by_state[r->state]++;
	if (++t->stats.live > t->stats.peak_live)
		t->stats.peak_live = t->stats.live;
	return idx;
}

/*
 * Move base_us back to @ts_us, a packet of direction @d older than the
 * record's first: @d becomes the direction that starts at offset 0.
 */
static void sw_rec_rebase(struct sw_flow_live *r, uint64_t ts_us, int d)
{
	uint32_t shift = (uint32_t)(r->base_us - ts_us);

	for (int i = 0; i < 2; i++)
		r->last_off[i] += shift;
	if (d == r->first_dir)
		r->first_off += shift;
	else
		r->first_off = shift; /* the old first direction's start, from the new base */
	r->first_dir = (uint8_t)d;
	r->base_us = ts_us;
}

/* Offset of @ts_us from the record's base; sw_rec_too_long keeps it in range. */
static uint32_t sw_rec_off(const struct sw_flow_live *r, uint64_t ts_us)
{
	uint64_t off = ts_us > r->base_us ? ts_us - r->base_us : 0;

	return off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}

static void sw_rec_account(struct sw_flow_live *r, const struct sw_flow_obs *o)
{
	int d = o->dir;
	uint64_t first = o->first_us ? o->first_us : o->ts_us;
	bool empty = !r->packets[0] && !r->packets[1];

	uint64_t bytes;

	if (empty) {
		r->base_us = first;
		r->first_dir = (uint8_t)d;
	} else if (first < r->base_us && r->base_us - first < SW_REBASE_MAX_US) {
		sw_rec_rebase(r, first, d);
	}
	if (d != r->first_dir && (!r->packets[d] || sw_rec_off(r, first) < r->first_off))
		r->first_off = sw_rec_off(r, first);
	if (!r->packets[d] || sw_rec_off(r, o->ts_us) > r->last_off[d])
		r->last_off[d] = sw_rec_off(r, o->ts_us);
	bytes = sw_rec_bytes(r, d) + o->bytes;
	r->bytes_lo[d] = (uint32_t)bytes;
	r->bytes_hi[d] = (uint16_t)(bytes >> 32);
	r->packets[d] += (uint32_t)o->packets;
	if (r->key.proto == 6)
		r->u.tcp_flags[d] |= o->tcp_flags;
	r->flags |= o->extra_flags;
}

/*
 * Start a new record in place of a finished one with the same key: the old
 * one is emitted, the slot keeps its hash and queue links.
 */
static void sw_rec_restart(struct sw_flow_table *t, struct sw_flow_live *r,
			   const struct sw_flow_obs *o, enum sw_flow_end end)
{
	sw_rec_emit(t, r, end);
	sw_rec_reset(r);
	sw_flow_live_begin(r, o);
	t->stats.created++;
}

static bool sw_rec_too_long(const struct sw_flow_table *t, const struct sw_flow_live *r,
			    const struct sw_flow_obs *o)
{
	uint64_t first = sw_rec_first(r);
	uint64_t active = (uint64_t)t->cfg.active_s * 1000000;

	if (active > SW_OFF_MAX_US)
		active = SW_OFF_MAX_US; /* time offsets are 32-bit µs */
	return (o->ts_us > first && o->ts_us - first >= active) ||
	       r->packets[o->dir] > UINT32_MAX - o->packets ||
	       sw_rec_bytes(r, o->dir) > SW_BYTES_MAX - o->bytes;
}

/* Double the buckets and relink every record; a failed allocation keeps the old array. */
static void sw_flow_grow_buckets(struct sw_flow_table *t)
{
	uint32_t n = (t->bucket_mask + 1) * 2;
	uint32_t *nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (uint32_t i = 0; i <= t->bucket_mask; i++) {
		uint32_t idx = t->buckets[i];

		while (idx) {
			struct sw_flow_live *r = sw_rec(t, idx);
			uint32_t next = r->hnext;
			uint32_t *b = &nb[sw_flow_hash(t, &r->key) & (n - 1)];

			r->hnext = *b;
			*b = idx;
			idx = next;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->bucket_mask = n - 1;
}

/* @r's state went from @was to what it is now: the live counts by state follow. */
static void sw_rec_state_moved(struct sw_flow_table *t, const struct sw_flow_live *r, uint8_t was)
{
	if (r->state != was) {
		t->stats.live_by_state[was]--;
		t->stats.live_by_state[r->state]++;
	}
}

static void sw_flow_observe_hashed(struct sw_flow_table *t, const struct sw_flow_obs *o,
				   uint64_t hash)
{
	struct sw_flow_live *r;
	uint32_t *bucket, idx;
	bool restarted = false, unanswered;
	uint8_t was;

	/* before the lookup: growing moves the bucket a lookup points into */
	if (t->stats.live > t->bucket_mask && t->bucket_mask + 1 < t->max_buckets)
		sw_flow_grow_buckets(t);

	if (!t->epoch_us)
		t->epoch_us = o->ts_us ? o->ts_us : 1;
	if (o->ts_us > t->now_us)
		t->now_us = o->ts_us;
	idx = sw_flow_find_hashed(t, &o->key, hash, &bucket);
	if (!idx) {
		idx = sw_flow_create(t, o, bucket);
		if (!idx)
			return; /* out of memory: counted as not created */
		r = sw_rec(t, idx);
		was = r->state;
		sw_rec_account(r, o);
		sw_flow_live_advance(r, o);
		sw_rec_state_moved(t, r, was);
		sw_rec_schedule(t, idx); /* filed once its first packet gives it a deadline */
		sw_rec_notify_new(t, r);
		if (sw_rec_answer_wanted(t, r) && r->state != SW_FLOW_ATTEMPTED) /* picked up at its answer */
			sw_rec_notify_answer(t, r, o->ts_us);
		return;
	}
	r = sw_rec(t, idx);
	was = r->state;
	if (sw_rec_idle(t, r, o->ts_us)) {
		sw_rec_restart(t, r, o, SW_END_IDLE);
		restarted = true;
	} else if (sw_flow_live_is_reuse(r, o)) {
		sw_rec_restart(t, r, o, SW_END_REUSED);
		restarted = true;
	} else if (sw_rec_too_long(t, r, o)) {
		uint8_t keep = r->flags & (SW_FLOW_F_INFERRED | SW_FLOW_LF_ANSWER_WANTED);

		sw_rec_emit(t, r, SW_END_ACTIVE);
		sw_rec_reset(r);
		r->flags = keep | SW_FLOW_F_CONTINUED;
		t->stats.active_cuts++;
	}
	unanswered = r->state == SW_FLOW_ATTEMPTED; /* of the record this packet counts in */
	sw_rec_account(r, o);
	sw_flow_live_advance(r, o);
	sw_rec_state_moved(t, r, was);
	if (restarted)
		sw_rec_notify_new(t, r);
	if (sw_rec_answer_wanted(t, r) && unanswered && r->state != SW_FLOW_ATTEMPTED)
		sw_rec_notify_answer(t, r, o->ts_us);
	if (r->qclass != sw_rec_class(r)) { /* e.g. closed: a shorter timeout from now on */
		sw_wheel_unlink(t, idx);
		sw_rec_schedule(t, idx);
	}
}

void sw_flow_table_observe(struct sw_flow_table *t, const struct sw_flow_obs *o)
{
	sw_flow_observe_hashed(t, o, sw_flow_hash(t, &o->key));
}

bool sw_flow_table_icmp_error(struct sw_flow_table *t, const struct sw_pkt *pkt,
			      uint64_t ts_us)
{
	const struct sw_pkt_inner *in = &pkt->inner;
	struct sw_flow_obs o = { 0 };
	struct sw_flow_live *r;
	uint32_t *bucket, idx;
	int orig_dir;

	if (!in->present)
		return false;
	orig_dir = sw_flow_key_make(&o.key, pkt->family, in->proto, in->src, in->sport,
				    in->dst, in->dport);
	idx = sw_flow_find(t, &o.key, &bucket);
	if (!idx || sw_rec_idle(t, sw_rec(t, idx), ts_us))
		return false;
	r = sw_rec(t, idx);
	o.dir = 1 - orig_dir; /* the error travels back toward the quoted sender */
	o.ts_us = ts_us;
	o.packets = 1;
	o.bytes = pkt->ip_len;
	o.extra_flags = SW_FLOW_F_ICMP_ERROR;
	if (ts_us > t->now_us)
		t->now_us = ts_us;
	sw_rec_account(r, &o);
	if (r->state == SW_FLOW_ATTEMPTED &&
	    sw_flow_icmp_is_refusal(pkt->family, pkt->icmp_type, pkt->icmp_code)) {
		r->state = SW_FLOW_REFUSED;
		sw_rec_state_moved(t, r, SW_FLOW_ATTEMPTED);
		if (sw_rec_answer_wanted(t, r))
			sw_rec_notify_answer(t, r, ts_us);
	}
	return true;
}

static bool sw_pkt_is_icmp(const struct sw_pkt *pkt)
{
	return (pkt->family == 4 && pkt->proto == 1) || (pkt->family == 6 && pkt->proto == 58);
}

/* Packets that are neither fragments nor ICMP errors map straight to one key. */
static bool sw_pkt_is_plain(const struct sw_pkt *pkt)
{
	return pkt->frag == SW_FRAG_NONE && !(pkt->inner.present && sw_pkt_is_icmp(pkt));
}

static void sw_obs_from_pkt(struct sw_flow_obs *o, const struct sw_pkt *pkt, uint64_t ts_us)
{
	uint16_t sport = 0, dport = 0;

	if (sw_pkt_is_icmp(pkt)) {
		sw_flow_icmp_ports(pkt, &sport, &dport);
	} else if (pkt->has_ports) {
		sport = pkt->sport;
		dport = pkt->dport;
	}
	o->dir = sw_flow_key_make(&o->key, pkt->family, pkt->proto, pkt->src, sport,
				  pkt->dst, dport);
	o->ts_us = ts_us;
	o->first_us = 0;
	o->packets = 1;
	o->bytes = pkt->ip_len;
	o->tcp_flags = pkt->proto == 6 ? pkt->tcp_flags : 0;
	o->extra_flags = 0;
	o->pkt = pkt;
}

void sw_flow_table_update(struct sw_flow_table *t, const struct sw_pkt *pkt, uint64_t ts_us)
{
	struct sw_flow_obs o;

	t->stats.packets++;
	if (pkt->frag != SW_FRAG_NONE) {
		sw_frag_handle(t->frags, t, pkt, ts_us);
		return;
	}
	if (sw_pkt_is_icmp(pkt) && pkt->inner.present && sw_flow_table_icmp_error(t, pkt, ts_us))
		return;
	sw_obs_from_pkt(&o, pkt, ts_us);
	sw_flow_table_observe(t, &o);
}

/*
 * At hundreds of thousands of flows every packet misses the cache twice:
 * on its bucket and on its record. Working on a batch lets those loads be
 * issued for all packets before any is needed (software prefetch), so the
 * misses overlap instead of adding up.
 */
void sw_flow_table_update_batch(struct sw_flow_table *t, const struct sw_pkt *pkts,
				const uint64_t *ts_us, size_t n)
{
	struct sw_flow_obs o[SW_FLOW_BATCH_MAX];
	uint64_t h[SW_FLOW_BATCH_MAX];

	if (n > SW_FLOW_BATCH_MAX)
		n = SW_FLOW_BATCH_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!sw_pkt_is_plain(&pkts[i]))
			continue;
		sw_obs_from_pkt(&o[i], &pkts[i], ts_us[i]);
		h[i] = sw_flow_hash(t, &o[i].key);
		__builtin_prefetch(&t->buckets[h[i] & t->bucket_mask]);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t idx;

		if (!sw_pkt_is_plain(&pkts[i]))
			continue;
		idx = t->buckets[h[i] & t->bucket_mask];
		if (idx)
			__builtin_prefetch(sw_rec(t, idx));
	}
	for (size_t i = 0; i < n; i++) {
		if (!sw_pkt_is_plain(&pkts[i])) {
			sw_flow_table_update(t, &pkts[i], ts_us[i]);
			continue;
		}
		t->stats.packets++;
		sw_flow_observe_hashed(t, &o[i], h[i]);
	}
}
