// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of segwatch_graph: building from flow records, aggregation by
 * label and by group, merging saved graphs, verdicts and the --since diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <segwatch/graph.h>

static const char sw_test_policy[] =
	"{ \"version\": 1, \"name\": \"t\", \"default\": \"deny\",\n"
	"  \"groups\": { \"web\": { \"labels\": { \"app\": \"web\" } },\n"
	"              \"api\": { \"labels\": { \"app\": \"api\" } },\n"
	"              \"edge\": { \"labels\": { \"tier\": \"edge\" } },\n"
	"              \"db\": { \"labels\": { \"app\": \"db\" } } },\n"
	"  \"rules\": [\n"
	"    { \"name\": \"web-api\", \"from\": \"web\", \"to\": \"api\", \"proto\": \"tcp\", \"ports\": [80], \"action\": \"allow\" },\n"
	"    { \"name\": \"api-db\", \"from\": \"api\", \"to\": \"db\", \"proto\": \"tcp\", \"ports\": [5432], \"action\": \"deny\", \"mode\": \"monitor\" },\n"
	"    { \"name\": \"never\", \"from\": \"db\", \"to\": \"web\", \"proto\": \"tcp\", \"ports\": [1], \"action\": \"allow\" } ] }\n";

/* A flow record between two workloads (app label, optional tier) or to an external address. */
static json_t *sw_flow(const char *src, const char *sapp, const char *dst, const char *dapp,
		       int port, const char *state)
{
	json_t *f = json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:i, s:s, s:s, s:s,"
			      " s:{s:i, s:i}, s:{s:i, s:i}}",
			      "type", "flow", "proto", "tcp", "proto_num", 6, "src", src, "sport",
			      40000, "dst", dst, "dport", port, "state", state, "first_seen",
			      "2026-11-22T10:00:01.000000Z", "last_seen", "2026-11-22T10:00:02.000000Z",
			      "fwd", "packets", 2, "bytes", 100, "rev", "packets", 1, "bytes", 50);
	const char *apps[2] = { sapp, dapp }, *ends[2] = { "src", "dst" }, *addrs[2] = { src, dst };
	char key[32];

	for (int i = 0; i < 2; i++) {
		snprintf(key, sizeof(key), "%s_kind", ends[i]);
		json_object_set_new(f, key, json_string(apps[i] ? "workload" : "external"));
		if (!apps[i])
			continue;
		snprintf(key, sizeof(key), "%s_workload", ends[i]);
		json_object_set_new(f, key, json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", addrs[i],
						     "id", addrs[i], "source", "inventory",
						     "labels", "app", apps[i]));
		if (strcmp(apps[i], "web") == 0) /* web is also in group "edge" */
			json_object_set_new(json_object_get(json_object_get(f, key), "labels"), "tier",
					    json_string("edge"));
	}
	return f;
}

/* The five flows below, judged by @o's policy (and its staged one). */
static struct sw_graph *sw_build_opts(const struct sw_graph_opts *o)
{
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_graph_alloc(o, &err);
	json_t *flows[] = {
		sw_flow("10.0.0.1", "web", "10.0.0.2", "api", 80, "established"),
		sw_flow("10.0.0.1", "web", "10.0.0.2", "api", 80, "closed"),
		sw_flow("10.0.0.2", "api", "10.0.0.3", "db", 5432, "established"),
		sw_flow("10.0.0.1", "web", "10.0.0.3", "db", 5432, "refused"),
		sw_flow("10.0.0.1", "web", "192.0.2.1", NULL, 443, "attempted"),
	};

	assert_non_null(g);
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		assert_int_equal(sw_graph_add_flow(g, flows[i], &err), SW_EXIT_OK);
		json_decref(flows[i]);
	}
	return g;
}

static struct sw_graph *sw_build(enum sw_graph_by by, const char *label, const struct sw_policy *p)
{
	struct sw_graph_opts o = { .by = by, .label = label, .policy = p };

	return sw_build_opts(&o);
}

static struct sw_policy *sw_load_policy_text(const char *text)
{
	struct sw_pol_diags d;
	struct sw_policy *p = NULL;

