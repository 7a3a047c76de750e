/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replaying recorded flows (the history, `capture -w` files) through the
 * alerts sink, as the flow table would have fed it live (docs/alerts.md
 * "Feeding the engine"). Records are written when flows end, so they come
 * out of the reader in order of their end: they are kept (as their JSON
 * text, bounded by @max) and sorted by first packet before anything is fed.
 * Each record becomes the same struct sw_flow_rec the pipeline hands its
 * sinks, its ends the workloads the record names (name, namespace, labels:
 * what groups, exemptions and new_edge nodes are made of).
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/flowfile.h>

#include "internal.h"

struct sw_replay_flow {
	uint64_t first_us;
	size_t seq;		/* order read: ties keep it */
	char *line;
};

struct sw_replay {
	struct sw_pipeline *p;	/* no sources: only the sinks' table */
	struct sw_sink *sink;
	struct sw_replay_flow *v;
	size_t n, cap, max;
	uint64_t next_tick_us;
};

int sw_replay_open(struct sw_replay **out, const struct sw_sink_alerts_opts *o, size_t max,
		   struct sw_err *err)
{
	struct sw_replay *r = calloc(1, sizeof(*r));
	struct sw_flow_config cfg;
	int rc;

	*out = NULL;
	if (!r || !(r->p = calloc(1, sizeof(*r->p)))) {
		free(r);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	r->max = max;
	sw_flow_config_defaults(&cfg);
	cfg.max_flows = 1; /* never fed: the sinks' hooks are set on it */
	if (!(r->p->table = sw_flow_table_alloc(&cfg, NULL, NULL))) {
		sw_replay_close(r);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	rc = sw_pipeline_sink_add(r->p, "alerts", o, &r->sink, err);
	if (rc != SW_EXIT_OK) {
		sw_replay_close(r);
		return rc;
	}
	*out = r;
	return SW_EXIT_OK;
}

int sw_replay_add(struct sw_replay *r, const char *line, size_t len, const json_t *rec,
		  struct sw_err *err)
{
	const char *first = json_string_value(json_object_get(rec, "first_seen"));
	struct sw_replay_flow *f;

	if (r->n == r->max)
		return sw_err_set(err, SW_EXIT_USAGE, "more than %zu flows to replay: narrow the "
				  "selection (--since, --until, a filter) or raise --limit", r->max);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct sw_replay_flow *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		r->v = v;
		r->cap = cap;
	}
	f = &r->v[r->n];
	if (!first || !sw_flowfile_time_parse(first, &f->first_us))
		f->first_us = 0; /* checked records have it: cannot happen */
	f->seq = r->n;
	if (!(f->line = malloc(len + 1)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	memcpy(f->line, line, len);
	f->line[len] = '\0';
	r->n++;
	return SW_EXIT_OK;
}

static int sw_replay_cmp(const void *a, const void *b)
{
	const struct sw_replay_flow *x = a, *y = b;

	if (x->first_us != y->first_us)
		return x->first_us < y->first_us ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t sw_replay_u64(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

static uint64_t sw_replay_time(const json_t *o, const char *key)
{
	const char *t = json_string_value(json_object_get(o, key));
	uint64_t us = 0;

	return t && sw_flowfile_time_parse(t, &us) ? us : 0;
}

static void sw_replay_dir(struct sw_flow_dir *d, const json_t *o)
{
	d->packets = sw_replay_u64(o, "packets");
	d->bytes = sw_replay_u64(o, "bytes");
	d->first_us = d->packets ? sw_replay_time(o, "first_seen") : 0;
	d->last_us = d->packets ? sw_replay_time(o, "last_seen") : 0;
}

static uint8_t sw_replay_state(const char *name)
{
	for (int s = SW_FLOW_ATTEMPTED; name && s <= SW_FLOW_CLOSED; s++)
		if (strcmp(name, sw_flow_state_name((enum sw_flow_state)s)) == 0)
			return (uint8_t)s;
	return SW_FLOW_ATTEMPTED;
}

static uint8_t sw_replay_kind(const char *name)
{
	for (int k = SW_EP_WORKLOAD; name && k <= SW_EP_UNSPECIFIED; k++)
		if (strcmp(name, sw_endpoint_kind_name((enum sw_endpoint_kind)k)) == 0)
			return (uint8_t)k;
	return SW_EP_NONE;
}

/* One end as the record names it: its kind, and its workload into @w (the caller clears it). */
static bool sw_replay_end(const json_t *rec, const char *end, const uint8_t addr[16],
			  struct sw_workload *w, uint8_t *kind, const struct sw_workload **wl)
{
	char key[32];
	const json_t *o, *labels, *v;
	const char *k, *s;

	snprintf(key, sizeof(key), "%s_kind", end);
	*kind = sw_replay_kind(json_string_value(json_object_get(rec, key)));
	*wl = NULL;
	snprintf(key, sizeof(key), "%s_workload", end);
	o = json_object_get(rec, key);
	if (*kind != SW_EP_WORKLOAD || !json_is_object(o))
		return true;
	if ((s = json_string_value(json_object_get(o, "name"))) && !(w->name = strdup(s)))
		return false;
	if ((s = json_string_value(json_object_get(o, "namespace"))) && !(w->namespace = strdup(s)))
		return false;
	labels = json_object_get(o, "labels");
	json_object_foreach((json_t *)labels, k, v)
		if (json_is_string(v) && !sw_workload_add_label(w, k, json_string_value(v)))
			return false;
	if (!sw_workload_add_addr(w, addr))
		return false;
	*wl = w;
	return true;
}

/* The record as the flow table would have handed it over; false on out of memory. */
static bool sw_replay_rec(const json_t *rec, struct sw_flow_rec *out, struct sw_workload w[2])
{
	struct sw_flow *f = &out->f;
	const char *src = json_string_value(json_object_get(rec, "src"));
	const char *dst = json_string_value(json_object_get(rec, "dst"));

	memset(out, 0, sizeof(*out));
	f->family = (uint8_t)sw_replay_u64(rec, "family");
	f->proto = (uint8_t)sw_replay_u64(rec, "proto_num");
	f->state = sw_replay_state(json_string_value(json_object_get(rec, "state")));
	f->end = SW_END_FLUSH;
	f->icmp_type = (uint8_t)sw_replay_u64(rec, "icmp_type");
	f->icmp_code = (uint8_t)sw_replay_u64(rec, "icmp_code");
	f->init_port = (uint16_t)sw_replay_u64(rec, "sport");
	f->resp_port = (uint16_t)sw_replay_u64(rec, "dport");
	if (!sw_addr_parse(src ? src : "", f->init_addr) ||
	    !sw_addr_parse(dst ? dst : "", f->resp_addr))
		return true; /* checked records have both: cannot happen */
	sw_replay_dir(&f->fwd, json_object_get(rec, "fwd"));
	sw_replay_dir(&f->rev, json_object_get(rec, "rev"));
	return sw_replay_end(rec, "src", f->init_addr, &w[0], &out->id.kind[0], &out->id.wl[0]) &&
	       sw_replay_end(rec, "dst", f->resp_addr, &w[1], &out->id.kind[1], &out->id.wl[1]);
}

/* Every whole second of capture time up to @now_us, as the capture's tick would. */
static void sw_replay_ticks(struct sw_replay *r, const struct sw_sink_ops *ops, uint64_t now_us)
{
	if (!ops->tick)
		return;
	if (!r->next_tick_us)
		r->next_tick_us = now_us - now_us % 1000000 + 1000000;
	while (r->next_tick_us <= now_us) {
		ops->tick(r->sink->priv, r->next_tick_us);
		r->next_tick_us += 1000000;
	}
}

/*
 * One flow: begun, answered (or not), ended, in that order at its first
 * packet. A record continued after the active timeout is only ended, as live
 * (its answer, when the cut came before it, is not replayed).
 */
static int sw_replay_one(struct sw_replay *r, const struct sw_sink_ops *ops, const json_t *rec,
			 struct sw_err *err)
{
	struct sw_workload w[2];
	struct sw_flow_rec fr;
	bool continued, answer;
	int rc = SW_EXIT_OK;

	memset(w, 0, sizeof(w));
	if (!sw_replay_rec(rec, &fr, w)) {
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		goto out;
	}
	sw_replay_ticks(r, ops, sw_flow_first_us(&fr.f));
	/* a record continuing one cut by the active timeout: live, that flow began before */
	continued = json_is_true(json_object_get(rec, "continued"));
	/* as live: the first answer only when flow_new wanted it (or there is no flow_new) */
	answer = !continued && (!ops->flow_new || ops->flow_new(r->sink->priv, &fr));
	/* the first answer: the first packet back, or the ICMP error that refused it */
	if (ops->flow_answered && answer && fr.f.state != SW_FLOW_ATTEMPTED && fr.f.rev.packets)
		ops->flow_answered(r->sink->priv, &fr, fr.f.state == SW_FLOW_REFUSED,
				   fr.f.rev.first_us);
	if (ops->flow_end)
		ops->flow_end(r->sink->priv, &fr);
out:
	sw_workload_clear(&w[0]);
	sw_workload_clear(&w[1]);
	return rc;
}

int sw_replay_run(struct sw_replay *r, struct sw_err *err)
{
	const struct sw_sink_ops *ops = r->sink->ops;
	int rc = SW_EXIT_OK;

	qsort(r->v, r->n, sizeof(*r->v), sw_replay_cmp);
	for (size_t i = 0; i < r->n && rc == SW_EXIT_OK; i++) {
		json_t *rec = json_loads(r->v[i].line, 0, NULL);

		if (!rec)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		rc = sw_replay_one(r, ops, rec, err);
		json_decref(rec);
		free(r->v[i].line);
		r->v[i].line = NULL; /* fed: its memory goes back as the replay goes on */
	}
	if (rc == SW_EXIT_OK && ops->finish)
		ops->finish(r->sink->priv);
	return rc;
}

bool sw_replay_close(struct sw_replay *r)
{
	bool ok;

	if (!r)
		return true;
	ok = sw_pipeline_close(r->p);
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].line);
	free(r->v);
	free(r);
	return ok;
}

size_t sw_replay_count(const struct sw_replay *r)
{
	return r->n;
}
