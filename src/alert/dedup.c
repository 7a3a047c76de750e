// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dedup.c - one alert per (kind, origin, src, dst-or-*) and then at most one
 * summary per summary_interval_s with the counts of what was folded in.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* sw_alert_cap_ok - the global max_alerts_per_min budget (fixed one-minute windows). */
static bool sw_alert_cap_ok(struct sw_alert_engine *e, uint64_t now_us)
{
	if (!e->cfg.max_alerts_per_min)
		return true;
	if (now_us >= e->cap_window_us + 60000000u || now_us < e->cap_window_us) {
		e->cap_window_us = now_us;
		e->cap_count = 0;
	}
	if (e->cap_count >= e->cfg.max_alerts_per_min) {
		e->stats.capped++;
		return false;
	}
	e->cap_count++;
	return true;
}

/* sw_alert_json_u64 - @v as a JSON integer (jansson's are signed: saturated). */
static json_int_t sw_alert_json_u64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

static void sw_alert_set_time(json_t *o, const char *field, uint64_t us)
{
	char buf[40];

	sw_alert_time_text(us, buf, sizeof(buf));
	json_object_set_new(o, field, json_string(buf));
}

void sw_alert_emit_entry(struct sw_alert_engine *e, struct sw_alert_dedup *d, const char *key,
			 uint64_t now_us, bool summary)
{
	struct sw_alert a = { .kind = d->kind, .severity = d->severity, .summary = summary,
			      .ts_us = now_us, .first_us = d->first_us, .last_us = d->last_us,
			      .count = d->count, .suppressed = d->suppressed,
			      .distinct = d->distinct, .value_total = d->value_total,
			      .key = key };
	json_t *o, *out;
	char *line;

	d->last_alert_us = now_us;
	d->suppressed = 0;
	if (!sw_alert_cap_ok(e, now_us))
		return;
	o = d->body ? json_loads(d->body, JSON_ALLOW_NUL, NULL) : NULL;
	if (!o || json_object_set_new(o, "type", json_string("alert")) < 0) {
		json_decref(o);
		e->stats.nomem++;
		return;
	}
	sw_alert_set_time(o, "time", now_us);
	sw_alert_set_time(o, "first_seen", d->first_us);
	sw_alert_set_time(o, "last_seen", d->last_us);
	json_object_set_new(o, "summary", json_boolean(summary));
	json_object_set_new(o, "count", json_integer((json_int_t)a.count));
	json_object_set_new(o, "suppressed", json_integer((json_int_t)a.suppressed));
	if (d->kind == SW_ALERT_FAN_OUT)
		json_object_set_new(o, "distinct", json_integer(d->distinct));
	if (d->kind == SW_ALERT_AGENT_HEALTH)
		json_object_set_new(o, "value_total", json_integer(sw_alert_json_u64(d->value_total)));
	/* the format chooses the object written; the sinks get the record's fields either way */
	out = e->cfg.format == SW_ALERT_FORMAT_ECS ? sw_alert_ecs(o, e->cfg.host) : json_incref(o);
	line = out ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(out);
	if (!line) {
		json_decref(o);
		e->stats.nomem++;
		return;
	}
	e->stats.alerts[d->kind]++;
	if ((unsigned)a.severity <= SW_ALERT_SEV_HIGH)
		e->stats.by_severity[d->kind][a.severity]++;
	a.record = o;
	if (e->sink)
		e->sink(&a, line, e->arg);
	json_decref(o);
	free(line);
}

static void sw_alert_key(const struct sw_alert_event *ev, char *key, size_t size)
{
	char s[SW_ALERT_KEY_MAX / 2], d[SW_ALERT_KEY_MAX / 2] = "*";

	if (ev->kind == SW_ALERT_AGENT_HEALTH) { /* the agent itself: one key per event name */
		snprintf(key, size, "%s|agent|%s", sw_alert_kind_name(ev->kind), ev->event);
		return;
	}

	if (ev->src_id)
		snprintf(s, sizeof(s), "%s", ev->src_id);
	else
		sw_alert_endpoint_id(ev->src, s, sizeof(s));
	if (ev->dst)
		sw_alert_endpoint_id(ev->dst, d, sizeof(d));
	else if (ev->method) /* scan: one key per method, each alerts on its own */
		snprintf(d, sizeof(d), "*%s", ev->method);
	else if (ev->forged) /* the L2 guard: one key per thing forged, not one for all */
		snprintf(d, sizeof(d), "*%s", ev->forged);
	snprintf(key, size, "%s|%s|%s|%s", sw_alert_kind_name(ev->kind),
		 ev->origin ? ev->origin : "capture", s, d);
}

/* sw_alert_body_drop - forget the body of @d (freed if it was on the heap). */
static void sw_alert_body_drop(struct sw_alert_dedup *d)
{
	if (d->body_heap)
		free(d->body);
	d->body = NULL;
	d->body_heap = false;
}

