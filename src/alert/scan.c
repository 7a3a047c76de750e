// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * scan.c - scan detection glue: each source's first contacts are judged
 * (answered: success; refused, unreachable or unanswered by
 * scan.contact_timeout_ms: failure), and each judgment feeds the TRW walk,
 * the long windows (failures) and fan_out when it counts failures. The
 * alert "scan" carries the evidence (docs/alerts.md "scan").
 *
 * Memory: a table of max_sources sources (LRU), each with its contacted set
 * (contacts_per_source words), SW_SCAN_PENDING pending contacts, a ring of
 * SW_ALERT_SCAN_RING failures and SW_SCAN_SAMPLE sample entries, all
 * reserved and prefaulted at start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/proto.h>
#include <segwatch/text.h>

#include "internal.h"

static const char *const sw_scan_method_names[] = {
	[SW_SCAN_TRW] = "trw",
	[SW_SCAN_VERTICAL] = "vertical",
	[SW_SCAN_HORIZONTAL] = "horizontal",
	[SW_SCAN_BLOCK] = "block",
	[SW_SCAN_ICMP_SWEEP] = "icmp_sweep",
};

static const char *const sw_scan_outcome_names[] = {
	[SW_SCAN_PENDING_OUT] = "pending",
	[SW_SCAN_ANSWERED] = "answered",
	[SW_SCAN_REFUSED] = "refused",
	[SW_SCAN_UNANSWERED] = "unanswered",
};

const char *sw_scan_method_name(enum sw_scan_method m)
{
	return (unsigned)m <= SW_SCAN_ICMP_SWEEP ? sw_scan_method_names[m] : "unknown";
}

bool sw_scan_wanted(const struct sw_alert_engine *e)
{
	return e->cfg.enabled[SW_ALERT_SCAN] ||
	       (e->cfg.enabled[SW_ALERT_FAN_OUT] && e->cfg.fanout_count == SW_ALERT_FANOUT_FAILED);
}

bool sw_scan_init(struct sw_alert_engine *e)
{
	struct sw_scan_state *st = &e->scan;
	size_t n, cps = e->cfg.scan.contacts_per_source;

	st->next_due_us = UINT64_MAX;
	sw_trw_init(st, &e->cfg.scan);
	if (!sw_scan_wanted(e))
		return true;
	if (!sw_lru_init(&st->src, e->cfg.max_sources < SW_ALERT_SCAN_SOURCES_MAX
					   ? e->cfg.max_sources : SW_ALERT_SCAN_SOURCES_MAX))
		return false;
	n = st->src.n;
	st->s = calloc(n, sizeof(*st->s));
	st->contacts = calloc(n * cps, sizeof(*st->contacts));
	st->pending = calloc(n * SW_SCAN_PENDING, sizeof(*st->pending));
	st->ring = calloc(n * SW_ALERT_SCAN_RING, sizeof(*st->ring));
	st->sample = calloc(n * SW_SCAN_SAMPLE, sizeof(*st->sample));
	if (!st->s || !st->contacts || !st->pending || !st->ring || !st->sample)
		return false;
	sw_alert_prefault(st->s, n * sizeof(*st->s));
	sw_alert_prefault(st->contacts, n * cps * sizeof(*st->contacts));
	sw_alert_prefault(st->pending, n * SW_SCAN_PENDING * sizeof(*st->pending));
	sw_alert_prefault(st->ring, n * SW_ALERT_SCAN_RING * sizeof(*st->ring));
	sw_alert_prefault(st->sample, n * SW_SCAN_SAMPLE * sizeof(*st->sample));
	return true;
}

void sw_scan_free(struct sw_alert_engine *e)
{
	struct sw_scan_state *st = &e->scan;

	free(st->s);
	free(st->contacts);
	free(st->pending);
	free(st->ring);
	free(st->sample);
	if (st->src.slots)
		sw_lru_clear(&st->src);
	memset(st, 0, sizeof(*st));
}

static struct sw_scan_pending *sw_scan_pending_of(struct sw_scan_state *st, uint32_t i)
{
	return &st->pending[(size_t)i * SW_SCAN_PENDING];
}

static struct sw_scan_sample *sw_scan_sample_of(struct sw_scan_state *st, uint32_t i)
{
	return &st->sample[(size_t)i * SW_SCAN_SAMPLE];
}

