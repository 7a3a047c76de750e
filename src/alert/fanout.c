// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fanout.c - distinct (peer, proto, port) per source within a sliding
 * window: a bounded table of sources (LRU), each with at most
 * fanout_distinct targets, which is all a threshold test needs.
 */
#include <string.h>

#include "internal.h"

static uint64_t sw_alert_conn_target_hash(const struct sw_alert_conn *c)
{
	uint16_t port = (c->proto == 1 || c->proto == 58) ? c->icmp_type : c->dport;

	return sw_alert_target_hash(c->dst.addr, c->proto, port);
}

/* sw_alert_fanout_expire - drop targets older than the window; keeps the order irrelevant. */
static void sw_alert_fanout_expire(struct sw_alert_fanout *f, struct sw_alert_target *t,
				   uint64_t now_us, uint64_t window_us)
{
	for (uint32_t i = 0; i < f->n;) {
		if (t[i].ts_us + window_us < now_us)
			t[i] = t[--f->n];
		else
			i++;
	}
}

uint32_t sw_alert_fanout_track(struct sw_alert_engine *e, const struct sw_alert_conn *c,
			       const struct sw_alert_src_key *key)
{
	uint32_t cap = e->cfg.fanout_distinct, oldest = 0;
	struct sw_alert_src_key own;
	struct sw_alert_target *t;
	struct sw_alert_fanout *f;
	uint64_t h = sw_alert_conn_target_hash(c);
	uint32_t i;
	bool evicted;

	if (!key) {
		sw_alert_src_key_of(&own, &c->src);
		key = &own;
	}
	i = sw_lru_find_bytes(&e->sources, key->b, key->len);
	if (i == SW_LRU_NIL) {
		i = sw_lru_insert_bytes(&e->sources, key->b, key->len, &evicted);
		e->fan[i].n = 0;
	}
	f = &e->fan[i];
	t = &e->targets[(size_t)i * cap];
	sw_alert_fanout_expire(f, t, c->ts_us, (uint64_t)e->cfg.fanout_window_ms * 1000u);
	for (uint32_t k = 0; k < f->n; k++) {
		if (t[k].hash == h) {
			t[k].ts_us = c->ts_us;
			return 0; /* not a new target */
		}
		if (t[k].ts_us < t[oldest].ts_us)
			oldest = k;
	}
	if (f->n < cap)
		oldest = f->n++;
	t[oldest].hash = h;
	t[oldest].ts_us = c->ts_us;
	return f->n;
}
