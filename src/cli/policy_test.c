/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy test: replay recorded flows against a candidate policy and
 * list the connections it would deny, by rule. A gate for a team's CI.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/pipeline.h>
#include <segwatch/policy.h>
#include <segwatch/query.h>
#include <segwatch/report.h>
#include <segwatch/table.h>
#include <segwatch/text.h>

#include "policy_cmd.h"

struct sw_test_tally {
	json_t *denied;		/* [{rule, ... , flows}] keyed by (rule, src, dst, proto, port) */
	json_t *index;		/* that key -> the entry in denied: a scan has many */
	uint64_t flows, allowed, denied_flows, unmanaged, monitored;
};

static const char *sw_end_name(json_t *flow, const char *end)
{
	char key[32];
	json_t *wl;

	snprintf(key, sizeof(key), "%s_workload", end);
	wl = json_object_get(flow, key);
	if (json_is_object(wl) && json_is_string(json_object_get(wl, "name")))
		return json_string_value(json_object_get(wl, "name"));
	return json_string_value(json_object_get(flow, end));
}

/* One line per distinct connection (rule, both ends, protocol, port), flows counted. */
static void sw_tally_denied(struct sw_test_tally *t, const struct sw_policy *p, json_t *flow,
			    const struct sw_pol_verdict *v)
{
	const char *rule = v->reason == SW_POL_BY_RULE ? p->rules[v->rule].where + 1 : "default";
	const char *src = sw_end_name(flow, "src"), *dst = sw_end_name(flow, "dst");
	const char *proto = json_string_value(json_object_get(flow, "proto")) ?: "";
	json_int_t port = json_integer_value(json_object_get(flow, "dport"));
	char key[1024];
	json_t *d;

	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s\x1f%lld", rule, src ?: "", dst ?: "", proto,
		 (long long)port);
	if ((d = json_object_get(t->index, key))) {
		json_object_set_new(d, "flows", json_integer(json_integer_value(
			json_object_get(d, "flows")) + 1));
		return;
	}
	d = json_pack("{s:s, s:s?, s:s?, s:s, s:I, s:I}", "rule", rule, "src", src, "dst", dst,
		      "proto", proto, "dport", (json_int_t)port, "flows", (json_int_t)1);
	if (!d)
		return;
	if (v->reason == SW_POL_BY_RULE && p->rules[v->rule].name)
		json_object_set_new(d, "rule_name", json_string(p->rules[v->rule].name));
	json_object_set(t->index, key, d);
	json_array_append_new(t->denied, d);
}

static bool sw_judge_flow(const struct sw_policy *p, json_t *flow, struct sw_test_tally *t)
{
	struct sw_pol_verdict v;
	enum sw_pol_outcome out;
	size_t words = SW_POL_BITMAP_WORDS(p->n_groups) + 1;
	uint64_t sbits[words], dbits[words];

	memset(sbits, 0, sizeof(sbits));
	memset(dbits, 0, sizeof(dbits));
	if (!sw_policy_record_membership(p, flow, "src", sbits) ||
	    !sw_policy_record_membership(p, flow, "dst", dbits))
		return false;
	out = sw_policy_record_outcome(p, flow, sbits, dbits, &v);
	t->flows++;
	if (out == SW_POL_OUT_UNMANAGED)
		t->unmanaged++;
	else if (out == SW_POL_OUT_ALLOWED)
		t->allowed++;
	else if (out == SW_POL_OUT_MONITORED)
		t->monitored++;
	else {
		t->denied_flows++;
		sw_tally_denied(t, p, flow, &v);
	}
	return true;
}

/* Judge one flow record; false (with @why) when it has no usable addresses. */
static bool sw_judge_record(const struct sw_policy *p, json_t *o, struct sw_test_tally *t,
			    const char *path, size_t nth, char *why, size_t why_len)
{
	if (sw_judge_flow(p, o, t))
		return true;
	snprintf(why, why_len, "%s: flow %zu: no usable src/dst addresses", path, nth);
	return false;
}

/* The flows of a --json capture document in the window; @nth counts them from 1. */
static bool sw_judge_doc(const struct sw_policy *p, json_t *doc, const char *path,
			 const uint64_t win[2], struct sw_test_tally *t, char *why, size_t why_len)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(doc, "flows"), i, o)
		if (sw_query_span_meets(o, win[0], win[1]) &&
		    !sw_judge_record(p, o, t, path, i + 1, why, why_len))
			return false;
	return true;
}

/*
 * Judge the flow records of @paths: -w JSON-lines files, the agent's history
 * (directories, .zst files) or --json capture documents, those whose span
 * meets [@win[0], @win[1]]. One line at a time: millions of flows fit in
 * little memory. Every record is checked by the reader first (flowfile.h):
 * a bad one ends the test with its exit code (2: bad contents, 3: an
 * unreadable path), never with a verdict.
 */