/* The source of @c as the scan table knows it (created when @create). */
static uint32_t sw_scan_source(struct sw_alert_engine *e, const struct sw_alert_endpoint *ep,
			       bool create)
{
	struct sw_scan_state *st = &e->scan;
	struct sw_alert_src_key k;
	struct sw_scan_source *s;
	uint32_t i;
	bool evicted;

	sw_alert_src_key_of(&k, ep);
	i = sw_lru_lookup(&st->src, k.b, k.len);
	if (i != SW_LRU_NIL) {
		/* the source's state and set load while the LRU order is relinked */
		__builtin_prefetch(&st->s[i]);
		__builtin_prefetch(&st->contacts[(size_t)i * e->cfg.scan.contacts_per_source]);
		sw_lru_touch(&st->src, i);
		return i;
	}
	if (!create)
		return i;
	i = sw_lru_insert_bytes(&st->src, k.b, k.len, &evicted);
	if (evicted)
		e->stats.scan_sources_evicted++; /* its pending contacts go unjudged */
	s = &st->s[i];
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, ep->addr, 16);
	s->kind = ep->kind;
	s->next_due_us = UINT64_MAX; /* its pending slots: none used (pending_used is 0) */
	return i;
}

/* Returns the sample slot written, for the pending contact to find it when judged. */
static uint8_t sw_scan_sample_add(struct sw_scan_state *st, uint32_t i,
				  const struct sw_scan_target *t, uint32_t h,
				  const struct sw_alert_conn *c)
{
	struct sw_scan_source *s = &st->s[i];
	uint8_t slot = (uint8_t)s->sample_next;
	struct sw_scan_sample *x = &sw_scan_sample_of(st, i)[slot];

	memset(x, 0, sizeof(*x));
	x->t = *t;
	x->hash = h;
	x->ts_us = c->ts_us;
	if (c->dst.wl && c->dst.wl->name)
		sw_text_escape(x->name, sizeof(x->name), c->dst.wl->name);
	s->sample_next = (s->sample_next + 1) % SW_SCAN_SAMPLE;
	if (s->sample_n < SW_SCAN_SAMPLE)
		s->sample_n++;
	return slot;
}

static void sw_scan_sample_judge(struct sw_scan_state *st, uint32_t i,
				 const struct sw_scan_pending *p, enum sw_scan_outcome out)
{
	/* its own slot, unless 16 newer first contacts took it since (then it is gone) */
	struct sw_scan_sample *x = &sw_scan_sample_of(st, i)[p->sample_slot % SW_SCAN_SAMPLE];

	if (x->outcome == SW_SCAN_PENDING_OUT && x->hash == p->hash && x->ts_us == p->ts_us &&
	    memcmp(x->t.addr, p->t.addr, 16) == 0)
		x->outcome = (uint8_t)out;
}

/* Who the alert names: the endpoint of the event at hand when it is this source's. */
struct sw_scan_who {
	struct sw_alert_engine *e;
	uint32_t i;
	const struct sw_alert_endpoint *ep;
	const struct sw_alert_conn *conn;	/* the judged flow when at hand, else NULL */
	const struct sw_scan_pending *p;	/* the contact being judged */
};

/* sw_scan_conn_of - the judged contact as a connection: the flow at hand, or rebuilt. */
static void sw_scan_conn_of(const struct sw_scan_who *w, struct sw_alert_conn *c)
{
	const struct sw_scan_pending *p = w->p;

	memset(c, 0, sizeof(*c));
	if (w->conn) {
		*c = *w->conn;
	} else {
		c->proto = p->t.proto;
		c->src = *w->ep;
		memcpy(c->dst.addr, p->t.addr, 16);
		if (p->t.proto == 1 || p->t.proto == 58)
			c->icmp_type = (uint8_t)p->t.port;
		else
			c->dport = p->t.port;
		memcpy(c->community_id, p->community_id, sizeof(c->community_id));
	}
	c->ts_us = p->ts_us;
}

/* The source's name in an alert: its text id, made from its key only now. */
static const char *sw_scan_who_id(const struct sw_scan_who *w, char *buf, size_t size)
{
	const struct sw_lru *lru = &w->e->scan.src;

	return sw_alert_src_key_text(lru->slots[w->i].key, lru->nodes[w->i].klen, buf, size);
}