	sw_pol_diags_init(&d);
	assert_int_equal(sw_policy_load_buffer(text, strlen(text), "t.json", &p, &d), SW_EXIT_OK);
	sw_pol_diags_clear(&d);
	return p;
}

static struct sw_policy *sw_load_policy(void)
{
	return sw_load_policy_text(sw_test_policy);
}

/* The edge with this id in the graph document (borrowed), or NULL. */
static json_t *sw_edge(json_t *doc, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(doc, "edges"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
			return e;
	return NULL;
}

static void test_build(void **state)
{
	struct sw_graph *g = sw_build(SW_GRAPH_BY_WORKLOAD, NULL, NULL);
	json_t *doc = sw_graph_to_json(g), *e;

	(void)state;
	assert_int_equal(sw_graph_n_nodes(g), 4);
	assert_int_equal(sw_graph_n_edges(g), 4);
	e = sw_edge(doc, "wl:inventory:10.0.0.1 -> wl:inventory:10.0.0.2 tcp/80");
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "flows")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "states"), "closed")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "fwd"), "bytes")), 200);
	assert_null(json_object_get(e, "verdict"));
	assert_non_null(sw_edge(doc, "wl:inventory:10.0.0.1 -> ext:192.0.2.1 tcp/443"));
	json_decref(doc);
	sw_graph_free(g);
}

static void test_by_label(void **state)
{
	struct sw_graph *g = sw_build(SW_GRAPH_BY_LABEL, "tier", NULL);
	json_t *doc = sw_graph_to_json(g);

	(void)state;
	/* web has tier=edge; api and db have no tier: one "(no tier)" node */
	assert_int_equal(sw_graph_n_nodes(g), 3);
	assert_non_null(sw_edge(doc, "label:tier=edge -> nolabel:tier tcp/80"));
	assert_non_null(sw_edge(doc, "nolabel:tier -> nolabel:tier tcp/5432"));
	json_decref(doc);
	sw_graph_free(g);
}

static void test_by_group(void **state)
{
	struct sw_policy *p = sw_load_policy();
	struct sw_graph *g = sw_build(SW_GRAPH_BY_GROUP, NULL, p);
	json_t *doc = sw_graph_to_json(g);
	struct sw_graph_opts o = { .by = SW_GRAPH_BY_GROUP };
	struct sw_err err = { 0 };

	(void)state;
	/* a workload in two groups is one node named after both */
	assert_non_null(sw_edge(doc, "group:web+edge -> group:api tcp/80"));
	assert_non_null(sw_edge(doc, "group:web+edge -> ext:192.0.2.1 tcp/443"));
	assert_null(sw_graph_alloc(&o, &err));
	assert_int_equal(err.code, SW_EXIT_USAGE);
	json_decref(doc);
	sw_graph_free(g);
	sw_policy_free(p);
}

static void test_verdicts(void **state)
{
	struct sw_policy *p = sw_load_policy();
	struct sw_graph *g = sw_build(SW_GRAPH_BY_WORKLOAD, NULL, p);
	json_t *doc = sw_graph_to_json(g), *e;

	(void)state;
	e = sw_edge(doc, "wl:inventory:10.0.0.1 -> wl:inventory:10.0.0.2 tcp/80");
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "allowed");
	assert_string_equal(json_string_value(json_object_get(e, "rule_name")), "web-api");
	e = sw_edge(doc, "wl:inventory:10.0.0.2 -> wl:inventory:10.0.0.3 tcp/5432");
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "monitor");
	e = sw_edge(doc, "wl:inventory:10.0.0.1 -> wl:inventory:10.0.0.3 tcp/5432");
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "violation");
	assert_string_equal(json_string_value(json_object_get(e, "rule")), "default");
	e = sw_edge(doc, "wl:inventory:10.0.0.1 -> ext:192.0.2.1 tcp/443");
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "unmanaged");
	assert_int_equal(sw_graph_count_verdict(g, SW_GV_VIOLATION), 1);
	json_decref(doc);
	sw_graph_free(g);
	sw_policy_free(p);
}

