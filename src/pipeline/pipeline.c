/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pipeline: sources -> flow table -> one resolved record -> sinks, with
 * identity upkeep and the kernel's log on the capture's tick.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/clock.h>
#include <segwatch/kernel.h>
#include <segwatch/report.h>

#include "internal.h"

/* A flow began: to the sinks that watch beginnings; true when one wants its first answer. */
static bool sw_pipeline_on_flow_new(const struct sw_flow *f, void *arg)
{
	struct sw_pipeline *p = arg;
	struct sw_flow_staged staged;
	struct sw_flow_rec rec;
	bool answer = false;

	sw_flow_rec_resolve(&rec, sw_pipeline_resolver(p), f);
	sw_pipeline_staged_judge(p, &rec, &staged, false); /* counted when it ends */
	for (unsigned i = 0; i < p->n_sinks; i++) {
		const struct sw_sink_ops *ops = p->sinks[i].ops;

		if (ops->flow_new)
			answer |= ops->flow_new(p->sinks[i].priv, &rec);
		else if (ops->flow_answered)
			answer = true; /* it did not say: every answer */
	}
	return answer;
}

/* A flow's first answer: resolved as at its start, to the sinks that want it. */
static void sw_pipeline_on_flow_answered(const struct sw_flow *f, bool refused, uint64_t ts_us,
					 void *arg)
{
	struct sw_pipeline *p = arg;
	struct sw_flow_rec rec;

	sw_flow_rec_resolve(&rec, sw_pipeline_resolver(p), f);
	for (unsigned i = 0; i < p->n_sinks; i++)
		if (p->sinks[i].ops->flow_answered)
			p->sinks[i].ops->flow_answered(p->sinks[i].priv, &rec, refused, ts_us);
}

/* A flow ended: resolved once, the same record to every sink. */
static void sw_pipeline_on_flow_end(const struct sw_flow *f, void *arg)
{
	struct sw_pipeline *p = arg;
	struct sw_flow_staged staged;
	struct sw_flow_rec rec;

	sw_flow_rec_resolve(&rec, sw_pipeline_resolver(p), f);
	sw_pipeline_staged_judge(p, &rec, &staged, true);
	for (unsigned i = 0; i < p->n_sinks; i++)
		if (p->sinks[i].ops->flow_end)
			p->sinks[i].ops->flow_end(p->sinks[i].priv, &rec);
}

void sw_pipeline_on_klog(const struct sw_nflog_rec *r, void *arg)
{
	struct sw_pipeline *p = arg;
	struct sw_klog_event e = { .rec = r };
	const struct sw_resolver *res = sw_pipeline_resolver(p);

	if (res && r->decoded)
		sw_flow_ident_resolve_addrs(&e.id, res, r->src, r->dst, r->ts_us);
	for (unsigned i = 0; i < p->n_sinks; i++)
		if (p->sinks[i].ops->klog)
			p->sinks[i].ops->klog(p->sinks[i].priv, &e);
}

static void sw_pipeline_tick(struct sw_capture *cap, uint64_t now_us, void *arg)
{
	struct sw_pipeline *p = arg;
	struct sw_err err = { 0 };

	p->cap = cap;
	if (p->id)
		sw_identity_poll(p->id, cap, now_us);
	/* a failed read loses log lines, not the capture: counted by the socket */
	if (p->nflog)
		sw_nflog_read(p->nflog, sw_pipeline_on_klog, p, &err);
	for (unsigned i = 0; i < p->n_sinks; i++)
		if (p->sinks[i].ops->tick)
			p->sinks[i].ops->tick(p->sinks[i].priv, now_us);
	if (p->opts.tick)
		p->opts.tick(p, now_us, p->opts.tick_arg);
}

/*
 * Nothing named: every bridge that is up and its ports, from the kernel's
 * view (the identity's, or one opened just for this).
 */
int sw_pipeline_bridges(const struct sw_kernel *k, char **names, uint8_t *dirs, unsigned *n,
			struct sw_err *err)
{
	bool is_bridge[SW_CAPTURE_MAX_IFACES];
	struct sw_kernel *own = NULL;
	int rc = SW_EXIT_OK;

	if (!k && (rc = sw_kernel_open(&own, err)) == SW_EXIT_OK)
		k = own;
	if (rc == SW_EXIT_OK)
		rc = sw_kernel_capture_ifaces(k, names, is_bridge, SW_CAPTURE_MAX_IFACES, n, err);
	for (unsigned i = 0; rc == SW_EXIT_OK && i < *n; i++)
		dirs[i] = is_bridge[i] ? SW_CAPTURE_OUT : SW_CAPTURE_IN;
	sw_kernel_close(own);
	return rc;
}