static void sw_scan_raise(void *arg, struct sw_scan_evidence *x)
{
	struct sw_scan_who *w = arg;
	char id[SW_ALERT_KEY_MAX / 2];
	struct sw_alert_conn c;
	struct sw_alert_event ev = { .kind = SW_ALERT_SCAN, .ts_us = w->e->scan.now_us,
				     .conn = &c, .src = w->ep,
				     .src_id = sw_scan_who_id(w, id, sizeof(id)),
				     .origin = "capture", .dropped = -1,
				     .method = sw_scan_method_name(x->method), .scan = x };

	sw_scan_conn_of(w, &c); /* proto, port, community_id: the contact that tipped it */
	x->sample = sw_scan_sample_of(&w->e->scan, w->i);
	ev.severity = x->method == SW_SCAN_ICMP_SWEEP ? SW_ALERT_SEV_MEDIUM : SW_ALERT_SEV_HIGH;
	ev.message = x->method == SW_SCAN_TRW ? "first contacts that mostly fail: a scan"
					      : "failed first contacts to many ports or peers: a scan";
	sw_alert_raise(w->e, &ev);
}

/* fan_out "failed": the failed first contact as a new target of the fan-out window. */
static void sw_scan_fanout(struct sw_scan_who *w)
{
	struct sw_alert_engine *e = w->e;
	const struct sw_lru *lru = &e->scan.src;
	struct sw_alert_src_key k = { .len = lru->nodes[w->i].klen };
	char id[SW_ALERT_KEY_MAX / 2];
	struct sw_alert_conn c;
	uint32_t n;

	memcpy(k.b, lru->slots[w->i].key, k.len); /* the same source in the fan_out table */
	sw_scan_conn_of(w, &c);
	n = sw_alert_fanout_track(e, &c, &k);
	if (n >= e->cfg.fanout_distinct) {
		struct sw_alert_event ev = { .kind = SW_ALERT_FAN_OUT, .severity = SW_ALERT_SEV_HIGH,
					     .ts_us = e->scan.now_us, .conn = &c, .src = w->ep,
					     .src_id = sw_scan_who_id(w, id, sizeof(id)),
					     .origin = "capture", .dropped = -1,
					     .distinct = n,
					     .message = "failed connections to many distinct peers or ports" };
		sw_alert_raise(e, &ev);
	}
}

/* sw_scan_judge - the pending contact @p of source @w->i is decided: feed every detector. */
static void sw_scan_judge(struct sw_scan_who *w, struct sw_scan_pending *p,
			  enum sw_scan_outcome out)
{
	struct sw_alert_engine *e = w->e;
	struct sw_scan_state *st = &e->scan;
	struct sw_scan_source *s = &st->s[w->i];
	struct sw_scan_fail *ring = &st->ring[(size_t)w->i * SW_ALERT_SCAN_RING];
	bool failed = out != SW_SCAN_ANSWERED;

	w->p = p;
	e->stats.scan_judged++;
	sw_scan_sample_judge(st, w->i, p, out);
	if (failed)
		s->failures++;
	else
		s->successes++;
	if (failed && e->cfg.enabled[SW_ALERT_FAN_OUT] &&
	    e->cfg.fanout_count == SW_ALERT_FANOUT_FAILED)
		sw_scan_fanout(w);
	if (!e->cfg.enabled[SW_ALERT_SCAN]) {
		sw_scan_pending_drop(p, s);
		return;
	}
	if (failed)
		sw_scanwin_push(ring, s, p);
	if (e->cfg.scan.trw_enabled && sw_trw_step(st, s, failed)) {
		struct sw_scan_evidence x = { .method = SW_SCAN_TRW, .src = s };

		sw_scanwin_distinct(ring, s, 0, &x.distinct_peers, &x.distinct_ports);
		sw_scan_raise(w, &x);
	}
	if (failed)
		sw_scanwin_check(&e->cfg.scan, ring, s, (uint32_t)(st->now_us / 1000000u),
				 sw_scan_raise, w);
	sw_scan_pending_drop(p, s);
}

