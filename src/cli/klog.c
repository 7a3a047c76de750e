/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's log during a capture: NFLOG to alerts and kernel_log records. */
#include <inttypes.h>
#include <string.h>

#include "klog.h"

int sw_klog_open(struct sw_klog *k, int group, struct sw_alerting *al, struct sw_err *err)
{
	memset(k, 0, sizeof(*k));
	if (group < 0)
		return SW_EXIT_OK;
	k->group = (uint16_t)group;
	k->al = al && al->engine ? al : NULL;
	if (!(k->agg = sw_nflog_agg_alloc(SW_NFLOG_AGG_MAX_DEFAULT)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (!(k->nl = sw_nflog_open(k->group, 0, err))) {
		sw_nflog_agg_free(k->agg);
		k->agg = NULL;
		return err->code ? err->code : SW_EXIT_RUNTIME;
	}
	return SW_EXIT_OK;
}

static void sw_klog_on_rec(const struct sw_nflog_rec *r, void *arg)
{
	struct sw_klog *k = arg;

	sw_nflog_agg_add(k->agg, r);
	if (k->al)
		sw_alerting_kernel_log(k->al, r);
}

void sw_klog_read(struct sw_klog *k)
{
	struct sw_err err = { 0 };

	/* a failed read loses log lines, not the capture: nothing else to do */
	if (k->nl)
		sw_nflog_read(k->nl, sw_klog_on_rec, k, &err);
}

void sw_klog_finish(struct sw_klog *k)
{
	struct sw_err err = { 0 };

	if (!k->nl)
		return;
	/* what was logged before the capture stopped, even if the kernel still holds it */
	sw_nflog_drain(k->nl, sw_klog_on_rec, k, 1000, &err);
	sw_nflog_agg_sort(k->agg);
}

size_t sw_klog_n(const struct sw_klog *k)
{
	size_t n = 0;

	if (k->agg)
		sw_nflog_agg_entries(k->agg, &n);
	return n;
}

size_t sw_klog_line(const struct sw_klog *k, size_t i, const struct sw_resolver *r,
		    struct sw_report_clock *clk, char *buf, size_t len)
{
	size_t n;
	const struct sw_nflog_agg_entry *e = &sw_nflog_agg_entries(k->agg, &n)[i];
	struct sw_flow_ident id = { 0 };
	char prefix[SW_NFLOG_PREFIX_MAX];
	struct sw_report_klog rec = {
		.action = sw_nflog_action_name((enum sw_nflog_action)e->key.action),
		.rule = e->key.rule >= 0 ? e->key.rule : -1,
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
	return sw_report_kernel_log_line(clk, &rec, r ? &id : NULL, buf, len);
}

void sw_klog_counters_add(const struct sw_klog *k, json_t *counters)
{
	const struct sw_nflog_stats *s;
	const struct sw_nflog_agg_stats *a;

	if (!k->nl)
		return;
	s = sw_nflog_stats(k->nl);
	a = sw_nflog_agg_stats(k->agg);
	json_object_set_new(counters, "nflog", json_pack(
		"{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"group", (int)k->group, "messages", (json_int_t)s->messages,
		"undecoded", (json_int_t)s->undecoded, "invalid", (json_int_t)s->invalid,
		"overruns", (json_int_t)s->overruns, "foreign", (json_int_t)a->foreign,
		"packets", (json_int_t)a->packets, "records", (json_int_t)a->keys,
		"max_records", (json_int_t)a->max_keys,
		"not_aggregated", (json_int_t)a->not_aggregated));
}

void sw_klog_text(const struct sw_klog *k, FILE *out)
{
	const struct sw_nflog_stats *s;
	const struct sw_nflog_agg_stats *a;

	if (!k->nl)
		return;
	s = sw_nflog_stats(k->nl);
	a = sw_nflog_agg_stats(k->agg);
	fprintf(out, "kernel log (NFLOG group %u): %" PRIu64 " packets logged, %" PRIu32
		" records, %" PRIu64 " undecoded, %" PRIu64 " overruns\n", k->group, s->messages,
		a->keys, s->undecoded, s->overruns);
	if (a->not_aggregated)
		fprintf(out, "warning: %" PRIu64 " logged packets did not fit in the %" PRIu32
			"-record table: not in any kernel_log record\n", a->not_aggregated,
			a->max_keys);
}

void sw_klog_close(struct sw_klog *k)
{
	sw_nflog_close(k->nl);
	sw_nflog_agg_free(k->agg);
	memset(k, 0, sizeof(*k));
}
