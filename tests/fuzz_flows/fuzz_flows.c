/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_flows - libFuzzer target for flow files and graph documents as
 * `segwatch graph`, `graph merge`, `report`, `learn` and `policy test` read
 * them. They may come from other hosts to be merged: untrusted.
 *
 * The input is one file: JSON lines ("flow", "kernel_log", "counters"
 * records), a `capture --json` document or a graph document. It is written
 * to a memfd and read back through /proc/self/fd/N with sw_graph_load_file(),
 * so the real file path runs, with the kernel's log folded in and a fixed
 * policy judging every flow (node grouping picked by the input's size). The
 * graph is then written every way `graph` and `report` write it, its JSON
 * merged into a second graph (as `graph merge` does) and diffed against it.
 * The same bytes go to the learn ingest, whose policy and baseline are
 * written and read back, and to the baseline reader (`alert` reads one).
 *
 * Each JSON value in the input also goes through the flow-file check
 * (include/segwatch/flowfile.h) on its own.
 *
 * Besides "no crash, no leak, no sanitizer report", contracts are checked,
 * trapping when broken:
 *   - a load error is SW_EXIT_USAGE or SW_EXIT_RUNTIME with a message;
 *   - the check accepts a value or refuses it with SW_EXIT_USAGE and a
 *     message starting with a JSON Pointer; a flow it accepts has its
 *     ports, protocol and counts in range;
 *   - the graph document a graph writes passes the check (what `graph
 *     --json` writes, `graph merge` reads), its counts never negative;
 *   - the policy learn writes loads without errors, its baseline reads back
 *     with as many edges as learn wrote.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include <segwatch/flowfile.h>
#include <segwatch/graph.h>
#include <segwatch/learn.h>
#include <segwatch/policy.h>

#include "fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Groups by label, name and CIDR; rules of each mode, so that every verdict can occur. */
static const char sw_fuzz_policy_text[] =
	"{ \"version\": 1, \"name\": \"shop\", \"mode\": \"enforce\", \"default\": \"deny\",\n"
	"  \"intra_group\": \"allow\",\n"
	"  \"groups\": { \"web\": { \"labels\": { \"app\": \"web\" }, \"names\": [\"web-*\"] },\n"
	"              \"api\": { \"labels\": { \"app\": \"api\" } },\n"
	"              \"db\": { \"names\": [\"db-*\"], \"cidrs\": [\"10.0.3.0/24\", \"fd00:3::/64\"] },\n"
	"              \"ops\": { \"cidrs\": [\"10.0.9.0/28\"] } },\n"
	"  \"rules\": [\n"
	"    { \"name\": \"web-to-api\", \"from\": \"web\", \"to\": \"api\", \"proto\": \"tcp\",\n"
	"      \"ports\": [8080, \"9000-9010\"], \"action\": \"allow\" },\n"
	"    { \"name\": \"api-to-db\", \"from\": \"api\", \"to\": \"db\", \"proto\": \"tcp\",\n"
	"      \"ports\": [5432], \"action\": \"allow\" },\n"
	"    { \"name\": \"ping\", \"from\": \"ops\", \"to\": \"any\", \"proto\": \"icmp\",\n"
	"      \"icmp_types\": [\"echo-request\"], \"action\": \"allow\" },\n"
	"    { \"name\": \"dns\", \"from\": \"any\", \"to\": \"db\", \"proto\": \"udp\", \"ports\": [53],\n"
	"      \"action\": \"deny\", \"mode\": \"monitor\" } ] }\n";

static struct sw_policy *sw_fuzz_policy;
static FILE *sw_fuzz_null;
static int sw_fuzz_fd = -1;
static char sw_fuzz_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sw_pol_diags d;

	(void)argc;
	(void)argv;
	sw_pol_diags_init(&d);
	if (sw_policy_load_buffer(sw_fuzz_policy_text, sizeof(sw_fuzz_policy_text) - 1,
				  "fuzz-policy.json", &sw_fuzz_policy, &d) != SW_EXIT_OK)
		abort();
	sw_pol_diags_clear(&d);
	sw_fuzz_null = fopen("/dev/null", "w");
	sw_fuzz_fd = memfd_create("fuzz_flows", 0);
	if (!sw_fuzz_null || sw_fuzz_fd < 0)
		abort();
	snprintf(sw_fuzz_path, sizeof(sw_fuzz_path), "/proc/self/fd/%d", sw_fuzz_fd);
	return 0;
}