static void test_merge(void **state)
{
	struct sw_policy *p = sw_load_policy();
	struct sw_graph *a = sw_build(SW_GRAPH_BY_WORKLOAD, NULL, p);
	struct sw_graph_opts o = { .by = SW_GRAPH_BY_WORKLOAD };
	struct sw_err err = { 0 };
	struct sw_graph *m = sw_graph_alloc(&o, &err);
	json_t *da = sw_graph_to_json(a), *dm, *e, *bad = json_pack("{s:s}", "type", "graph");

	(void)state;
	assert_int_equal(sw_graph_merge_json(m, da, "a.json", &err), SW_EXIT_OK);
	assert_int_equal(sw_graph_merge_json(m, da, "b.json", &err), SW_EXIT_OK);
	dm = sw_graph_to_json(m);
	assert_int_equal(sw_graph_n_nodes(m), 4);
	assert_int_equal(sw_graph_n_edges(m), 4);
	e = sw_edge(dm, "wl:inventory:10.0.0.1 -> wl:inventory:10.0.0.2 tcp/80");
	assert_int_equal(json_integer_value(json_object_get(e, "flows")), 4);
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "allowed");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "verdicts"), "allowed")), 4);
	assert_int_equal(sw_graph_merge_json(m, bad, "bad.json", &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "bad.json"));
	json_decref(bad);
	json_decref(da);
	json_decref(dm);
	sw_graph_free(m);
	sw_graph_free(a);
	sw_policy_free(p);
}

static void test_diff(void **state)
{
	struct sw_policy *p = sw_load_policy();
	struct sw_graph *g = sw_build(SW_GRAPH_BY_WORKLOAD, NULL, p);
	struct sw_graph_opts o = { .by = SW_GRAPH_BY_WORKLOAD };
	struct sw_err err = { 0 };
	struct sw_graph *old = sw_graph_alloc(&o, &err);
	json_t *f = sw_flow("10.0.0.3", "db", "10.0.0.1", "web", 22, "attempted"), *d, *r;

	(void)state;
	assert_int_equal(sw_graph_add_flow(old, f, &err), SW_EXIT_OK);
	json_decref(f);
	f = sw_flow("10.0.0.1", "web", "10.0.0.2", "api", 80, "closed");
	assert_int_equal(sw_graph_add_flow(old, f, &err), SW_EXIT_OK);
	json_decref(f);
	d = sw_graph_diff(g, old);
	assert_int_equal(json_array_size(json_object_get(d, "new_edges")), 3);
	assert_int_equal(json_array_size(json_object_get(d, "vanished_edges")), 1);
	assert_int_equal(json_array_size(json_object_get(d, "unused_rules")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(d, "unused_rules"), 0), "rule_name")), "never");
	r = sw_graph_report_json(g, old);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "summary"), "violation")), 1);
	assert_non_null(json_object_get(r, "since"));
	json_decref(r);
	json_decref(d);
	sw_graph_free(old);
	sw_graph_free(g);
	sw_policy_free(p);
}

/*
 * A candidate for sw_test_policy: web may reach api on 8080 only (its flows
 * on 80 become denied), api may reach db (the monitored deny becomes an
 * allow), web to db is denied by a rule of its own instead of the default
 * (still denied: no change), and one rule no flow uses.
 */
static const char sw_test_candidate[] =
	"{ \"version\": 1, \"name\": \"t2\", \"default\": \"deny\",\n"
	"  \"groups\": { \"web\": { \"labels\": { \"app\": \"web\" } },\n"
	"              \"api\": { \"labels\": { \"app\": \"api\" } },\n"
	"              \"db\": { \"labels\": { \"app\": \"db\" } } },\n"
	"  \"rules\": [\n"
	"    { \"name\": \"web-api-8080\", \"from\": \"web\", \"to\": \"api\", \"proto\": \"tcp\", \"ports\": [8080], \"action\": \"allow\" },\n"
	"    { \"name\": \"api-db\", \"from\": \"api\", \"to\": \"db\", \"proto\": \"tcp\", \"ports\": [5432], \"action\": \"allow\" },\n"
	"    { \"name\": \"web-db\", \"from\": \"web\", \"to\": \"db\", \"proto\": \"tcp\", \"ports\": [5432], \"action\": \"deny\" },\n"
	"    { \"name\": \"unused\", \"from\": \"db\", \"to\": \"api\", \"proto\": \"tcp\", \"ports\": [9], \"action\": \"allow\" } ] }\n";

