/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "ipfix" sink: every flow record to an IPFIX collector (docs/ipfix.md).
 * The encoding and the sockets are src/ipfix's; this is the glue.
 */
#include <segwatch/ipfix.h>

#include "internal.h"

static void sw_ipfix_sink_flow_end(void *priv, const struct sw_flow_rec *r)
{
	sw_ipfix_exporter_push(priv, r);
}

/* End of input: counters printed after this include every record. */
static void sw_ipfix_sink_finish(void *priv)
{
	sw_ipfix_exporter_drain(priv);
}

static void sw_ipfix_sink_counters(void *priv, json_t *counters)
{
	struct sw_ipfix_stats st;
	json_t *o;

	sw_ipfix_exporter_stats(priv, &st);
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
	sw_ipfix_exporter_stop(priv);
	return true;
}

static int sw_ipfix_sink_open(struct sw_pipeline *p, const void *opts, void **priv,
			      struct sw_err *err)
{
	struct sw_ipfix_opts o;
	struct sw_ipfix_exporter *e;
	int rc;

	if (!opts)
		return sw_err_set(err, SW_EXIT_USAGE, "the ipfix sink needs a collector");
	o = *(const struct sw_ipfix_opts *)opts;
	/* a file is read faster than a connection is retried */
	o.wait_connect |= sw_pipeline_opts(p)->capture.file != NULL;
	if ((rc = sw_ipfix_exporter_start(&e, &o, err)) != SW_EXIT_OK)
		return rc;
	*priv = e;
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
	sw_ipfix_exporter_stats(sw_pipeline_sink_priv(sink), out);
}
