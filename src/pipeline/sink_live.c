/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "live" sink: flows into the live graph's store (src/web, docs/web.md)
 * as the JSON lines the history writes. A flow is rendered at its first
 * packet (so a new connection shows within a second or two, not when it
 * ends) and again when it ends, which replaces it. The store's lock is held
 * only to link the copy in: rendering happens here, on the capture thread,
 * in a buffer of the sink's own.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>
#include <segwatch/web.h>

#include "internal.h"

struct sw_sink_live {
	struct sw_web_store *store;
	struct sw_report_clock clk;
	char buf[SW_REPORT_FLOW_LINE_MAX];
};

static void sw_live_key(struct sw_web_key *k, const struct sw_flow *f)
{
	memcpy(k->init_addr, f->init_addr, 16);
	memcpy(k->resp_addr, f->resp_addr, 16);
	k->init_port = f->init_port;
	k->resp_port = f->resp_port;
	k->proto = f->proto;
	k->first_us = sw_flow_first_us(f);
}

static bool sw_live_flow_new(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_live *l = priv;
	struct sw_web_key k;
	size_t n = sw_report_flow_line(&l->clk, &r->f, &r->id, l->buf, sizeof(l->buf));

	if (n && r->staged)
		n = sw_report_flow_staged(l->buf, n, sizeof(l->buf), r->staged);
	sw_live_key(&k, &r->f);
	if (n)
		sw_web_store_flow_open(l->store, &k, l->buf, n);
	return false; /* the live view does not wait for answers */
}

static void sw_live_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_live *l = priv;
	struct sw_web_key k;
	size_t n = sw_report_flow_line(&l->clk, &r->f, &r->id, l->buf, sizeof(l->buf));

	if (n && r->staged)
		n = sw_report_flow_staged(l->buf, n, sizeof(l->buf), r->staged);
	sw_live_key(&k, &r->f);
	if (n)
		sw_web_store_flow_end(l->store, &k, sw_flow_last_us(&r->f), l->buf, n);
}

static bool sw_live_close(void *priv)
{
	struct sw_sink_live *l = priv;

	/* flows still open will not end through this pipeline: not shown as open any more */
	sw_web_store_open_clear(l->store);
	free(l);
	return true;
}

static int sw_live_open(struct sw_pipeline *p, const void *opts, void **priv, struct sw_err *err)
{
	const struct sw_sink_live_opts *o = opts;
	struct sw_sink_live *l;

	(void)p;
	if (!o || !o->store)
		return sw_err_set(err, SW_EXIT_USAGE, "the live sink needs a store");
	if (!(l = calloc(1, sizeof(*l))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	l->store = o->store;
	*priv = l;
	return SW_EXIT_OK;
}

const struct sw_sink_ops sw_sink_live_ops = {
	.name = "live",
	.open = sw_live_open,
	.flow_new = sw_live_flow_new,
	.flow_end = sw_live_flow_end,
	.close = sw_live_close,
};
