/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "history" sink: every record into the flow history (src/history,
 * docs/history.md). A record is formatted here, on the capture thread
 * (about a microsecond a flow), and queued to the history's own writer
 * thread, which never makes the capture wait: what does not fit is counted.
 */
#include <stdlib.h>

#include <segwatch/history.h>
#include <segwatch/report.h>

#include "internal.h"

struct sw_sink_history {
	struct sw_history *h;
	struct sw_report_clock clk;
	char line[SW_REPORT_FLOW_LINE_MAX];
};

static void sw_history_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_history *s = priv;
	size_t n = sw_report_flow_line(&s->clk, &r->f, &r->id, s->line, sizeof(s->line));

	if (n && r->staged)
		n = sw_report_flow_staged(s->line, n, sizeof(s->line), r->staged);
	if (n)
		sw_history_push(s->h, sw_flow_first_us(&r->f), sw_flow_last_us(&r->f), s->line, n);
}

static void sw_history_line(void *priv, uint64_t first_us, uint64_t last_us, const char *line,
			    size_t len)
{
	struct sw_sink_history *s = priv;

	sw_history_push(s->h, first_us, last_us, line, len);
}

static void sw_history_counters(void *priv, json_t *counters)
{
	struct sw_sink_history *s = priv;
	struct sw_history_stats st;

	sw_history_stats(s->h, &st);
	json_object_set_new(counters, "history", json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
		"records", (json_int_t)st.records, "bytes", (json_int_t)st.bytes,
		"files_closed", (json_int_t)st.files_closed,
		"files_deleted", (json_int_t)st.files_deleted,
		"dropped_queue_full", (json_int_t)st.dropped_queue_full,
		"dropped_write_error", (json_int_t)st.dropped_write_error,
		"write_errors", (json_int_t)st.write_errors, "failing", st.failing));
}

static bool sw_history_sink_close(void *priv)
{
	struct sw_sink_history *s = priv;
	bool ok = sw_history_close(s->h);

	free(s);
	return ok;
}

static int sw_history_sink_open(struct sw_pipeline *p, const void *opts, void **priv,
				struct sw_err *err)
{
	struct sw_sink_history *s = calloc(1, sizeof(*s));
	int rc;

	(void)p;
	if (!s)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (!opts) {
		free(s);
		return sw_err_set(err, SW_EXIT_USAGE, "the history sink needs a directory");
	}
	rc = sw_history_open(&s->h, opts, err);
	if (rc != SW_EXIT_OK) {
		free(s);
		return rc;
	}
	*priv = s;
	return SW_EXIT_OK;
}

const struct sw_sink_ops sw_sink_history_ops = {
	.name = "history",
	.open = sw_history_sink_open,
	.flow_end = sw_history_flow_end,
	.line = sw_history_line,
	.counters = sw_history_counters,
	.close = sw_history_sink_close,
};

/* sw_sink_history_stats - the history's counters (the agent's health check). */
void sw_sink_history_stats(struct sw_sink *sink, struct sw_history_stats *out)
{
	struct sw_sink_history *s = sw_pipeline_sink_priv(sink);

	sw_history_stats(s->h, out);
}