static const char *sw_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t sw_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The staged diff, every expected value worked out from the two policies above. */
static void test_staged(void **state)
{
	struct sw_policy *p = sw_load_policy(), *c = sw_load_policy_text(sw_test_candidate);
	struct sw_graph_opts o = { .by = SW_GRAPH_BY_WORKLOAD, .policy = p, .staged = c };
	struct sw_graph *g = sw_build_opts(&o);
	json_t *r = sw_graph_report_json(g, NULL), *s = json_object_get(r, "staged"), *e, *x;
	struct sw_err err = { 0 };

	(void)state;
	assert_non_null(s);
	assert_string_equal(sw_str(s, "policy"), "t2");
	assert_int_equal(sw_int(s, "flows"), 5);
	assert_int_equal(sw_int(s, "edges"), 4);
	x = json_object_get(s, "summary");
	assert_int_equal(sw_int(json_object_get(x, "newly_denied"), "edges"), 1);
	assert_int_equal(sw_int(json_object_get(x, "newly_denied"), "flows"), 2);
	assert_int_equal(sw_int(json_object_get(x, "newly_allowed"), "edges"), 1);
	assert_int_equal(sw_int(json_object_get(x, "newly_allowed"), "flows"), 1);
	assert_int_equal(sw_int(x, "unchanged_edges"), 2);
	x = json_object_get(s, "verdicts"); /* edges by the candidate's verdict */
	assert_int_equal(sw_int(x, "violation"), 2);
	assert_int_equal(sw_int(x, "allowed"), 1);
	assert_int_equal(sw_int(x, "unmanaged"), 1);
	assert_int_equal(sw_int(x, "monitor"), 0);
	/* web -> api:80: allowed by web-api now, the candidate's default denies it */
	assert_int_equal(json_array_size(json_object_get(s, "newly_denied")), 1);
	e = json_array_get(json_object_get(s, "newly_denied"), 0);
	assert_string_equal(sw_str(e, "id"), "wl:inventory:10.0.0.1 -> wl:inventory:10.0.0.2 tcp/80");
	assert_string_equal(sw_str(e, "verdict"), "allowed");
	assert_int_equal(sw_int(e, "flows_changed"), 2);
	assert_string_equal(sw_str(json_object_get(e, "staged"), "verdict"), "violation");
	assert_string_equal(sw_str(json_object_get(e, "staged"), "rule"), "default");
	/* api -> db: monitored now, allowed by the candidate's api-db */
	assert_int_equal(json_array_size(json_object_get(s, "newly_allowed")), 1);
	e = json_array_get(json_object_get(s, "newly_allowed"), 0);
	assert_string_equal(sw_str(e, "id"), "wl:inventory:10.0.0.2 -> wl:inventory:10.0.0.3 tcp/5432");
	assert_string_equal(sw_str(e, "verdict"), "monitor");
	assert_string_equal(sw_str(json_object_get(e, "staged"), "rule_name"), "api-db");
	/* changes by rule: web -> db stays a violation (default -> /rules/2): not a change */
	x = json_object_get(s, "changes");
	assert_int_equal(json_array_size(x), 2);
	e = json_array_get(x, 0); /* most flows first */
	assert_string_equal(sw_str(json_object_get(e, "from"), "rule"), "/rules/0");
	assert_string_equal(sw_str(json_object_get(e, "from"), "verdict"), "allowed");
	assert_string_equal(sw_str(json_object_get(e, "to"), "rule"), "default");
	assert_int_equal(sw_int(e, "flows"), 2);
	assert_int_equal(sw_int(e, "edges"), 1);
	e = json_array_get(x, 1);
	assert_string_equal(sw_str(json_object_get(e, "from"), "verdict"), "monitor");
	assert_string_equal(sw_str(json_object_get(e, "to"), "rule"), "/rules/1");
	assert_int_equal(sw_int(e, "flows"), 1);
	/* rules never used: the candidate's web-api-8080 (no flow on 8080) and "unused", the enforced "never" */
	x = json_object_get(s, "unused_rules");
	assert_int_equal(json_array_size(x), 2);
	assert_string_equal(sw_str(json_array_get(x, 0), "rule_name"), "web-api-8080");
	assert_string_equal(sw_str(json_array_get(x, 1), "rule_name"), "unused");
	assert_string_equal(sw_str(json_array_get(x, 1), "action"), "allow");
	x = json_object_get(s, "enforced_unused_rules");
	assert_int_equal(json_array_size(x), 1);
	assert_string_equal(sw_str(json_array_get(x, 0), "rule"), "/rules/2");
	/* the enforced side of the report is what it was without a candidate */
	assert_int_equal(sw_int(json_object_get(r, "summary"), "violation"), 1);
	json_decref(r);
	sw_graph_free(g);
	/* a candidate is compared with an enforced policy: none is a usage error */
	o.policy = NULL;
	assert_null(sw_graph_alloc(&o, &err));
	assert_int_equal(err.code, SW_EXIT_USAGE);
	sw_policy_free(c);
	sw_policy_free(p);
}