static int sw_pipeline_discover(struct sw_pipeline *p, struct sw_err *err)
{
	int rc = sw_pipeline_bridges(p->id ? sw_identity_kernel(p->id) : NULL, p->found,
				     p->dirs, &p->n_found, err);

	if (rc != SW_EXIT_OK)
		return rc;
	if (p->n_found == 0 && !p->opts.wait_for_ifaces)
		return sw_err_set(err, SW_EXIT_RUNTIME,
				  "no Linux bridge found to capture on; name interfaces with -i");
	for (unsigned i = 0; i < p->n_found; i++)
		p->ifaces[i] = p->found[i];
	p->opts.capture.ifaces = p->ifaces;
	p->opts.capture.directions = p->dirs;
	p->opts.capture.n_ifaces = p->n_found;
	return SW_EXIT_OK;
}

static int sw_pipeline_open_sources(struct sw_pipeline *p, struct sw_err *err)
{
	bool discover = !p->opts.capture.file && p->opts.capture.n_ifaces == 0;
	int rc = SW_EXIT_OK;

	p->discover = discover;
	if (p->opts.with_identity) {
		rc = sw_identity_open(&p->id, &p->opts.identity, err);
		if (rc != SW_EXIT_OK)
			return rc;
		/* discovering bridges: follow their ports as they come and go */
		sw_identity_follow_ports(p->id, discover);
		p->opts.capture.registry = sw_identity_registry(p->id);
		p->opts.capture.learn_registry = sw_identity_registry(p->id);
	}
	if (p->opts.nflog_group >= 0 &&
	    !(p->nflog = sw_nflog_open((uint16_t)p->opts.nflog_group, 0, err)))
		return err->code ? err->code : SW_EXIT_RUNTIME;
	if (discover)
		rc = sw_pipeline_discover(p, err);
	return rc;
}

int sw_pipeline_ident_own(struct sw_identity_opts *o, char *own[SW_MAX_INVENTORIES + 1],
			  struct sw_err *err)
{
	memset(own, 0, sizeof(char *) * (SW_MAX_INVENTORIES + 1));
	if (o->n_inventories > SW_MAX_INVENTORIES)
		return sw_err_set(err, SW_EXIT_USAGE, "at most %d inventories", SW_MAX_INVENTORIES);
	for (unsigned i = 0; i < o->n_inventories; i++) {
		if (!(own[i] = strdup(o->inventories[i])))
			goto nomem;
		o->inventories[i] = own[i];
	}
	if (o->engine_socket) {
		if (!(own[SW_MAX_INVENTORIES] = strdup(o->engine_socket)))
			goto nomem;
		o->engine_socket = own[SW_MAX_INVENTORIES];
	}
	return SW_EXIT_OK;
nomem:
	sw_pipeline_ident_free(own);
	return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
}

void sw_pipeline_ident_free(char *own[SW_MAX_INVENTORIES + 1])
{
	for (unsigned i = 0; i <= SW_MAX_INVENTORIES; i++) {
		free(own[i]);
		own[i] = NULL;
	}
}

