/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow-file check (include/segwatch/flowfile.h): each field of each
 * record type, each range, each document shape, with the JSON Pointer the
 * error names; every document the golden tests expect `capture --json` to
 * write passes it (the writer's schema and the reader's agree).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <segwatch/flowfile.h>

#define FLOW "{\"type\":\"flow\",\"family\":4,\"proto\":\"tcp\",\"proto_num\":6," \
	"\"src\":\"10.0.0.1\",\"sport\":40000,\"dst\":\"10.0.0.2\",\"dport\":8080," \
	"\"initiator\":\"observed\",\"state\":\"established\",\"end\":\"flush\"," \
	"\"first_seen\":\"2026-11-22T10:00:01.000000Z\",\"last_seen\":\"2026-11-22T10:00:01.500000Z\"," \
	"\"duration_s\":0.5,\"fwd\":{\"packets\":3,\"bytes\":200,\"tcp_flags\":\"SA\"}," \
	"\"rev\":{\"packets\":2,\"bytes\":100},\"continued\":false,\"fragments\":false," \
	"\"icmp_error\":false,\"src_kind\":\"workload\",\"src_workload\":{\"name\":\"web-1\"," \
	"\"id\":\"x\",\"source\":\"engine\",\"labels\":{\"app\":\"web\"}},\"dst_kind\":\"external\"}"

#define KLOG "{\"type\":\"kernel_log\",\"action\":\"deny\",\"rule\":\"default\",\"family\":4," \
	"\"proto\":\"udp\",\"proto_num\":17,\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.3\"," \
	"\"dport\":53,\"packets\":5}"

#define GRAPH "{\"type\":\"graph\",\"version\":1,\"group_by\":\"workload\"," \
	"\"nodes\":[{\"id\":\"a\",\"kind\":\"workload\"},{\"id\":\"b\",\"kind\":\"external\"}]," \
	"\"edges\":[{\"src\":\"a\",\"dst\":\"b\",\"proto\":\"tcp\",\"proto_num\":6,\"port\":80," \
	"\"flows\":2,\"states\":{\"established\":2},\"fwd\":{\"packets\":1,\"bytes\":2}," \
	"\"verdict\":\"violation\"}],\"completeness\":{\"files\":1}}"

/* @text with the first @from replaced by @to (a static buffer). */
static const char *subst(const char *text, const char *from, const char *to)
{
	static char bufs[2][4096];
	static int next;
	char *buf = bufs[next++ % 2];	/* subst(subst(...)) reads one, writes the other */
	const char *at = strstr(text, from);

	assert_non_null(at);
	snprintf(buf, sizeof(bufs[0]), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return buf;
}

/* Check @text: SW_EXIT_OK when @want is NULL, else an error containing @want. */
static void check(const char *text, const char *want)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	struct sw_err err = { 0 };
	enum sw_flowfile_kind kind;
	int rc;

	if (!v)
		fail_msg("test input is not JSON: %s: %s", je.text, text);
	rc = sw_flowfile_record_check(v, &kind, &err);
	json_decref(v);
	if (!want) {
		if (rc != SW_EXIT_OK)
			fail_msg("refused: %s\n  %s", err.msg, text);
		return;
	}
	if (rc != SW_EXIT_USAGE || !strstr(err.msg, want))
		fail_msg("rc %d, \"%s\", want \"%s\"\n  %s", rc, err.msg, want, text);
}

static void test_flow_valid(void **state)
{
	(void)state;
	check(FLOW, NULL);
	check(subst(FLOW, "\"proto\":\"tcp\",", ""), NULL);
	check(subst(FLOW, "\"fwd\":", "\"x_new_field\":[1,\"a\"],\"fwd\":"), NULL);
	check("{\"type\":\"future_record\",\"dport\":99999}", NULL);
	check(subst(subst(FLOW, "\"family\":4", "\"family\":6"), "\"10.0.0.1\"", "\"fd00::1\""),
	      "/dst: \"10.0.0.2\" is not an IPv6 address");
	check("{\"type\":\"flow\",\"family\":4,\"proto\":\"icmp\",\"proto_num\":1,\"src\":\"10.0.0.1\","
	      "\"dst\":\"10.0.0.2\",\"icmp_type\":8,\"state\":\"attempted\"}", NULL);
	check("{\"type\":\"flow\",\"family\":4,\"proto\":\"47\",\"proto_num\":47,\"src\":\"10.0.0.1\","
	      "\"dst\":\"10.0.0.2\",\"state\":\"attempted\"}", NULL);
	check(subst(FLOW, "\"first_seen\":\"2026-11-22T10:00:01.000000Z\",", ""), NULL);
}

