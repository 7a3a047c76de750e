/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running pipeline takes new options without stopping its capture: the
 * packet rings and the flow table stay, so a reload loses no packet and
 * splits no flow. What changed is opened next to what runs (a new identity,
 * a new NFLOG socket, the filter compiled for every interface) and swapped
 * in only when all of it opened; then interfaces are added and dropped and
 * the flow table takes its new timeouts and bound.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* What a change opens before it is committed; freed by sw_change_discard when unused. */
struct sw_change {
	struct sw_identity *id;		/* new identity, or NULL: unchanged */
	bool nflog_changed;
	struct sw_nflog *nflog;		/* new socket (NULL with a group of -1) */
	char *filter;			/* the new filter's copy */
	bool filter_changed;
	char *found[SW_CAPTURE_MAX_IFACES];	/* the interfaces wanted */
	uint8_t dirs[SW_CAPTURE_MAX_IFACES];	/* and how (enum sw_capture_direction) */
	unsigned n_found;
	struct sw_identity_opts ident;		/* the new options, their strings in own_ident */
	char *own_ident[SW_MAX_INVENTORIES + 1];
};

static bool sw_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool sw_identity_opts_eq(const struct sw_identity_opts *a, const struct sw_identity_opts *b)
{
	if (a->n_inventories != b->n_inventories || a->engine != b->engine ||
	    a->kernel != b->kernel || a->engine_retry != b->engine_retry ||
	    a->max_versions != b->max_versions || !sw_str_eq(a->engine_socket, b->engine_socket))
		return false;
	for (unsigned i = 0; i < a->n_inventories; i++)
		if (!sw_str_eq(a->inventories[i], b->inventories[i]))
			return false;
	return true;
}

static bool sw_discovers(const struct sw_pipeline_opts *o)
{
	return !o->capture.file && o->capture.n_ifaces == 0;
}

bool sw_pipeline_reconfigurable(const struct sw_pipeline *p, const struct sw_pipeline_opts *o)
{
	const struct sw_capture_opts *a = &p->opts.capture, *b = &o->capture;

	/* a packet ring's size is set when it opens; a file is read once */
	return p->cap && !a->file && !b->file && a->snaplen == b->snaplen && a->dedup == b->dedup &&
	       p->opts.wait_for_ifaces &&
	       p->opts.with_identity == o->with_identity;
}

static void sw_change_discard(struct sw_change *c)
{
	sw_identity_close(c->id);
	sw_nflog_close(c->nflog);
	free(c->filter);
	sw_pipeline_ident_free(c->own_ident);
	for (unsigned i = 0; i < c->n_found; i++)
		free(c->found[i]);
	memset(c, 0, sizeof(*c));
}

/* The interfaces @o wants: those it names, or every bridge and its ports as @k sees them. */
static int sw_change_ifaces(struct sw_change *c, const struct sw_pipeline_opts *o,
			    const struct sw_kernel *k, struct sw_err *err)
{
	if (!sw_discovers(o)) {
		if (o->capture.n_ifaces > SW_CAPTURE_MAX_IFACES)
			return sw_err_set(err, SW_EXIT_USAGE, "at most %d interfaces",
					  SW_CAPTURE_MAX_IFACES);
		for (unsigned i = 0; i < o->capture.n_ifaces; i++, c->n_found++) {
			c->dirs[i] = SW_CAPTURE_BOTH;
			if (!(c->found[i] = strdup(o->capture.ifaces[i])))
				return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		}
		return SW_EXIT_OK;
	}
	return sw_pipeline_bridges(k, c->found, c->dirs, &c->n_found, err);
}

/* Everything that can fail, opened beside what runs; nothing running is touched. */
static int sw_change_open(struct sw_pipeline *p, const struct sw_pipeline_opts *o,
			  struct sw_change *c, struct sw_err *err)
{
	int rc;

	c->ident = o->identity;
	rc = sw_pipeline_ident_own(&c->ident, c->own_ident, err);
	if (rc == SW_EXIT_OK && o->with_identity &&
	    !sw_identity_opts_eq(&p->opts.identity, &c->ident))
		rc = sw_identity_open(&c->id, &c->ident, err);
	c->nflog_changed = o->nflog_group != p->opts.nflog_group;
	if (rc == SW_EXIT_OK && c->nflog_changed && o->nflog_group >= 0 &&
	    !(c->nflog = sw_nflog_open((uint16_t)o->nflog_group, 0, err)))
		rc = err->code ? err->code : SW_EXIT_RUNTIME;
	c->filter_changed = !sw_str_eq(o->capture.filter, p->opts.capture.filter);
	if (rc == SW_EXIT_OK && o->capture.filter && !(c->filter = strdup(o->capture.filter)))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (rc == SW_EXIT_OK)
		rc = sw_change_ifaces(c, o, c->id ? sw_identity_kernel(c->id) :
					    p->id ? sw_identity_kernel(p->id) : NULL, err);
	return rc;
}

/* The filter and the flow table's settings: each all or nothing, the first undone if the second fails. */
static int sw_change_capture(struct sw_pipeline *p, const struct sw_pipeline_opts *o,
			     struct sw_change *c, struct sw_err *err)
{
	int rc;