/* sw_fuzz_file - the memfd now holds exactly @data. */
static void sw_fuzz_file(const uint8_t *data, size_t size)
{
	SW_FUZZ_CHECK(ftruncate(sw_fuzz_fd, 0) == 0);
	SW_FUZZ_CHECK(size == 0 || pwrite(sw_fuzz_fd, data, size, 0) == (ssize_t)size);
}

static struct sw_graph *sw_fuzz_graph_alloc(enum sw_graph_by by)
{
	struct sw_graph_opts o = { .by = by, .label = "app", .policy = sw_fuzz_policy,
				   .kernel_log = true };
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_graph_alloc(&o, &err);

	SW_FUZZ_CHECK(g);
	return g;
}

/* sw_fuzz_graph_out - everything `graph` and `report` write, then a merge of the JSON. */
static void sw_fuzz_graph_out(struct sw_graph *g, enum sw_graph_by by)
{
	struct sw_err err = { 0 };
	enum sw_flowfile_kind kind;
	struct sw_graph *g2;
	json_t *doc, *rep;

	sw_graph_write_table(g, sw_fuzz_null);
	sw_graph_write_dot(g, sw_fuzz_null);
	SW_FUZZ_CHECK((doc = sw_graph_to_json(g)));
	SW_FUZZ_CHECK(sw_flowfile_doc_check(doc, &kind, &err) == SW_EXIT_OK &&
		      kind == SW_FLOWFILE_GRAPH);
	g2 = sw_fuzz_graph_alloc(by);
	sw_graph_merge_json(g2, doc, "merged.json", &err);
	SW_FUZZ_CHECK((rep = sw_graph_report_json(g, g2)));
	sw_graph_report_write(rep, sw_fuzz_null);
	json_decref(rep);
	json_decref(doc);
	sw_graph_free(g2);
}

static void sw_fuzz_graph(size_t size)
{
	enum sw_graph_by by = (enum sw_graph_by)(size % 3);
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_fuzz_graph_alloc(by);
	int rc = sw_graph_load_file(g, sw_fuzz_path, &err);

	SW_FUZZ_CHECK(rc == SW_EXIT_OK || ((rc == SW_EXIT_USAGE || rc == SW_EXIT_RUNTIME) &&
					   err.msg[0]));
	sw_fuzz_graph_out(g, by);
	sw_graph_free(g);
}

/* sw_fuzz_learn_policy - what learn writes, `policy apply` must accept. */
static void sw_fuzz_learn_policy(const struct sw_learn *l)
{
	struct sw_learn_policy_opts o = { .name = "learned" };
	json_t *pol = sw_learn_policy_json(l, &o);
	struct sw_policy *p = NULL;
	struct sw_pol_diags d;
	char *text;

	SW_FUZZ_CHECK(pol && (text = json_dumps(pol, 0)));
	sw_pol_diags_init(&d);
	SW_FUZZ_CHECK(sw_policy_load_buffer(text, strlen(text), "learned.json", &p, &d) ==
		      SW_EXIT_OK);
	sw_policy_free(p);
	sw_pol_diags_clear(&d);
	free(text);
	json_decref(pol);
}

/* sw_fuzz_learn_baseline - the baseline learn writes reads back, edge for edge. */
static void sw_fuzz_learn_baseline(const struct sw_learn *l)
{
	json_t *base = sw_learn_baseline_json(l), *un = sw_learn_unanswered_json(l);
	struct sw_baseline *b = NULL;
	struct sw_err err = { 0 };
	char *text;

	SW_FUZZ_CHECK(base && un && (text = json_dumps(base, 0)));
	SW_FUZZ_CHECK(sw_baseline_load_buffer(text, strlen(text), &b, &err) == SW_EXIT_OK);
	SW_FUZZ_CHECK(sw_baseline_count(b) ==
		      json_array_size(json_object_get(base, "edges")));
	sw_baseline_free(b);
	free(text);
	json_decref(base);
	json_decref(un);
}