static void test_flow_ranges(void **state)
{
	(void)state;
	check(subst(FLOW, "\"dport\":8080", "\"dport\":70000"), "/dport: 70000 is not a port (0-65535)");
	check(subst(FLOW, "\"dport\":8080", "\"dport\":-1"), "/dport: -1 is not a port");
	check(subst(FLOW, "\"sport\":40000", "\"sport\":65536"), "/sport: 65536 is not a port");
	check(subst(FLOW, "\"dport\":8080", "\"dport\":\"8080\""), "/dport: expected an integer");
	check(subst(FLOW, "\"dport\":8080", "\"dport\":80.5"), "/dport: expected an integer");
	check(subst(FLOW, "\"proto_num\":6", "\"proto_num\":300"),
	      "/proto_num: 300 is not an IP protocol number (0-255)");
	check(subst(FLOW, "\"proto_num\":6", "\"proto_num\":17"),
	      "/proto: \"tcp\" is protocol 6, but proto_num is 17");
	check(subst(FLOW, "\"proto\":\"tcp\"", "\"proto\":\"tcpx\""), "/proto: unknown protocol");
	check(subst(FLOW, "\"proto\":\"tcp\",\"proto_num\":6,", ""), "/proto_num: missing");
	check(subst(FLOW, "\"proto_num\":6,", ""), "/proto_num: missing");
	check(subst(FLOW, "\"family\":4", "\"family\":5"), "/family: 5 is not an address family");
	check(subst(FLOW, "\"family\":4,", ""), NULL);
	check(subst(subst(FLOW, "\"family\":4,", ""), "\"10.0.0.1\"", "\"x\""),
	      "/src: \"x\" is not an IP address");
	check(subst(FLOW, "\"src\":\"10.0.0.1\"", "\"src\":\"10.0.0.1.5\""), "/src: ");
	check(subst(FLOW, "\"src\":\"10.0.0.1\",", ""), "/src: missing");
	check(subst(FLOW, "\"dst\":\"10.0.0.2\"", "\"dst\":7"), "/dst: expected a string");
	check(subst(FLOW, "\"dport\":8080,", ""), "/dport: missing");
	check(subst(FLOW, "\"sport\":40000,", ""), "/sport: missing");
}

static void test_flow_counts(void **state)
{
	(void)state;
	check(subst(FLOW, "\"bytes\":200", "\"bytes\":-5"), "/fwd/bytes: -5 is not a count");
	check(subst(FLOW, "\"bytes\":200", "\"bytes\":1e308"), "/fwd/bytes: expected a count");
	check(subst(FLOW, "\"bytes\":200", "\"bytes\":\"lots\""), "/fwd/bytes: expected a count");
	check(subst(FLOW, "\"packets\":2", "\"packets\":null"), "/rev/packets: expected a count");
	check(subst(FLOW, "\"bytes\":200", "\"bytes\":9223372036854775807"), NULL);
	check(subst(FLOW, "\"rev\":{", "\"rev\":[],\"x\":{"), "/rev: expected an object");
	check(subst(FLOW, "\"tcp_flags\":\"SA\"", "\"tcp_flags\":\"SAX\""), "/fwd/tcp_flags: ");
	check(subst(FLOW, "\"duration_s\":0.5", "\"duration_s\":-1"), "/duration_s: ");
	check(subst(FLOW, "\"duration_s\":0.5", "\"duration_s\":\"1s\""), "/duration_s: ");
	assert_int_equal(sw_flowfile_count_add(INT64_MAX, INT64_MAX), INT64_MAX);
	assert_int_equal(sw_flowfile_count_add(UINT64_MAX, 5), INT64_MAX);
	assert_int_equal(sw_flowfile_count_add(2, 3), 5);
}