/* The "who" of source @i: @ep when it is the same source, else the stored endpoint. */
static void sw_scan_who_of(struct sw_scan_who *w, struct sw_alert_engine *e, uint32_t i,
			   const struct sw_alert_endpoint *ep, const struct sw_alert_conn *conn,
			   struct sw_alert_endpoint *store)
{
	w->e = e;
	w->i = i;
	w->conn = conn;
	if (ep) {
		w->ep = ep;
		return;
	}
	memset(store, 0, sizeof(*store));
	memcpy(store->addr, e->scan.s[i].addr, 16);
	store->kind = e->scan.s[i].kind;
	w->ep = store;
}

static void sw_scan_expire_source(struct sw_alert_engine *e, uint32_t i, uint64_t now_us,
				  const struct sw_alert_endpoint *ep)
{
	struct sw_scan_source *s = &e->scan.s[i];
	struct sw_scan_pending *pend = sw_scan_pending_of(&e->scan, i);
	uint64_t timeout = (uint64_t)e->cfg.scan.contact_timeout_ms * 1000u;
	struct sw_alert_endpoint store;
	struct sw_scan_who w;

	sw_scan_who_of(&w, e, i, ep, NULL, &store);
	for (uint32_t m = s->pending_used; m; m &= m - 1) {
		uint32_t k = (uint32_t)__builtin_ctz(m);

		if (pend[k].ts_us + timeout <= now_us) {
			e->stats.scan_pending_expired++;
			sw_scan_judge(&w, &pend[k], SW_SCAN_UNANSWERED);
		}
	}
	sw_scan_pending_due(pend, s, timeout);
}

/* A tick: expire what is due in every source (cheap when nothing is). */
static void sw_scan_advance(struct sw_alert_engine *e, uint64_t now_us)
{
	struct sw_scan_state *st = &e->scan;

	if (now_us > st->now_us)
		st->now_us = now_us;
	if (st->now_us < st->next_due_us)
		return;
	st->next_due_us = UINT64_MAX;
	for (uint32_t i = 0; i < st->src.used; i++) {
		if (st->s[i].n_pending && st->s[i].next_due_us <= st->now_us)
			sw_scan_expire_source(e, i, st->now_us, NULL);
		if (st->s[i].next_due_us < st->next_due_us)
			st->next_due_us = st->s[i].next_due_us;
	}
}

void sw_scan_expire(struct sw_alert_engine *e, uint64_t now_us)
{
	if (e->scan.s)
		sw_scan_advance(e, now_us);
}

bool sw_scan_flow_new(struct sw_alert_engine *e, const struct sw_alert_conn *c)
{
	struct sw_scan_state *st = &e->scan;
	uint64_t timeout = (uint64_t)e->cfg.scan.contact_timeout_ms * 1000u;
	struct sw_scan_target t;
	struct sw_scan_pending *p;
	struct sw_scan_source *s;
	uint32_t i, h;
	bool evicted;

	if (!st->s)
		return false;
	if (c->ts_us > st->now_us)
		st->now_us = c->ts_us;
	i = sw_scan_source(e, &c->src, true);
	s = &st->s[i];
	/*
	 * this source's own due contacts, named with the endpoint at hand; the
	 * other sources' wait for the next tick (a sweep of every source per
	 * packet would cost more than the detection is worth)
	 */
	if (s->n_pending && s->next_due_us <= st->now_us)
		sw_scan_expire_source(e, i, st->now_us, &c->src);
	sw_scan_target_of(&t, c);
	h = sw_scan_target_hash(&t);
	if (sw_scan_contact_seen(&st->contacts[(size_t)i * e->cfg.scan.contacts_per_source],
				 e->cfg.scan.contacts_per_source, s, h, &evicted))
		/* a retry or a repeat: not a new test; its answer counts while one waits */
		return s->n_pending &&
		       sw_scan_pending_find(sw_scan_pending_of(st, i), s, h, &t) != NULL;
	if (evicted)
		e->stats.scan_contacts_evicted++;
	if (!(p = sw_scan_pending_add(sw_scan_pending_of(st, i), s, h))) {
		/* all pending: the oldest cannot wait longer, it is judged failed now */
		struct sw_alert_endpoint store;
		struct sw_scan_who w;

		sw_scan_who_of(&w, e, i, &c->src, NULL, &store);
		p = sw_scan_pending_oldest(sw_scan_pending_of(st, i), s);
		e->stats.scan_pending_expired++;
		sw_scan_judge(&w, p, SW_SCAN_UNANSWERED);
		p = sw_scan_pending_add(sw_scan_pending_of(st, i), s, h);
	}
	p->t = t;
	p->ts_us = c->ts_us;
	memcpy(p->community_id, c->community_id, sizeof(p->community_id));
	if (!s->first_us || c->ts_us < s->first_us)
		s->first_us = c->ts_us;
	if (c->ts_us > s->last_us)
		s->last_us = c->ts_us;
	p->sample_slot = sw_scan_sample_add(st, i, &t, h, c);
	if (p->ts_us + timeout < s->next_due_us)
		s->next_due_us = p->ts_us + timeout;
	if (s->next_due_us < st->next_due_us)
		st->next_due_us = s->next_due_us;
	return true;
}

