/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "collect" sink: every flow kept in memory, for capture's table and --json document. */
#include <stdlib.h>

#include <segwatch/query.h>

#include "internal.h"

struct sw_sink_collect {
	struct sw_flow_rec *flows;
	size_t n, cap;
	bool failed;		/* a flow was lost to out of memory */
	struct sw_query *filter;	/* borrowed; NULL: every flow */
};

static void sw_collect_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_collect *c = priv;

	if (c->filter && !sw_query_match_flow(c->filter, r, NULL))
		return;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct sw_flow_rec *p = realloc(c->flows, cap * sizeof(*p));

		if (!p) {
			c->failed = true;
			return;
		}
		c->flows = p;
		c->cap = cap;
	}
	c->flows[c->n++] = *r;
}

static bool sw_collect_close(void *priv)
{
	struct sw_sink_collect *c = priv;
	bool ok = !c->failed;

	free(c->flows);
	free(c);
	return ok;
}

static int sw_collect_open(struct sw_pipeline *p, const void *opts, void **priv,
			   struct sw_err *err)
{
	const struct sw_sink_collect_opts *o = opts;
	struct sw_sink_collect *c;

	(void)p;
	if (!(c = calloc(1, sizeof(*c))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	c->filter = o ? o->filter : NULL;
	*priv = c;
	return SW_EXIT_OK;
}

const struct sw_sink_ops sw_sink_collect_ops = {
	.name = "collect",
	.open = sw_collect_open,
	.flow_end = sw_collect_flow_end,
	.close = sw_collect_close,
};

struct sw_flow_rec *sw_sink_collect_flows(struct sw_sink *sink, size_t *n)
{
	struct sw_sink_collect *c = sw_pipeline_sink_priv(sink);

	*n = c->n;
	return c->flows;
}

bool sw_sink_collect_failed(struct sw_sink *sink)
{
	return ((struct sw_sink_collect *)sw_pipeline_sink_priv(sink))->failed;
}
