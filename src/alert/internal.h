/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_ALERT_INTERNAL_H
#define SW_ALERT_INTERNAL_H

#include <jansson.h>

#include <segwatch/alert.h>

#define SW_ALERT_KEY_MAX 300
#define SW_ALERT_BODY_INLINE 640	/* bytes of body text kept in a key's own slot */
#define SW_LRU_NIL UINT32_MAX

/*
 * A fixed pool of keyed slots (bytes or text) with a hash index and LRU
 * order. The index and the order live in small nodes apart from the keys,
 * each with a copy of its key's first SW_LRU_KEY_INLINE bytes: a lookup of
 * a short key (a source: 17 bytes) reads the bucket and one 48-byte node,
 * not the key's slot.
 */
#define SW_LRU_KEY_INLINE 24
struct sw_lru_slot {
	char key[SW_ALERT_KEY_MAX];	/* klen bytes, then a NUL */
};

struct sw_lru_node {
	uint64_t hash;
	uint32_t hnext;		/* next in the hash chain */
	uint32_t prev, next;	/* LRU list, head = most recent */
	uint16_t klen;
	uint8_t kpre[SW_LRU_KEY_INLINE];	/* the key's first bytes (zero padded) */
};

struct sw_lru {
	struct sw_lru_slot *slots;
	struct sw_lru_node *nodes;	/* parallel to slots */
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
/* The same with a key of @len bytes (cut at SW_ALERT_KEY_MAX - 1). */
uint32_t sw_lru_find_bytes(struct sw_lru *lru, const void *key, size_t len);
/*
 * sw_lru_find_bytes in two steps: the slot (the order untouched), then made
 * most recent, so a caller can start loading the slot's state in between.
 */
uint32_t sw_lru_lookup(const struct sw_lru *lru, const void *key, size_t len);
void sw_lru_touch(struct sw_lru *lru, uint32_t i);
uint32_t sw_lru_insert_bytes(struct sw_lru *lru, const void *key, size_t len, bool *evicted);

/* Dedup and rate-limit state of one (kind, src, dst) key. */
struct sw_alert_dedup {
	uint64_t first_us, last_us, last_alert_us;
	uint64_t count, suppressed;
	uint32_t distinct;
	uint64_t value_total;	/* agent_health: sum of the events' values */
	enum sw_alert_kind kind;
	enum sw_alert_severity severity;
	int8_t dropped;		/* the body's "dropped": -1 unknown, 0, 1 */
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

/* ---- scan: first contacts, TRW, long windows (scan.c, contacts.c, trw.c, scanwin.c) ---- */

#define SW_SCAN_PENDING 32	/* first contacts awaiting their answer, per source */
#define SW_SCAN_SAMPLE 16	/* recent first contacts kept for an alert's "sample" */
#define SW_SCAN_NAME 48		/* bytes of a peer's name in the sample (escaped, cut) */

enum sw_scan_outcome {
	SW_SCAN_PENDING_OUT = 0,	/* not judged yet */
	SW_SCAN_ANSWERED,
	SW_SCAN_REFUSED,
	SW_SCAN_UNANSWERED,
};

enum sw_scan_method {
	SW_SCAN_TRW = 0,
	SW_SCAN_VERTICAL,
	SW_SCAN_HORIZONTAL,
	SW_SCAN_BLOCK,
	SW_SCAN_ICMP_SWEEP,
};

/* A first contact: (peer, proto, port or ICMP type). */
struct sw_scan_target {
	uint8_t addr[16];
	uint16_t port;		/* dport, or the ICMP type */
	uint8_t proto;
};

/* A first contact awaiting its answer. */
struct sw_scan_pending {
	struct sw_scan_target t;
	uint8_t used;
	uint8_t slot;		/* its index among the source's SW_SCAN_PENDING */
	uint8_t sample_slot;	/* where its sample entry went (overwritten when 16 came since) */
	uint32_t hash;
	uint64_t ts_us;		/* the attempt */
	char community_id[SW_COMMUNITY_ID_LEN];	/* of its flow: the alert's, when judged late */
};

/* A failed first contact, for the long windows (12 bytes: 128 a source). */
struct sw_scan_fail {
	uint32_t ts_s;		/* the attempt, seconds */
	uint32_t peer;		/* hash of the peer's address */
	uint16_t port;
	uint8_t proto;
	uint8_t echo;		/* an ICMP/ICMPv6 echo request */
};

/* One of the recent first contacts of a source, for the alert's sample. */
struct sw_scan_sample {
	struct sw_scan_target t;
	uint8_t outcome;	/* enum sw_scan_outcome */
	uint32_t hash;
	char name[SW_SCAN_NAME];	/* the peer's workload name (escaped) or "" */
	uint64_t ts_us;
};

/* The scan state of one source (slot of e->scan_src; arrays beside it). */
struct sw_scan_source {
	uint8_t addr[16];		/* its endpoint when no event is at hand */
	enum sw_endpoint_kind kind;
	double llr;			/* the TRW walk */
	uint64_t successes, failures;	/* first contacts judged */
	uint64_t first_us, last_us;	/* first and last first-contact attempt */
	uint32_t n_contacts, next_contact;	/* the contacted set (FIFO) */
	uint32_t n_pending;
	/*
	 * which pending slots are used, and their targets' hashes: an answer
	 * finds its contact in these two cache lines, not in the 1.5 KiB of
	 * pending contacts (one answer per flow pays it)
	 */
	uint32_t pending_used;
	uint32_t pending_hash[SW_SCAN_PENDING];
	uint64_t next_due_us;		/* earliest pending deadline, UINT64_MAX when none */
	uint32_t ring_n, ring_next;	/* failures for the windows */
	uint32_t sample_n, sample_next;
};

/* Evidence of a scan alert (sw_alert_event.scan). */
struct sw_scan_evidence {
	enum sw_scan_method method;
	const struct sw_scan_source *src;
	const struct sw_scan_sample *sample;	/* the source's ring (SW_SCAN_SAMPLE) */
	uint32_t window_s;		/* 0: not a window method */
	uint32_t distinct_peers, distinct_ports;
};

struct sw_scan_state {
	struct sw_lru src;		/* sources by endpoint id */
	struct sw_scan_source *s;	/* parallel to src.slots */
	uint32_t *contacts;		/* contacts_per_source hashes a source */
	struct sw_scan_pending *pending;	/* SW_SCAN_PENDING a source */
	struct sw_scan_fail *ring;	/* SW_ALERT_SCAN_RING a source */
	struct sw_scan_sample *sample;	/* SW_SCAN_SAMPLE a source */
	double step_fail, step_ok, eta1, eta0;	/* TRW, from the rates */
	uint64_t now_us;		/* latest time seen (capture time) */
	uint64_t next_due_us;		/* earliest pending deadline of all sources */
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
	const char *src_id;	/* the source's key when src has no workload at hand
				 * (a scan judged at a tick): its name, or NULL */
	const char *method;	/* scan: the method (also in the key), or NULL */
	const struct sw_scan_evidence *scan;	/* scan: the evidence, or NULL */
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
	struct sw_scan_state scan;
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
 * A source as the per-source tables (fan_out, scan) key it, in bytes: 'n'
 * and its workload name (cut where sw_alert_endpoint_id's text is cut), or
 * 'a' and its 16-byte address. Made per new flow, so no text is formatted;
 * the text id is made from it only when an alert names the source.
 */
struct sw_alert_src_key {
	uint32_t len;
	char b[SW_ALERT_KEY_MAX / 2];
};

void sw_alert_src_key_of(struct sw_alert_src_key *k, const struct sw_alert_endpoint *ep);
/* sw_alert_src_key_text - what sw_alert_endpoint_id says of the source keyed @key (@len bytes). */
const char *sw_alert_src_key_text(const char *key, size_t len, char *buf, size_t size);

/*
 * sw_alert_endpoint_named - @ep's group_by node, or a policy group selecting
 * it, is one of @names (sensitive groups, fan-out exemptions).
 */
bool sw_alert_endpoint_named(const struct sw_alert_engine *e, const struct sw_alert_endpoint *ep,
			     char *const *names, size_t n);

/*
 * sw_alert_fanout_track - count a new (peer, port) for @c's source (keyed by
 * @key, or @c->src's key when NULL); the distinct count in the window.
 */
uint32_t sw_alert_fanout_track(struct sw_alert_engine *e, const struct sw_alert_conn *c,
			       const struct sw_alert_src_key *key);

/* scan.c: the hooks' part (only when SW_ALERT_SCAN or fan_out "failed" needs it). */
bool sw_scan_init(struct sw_alert_engine *e);
void sw_scan_free(struct sw_alert_engine *e);
bool sw_scan_wanted(const struct sw_alert_engine *e);
/*
 * sw_scan_flow_new - the flow @c began: a first contact of its source is
 * pending from now on. Returns true when the flow's target is pending (just
 * now, or still from an earlier flow that a retry on a new port repeats): its
 * answer judges that contact. Any other flow's answer would find nothing.
 */
bool sw_scan_flow_new(struct sw_alert_engine *e, const struct sw_alert_conn *c);
/* sw_scan_flow_result - the flow @c (ends, ports) was answered or ended: judge its contact. */
void sw_scan_flow_result(struct sw_alert_engine *e, const struct sw_alert_conn *c,
			 enum sw_scan_outcome out, uint64_t now_us);
/* sw_scan_expire - judge failed every pending contact past its deadline at @now_us. */
void sw_scan_expire(struct sw_alert_engine *e, uint64_t now_us);
/* sw_scan_body - add the scan evidence fields of @ev to @o. */
void sw_scan_body(json_t *o, const struct sw_alert_event *ev);
const char *sw_scan_method_name(enum sw_scan_method m);

/* contacts.c: the contacted set and the pending contacts of one source. */
uint32_t sw_scan_target_hash(const struct sw_scan_target *t);
void sw_scan_target_of(struct sw_scan_target *t, const struct sw_alert_conn *c);
/* sw_scan_contact_seen - @h is in the set; else added (oldest forgotten when full: *evicted). */
bool sw_scan_contact_seen(uint32_t *set, uint32_t cap, struct sw_scan_source *s, uint32_t h,
			  bool *evicted);
/*
 * sw_scan_pending_add - a slot for a new pending contact to the target hashed
 * @h (the lowest free); NULL when all SW_SCAN_PENDING are used.
 */
struct sw_scan_pending *sw_scan_pending_add(struct sw_scan_pending *p, struct sw_scan_source *s,
					    uint32_t h);
struct sw_scan_pending *sw_scan_pending_find(struct sw_scan_pending *p,
					     const struct sw_scan_source *s, uint32_t h,
					     const struct sw_scan_target *t);
struct sw_scan_pending *sw_scan_pending_oldest(struct sw_scan_pending *p,
					       const struct sw_scan_source *s);
void sw_scan_pending_drop(struct sw_scan_pending *p, struct sw_scan_source *s);
/* sw_scan_pending_due - recompute s->next_due_us from @p and @timeout_us. */
void sw_scan_pending_due(struct sw_scan_pending *p, struct sw_scan_source *s, uint64_t timeout_us);

/* trw.c: the walk. */
void sw_trw_init(struct sw_scan_state *st, const struct sw_alert_scan_config *cfg);
/* sw_trw_step - add one outcome; true when the walk crossed eta1 (scanner), then restarted. */
bool sw_trw_step(const struct sw_scan_state *st, struct sw_scan_source *s, bool failed);

/* scanwin.c: the long windows over the failure ring. */
void sw_scanwin_push(struct sw_scan_fail *ring, struct sw_scan_source *s,
		     const struct sw_scan_pending *p);
/*
 * sw_scanwin_distinct - distinct peers and (proto, port) of the failures since @since_s
 * (ICMP's peers counted, its types not).
 */
void sw_scanwin_distinct(const struct sw_scan_fail *ring, const struct sw_scan_source *s,
			 uint32_t since_s, uint32_t *peers, uint32_t *ports);
/*
 * sw_scanwin_check - the window methods the newest failure completes, at
 * @now_s: calls @fire for each with its evidence (method, window, counts).
 */
void sw_scanwin_check(const struct sw_alert_scan_config *cfg, const struct sw_scan_fail *ring,
		      const struct sw_scan_source *s, uint32_t now_s, void (*fire)(void *arg, struct sw_scan_evidence *ev),
		      void *arg);

/*
 * sw_alert_hash - the tables' hash of @n bytes, eight a step (not keyed:
 * the tables are bounded and count what they forget, so collisions an
 * attacker forges cost detail, not memory).
 */
uint64_t sw_alert_hash(const void *p, size_t n);
/* sw_alert_target_hash - the hash of a target: (peer address, protocol, port or ICMP type). */
uint64_t sw_alert_target_hash(const uint8_t addr[16], uint8_t proto, uint16_t port);

#endif