static void test_bad_flow(void **state)
{
	struct sw_graph_opts o = { .by = SW_GRAPH_BY_WORKLOAD };
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_graph_alloc(&o, &err);
	json_t *f = json_pack("{s:s, s:s}", "type", "flow", "src", "not-an-address");

	(void)state;
	assert_int_equal(sw_graph_add_flow(g, f, &err), SW_EXIT_USAGE);
	assert_int_equal(sw_graph_n_edges(g), 0);
	json_decref(f);
	sw_graph_free(g);
	sw_graph_free(NULL);
}

/* A kernel_log record as `capture --nflog -w` writes it, ends named like the flow's. */
static json_t *sw_klog_rec(const char *action, json_t *rule, const char *src, const char *sapp,
			   const char *dst, const char *dapp, int port, int packets)
{
	json_t *f = sw_flow(src, sapp, dst, dapp, port, "attempted");
	json_t *k = json_pack("{s:s, s:s, s:o, s:s, s:i, s:s, s:i, s:s, s:s, s:i, s:i, s:s, s:s}",
			      "type", "kernel_log", "action", action, "rule", rule, "prefix", "sw",
			      "family", 4, "proto", "tcp", "proto_num", 6, "src", src, "dst", dst,
			      "dport", port, "packets", packets, "first_seen",
			      "2026-11-22T10:00:01.000000Z", "last_seen", "2026-11-22T10:00:03.000000Z");
	const char *keys[] = { "src_kind", "src_workload", "dst_kind", "dst_workload" };

	for (size_t i = 0; i < 4; i++)
		if (json_object_get(f, keys[i]))
			json_object_set(k, keys[i], json_object_get(f, keys[i]));
	json_decref(f);
	return k;
}

/* A flow file: one flow, kernel_log records, a counters line with the NFLOG counters. */
static void sw_write_klog_file(char *path)
{
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	json_t *recs[] = {
		sw_flow("10.0.0.1", "web", "10.0.0.3", "db", 5432, "attempted"),
		sw_klog_rec("deny", json_string("default"), "10.0.0.1", "web", "10.0.0.3", "db", 5432, 3),
		sw_klog_rec("monitor", json_integer(1), "10.0.0.2", "api", "10.0.0.3", "db", 5432, 2),
		/* rule 0 of this policy is an allow: another policy's rule, left unnamed */
		sw_klog_rec("deny", json_integer(0), "10.0.0.2", "api", "10.0.0.1", "web", 22, 1),
		sw_klog_rec("deny", json_string("default"), "10.0.0.1", "web", "10.0.0.3", "db", 5432, 2),
		json_pack("{s:s, s:i, s:{s:i, s:i, s:i, s:i}}", "type", "counters", "packets_seen", 4,
			  "nflog", "group", 42, "messages", 8, "overruns", 1, "undecoded", 0),
	};

	assert_non_null(f);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		json_dumpf(recs[i], f, JSON_COMPACT);
		fputc('\n', f);
		json_decref(recs[i]);
	}
	fclose(f);
}

static json_t *sw_klog_report(const char *path, const struct sw_policy *p, bool klog,
			      size_t *nodes)
{
	struct sw_graph_opts o = { .policy = p, .kernel_log = klog };
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_graph_alloc(&o, &err);
	json_t *r;

	assert_non_null(g);
	assert_int_equal(sw_graph_load_file(g, path, &err), SW_EXIT_OK);
	*nodes = sw_graph_n_nodes(g);
	r = sw_graph_report_json(g, NULL);
	sw_graph_free(g);
	return r;
}