static int sw_judge_files(const struct sw_policy *p, const char *const *paths, size_t n,
			  const uint64_t win[2], struct sw_test_tally *t, char *why, size_t why_len)
{
	struct sw_query_rec_where w = { 0 };
	struct sw_query_records *r;
	struct sw_err err = { 0 };
	size_t nth = 0, input = 0;
	bool ok = true;
	json_t *o;
	int rc = sw_query_records_open(&r, paths, n, win[0], win[1], &err);

	while (ok && rc == SW_EXIT_OK && (rc = sw_query_records_next(r, &o, &w, &err)) == 1) {
		rc = SW_EXIT_OK;
		if (w.input != input) /* flows are counted per FLOWS argument */
			nth = 0, input = w.input;
		if (w.document && strcmp(json_string_value(json_object_get(o, "type")) ?: "",
					 "graph") == 0) {
			/* edges, not flows: "0 flows, exit 0" would be a false pass */
			snprintf(why, why_len, "%s: a graph document holds edges, not flows: give "
				 "policy test the flow files", w.path);
			ok = false;
		} else if (w.document) {
			ok = sw_judge_doc(p, o, w.path, win, t, why, why_len);
		} else if (strcmp(json_string_value(json_object_get(o, "type")) ?: "", "flow") == 0) {
			ok = sw_judge_record(p, o, t, paths[w.input], ++nth, why, why_len);
		}
	}
	sw_query_records_close(r);
	if (rc != SW_EXIT_OK)
		snprintf(why, why_len, "%s", err.msg);
	return rc != SW_EXIT_OK ? rc : ok ? SW_EXIT_OK : SW_EXIT_USAGE;
}

/*
 * A capture file: the same decoder, flow table and identity as `capture`,
 * in this process; each flow judged as it ends, as its JSON record.
 */
struct sw_test_pcap {
	const struct sw_policy *p;
	struct sw_test_tally *t;
	struct sw_report_clock clk;
	char line[SW_REPORT_FLOW_LINE_MAX];
	uint64_t nth;
	uint64_t win[2];		/* --since, --until; 0: open */
	bool failed;
};

static void sw_test_flow_end(void *priv, const struct sw_flow_rec *r)
{
	struct sw_test_pcap *x = priv;
	json_t *o;
	char why[256];

	if (!sw_report_flow_line(&x->clk, &r->f, &r->id, x->line, sizeof(x->line)) ||
	    !(o = json_loads(x->line, 0, NULL))) {
		x->failed = true;
		return;
	}
	if (sw_query_span_meets(o, x->win[0], x->win[1]) &&
	    !sw_judge_record(x->p, o, x->t, "capture", ++x->nth, why, sizeof(why)))
		x->failed = true;
	json_decref(o);
}

static int sw_test_sink_open(struct sw_pipeline *p, const void *opts, void **priv,
			     struct sw_err *err)
{
	(void)p;
	(void)err;
	*priv = (void *)opts;
	return SW_EXIT_OK;
}

static const struct sw_sink_ops sw_test_sink_ops = {
	.name = "policy-test",
	.open = sw_test_sink_open,
	.flow_end = sw_test_flow_end,
};

