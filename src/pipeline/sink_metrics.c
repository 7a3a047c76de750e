/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "metrics" sink: what the agent's /metrics says about flows (docs/
 * metrics.md). Each ended flow is counted by how it ended, and under the
 * pair of policy groups of its two ends (a bounded set of series, src/
 * metrics/pairs.c) with its bytes and whether the policy denies it. An end
 * in several groups is named by all of them joined with '+', as the graph
 * names it (src/graph/node.c); an end no group selects, or every end without
 * a policy, is "(none)". Runs on the capture thread, like every sink; the
 * agent renders from the same thread, so nothing here is locked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/metrics.h>
#include <segwatch/policy.h>

#include "internal.h"

#define SW_SINK_METRICS_NONE "(none)"
#define SW_SINK_METRICS_ENDS (SW_END_REUSED + 1)

struct sw_sink_metrics {
	struct sw_metrics_pairs *pairs;
	struct sw_policy *policy;	/* held (sw_policy_ref); NULL: none */
	uint64_t ended[SW_SINK_METRICS_ENDS];
};

static void sw_metrics_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_metrics *m = priv;
	const struct sw_policy *pol = m->policy;
	uint64_t bytes = r->f.fwd.bytes + r->f.rev.bytes;
	char sbuf[512], dbuf[512];	/* a group name is at most 256 bytes */
	const char *src = SW_SINK_METRICS_NONE, *dst = SW_SINK_METRICS_NONE;
	bool denied = false;

	if (r->f.end < SW_SINK_METRICS_ENDS)
		m->ended[r->f.end]++;
	if (pol && pol->n_groups) {
		size_t words = SW_POL_BITMAP_WORDS(pol->n_groups);
		uint64_t sbits[words], dbits[words];
		struct sw_pol_verdict v;
		enum sw_pol_outcome out = sw_policy_judge_flow(pol, r, sbits, dbits, &v);

		denied = out == SW_POL_OUT_DENIED || out == SW_POL_OUT_MONITORED;
		/* cut names: the label is cut at SW_METRICS_LABEL_MAX anyway */
		if (sw_policy_groups_text(pol, sbits, sbuf, sizeof(sbuf)))
			src = sbuf;
		if (sw_policy_groups_text(pol, dbits, dbuf, sizeof(dbuf)))
			dst = dbuf;
	}
	sw_metrics_pairs_add(m->pairs, src, dst, bytes, denied);
}

static bool sw_metrics_close(void *priv)
{
	struct sw_sink_metrics *m = priv;

	if (m) {
		sw_metrics_pairs_free(m->pairs);
		sw_policy_free(m->policy);
		free(m);
	}
	return true;
}

static int sw_metrics_open(struct sw_pipeline *p, const void *opts, void **priv,
			   struct sw_err *err)
{
	const struct sw_sink_metrics_opts *o = opts;
	size_t max = o && o->max_pairs ? o->max_pairs : SW_METRICS_PAIRS_DEFAULT;
	struct sw_sink_metrics *m;

	(void)p;
	if (max > SW_METRICS_PAIRS_MAX)
		return sw_err_set(err, SW_EXIT_USAGE, "metrics: at most %d group pairs",
				  SW_METRICS_PAIRS_MAX);
	if (!(m = calloc(1, sizeof(*m))) || !(m->pairs = sw_metrics_pairs_alloc(max))) {
		free(m);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (o && o->policy)
		m->policy = sw_policy_ref(o->policy);
	*priv = m;
	return SW_EXIT_OK;
}

void sw_sink_metrics_set_policy(struct sw_sink *sink, struct sw_policy *policy)
{
	struct sw_sink_metrics *m = sw_pipeline_sink_priv(sink);

	if (!m || m->policy == policy)
		return;
	sw_policy_free(m->policy);
	m->policy = policy ? sw_policy_ref(policy) : NULL;
}

void sw_sink_metrics_render(struct sw_sink *sink, struct sw_metrics_text *t)
{
	struct sw_sink_metrics *m = sw_pipeline_sink_priv(sink);
	const char *name = "segwatch_flows_ended_total";

	if (!m)
		return;
	sw_metrics_family(t, name, SW_METRICS_COUNTER,
			  "Flow records written, by why they ended (idle, active, evicted, "
			  "flush, reused).");
	for (unsigned e = 0; e < SW_SINK_METRICS_ENDS; e++)
		sw_metrics_u64(t, name, &(struct sw_metrics_label){ "reason",
			       sw_flow_end_name((enum sw_flow_end)e) }, 1, m->ended[e]);
	sw_metrics_pairs_render(m->pairs, t);
}

const struct sw_sink_ops sw_sink_metrics_ops = {
	.name = "metrics",
	.open = sw_metrics_open,
	.flow_end = sw_metrics_flow_end,
	.close = sw_metrics_close,
};