/*
 * sw_alert_body_set - the body of @ev as the body of key @i: compact JSON in
 * the key's slot of e->bodies when it fits, else on the heap. False (the old
 * body kept) when out of memory.
 */
static bool sw_alert_body_set(struct sw_alert_engine *e, uint32_t i,
			      const struct sw_alert_event *ev)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	struct sw_alert_dedup *d = &e->dedup[i];
	char buf[SW_ALERT_BODY_INLINE], *slot = e->bodies + (size_t)i * SW_ALERT_BODY_INLINE;
	json_t *o = sw_alert_body(e, ev);
	size_t n = o ? json_dumpb(o, buf, sizeof(buf) - 1, flags) : 0;
	char *heap = n >= sizeof(buf) ? json_dumps(o, flags) : NULL;

	json_decref(o);
	if (n == 0 || (n >= sizeof(buf) && !heap))
		return false;
	sw_alert_body_drop(d);
	if (heap) {
		d->body = heap;
		d->body_heap = true;
		return true;
	}
	memcpy(slot, buf, n);
	slot[n] = '\0';
	d->body = slot;
	return true;
}

/* sw_alert_new_entry - a key seen for the first time: remember it and alert now. */
static void sw_alert_new_entry(struct sw_alert_engine *e, const struct sw_alert_event *ev,
			       const char *key)
{
	bool evicted;
	uint32_t i = sw_lru_insert(&e->keys, key, &evicted);
	struct sw_alert_dedup *d = &e->dedup[i];

	if (evicted) {
		sw_alert_body_drop(d);
		e->stats.keys_evicted++;
	}
	memset(d, 0, sizeof(*d));
	d->kind = ev->kind;
	d->severity = ev->severity;
	d->first_us = d->last_us = ev->ts_us;
	d->count = 1;
	d->distinct = ev->distinct;
	d->value_total = ev->value;
	d->dropped = (int8_t)ev->dropped;
	sw_alert_body_set(e, i, ev); /* no body: the alert is counted as nomem */
	sw_alert_emit_entry(e, d, key, ev->ts_us, false);
}

void sw_alert_raise(struct sw_alert_engine *e, const struct sw_alert_event *ev)
{
	char key[SW_ALERT_KEY_MAX];
	struct sw_alert_dedup *d;
	uint32_t i;

	if (!e->cfg.enabled[ev->kind])
		return;
	e->stats.events[ev->kind]++;
	sw_alert_key(ev, key, sizeof(key));
	i = sw_lru_find(&e->keys, key);
	if (i == SW_LRU_NIL) {
		sw_alert_new_entry(e, ev, key);
		return;
	}
	d = &e->dedup[i];
	d->count++;
	d->suppressed++;
	if (ev->ts_us > d->last_us)
		d->last_us = ev->ts_us;
	if (ev->distinct > d->distinct)
		d->distinct = ev->distinct;
	d->value_total = ev->value > UINT64_MAX - d->value_total ? UINT64_MAX
								 : d->value_total + ev->value;
	if (ev->severity > d->severity)
		d->severity = ev->severity;
	/*
	 * Let through where the last alert said dropped (a policy or the L2
	 * guard switched to monitor): news, not a repeat. It alerts at once.
	 */
	if (ev->ts_us >= d->last_alert_us + (uint64_t)e->cfg.summary_interval_s * 1000000u ||
	    (ev->dropped == 0 && d->dropped == 1)) {
		if (sw_alert_body_set(e, i, ev)) /* out of memory: the last body stands */
			d->dropped = (int8_t)ev->dropped;
		sw_alert_emit_entry(e, d, key, ev->ts_us, true);
		return;
	}
	e->stats.suppressed++;
}

static void sw_alert_summaries(struct sw_alert_engine *e, uint64_t now_us, bool all)
{
	uint64_t iv = (uint64_t)e->cfg.summary_interval_s * 1000000u;

	for (uint32_t i = 0; i < e->keys.used; i++) {
		struct sw_alert_dedup *d = &e->dedup[i];

		if (d->suppressed && (all || now_us >= d->last_alert_us + iv))
			sw_alert_emit_entry(e, d, e->keys.slots[i].key, now_us, true);
	}
}

void sw_alert_tick(struct sw_alert_engine *e, uint64_t now_us)
{
	sw_scan_expire(e, now_us); /* unanswered first contacts are failures by now */
	sw_alert_summaries(e, now_us, false);
}

void sw_alert_flush(struct sw_alert_engine *e)
{
	uint64_t now = 0;

	for (uint32_t i = 0; i < e->keys.used; i++)
		if (e->dedup[i].last_us > now)
			now = e->dedup[i].last_us;
	sw_alert_summaries(e, now, true);
}
