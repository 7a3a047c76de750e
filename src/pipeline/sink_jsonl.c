/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "jsonl" sink: every record as a JSON line (docs/flows.md) on a stream,
 * serialized and written by a thread of its own (src/report/flow_writer.c)
 * so the capture thread only copies each record.
 */
#include <stdlib.h>

#include <segwatch/query.h>
#include <segwatch/report.h>

#include "internal.h"

struct sw_sink_jsonl {
	struct sw_flow_writer *w;
	struct sw_query *filter;	/* borrowed; NULL: every flow */
};

static void sw_jsonl_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_jsonl *j = priv;

	if (!j->filter || sw_query_match_flow(j->filter, r, NULL))
		sw_flow_writer_push(j->w, r);
}

static void sw_jsonl_line(void *priv, uint64_t first_us, uint64_t last_us, const char *line,
			  size_t len)
{
	(void)first_us;
	(void)last_us;
	sw_flow_writer_push_line(((struct sw_sink_jsonl *)priv)->w, line, len);
}

static bool sw_jsonl_close(void *priv)
{
	struct sw_sink_jsonl *j = priv;
	bool ok = sw_flow_writer_stop(j->w);

	free(j);
	return ok;
}

static int sw_jsonl_open(struct sw_pipeline *p, const void *opts, void **priv, struct sw_err *err)
{
	const struct sw_sink_jsonl_opts *o = opts;
	struct sw_sink_jsonl *j;

	(void)p;
	if (!o || !o->out)
		return sw_err_set(err, SW_EXIT_USAGE, "the jsonl sink needs a stream");
	if (!(j = calloc(1, sizeof(*j))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	j->filter = o->filter;
	if (!(j->w = sw_flow_writer_start(o->out))) {
		free(j);
		return sw_err_set(err, SW_EXIT_RUNTIME, "cannot start the writer thread");
	}
	*priv = j;
	return SW_EXIT_OK;
}

const struct sw_sink_ops sw_sink_jsonl_ops = {
	.name = "jsonl",
	.open = sw_jsonl_open,
	.flow_end = sw_jsonl_flow_end,
	.line = sw_jsonl_line,
	.close = sw_jsonl_close,
};