static void test_flow_times_enums(void **state)
{
	(void)state;
	check(subst(FLOW, "\"2026-11-22T10:00:01.000000Z\"", "\"yesterday\""),
	      "/first_seen: \"yesterday\" is not an RFC 3339 UTC time");
	check(subst(FLOW, "\"2026-11-22T10:00:01.000000Z\"", "\"2026-11-22T10:00:01+02:00\""),
	      "/first_seen: ");
	check(subst(FLOW, "\"2026-11-22T10:00:01.000000Z\"", "\"2026-13-22T10:00:01Z\""),
	      "/first_seen: ");
	check(subst(FLOW, "\"2026-11-22T10:00:01.000000Z\"", "\"2026-11-22T10:00:02Z\""),
	      "/last_seen: earlier than first_seen");
	check(subst(FLOW, "\"2026-11-22T10:00:01.000000Z\"", "17"), "/first_seen: expected a string");
	check(subst(FLOW, "\"tcp_flags\":\"SA\"", "\"first_seen\":\"x\""), "/fwd/first_seen: ");
	check(subst(FLOW, "\"state\":\"established\"", "\"state\":\"estab\""),
	      "/state: unknown state \"estab\"");
	check(subst(FLOW, "\"state\":\"established\",", ""), "/state: missing");
	check(subst(FLOW, "\"end\":\"flush\"", "\"end\":\"bye\""), "/end: unknown end");
	check(subst(FLOW, "\"initiator\":\"observed\"", "\"initiator\":1"), "/initiator: expected a string");
	check(subst(FLOW, "\"continued\":false", "\"continued\":\"no\""), "/continued: expected true or false");
	check(subst(FLOW, "\"dst_kind\":\"external\"", "\"dst_kind\":\"martian\""), "/dst_kind: unknown");
	check(subst(FLOW, "\"source\":\"engine\"", "\"source\":\"dns\""), "/src_workload/source: unknown");
	check(subst(FLOW, "\"name\":\"web-1\",", ""), "/src_workload/name: missing");
	check(subst(FLOW, "\"app\":\"web\"", "\"app\":1"), "/src_workload/labels/app: ");
	check(subst(FLOW, "\"src_workload\":{", "\"src_workload\":7,\"x\":{"),
	      "/src_workload: expected an object");
	check(subst(FLOW, "\"dport\":8080", "\"dport\":8080,\"icmp_type\":300"), "/icmp_type: 300");
}

static void test_shapes(void **state)
{
	(void)state;
	check("[1,2]", "/: a record is a JSON object, not an array");
	check("7", "/: a record is a JSON object");
	check("{\"flows\":\"x\"}", "/type: missing");
	check("{\"type\":3}", "/type: expected a string");
	check(KLOG, NULL);
	check(subst(KLOG, "\"rule\":\"default\"", "\"rule\":3"), NULL);
	check(subst(KLOG, "\"rule\":\"default\"", "\"rule\":-3"), "/rule: -3");
	check(subst(KLOG, "\"rule\":\"default\"", "\"rule\":\"x\""), "/rule: expected an integer");
	check(subst(KLOG, "\"action\":\"deny\"", "\"action\":\"drop\""), "/action: unknown action");
	check(subst(KLOG, "\"dport\":53", "\"dport\":99999"), "/dport: 99999");
	check(subst(KLOG, "\"packets\":5", "\"packets\":-5"), "/packets: -5 is not a count");
	check("{\"type\":\"counters\",\"packets_seen\":1,\"interfaces\":[{\"name\":\"br0\","
	      "\"received\":4,\"active\":true}],\"flow\":{\"flows\":2}}", NULL);
	check("{\"type\":\"counters\",\"interfaces\":[{\"name\":\"br0\",\"received\":-4}]}",
	      "/interfaces/0/received: not a count");
	check("{\"type\":\"counters\",\"malformed_by_reason\":{\"x\":1.5}}",
	      "/malformed_by_reason/x: not a count");
	check("{\"type\":\"counters\",\"flow\":3}", "/flow: expected an object");
	/* documents */
	check("{\"type\":\"capture\",\"version\":1,\"flows\":[" FLOW "]}", NULL);
	check("{\"type\":\"capture\",\"version\":1}", NULL);
	check("{\"type\":\"capture\",\"version\":99,\"flows\":[]}",
	      "/version: version 99 is not one this segwatch reads (1)");
	check("{\"type\":\"capture\",\"flows\":[]}", "/version: missing");
	check("{\"type\":\"capture\",\"version\":1,\"flows\":\"x\"}", "/flows: expected an array");
	check("{\"type\":\"capture\",\"version\":1,\"flows\":[7]}", "/flows/0: a record is a JSON object");
	check("{\"type\":\"capture\",\"version\":1,\"flows\":[" KLOG "]}",
	      "/flows/0/type: expected a \"flow\" record");
	check("{\"type\":\"capture\",\"version\":1,\"flows\":[" FLOW ",{\"type\":\"flow\"}]}",
	      "/flows/1/src: missing");
	check("{\"type\":\"capture\",\"version\":1,\"kernel_log\":[{\"type\":\"kernel_log\"}]}",
	      "/kernel_log/0/action: missing");
	check("{\"type\":\"capture\",\"version\":1,\"counters\":{\"decoded\":-1}}",
	      "/counters/decoded: not a count");
	check(GRAPH, NULL);
	check(subst(GRAPH, "\"version\":1", "\"version\":2"), "/version: version 2");
	check(subst(GRAPH, "\"port\":80", "\"port\":70000"), "/edges/0/port: 70000 is not a port");
	check(subst(GRAPH, "\"proto_num\":6", "\"proto_num\":17"), "/edges/0/proto: ");
	check(subst(GRAPH, "\"flows\":2", "\"flows\":-2"), "/edges/0/flows: -2");
	check(subst(GRAPH, "\"bytes\":2", "\"bytes\":1e308"), "/edges/0/fwd/bytes: expected a count");
	check(subst(GRAPH, "\"verdict\":\"violation\"", "\"verdict\":\"fine\""), "/edges/0/verdict: ");
	check(subst(GRAPH, "\"files\":1", "\"files\":\"1\""), "/completeness/files: ");
	check(subst(GRAPH, "{\"id\":\"a\",", "{"), "/nodes/0/id: missing");
	check(subst(GRAPH, "\"edges\":[", "\"edges\":7,\"x\":["), "/edges: expected an array");
}