	if (c->filter_changed &&
	    (rc = sw_capture_set_filter(p->cap, c->filter, err)) != SW_EXIT_OK)
		return rc;
	if (!sw_flow_table_set_config(p->table, &o->flow)) {
		if (c->filter_changed)
			sw_capture_set_filter(p->cap, p->own_filter, &(struct sw_err){ 0 });
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (c->filter_changed) {
		free(p->own_filter);
		p->own_filter = c->filter;
		c->filter = NULL;
	}
	return SW_EXIT_OK;
}

static void sw_change_identity(struct sw_pipeline *p, struct sw_change *c)
{
	struct sw_identity *old = p->id;

	if (!c->id)
		return;
	sw_capture_set_registry(p->cap, sw_identity_registry(c->id));
	sw_capture_set_learn_registry(p->cap, sw_identity_registry(c->id));
	p->id = c->id;
	c->id = NULL;
	sw_identity_close(old);
}

static void sw_change_nflog(struct sw_pipeline *p, struct sw_change *c)
{
	struct sw_err err = { 0 };

	if (!c->nflog_changed)
		return;
	/* what the old group logged until now reaches the sinks first */
	if (p->nflog)
		sw_nflog_drain(p->nflog, sw_pipeline_on_klog, p, 100, &err);
	sw_nflog_close(p->nflog);
	p->nflog = c->nflog;
	c->nflog = NULL;
}

static unsigned sw_pipeline_active_ifaces(const struct sw_capture_counters *cnt)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cnt->n_ifaces; i++)
		n += cnt->ifaces[i].active;
	return n;
}

/* Capture on what is wanted and on nothing else; @warn says which could not be opened. */
static void sw_change_sources(struct sw_pipeline *p, struct sw_change *c,
			      struct sw_pipeline_changes *done, struct sw_err *warn)
{
	const struct sw_capture_counters *cnt = sw_capture_counters(p->cap);
	struct sw_err err = { 0 };

	for (unsigned i = 0; i < cnt->n_ifaces; i++) {
		bool wanted = false;

		/* wanted in another direction: sw_capture_add_iface swaps it without a gap */
		for (unsigned j = 0; j < c->n_found && !wanted; j++)
			wanted = strcmp(cnt->ifaces[i].name, c->found[j]) == 0;
		if (cnt->ifaces[i].active && !wanted) {
			sw_capture_drop_iface_named(p->cap, cnt->ifaces[i].name);
			done->ifaces_dropped++;
		}
	}
	for (unsigned j = 0; j < c->n_found; j++) {
		unsigned before = sw_pipeline_active_ifaces(cnt);

		if (sw_capture_add_iface(p->cap, c->found[j], c->dirs[j], &err) != SW_EXIT_OK)
			sw_err_set(warn, SW_EXIT_OK, "not captured on: %s", err.msg);
		else if (sw_pipeline_active_ifaces(cnt) > before)
			done->ifaces_added++;
	}
	for (unsigned i = 0; i < p->n_found; i++)
		free(p->found[i]);
	for (unsigned j = 0; j < c->n_found; j++) {
		p->found[j] = c->found[j];
		p->ifaces[j] = p->found[j];
		p->dirs[j] = c->dirs[j];
	}
	p->n_found = c->n_found;
	c->n_found = 0;
}

int sw_pipeline_reconfigure(struct sw_pipeline *p, const struct sw_pipeline_opts *o,
			    struct sw_pipeline_changes *done, struct sw_err *err)
{
	struct sw_change c = { 0 };
	struct sw_capture_opts keep = p->opts.capture;
	int rc;

	if (!sw_pipeline_reconfigurable(p, o))
		return sw_err_set(err, SW_EXIT_USAGE,
				  "the capture's snaplen, dedup or source cannot change while it runs");
	rc = sw_change_open(p, o, &c, err);
	if (rc == SW_EXIT_OK)
		rc = sw_change_capture(p, o, &c, err);
	if (rc != SW_EXIT_OK) {
		sw_change_discard(&c);
		return rc;
	}
	memset(done, 0, sizeof(*done));
	done->identity = c.id != NULL;
	done->nflog = c.nflog_changed;
	done->filter = c.filter_changed;
	done->flow = memcmp(&p->opts.flow, &o->flow, sizeof(o->flow)) != 0;
	sw_change_identity(p, &c);
	sw_change_nflog(p, &c);
	p->discover = sw_discovers(o);
	/* ports joining a bridge are captured on only while bridges are discovered */
	if (p->id)
		sw_identity_follow_ports(p->id, p->discover);
	sw_change_sources(p, &c, done, err);
	/* the new options, with the pipeline's own strings and hooks */
	p->opts.identity = c.ident;
	sw_pipeline_ident_free(p->own_ident);
	memcpy(p->own_ident, c.own_ident, sizeof(p->own_ident));
	memset(c.own_ident, 0, sizeof(c.own_ident));
	sw_change_discard(&c);
	p->opts.flow = o->flow;
	p->opts.nflog_group = o->nflog_group;
	p->opts.tick = o->tick;
	p->opts.tick_arg = o->tick_arg;
	p->opts.capture = keep;
	p->opts.capture.filter = p->own_filter;
	p->opts.capture.ifaces = p->n_found ? p->ifaces : NULL;
	p->opts.capture.directions = p->n_found ? p->dirs : NULL;
	p->opts.capture.n_ifaces = p->n_found;
	p->opts.capture.registry = p->id ? sw_identity_registry(p->id) : NULL;
	return SW_EXIT_OK;
}