/* Copies of the capture's and identity's strings, owned by the pipeline. */
static int sw_pipeline_own_strings(struct sw_pipeline *p, struct sw_err *err)
{
	struct sw_capture_opts *c = &p->opts.capture;

	if (sw_pipeline_ident_own(&p->opts.identity, p->own_ident, err) != SW_EXIT_OK)
		return err->code;

	if ((c->file && !(p->own_file = strdup(c->file))) ||
	    (c->filter && !(p->own_filter = strdup(c->filter))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	c->file = p->own_file;
	c->filter = p->own_filter;
	if (c->n_ifaces > SW_CAPTURE_MAX_IFACES)
		return sw_err_set(err, SW_EXIT_USAGE, "at most %d interfaces", SW_CAPTURE_MAX_IFACES);
	for (unsigned i = 0; i < c->n_ifaces; i++, p->n_found++)
		if (!(p->found[i] = strdup(c->ifaces[i])))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	for (unsigned i = 0; i < p->n_found; i++) {
		p->ifaces[i] = p->found[i];
		p->dirs[i] = c->directions ? c->directions[i] : SW_CAPTURE_BOTH;
	}
	c->ifaces = c->n_ifaces ? p->ifaces : NULL;
	c->directions = c->n_ifaces ? p->dirs : NULL;
	return SW_EXIT_OK;
}

int sw_pipeline_open(struct sw_pipeline **out, const struct sw_pipeline_opts *o,
		     struct sw_err *err)
{
	struct sw_pipeline *p = calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (!p)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	p->opts = *o;
	p->opts.capture.tick = sw_pipeline_tick;
	p->opts.capture.tick_arg = p;
	p->opts.capture.wait_for_ifaces = o->wait_for_ifaces;
	rc = sw_pipeline_own_strings(p, err);
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_open_sources(p, err);
	if (rc == SW_EXIT_OK &&
	    !(p->table = sw_flow_table_alloc(&p->opts.flow, sw_pipeline_on_flow_end, p)))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (rc != SW_EXIT_OK) {
		sw_pipeline_close(p);
		return rc;
	}
	*out = p;
	return SW_EXIT_OK;
}

int sw_pipeline_sink_add(struct sw_pipeline *p, const char *name, const void *opts,
			 struct sw_sink **sink, struct sw_err *err)
{
	const struct sw_sink_ops *ops = sw_sink_ops_find(name);

	if (!ops)
		return sw_err_set(err, SW_EXIT_USAGE, "no sink called \"%s\"", name);
	return sw_pipeline_sink_add_ops(p, ops, opts, sink, err);
}

int sw_pipeline_sink_add_ops(struct sw_pipeline *p, const struct sw_sink_ops *ops,
			     const void *opts, struct sw_sink **sink, struct sw_err *err)
{
	struct sw_sink *s;
	void *priv = NULL;
	int rc;
	unsigned slot = p->n_sinks;

	/* a removed sink's slot is taken again: sinks come and go with reloads */
	for (unsigned i = 0; i < p->n_sinks && slot == p->n_sinks; i++)
		if (!sw_pipeline_sink_active(&p->sinks[i]))
			slot = i;
	if (slot == SW_PIPELINE_MAX_SINKS)
		return sw_err_set(err, SW_EXIT_RUNTIME, "too many sinks");
	s = &p->sinks[slot];
	rc = ops->open(p, opts, &priv, err);
	if (rc != SW_EXIT_OK)
		return rc;
	s->ops = ops;
	s->priv = priv;
	if (slot == p->n_sinks)
		p->n_sinks++;
	if (ops->flow_new && !p->any_flow_new) {
		p->any_flow_new = true;
		sw_flow_table_set_on_new(p->table, sw_pipeline_on_flow_new, p);
	}
	if (ops->flow_answered && !p->any_flow_answered) {
		p->any_flow_answered = true;
		sw_flow_table_set_on_answer(p->table, sw_pipeline_on_flow_answered, p);
	}
	if (sink)
		*sink = s;
	return SW_EXIT_OK;
}

int sw_pipeline_sink_replace(struct sw_pipeline *p, struct sw_sink *sink, const void *opts,
			     struct sw_err *err)
{
	void *fresh = NULL, *old = sink->priv;
	int rc = sink->ops->open(p, opts, &fresh, err);

	if (rc != SW_EXIT_OK)
		return rc;
	sink->priv = fresh;
	if (sink->ops->finish)
		sink->ops->finish(old);
	if (sink->ops->close)
		sink->ops->close(old);
	return SW_EXIT_OK;
}

/* A removed sink's slot: no hooks, so every loop over the sinks passes it by. */
static const struct sw_sink_ops sw_sink_removed_ops = { .name = "removed" };

static bool sw_sink_end(struct sw_sink *sink)
{
	bool ok = true;

	if (sink->ops->finish)
		sink->ops->finish(sink->priv);
	if (sink->ops->close)
		ok = sink->ops->close(sink->priv);
	sink->ops = &sw_sink_removed_ops;
	sink->priv = NULL;
	return ok;
}

bool sw_pipeline_sink_remove(struct sw_pipeline *p, struct sw_sink *sink)
{
	(void)p;
	return sw_sink_end(sink);
}

int sw_pipeline_sink_reopen(struct sw_pipeline *p, struct sw_sink *sink, const void *opts,
			    const void *fallback, struct sw_err *err)
{
	const struct sw_sink_ops *ops = sink->ops;
	struct sw_err ferr = { 0 };
	void *fresh = NULL;
	int rc;

	if (!sw_sink_end(sink))
		sw_err_set(err, SW_EXIT_RUNTIME, "the %s sink lost records at close", ops->name);
	rc = ops->open(p, opts, &fresh, err);
	if (rc != SW_EXIT_OK && ops->open(p, fallback, &fresh, &ferr) != SW_EXIT_OK)
		return rc; /* neither opened: the slot stays removed */
	sink->ops = ops;
	sink->priv = fresh;
	return rc;
}

bool sw_pipeline_sink_active(const struct sw_sink *sink)
{
	return sink && sink->ops != &sw_sink_removed_ops;
}

void *sw_pipeline_sink_priv(struct sw_sink *sink)
{
	return sink->priv;
}

int sw_pipeline_run(struct sw_pipeline *p, struct sw_err *err)
{
	int rc = SW_EXIT_OK;

	if (!p->cap)
		rc = sw_capture_open(&p->cap, &p->opts.capture, p->table, err);
	if (rc == SW_EXIT_OK)
		rc = sw_capture_run(p->cap, err);
	return rc;
}

void sw_pipeline_flush_flows(struct sw_pipeline *p)
{
	sw_flow_table_flush(p->table);
}

void sw_pipeline_put_line(struct sw_pipeline *p, uint64_t first_us, uint64_t last_us,
			  const char *line, size_t len)
{
	for (unsigned i = 0; i < p->n_sinks; i++)
		if (p->sinks[i].ops->line)
			p->sinks[i].ops->line(p->sinks[i].priv, first_us, last_us, line, len);
}

json_t *sw_pipeline_counters_json(struct sw_pipeline *p)
{
	static const struct sw_capture_counters none;
	json_t *c = sw_report_counters_json(p->cap ? sw_capture_counters(p->cap) : &none,
					    sw_flow_table_stats(p->table), p->opts.flow.max_flows);

	for (unsigned i = 0; c && i < p->n_sinks; i++)
		if (p->sinks[i].ops->counters)
			p->sinks[i].ops->counters(p->sinks[i].priv, c);
	return c;
}

void sw_pipeline_finish(struct sw_pipeline *p)
{
	struct sw_err err = { 0 };
	json_t *c;
	char *text;

	if (p->finished)
		return;
	p->finished = true;
	sw_flow_table_flush(p->table);
	/* what was logged before the capture stopped, even if the kernel still holds it */
	if (p->nflog)
		sw_nflog_drain(p->nflog, sw_pipeline_on_klog, p, 1000, &err);
	for (unsigned i = 0; i < p->n_sinks; i++)
		if (p->sinks[i].ops->finish)
			p->sinks[i].ops->finish(p->sinks[i].priv);
	/* the counters close the record stream (docs/flows.md) */
	c = sw_pipeline_counters_json(p);
	text = c ? json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (text) {
		uint64_t now = sw_clock_wall_us();

		sw_pipeline_put_line(p, now, now, text, strlen(text));
	}
	free(text);
	json_decref(c);
}

struct sw_capture *sw_pipeline_capture(struct sw_pipeline *p)
{
	return p->cap;
}

struct sw_flow_table *sw_pipeline_flow_table(struct sw_pipeline *p)
{
	return p->table;
}

struct sw_identity *sw_pipeline_identity(struct sw_pipeline *p)
{
	return p->id;
}

const struct sw_resolver *sw_pipeline_resolver(const struct sw_pipeline *p)
{
	return p->id ? sw_identity_resolver(p->id) : NULL;
}

const struct sw_pipeline_opts *sw_pipeline_opts(const struct sw_pipeline *p)
{
	return &p->opts;
}

struct sw_nflog *sw_pipeline_nflog(struct sw_pipeline *p)
{
	return p->nflog;
}

bool sw_pipeline_close(struct sw_pipeline *p)
{
	bool ok = true;

	if (!p)
		return true;
	/* sinks first (they may still read the registry), newest first */
	for (unsigned i = p->n_sinks; i-- > 0;)
		if (p->sinks[i].ops->close && !p->sinks[i].ops->close(p->sinks[i].priv))
			ok = false;
	sw_capture_close(p->cap);
	sw_flow_table_free(p->table);
	sw_nflog_close(p->nflog);
	sw_pipeline_staged_free(p->staged);
	sw_identity_close(p->id);
	for (unsigned i = 0; i < p->n_found; i++)
		free(p->found[i]);
	free(p->own_file);
	free(p->own_filter);
	sw_pipeline_ident_free(p->own_ident);
	free(p);
	return ok;
}