static void test_doc_check(void **state)
{
	json_t *arr = json_loads("[" FLOW "]", 0, NULL);
	struct sw_err err = { 0 };
	enum sw_flowfile_kind kind;

	(void)state;
	assert_int_equal(sw_flowfile_doc_check(arr, &kind, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "not an array"));
	json_decref(arr);
	arr = json_loads(FLOW, 0, NULL);
	assert_int_equal(sw_flowfile_doc_check(arr, &kind, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/type: not a document type"));
	json_decref(arr);
}

static void test_time_parse(void **state)
{
	uint64_t us;

	(void)state;
	assert_true(sw_flowfile_time_parse("2026-11-22T13:52:03.123456Z", &us));
	assert_int_equal(us % 1000000, 123456);
	assert_true(sw_flowfile_time_parse("2026-11-22T13:52:03Z", &us));
	assert_false(sw_flowfile_time_parse("2026-11-22T13:52:03", &us));
	assert_false(sw_flowfile_time_parse("2026-11-22T13:52:03.Z", &us));
	assert_false(sw_flowfile_time_parse("2026-11-22 13:52:03Z", &us));
	assert_false(sw_flowfile_time_parse("10m", &us));
	assert_false(sw_flowfile_time_parse("", &us));
}

/* What the golden tests expect `capture --json` to write is what the check accepts. */
static void test_golden_documents(void **state)
{
	DIR *d = opendir(SW_GOLDEN_DIR);
	struct dirent *de;
	int n = 0;

	(void)state;
	if (!d)
		skip();
	while ((de = readdir(d))) {
		char path[4096];
		json_t *doc;
		struct sw_err err = { 0 };
		enum sw_flowfile_kind kind;

		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SW_GOLDEN_DIR, de->d_name);
		assert_int_equal(sw_flowfile_doc_load(path, &doc, &err), SW_EXIT_OK);
		if (sw_flowfile_doc_check(doc, &kind, &err) != SW_EXIT_OK)
			fail_msg("%s: %s", de->d_name, err.msg);
		json_decref(doc);
		n++;
	}
	closedir(d);
	assert_true(n > 10);
}

static void test_doc_load_bounds(void **state)
{
	struct sw_err err = { 0 };
	json_t *doc;

	(void)state;
	assert_int_equal(sw_flowfile_doc_load("/dev/zero", &doc, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "larger than 64 MiB"));
	assert_null(doc);
	assert_int_equal(sw_flowfile_doc_load("/nonexistent/x.json", &doc, &err), SW_EXIT_RUNTIME);
	assert_non_null(strstr(err.msg, "/nonexistent/x.json: cannot read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_valid),
		cmocka_unit_test(test_flow_ranges),
		cmocka_unit_test(test_flow_counts),
		cmocka_unit_test(test_flow_times_enums),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_doc_check),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_golden_documents),
		cmocka_unit_test(test_doc_load_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