static void sw_fuzz_learn(const uint8_t *data, size_t size)
{
	struct sw_learn *l = sw_learn_alloc(NULL);
	struct sw_err err = { 0 };
	int rc;

	SW_FUZZ_CHECK(l);
	rc = sw_learn_load_buffer(l, (const char *)data, size, &err);
	SW_FUZZ_CHECK(rc == SW_EXIT_OK || ((rc == SW_EXIT_USAGE || rc == SW_EXIT_RUNTIME) &&
					   err.msg[0]));
	sw_fuzz_learn_policy(l);
	sw_fuzz_learn_baseline(l);
	sw_learn_free(l);
}

static void sw_fuzz_baseline(const uint8_t *data, size_t size)
{
	struct sw_baseline *b = NULL;
	struct sw_err err = { 0 };

	if (sw_baseline_load_buffer((const char *)data, size, &b, &err) == SW_EXIT_OK)
		sw_baseline_has(b, "web", "api", 6, 8080);
	else
		SW_FUZZ_CHECK(!b && err.msg[0]);
	sw_baseline_free(b);
}

/* An integer member in [@lo, @hi] when present. */
static bool sw_fuzz_in(const json_t *o, const char *key, json_int_t lo, json_int_t hi)
{
	const json_t *v = json_object_get(o, key);

	return !v || (json_is_integer(v) && json_integer_value(v) >= lo &&
		      json_integer_value(v) <= hi);
}

/* What the check accepted as a flow is what readers may rely on. */
static void sw_fuzz_flow_ok(const json_t *f)
{
	const char *dirs[] = { "fwd", "rev" };

	SW_FUZZ_CHECK(json_is_integer(json_object_get(f, "proto_num")));
	SW_FUZZ_CHECK(sw_fuzz_in(f, "proto_num", 0, 255) && sw_fuzz_in(f, "dport", 0, 65535) &&
		      sw_fuzz_in(f, "sport", 0, 65535) && sw_fuzz_in(f, "icmp_type", 0, 255));
	SW_FUZZ_CHECK(json_is_string(json_object_get(f, "src")) &&
		      json_is_string(json_object_get(f, "dst")) &&
		      json_is_string(json_object_get(f, "state")));
	for (int i = 0; i < 2; i++) {
		const json_t *d = json_object_get(f, dirs[i]);

		SW_FUZZ_CHECK(sw_fuzz_in(d, "packets", 0, INT64_MAX) &&
			      sw_fuzz_in(d, "bytes", 0, INT64_MAX));
	}
}

/* Every JSON value of the input through the check, one at a time. */
static void sw_fuzz_check(const uint8_t *data, size_t size)
{
	size_t off = 0;

	for (int n = 0; off < size && n < 64; n++) {
		enum sw_flowfile_kind kind;
		struct sw_err err = { 0 };
		json_error_t je;
		json_t *v = json_loadb((const char *)data + off, size - off,
				       JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &je);
		int rc;

		if (!v)
			return;
		off += je.position ? je.position : 1;
		rc = sw_flowfile_record_check(v, &kind, &err);
		SW_FUZZ_CHECK(rc == SW_EXIT_OK || (rc == SW_EXIT_USAGE && err.msg[0] == '/'));
		if (rc == SW_EXIT_OK && kind == SW_FLOWFILE_FLOW)
			sw_fuzz_flow_ok(v);
		rc = sw_flowfile_doc_check(v, &kind, &err);
		SW_FUZZ_CHECK(rc == SW_EXIT_OK || (rc == SW_EXIT_USAGE && err.msg[0] == '/'));
		json_decref(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sw_fuzz_check(data, size);
	sw_fuzz_file(data, size);
	sw_fuzz_graph(size);
	sw_fuzz_learn(data, size);
	sw_fuzz_baseline(data, size);
	return 0;
}