void sw_scan_flow_result(struct sw_alert_engine *e, const struct sw_alert_conn *c,
			 enum sw_scan_outcome out, uint64_t now_us)
{
	struct sw_scan_state *st = &e->scan;
	struct sw_alert_endpoint store;
	struct sw_scan_target t;
	struct sw_scan_pending *p;
	struct sw_scan_who w;
	uint32_t i;

	if (!st->s)
		return;
	i = sw_scan_source(e, &c->src, false);
	if (i == SW_LRU_NIL)
		return;
	sw_scan_target_of(&t, c);
	p = sw_scan_pending_find(sw_scan_pending_of(st, i), &st->s[i], sw_scan_target_hash(&t), &t);
	if (p) {
		/* judged before the clock moves on: the answer beats its own timeout */
		if (now_us > st->now_us)
			st->now_us = now_us;
		sw_scan_who_of(&w, e, i, &c->src, c, &store);
		sw_scan_judge(&w, p, out);
		sw_scan_pending_due(sw_scan_pending_of(st, i), &st->s[i],
				    (uint64_t)e->cfg.scan.contact_timeout_ms * 1000u);
	}
}

/* The evidence fields (docs/alerts.md "scan"). */
static json_t *sw_scan_sample_json(const struct sw_scan_evidence *x)
{
	json_t *a = json_array();
	uint32_t n = x->src->sample_n, next = x->src->sample_next;

	/* failed first, each part most recent first; pending contacts are not shown */
	for (int pass = 0; a && pass < 2; pass++) {
		for (uint32_t k = 0; k < n; k++) {
			const struct sw_scan_sample *y =
				&x->sample[(next + SW_SCAN_SAMPLE - 1 - k) % SW_SCAN_SAMPLE];
			char addr[64], pbuf[8];
			json_t *o;

			if (y->outcome == SW_SCAN_PENDING_OUT ||
			    (pass == 0) != (y->outcome != SW_SCAN_ANSWERED))
				continue;
			if (y->name[0])
				snprintf(addr, sizeof(addr), "%s", y->name);
			else
				sw_alert_addr_text(y->t.addr, addr, sizeof(addr));
			o = json_pack("{s:s,s:s}", "peer", addr, "proto",
				      sw_proto_name_or_num(y->t.proto, 0, pbuf, sizeof(pbuf)));
			if (!o)
				continue;
			json_object_set_new(o, y->t.proto == 1 || y->t.proto == 58 ? "icmp_type"
										   : "port",
					    json_integer(y->t.port));
			json_object_set_new(o, "outcome", json_string(sw_scan_outcome_names[y->outcome]));
			json_array_append_new(a, o);
		}
	}
	return a;
}

void sw_scan_body(json_t *o, const struct sw_alert_event *ev)
{
	const struct sw_scan_evidence *x = ev->scan;
	char t[40];

	json_object_set_new(o, "method", json_string(sw_scan_method_name(x->method)));
	json_object_set_new(o, "successes", json_integer((json_int_t)x->src->successes));
	json_object_set_new(o, "failures", json_integer((json_int_t)x->src->failures));
	sw_alert_time_text(x->src->first_us, t, sizeof(t));
	json_object_set_new(o, "first_attempt", json_string(t));
	sw_alert_time_text(x->src->last_us, t, sizeof(t));
	json_object_set_new(o, "last_attempt", json_string(t));
	if (x->window_s)
		json_object_set_new(o, "window_s", json_integer(x->window_s));
	json_object_set_new(o, "distinct_peers", json_integer(x->distinct_peers));
	json_object_set_new(o, "distinct_ports", json_integer(x->distinct_ports));
	json_object_set_new(o, "sample", sw_scan_sample_json(x));
}
