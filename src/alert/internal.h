/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_ALERT_INTERNAL_H
#define SW_ALERT_INTERNAL_H

#include <jansson.h>

#include <segwatch/alert.h>

#define SW_ALERT_KEY_MAX 300
#define SW_ALERT_BODY_INLINE 640	/* bytes of body text kept in a key's own slot */
#define SW_LRU_NIL UINT32_MAX

/* A fixed pool of string-keyed slots with a hash index and LRU order. */
struct sw_lru_slot {
	char key[SW_ALERT_KEY_MAX];
	uint64_t hash;
	uint32_t hnext;		/* next in the hash chain */
	uint32_t prev, next;	/* LRU list, head = most recent */
};

struct sw_lru {
	struct sw_lru_slot *slots;
	uint32_t *buckets;
	uint32_t n, nbuckets, used, head, tail;
};

/*
 * sw_alert_prefault - write to every page of @p (@n bytes) now. The fixed
 * pools (keys, sources, their state) are reserved at their bound when the
 * engine starts; calloc'd pages untouched would instead be faulted in one by
 * one as keys fill over hours, and the agent's RSS would creep by megabytes
 * toward the same bound.
 */
void sw_alert_prefault(void *p, size_t n);
bool sw_lru_init(struct sw_lru *lru, uint32_t n);
void sw_lru_clear(struct sw_lru *lru);
/* sw_lru_find - slot of @key (made most recent), or SW_LRU_NIL. */
uint32_t sw_lru_find(struct sw_lru *lru, const char *key);
/*
 * sw_lru_insert - a slot for @key (absent); when the pool is full the least
 * recently used slot is reused and *@evicted says so (its payload is stale).
 */
uint32_t sw_lru_insert(struct sw_lru *lru, const char *key, bool *evicted);

/* Dedup and rate-limit state of one (kind, src, dst) key. */
struct sw_alert_dedup {
	uint64_t first_us, last_us, last_alert_us;
	uint64_t count, suppressed;
	uint32_t distinct;
	uint64_t value_total;	/* agent_health: sum of the events' values */
	enum sw_alert_kind kind;
	enum sw_alert_severity severity;
	/*
	 * The alert's fields as of its last emission, as JSON text (an object):
	 * in the key's slot of the engine's bodies when it fits, else on the
	 * heap (body_heap). Text, not a jansson tree: a tree of two endpoints
	 * with their labels and groups is ~40 allocations, about 5 KiB a key,
	 * 20 MiB once max_keys (4096) keys are held, and the agent's RSS
	 * climbed that much over a soak as keys filled; the text is ~500 bytes.
	 */
	char *body;
	bool body_heap;
};

/* Fan-out state of one source: the distinct targets of the window. */
struct sw_alert_target {
	uint64_t hash, ts_us;
};

struct sw_alert_fanout {
	uint32_t n;
};

/* One event before deduplication. */
struct sw_alert_event {
	enum sw_alert_kind kind;
	enum sw_alert_severity severity;
	uint64_t ts_us;
	const struct sw_alert_conn *conn;	/* may be NULL (spoofed) */
	const struct sw_alert_endpoint *src, *dst;	/* dst may be NULL: "*" */
	const char *origin;	/* "capture" or "kernel" */
	const char *rule;	/* rule name, "default", or NULL */
	const char *verdict_mode;	/* "enforce"/"monitor" or NULL */
	int dropped;		/* -1 unknown, 0, 1 */
	const char *state;	/* flow state name or NULL */
	uint32_t distinct;
	const char *message;
	const char *event;	/* agent_health: the event name (escaped) */
	const char *detail;	/* agent_health: escaped, or NULL */
	uint64_t value;		/* agent_health: the number given with the event */
	const char *iface;	/* spoofed_source from the L2 guard: the port, or NULL */
	const char *forged;	/* ... what was forged ("source_mac", ...), or NULL */
	const char *forged_mac;	/* ... the MAC it claimed ("02:..."), or NULL */
};

struct sw_alert_engine {
	struct sw_alert_config cfg;
	const struct sw_policy *policy;
	const struct sw_baseline *baseline;
	sw_alert_sink_fn sink;
	void *arg;
	struct sw_lru keys;
	struct sw_alert_dedup *dedup;	/* parallel to keys.slots */
	char *bodies;	/* parallel to keys.slots: SW_ALERT_BODY_INLINE bytes each */
	struct sw_lru sources;
	struct sw_alert_fanout *fan;	/* parallel to sources.slots */
	struct sw_alert_target *targets;	/* fanout_distinct per source */
	uint64_t cap_window_us;
	uint32_t cap_count;
	struct sw_alert_stats stats;
};

/* sw_alert_conn_ignored - an infrastructure flow the configuration leaves alone. */
bool sw_alert_conn_ignored(const struct sw_alert_engine *e, const struct sw_alert_conn *c);
/* sw_alert_raise - deduplicate, rate limit and maybe emit one event. */
void sw_alert_raise(struct sw_alert_engine *e, const struct sw_alert_event *ev);
/* sw_alert_emit_entry - emit the alert of a dedup entry (summary or first). */
void sw_alert_emit_entry(struct sw_alert_engine *e, struct sw_alert_dedup *d, const char *key,
			 uint64_t now_us, bool summary);

json_t *sw_alert_body(const struct sw_alert_engine *e, const struct sw_alert_event *ev);
/* sw_alert_health_body - the fields of an agent_health alert (no endpoints). */
json_t *sw_alert_health_body(const struct sw_alert_event *ev);
/*
 * sw_alert_ecs - @rec (segwatch's alert record, not changed) with Elastic
 * Common Schema names: a new object, NULL when out of memory. @host is
 * observer.hostname (NULL: left out).
 */
json_t *sw_alert_ecs(json_t *rec, const char *host);
void sw_alert_addr_text(const uint8_t a[16], char *buf, size_t size);
void sw_alert_time_text(uint64_t us, char *buf, size_t size);
/* sw_alert_endpoint_id - workload name or address text. */
const char *sw_alert_endpoint_id(const struct sw_alert_endpoint *ep, char *buf, size_t size);

/*
 * sw_alert_endpoint_named - @ep's group_by node, or a policy group selecting
 * it, is one of @names (sensitive groups, fan-out exemptions).
 */
bool sw_alert_endpoint_named(const struct sw_alert_engine *e, const struct sw_alert_endpoint *ep,
			     char *const *names, size_t n);

/* sw_alert_fanout_track - count a new (peer, port) for @c's source; the distinct count in the window. */
uint32_t sw_alert_fanout_track(struct sw_alert_engine *e, const struct sw_alert_conn *c);

uint64_t sw_alert_hash(const void *p, size_t n, uint64_t h);

#endif
