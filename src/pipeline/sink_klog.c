/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "klog" sink: the kernel's logged packets (NFLOG, read by the
 * pipeline) aggregated in a bounded table and handed on as kernel_log
 * records (docs/flows.md) to the line sinks: at the end of a capture, and
 * every flush_every_us in an agent, whose table starts afresh each time.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>

#include "internal.h"

struct sw_sink_klog {
	struct sw_pipeline *p;
	struct sw_nflog_agg *agg;
	uint32_t max_records;
	uint64_t flush_every_us, next_flush_us;
	uint64_t records_out;		/* handed to the line sinks */
	uint64_t not_aggregated;	/* of tables already flushed */
	char line[SW_REPORT_FLOW_LINE_MAX + 1];
};

static void sw_klog_on_event(void *priv, const struct sw_klog_event *e)
{
	struct sw_sink_klog *k = priv;

	sw_nflog_agg_add(k->agg, e->rec);
}

static size_t sw_klog_entry_line(struct sw_sink_klog *k, const struct sw_nflog_agg_entry *e,
				 char *buf, size_t len)
{
	const struct sw_resolver *r = sw_pipeline_resolver(k->p);
	struct sw_report_clock clk = { 0 };
	struct sw_flow_ident id = { 0 };
	char prefix[SW_NFLOG_PREFIX_MAX];
	struct sw_report_klog rec = {
		.action = sw_nflog_action_name((enum sw_nflog_action)e->key.action),
		.rule = e->key.rule,
		.prefix = prefix,
		.family = e->key.family, .proto = e->key.proto,
		.icmp = e->key.icmp, .port = e->key.port,
		.src = e->key.src, .dst = e->key.dst,
		.packets = e->packets, .first_us = e->first_us, .last_us = e->last_us,
	};

	sw_nflog_prefix_format(prefix, sizeof(prefix), (enum sw_nflog_action)e->key.action,
			       e->key.rule);
	/* the ends as they were at the first logged packet, as flows do */
	if (r)
		sw_flow_ident_resolve_addrs(&id, r, e->key.src, e->key.dst, e->first_us);
	return sw_report_kernel_log_line(&clk, &rec, r ? &id : NULL, buf, len);
}

/* Every record to the line sinks, in order of first packet. */
static void sw_klog_hand_over(struct sw_sink_klog *k)
{
	const struct sw_nflog_agg_entry *e;
	size_t n, len;

	sw_nflog_agg_sort(k->agg);
	e = sw_nflog_agg_entries(k->agg, &n);
	for (size_t i = 0; i < n; i++) {
		len = sw_klog_entry_line(k, &e[i], k->line, sizeof(k->line));
		if (len)
			sw_pipeline_put_line(k->p, e[i].first_us, e[i].last_us, k->line, len);
	}
	k->records_out += n;
}

/* An agent: hand the table over and start a new one, so it never fills up. */
static void sw_klog_tick(void *priv, uint64_t now_us)
{
	struct sw_sink_klog *k = priv;
	struct sw_nflog_agg *fresh;

	if (!k->flush_every_us)
		return;
	if (!k->next_flush_us)
		k->next_flush_us = now_us + k->flush_every_us;
	if (now_us < k->next_flush_us)
		return;
	k->next_flush_us = now_us + k->flush_every_us;
	if (!(fresh = sw_nflog_agg_alloc(k->max_records)))
		return; /* try again next time; the table keeps counting */
	sw_klog_hand_over(k);
	k->not_aggregated += sw_nflog_agg_stats(k->agg)->not_aggregated;
	sw_nflog_agg_free(k->agg);
	k->agg = fresh;
}

static void sw_klog_finish(void *priv)
{
	sw_klog_hand_over(priv);
}

static void sw_klog_counters(void *priv, json_t *counters)
{
	struct sw_sink_klog *k = priv;
	struct sw_nflog *nl = sw_pipeline_nflog(k->p);
	const struct sw_nflog_stats *s;
	const struct sw_nflog_agg_stats *a = sw_nflog_agg_stats(k->agg);

	if (!nl)
		return;
	s = sw_nflog_stats(nl);
	json_object_set_new(counters, "nflog", json_pack(
		"{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"group", sw_pipeline_opts(k->p)->nflog_group, "messages", (json_int_t)s->messages,
		"undecoded", (json_int_t)s->undecoded, "invalid", (json_int_t)s->invalid,
		"overruns", (json_int_t)s->overruns, "foreign", (json_int_t)a->foreign,
		"packets", (json_int_t)a->packets, "records", (json_int_t)a->keys,
		"max_records", (json_int_t)a->max_keys,
		"not_aggregated", (json_int_t)(a->not_aggregated + k->not_aggregated)));
}

static bool sw_klog_close(void *priv)
{
	struct sw_sink_klog *k = priv;

	if (k)
		sw_nflog_agg_free(k->agg);
	free(k);
	return true;
}

static int sw_klog_open(struct sw_pipeline *p, const void *opts, void **priv, struct sw_err *err)
{
	const struct sw_sink_klog_opts *o = opts;
	struct sw_sink_klog *k = calloc(1, sizeof(*k));

	if (!k)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	k->p = p;
	k->max_records = o && o->max_records ? o->max_records : SW_NFLOG_AGG_MAX_DEFAULT;
	k->flush_every_us = o ? o->flush_every_us : 0;
	if (!(k->agg = sw_nflog_agg_alloc(k->max_records))) {
		free(k);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	*priv = k;
	return SW_EXIT_OK;
}

const struct sw_sink_ops sw_sink_klog_ops = {
	.name = "klog",
	.open = sw_klog_open,
	.klog = sw_klog_on_event,
	.tick = sw_klog_tick,
	.finish = sw_klog_finish,
	.counters = sw_klog_counters,
	.close = sw_klog_close,
};

/* ---- what capture prints of it ---- */

size_t sw_sink_klog_n(struct sw_sink *sink)
{
	struct sw_sink_klog *k = sw_pipeline_sink_priv(sink);
	size_t n = 0;

	sw_nflog_agg_entries(k->agg, &n);
	return n;
}

size_t sw_sink_klog_line(struct sw_sink *sink, size_t i, char *buf, size_t len)
{
	struct sw_sink_klog *k = sw_pipeline_sink_priv(sink);
	size_t n;
	const struct sw_nflog_agg_entry *e = sw_nflog_agg_entries(k->agg, &n);

	return i < n ? sw_klog_entry_line(k, &e[i], buf, len) : 0;
}

void sw_sink_klog_text(struct sw_sink *sink, FILE *out)
{
	struct sw_sink_klog *k = sw_pipeline_sink_priv(sink);
	struct sw_nflog *nl = sw_pipeline_nflog(k->p);
	const struct sw_nflog_stats *s;
	const struct sw_nflog_agg_stats *a = sw_nflog_agg_stats(k->agg);

	if (!nl)
		return;
	s = sw_nflog_stats(nl);
	fprintf(out, "kernel log (NFLOG group %d): %" PRIu64 " packets logged, %" PRIu32
		" records, %" PRIu64 " undecoded, %" PRIu64 " overruns\n",
		sw_pipeline_opts(k->p)->nflog_group, s->messages, a->keys, s->undecoded,
		s->overruns);
	if (a->not_aggregated)
		fprintf(out, "warning: %" PRIu64 " logged packets did not fit in the %" PRIu32
			"-record table: not in any kernel_log record\n", a->not_aggregated,
			a->max_keys);
}