static bool sw_judge_pcap(const struct sw_policy *p, const char *pcap, const uint64_t win[2],
			  const struct sw_identity_opts *id, struct sw_test_tally *t, char *why,
			  size_t why_len)
{
	struct sw_pipeline_opts o = { .capture.file = pcap, .identity = *id, .nflog_group = -1 };
	struct sw_test_pcap x = { .p = p, .t = t, .win = { win[0], win[1] } };
	struct sw_pipeline *pl = NULL;
	struct sw_err err = { 0 };
	int rc;

	sw_flow_config_defaults(&o.flow);
	o.identity.kernel = false; /* a file is the past: only inventories name it */
	o.identity.engine = SW_ENGINE_OFF;
	o.with_identity = id->n_inventories > 0;
	rc = sw_pipeline_open(&pl, &o, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_sink_add_ops(pl, &sw_test_sink_ops, &x, NULL, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_run(pl, &err);
	if (rc == SW_EXIT_OK)
		sw_pipeline_finish(pl);
	sw_pipeline_close(pl);
	if (rc != SW_EXIT_OK)
		snprintf(why, why_len, "%s", err.msg);
	else if (x.failed)
		snprintf(why, why_len, "%s: a flow could not be judged (out of memory)", pcap);
	return rc == SW_EXIT_OK && !x.failed;
}

static const char *sw_d(json_t *d, const char *key)
{
	return json_string_value(json_object_get(d, key)) ?: "";
}

/* Port runs: denials that differ only by port (same rule, ends and protocol). */
static int sw_denied_run_cmp(size_t a, size_t b, void *ctx)
{
	json_t *x = json_array_get(ctx, a), *y = json_array_get(ctx, b);
	static const char *const keys[] = { "rule", "src", "dst", "proto" };
	int c = 0;

	for (size_t k = 0; !c && k < sizeof(keys) / sizeof(keys[0]); k++)
		c = strcmp(sw_d(x, keys[k]), sw_d(y, keys[k]));
	return c;
}

static long sw_denied_run_port(size_t i, void *ctx)
{
	json_t *d = json_array_get(ctx, i);
	const char *proto = sw_d(d, "proto");

	/* dport of ICMP records is no port */
	return strncmp(proto, "icmp", 4) == 0 ? -1 : (long)json_integer_value(json_object_get(d, "dport"));
}

static const struct sw_table_runs_ops sw_denied_runs = { sw_denied_run_cmp, sw_denied_run_port };

static const struct sw_table_col sw_denied_cols[] = {
	{ "DENIED BY", SW_TABLE_LEFT, 10, 0, true, false, 0 },
	{ "FROM", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "TO", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "SERVICE", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "FLOWS", SW_TABLE_RIGHT, 0, 0, false, false, 0 },
};

/* The denials as a table, a scan on one row ("tcp/20-45 (26 ports)"). */
static void sw_test_denied_table(json_t *denied, FILE *out)
{
	size_t n = json_array_size(denied);
	size_t *lead = calloc(n, sizeof(*lead)), *next = calloc(n, sizeof(*next));
	struct sw_table *t = sw_table_new(sw_denied_cols, sizeof(sw_denied_cols) / sizeof(sw_denied_cols[0]));

	if (!lead || !next || !t)
		goto out;
	sw_table_runs(n, &sw_denied_runs, denied, lead, next);
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(denied, i);
		long long flows = 0;
		size_t k = 0, distinct = 0;
		uint16_t *pv;
		char svc[96], ports[40];

		if (lead[i] != i)
			continue;
		for (size_t j = i; j != SIZE_MAX; j = next[j])
			k++;
		pv = malloc(k * sizeof(*pv));
		k = 0;
		for (size_t j = i; j != SIZE_MAX; j = next[j], k++) {
			flows += json_integer_value(json_object_get(json_array_get(denied, j), "flows"));
			if (pv)
				pv[k] = (uint16_t)json_integer_value(json_object_get(json_array_get(denied, j), "dport"));
		}
		if (k > 1 && pv) {
			sw_table_ports(ports, sizeof(ports), pv, k, &distinct);
			snprintf(svc, sizeof(svc), "%.16s/%s (%zu ports)", sw_d(d, "proto"), ports, distinct);
		} else {
			snprintf(svc, sizeof(svc), "%.16s/%lld", sw_d(d, "proto"),
				 (long long)json_integer_value(json_object_get(d, "dport")));
		}
		free(pv);
		sw_table_row(t);
		if (json_object_get(d, "rule_name"))
			sw_table_cellf(t, NULL, "%s (%s)", sw_d(d, "rule"), sw_d(d, "rule_name"));
		else
			sw_table_cell(t, sw_d(d, "rule"), NULL);
		sw_table_cell(t, sw_d(d, "src"), NULL);
		sw_table_cell(t, sw_d(d, "dst"), NULL);
		sw_table_cell(t, svc, NULL);
		sw_table_cellf(t, NULL, "%lld", flows);
	}
	sw_table_print(t, out);
out:
	sw_table_free(t);
	free(lead);
	free(next);
}

static void sw_test_print(const struct sw_test_tally *t, bool as_json)
{

	if (as_json) {
		json_t *doc = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:O}", "type",
					"policy_test", "version", 1, "flows", (json_int_t)t->flows,
					"allowed", (json_int_t)t->allowed, "denied", (json_int_t)t->denied_flows,
					"monitored", (json_int_t)t->monitored, "unmanaged",
					(json_int_t)t->unmanaged, "denials", t->denied);

		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(doc);
		return;
	}
	printf("%llu flow%s: %llu allowed, %llu denied, %llu monitored (would be denied), %llu unmanaged\n",
	       (unsigned long long)t->flows, t->flows == 1 ? "" : "s", (unsigned long long)t->allowed,
	       (unsigned long long)t->denied_flows, (unsigned long long)t->monitored,
	       (unsigned long long)t->unmanaged);
	if (json_array_size(t->denied))
		sw_test_denied_table(t->denied, stdout);
}

int sw_policy_test_flows(const struct sw_policy *p, const struct sw_policy_test_input *in,
			 const struct sw_identity_opts *id, bool as_json)
{
	const uint64_t win[2] = { in->since_us, in->until_us };
	struct sw_test_tally t = { .denied = json_array(), .index = json_object() };
	char why[512] = "";
	int rc = t.denied && t.index ? SW_EXIT_OK : SW_EXIT_RUNTIME;

	if (rc == SW_EXIT_OK && in->is_capture)
		rc = sw_judge_pcap(p, in->paths[0], win, id, &t, why, sizeof(why)) ? SW_EXIT_OK :
										    SW_EXIT_USAGE;
	else if (rc == SW_EXIT_OK)
		rc = sw_judge_files(p, in->paths, in->n_paths, win, &t, why, sizeof(why));
	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s\n", why[0] ? SW_MSG(why) : "out of memory");
		json_decref(t.denied);
		json_decref(t.index);
		return rc;
	}
	sw_test_print(&t, as_json);
	json_decref(t.denied);
	json_decref(t.index);
	return t.denied_flows ? SW_EXIT_LATERAL : SW_EXIT_OK;
}
