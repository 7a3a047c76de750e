/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "ipfix" sink: every flow record to an IPFIX collector (docs/ipfix.md).
 * The encoding and the sockets are src/ipfix's; this is the glue, and the
 * policy's word on each flow (groups, rule, verdict), judged here on the
 * capture thread because the exporter's thread must not hold the policy.
 */
#include <stdio.h>
#include <stdlib.h>

#include <segwatch/ipfix.h>
#include <segwatch/policy.h>

#include "internal.h"

struct sw_sink_ipfix {
	struct sw_ipfix_exporter *exp;
	struct sw_policy *policy;	/* held; NULL: none */
};

/* @v from @pol's judgement of @r. */
static void sw_ipfix_sink_judge(const struct sw_policy *pol, const struct sw_flow_rec *r,
				struct sw_ipfix_verdict *v)
{
	size_t words = SW_POL_BITMAP_WORDS(pol->n_groups) + 1; /* never a 0-length array */
	uint64_t sbits[words], dbits[words];
	struct sw_pol_verdict pv;
	enum sw_pol_outcome out = sw_policy_judge_flow(pol, r, sbits, dbits, &pv);
	const char *rule = sw_policy_verdict_rule(pol, out, &pv);

	sw_policy_groups_text(pol, sbits, v->src_groups, sizeof(v->src_groups));
	sw_policy_groups_text(pol, dbits, v->dst_groups, sizeof(v->dst_groups));
	snprintf(v->rule, sizeof(v->rule), "%s", rule ? rule : "");
	snprintf(v->verdict, sizeof(v->verdict), "%s", sw_pol_outcome_name(out));
}

static void sw_ipfix_sink_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_sink_ipfix *s = priv;
	struct sw_ipfix_verdict v;

	if (!s->policy) {
		sw_ipfix_exporter_push(s->exp, r, NULL);
		return;
	}
	sw_ipfix_sink_judge(s->policy, r, &v);
	sw_ipfix_exporter_push(s->exp, r, &v);
}

/* End of input: counters printed after this include every record. */
static void sw_ipfix_sink_finish(void *priv)
{
	struct sw_sink_ipfix *s = priv;

	sw_ipfix_exporter_drain(s->exp);
}

static void sw_ipfix_sink_counters(void *priv, json_t *counters)
{
	struct sw_sink_ipfix *s = priv;
	struct sw_ipfix_stats st;
	json_t *o;

	sw_ipfix_exporter_stats(s->exp, &st);
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
		      "flows", (json_int_t)st.records, "records_sent", (json_int_t)st.records_sent,
		      "records_lost", (json_int_t)st.records_lost,
		      "messages_sent", (json_int_t)st.messages_sent,
		      "bytes_sent", (json_int_t)st.bytes_sent,
		      "templates_sent", (json_int_t)st.templates_sent,
		      "connects", (json_int_t)st.connects,
		      "connect_failures", (json_int_t)st.connect_failures,
		      "send_errors", (json_int_t)st.send_errors, "connected", st.connected);
	if (o && st.last_error[0])
		json_object_set_new(o, "last_error", json_string(st.last_error));
	json_object_set_new(counters, "ipfix", o);
}

/* Records a collector did not take are counted, not a failed write: capture's exit stays 0. */
static bool sw_ipfix_sink_close(void *priv)
{
	struct sw_sink_ipfix *s = priv;

	if (s) {
		sw_ipfix_exporter_stop(s->exp);
		sw_policy_free(s->policy);
		free(s);
	}
	return true;
}

static int sw_ipfix_sink_open(struct sw_pipeline *p, const void *opts, void **priv,
			      struct sw_err *err)
{
	const struct sw_sink_ipfix_opts *so = opts;
	struct sw_ipfix_opts o;
	struct sw_sink_ipfix *s;
	int rc;

	if (!so || !so->exporter)
		return sw_err_set(err, SW_EXIT_USAGE, "the ipfix sink needs a collector");
	if (!(s = calloc(1, sizeof(*s))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	o = *so->exporter;
	/* a file is read faster than a connection is retried */
	o.wait_connect |= sw_pipeline_opts(p)->capture.file != NULL;
	if ((rc = sw_ipfix_exporter_start(&s->exp, &o, err)) != SW_EXIT_OK) {
		free(s);
		return rc;
	}
	if (so->policy)
		s->policy = sw_policy_ref(so->policy);
	*priv = s;
	return SW_EXIT_OK;
}

const struct sw_sink_ops sw_sink_ipfix_ops = {
	.name = "ipfix",
	.open = sw_ipfix_sink_open,
	.flow_end = sw_ipfix_sink_flow_end,
	.finish = sw_ipfix_sink_finish,
	.counters = sw_ipfix_sink_counters,
	.close = sw_ipfix_sink_close,
};

void sw_sink_ipfix_stats(struct sw_sink *sink, struct sw_ipfix_stats *out)
{
	struct sw_sink_ipfix *s = sw_pipeline_sink_priv(sink);

	sw_ipfix_exporter_stats(s->exp, out);
}

void sw_sink_ipfix_set_policy(struct sw_sink *sink, struct sw_policy *policy)
{
	struct sw_sink_ipfix *s = sw_pipeline_sink_active(sink) ? sw_pipeline_sink_priv(sink) : NULL;

	if (!s || s->policy == policy)
		return;
	sw_policy_free(s->policy);
	s->policy = policy ? sw_policy_ref(policy) : NULL;
}