static void test_kernel_log(void **state)
{
	char path[] = "/tmp/sw-test-klog.XXXXXX", *text = NULL;
	struct sw_policy *p = sw_load_policy();
	json_t *r, *k, *pair, *rule;
	size_t nodes, len = 0;
	FILE *out;

	(void)state;
	sw_write_klog_file(path);
	r = sw_klog_report(path, p, true, &nodes);
	assert_int_equal(nodes, 2); /* kernel_log records add no nodes */
	k = json_object_get(r, "kernel_log");
	assert_true(json_is_true(json_object_get(k, "recorded")));
	assert_int_equal(json_integer_value(json_object_get(k, "dropped")), 6);
	assert_int_equal(json_integer_value(json_object_get(k, "monitor")), 2);
	assert_int_equal(json_integer_value(json_object_get(k, "pairs_total")), 3);
	pair = json_array_get(json_object_get(k, "pairs"), 0);	/* most packets first */
	assert_int_equal(json_integer_value(json_object_get(pair, "packets")), 5);
	assert_string_equal(json_string_value(json_object_get(pair, "edge_verdict")), "violation");
	assert_string_equal(json_string_value(json_object_get(pair, "rule")), "default");
	assert_string_equal(json_string_value(json_object_get(pair, "edge")),
			    "wl:inventory:10.0.0.1 -> wl:inventory:10.0.0.3 tcp/5432");
	rule = json_array_get(json_object_get(k, "by_rule"), 1);
	assert_string_equal(json_string_value(json_object_get(rule, "rule")), "/rules/1");
	assert_string_equal(json_string_value(json_object_get(rule, "rule_name")), "api-db");
	rule = json_array_get(json_object_get(k, "by_rule"), 2);
	assert_int_equal(json_integer_value(json_object_get(rule, "rule_index")), 0);
	assert_null(json_object_get(rule, "rule_name"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
				 r, "completeness"), "nflog"), "overruns")), 1);
	out = open_memstream(&text, &len);
	sw_graph_report_write(r, out);
	fclose(out);
	assert_non_null(strstr(text, "kernel log (NFLOG): 6 packets dropped"));
	assert_non_null(strstr(text, "warning: NFLOG overruns (1)"));
	free(text);
	json_decref(r);
	/* `graph` skips them: no kernel_log member, no error */
	r = sw_klog_report(path, p, false, &nodes);
	assert_null(json_object_get(r, "kernel_log"));
	json_decref(r);
	unlink(path);
	sw_policy_free(p);
}

static void test_kernel_log_absent(void **state)
{
	struct sw_graph_opts o = { .kernel_log = true };
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_graph_alloc(&o, &err);
	json_t *bad = json_pack("{s:s, s:s, s:s}", "type", "kernel_log", "action", "deny", "rule",
				"default");
	json_t *r, *doc;
	char *text = NULL, path[] = "/tmp/sw-test-klog.XXXXXX";
	size_t len = 0;
	FILE *out;
	int fd;

	(void)state;
	r = sw_graph_report_json(g, NULL);
	assert_false(json_is_true(json_object_get(json_object_get(r, "kernel_log"), "recorded")));
	out = open_memstream(&text, &len);
	sw_graph_report_write(r, out);
	fclose(out);
	assert_non_null(strstr(text, "kernel log: not recorded (capture without --nflog)"));
	free(text);
	json_decref(r);
	/* a capture --json document: kernel_log is an array member; a record without ends is refused */
	doc = json_pack("{s:s, s:i, s:[o], s:{s:s}}", "type", "capture", "version", 1, "kernel_log",
			bad, "counters", "type", "counters");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(json_dumpfd(doc, fd, 0), 0);
	close(fd);
	assert_int_equal(sw_graph_load_file(g, path, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/kernel_log/0/src: missing"));
	unlink(path);
	json_decref(doc);
	sw_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_by_label),
		cmocka_unit_test(test_by_group),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_staged),
		cmocka_unit_test(test_bad_flow),
		cmocka_unit_test(test_kernel_log),
		cmocka_unit_test(test_kernel_log_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
