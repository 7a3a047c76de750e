/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live graph's store and API parameters (src/web, docs/web.md): the
 * rings hold what their bounds say (max_flows, the window, max_alerts) and
 * nothing more, open flows leave when they end, a reload's smaller bounds
 * keep the newest; query strings map onto the same filter as `segwatch
 * flows`, and every bad one is refused with the parameter's name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/web.h>

#define S 1000000ull
#define NOW (1764669600ull * S)	/* 2025-12-02T10:00:00Z */

static struct sw_web_key key(unsigned i)
{
	struct sw_web_key k = { .proto = 6, .init_port = (uint16_t)(40000 + i), .resp_port = 7001,
				.first_us = NOW + i * S };

	k.init_addr[15] = 1;
	k.resp_addr[15] = 2;
	return k;
}

static void end_flow(struct sw_web_store *s, unsigned i, uint64_t last_us)
{
	struct sw_web_key k = key(i);
	char line[64];

	snprintf(line, sizeof(line), "{\"n\":%u}", i);
	sw_web_store_flow_end(s, &k, last_us, line, strlen(line));
}

/* The numbers of the records in a snapshot, "1,2,3" (open ones as "o1"). */
static const char *order(struct sw_web_snap *snap)
{
	static char buf[512];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < snap->n && o < sizeof(buf) - 16; i++) {
		unsigned n = 0;

		sscanf(snap->v[i].line, "{\"n\":%u", &n);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s%u", i ? "," : "",
				      snap->v[i].open ? "o" : "", n);
	}
	return buf;
}

static void test_store_max_flows(void **state)
{
	struct sw_web_store *s = sw_web_store_alloc(3600 * S, 4, 10);
	struct sw_web_store_stats st;
	struct sw_web_snap snap;

	(void)state;
	assert_non_null(s);
	for (unsigned i = 1; i <= 10; i++)
		end_flow(s, i, NOW + i * S);
	sw_web_store_stats(s, &st);
	assert_int_equal(st.flows, 4);
	assert_int_equal(st.flows_dropped, 6);
	assert_int_equal(sw_web_store_flows(s, 0, 0, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "7,8,9,10");
	assert_int_equal(strlen(snap.v[0].line), snap.v[0].len);
	sw_web_snap_clear(&snap);
	/* a time window on the copy: spans meeting [8 s, 9 s] */
	assert_int_equal(sw_web_store_flows(s, NOW + 8 * S, NOW + 9 * S, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "8,9");
	sw_web_snap_clear(&snap);
	sw_web_store_free(s);
}

static void test_store_window(void **state)
{
	struct sw_web_store *s = sw_web_store_alloc(60 * S, 1000, 10);
	struct sw_web_store_stats st;
	struct sw_web_snap snap;

	(void)state;
	for (unsigned i = 1; i <= 5; i++)
		end_flow(s, i, NOW + i * S);
	/* 100 s later: every record before it is out of the 60 s window */
	end_flow(s, 6, NOW + 106 * S);
	sw_web_store_stats(s, &st);
	assert_int_equal(st.flows, 1);
	assert_int_equal(st.flows_dropped, 0); /* the window is no loss */
	assert_int_equal(sw_web_store_flows(s, 0, 0, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "6");
	sw_web_snap_clear(&snap);
	sw_web_store_free(s);
}

static void test_store_open(void **state)
{
	struct sw_web_store *s = sw_web_store_alloc(3600 * S, 3, 10);
	struct sw_web_store_stats st;
	struct sw_web_snap snap;
	char line[64];

	(void)state;
	for (unsigned i = 1; i <= 5; i++) {
		struct sw_web_key k = key(i);

		snprintf(line, sizeof(line), "{\"n\":%u}", i);
		sw_web_store_flow_open(s, &k, line, strlen(line));
	}
	sw_web_store_stats(s, &st);
	assert_int_equal(st.open, 3); /* max_flows bounds the open ones too */
	assert_int_equal(st.open_dropped, 2);
	end_flow(s, 2, NOW + 3 * S);	/* held open: leaves the open table */
	end_flow(s, 5, NOW + 6 * S);	/* never held open: only ended */
	sw_web_store_stats(s, &st);
	assert_int_equal(st.open, 2);
	assert_int_equal(st.flows, 2);
	assert_int_equal(sw_web_store_flows(s, 0, 0, &snap), SW_EXIT_OK);
	assert_int_equal(snap.n, 4);
	assert_string_equal(order(&snap), snap.v[2].first_us < snap.v[3].first_us ? "2,5,o1,o3" : "2,5,o3,o1");
	sw_web_snap_clear(&snap);
	/* until before flow 2's first packet: only the open one 1 began by then */
	assert_int_equal(sw_web_store_flows(s, 0, NOW + 3 * S / 2, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "o1");
	sw_web_snap_clear(&snap);
	sw_web_store_open_clear(s);
	sw_web_store_stats(s, &st);
	assert_int_equal(st.open, 0);
	assert_int_equal(st.flows, 2);
	/* many open flows: the table grows, every one is found again */
	sw_web_store_limits(s, 3600 * S, 5000, 10);
	for (unsigned i = 0; i < 4000; i++) {
		struct sw_web_key k = key(i);

		sw_web_store_flow_open(s, &k, "{}", 2);
	}
	for (unsigned i = 0; i < 4000; i++)
		end_flow(s, i, NOW + i * S);
	sw_web_store_stats(s, &st);
	assert_int_equal(st.open, 0);
	sw_web_store_free(s);
}

static void test_store_alerts(void **state)
{
	struct sw_web_store *s = sw_web_store_alloc(3600 * S, 10, 3);
	struct sw_web_store_stats st;
	struct sw_web_snap snap;
	char line[32];

	(void)state;
	for (unsigned i = 1; i <= 5; i++) {
		snprintf(line, sizeof(line), "{\"n\":%u}", i);
		sw_web_store_alert(s, NOW + i * S, line, strlen(line));
	}
	sw_web_store_stats(s, &st);
	assert_int_equal(st.alerts, 3);
	assert_int_equal(st.last_seq, 5);
	assert_int_equal(sw_web_store_alerts(s, 0, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "3,4,5");
	assert_int_equal(snap.v[0].seq, 3);
	assert_int_equal(snap.v[2].seq, 5);
	sw_web_snap_clear(&snap);
	assert_int_equal(sw_web_store_alerts(s, 4, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "5");
	sw_web_snap_clear(&snap);
	assert_int_equal(sw_web_store_alerts(s, 5, &snap), SW_EXIT_OK);
	assert_int_equal(snap.n, 0);
	sw_web_snap_clear(&snap);
	/* a reload with smaller bounds: the newest stay, numbering goes on */
	for (unsigned i = 1; i <= 6; i++)
		end_flow(s, i, NOW + i * S);
	sw_web_store_limits(s, 3600 * S, 2, 1);
	assert_int_equal(sw_web_store_flows(s, 0, 0, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "5,6");
	sw_web_snap_clear(&snap);
	sw_web_store_alert(s, NOW, "{\"n\":6}", 7);
	assert_int_equal(sw_web_store_alerts(s, 0, &snap), SW_EXIT_OK);
	assert_string_equal(order(&snap), "6");
	assert_int_equal(snap.v[0].seq, 6);
	sw_web_snap_clear(&snap);
	sw_web_store_free(s);
	sw_web_store_free(NULL);
}

/* ---- parameters ---- */

static const char *rec_text =
	"{\"type\":\"flow\",\"family\":4,\"proto\":\"tcp\",\"proto_num\":6,"
	"\"src\":\"10.1.0.1\",\"sport\":40000,\"dst\":\"10.1.0.2\",\"dport\":7001,"
	"\"state\":\"established\",\"first_seen\":\"2025-12-02T09:59:00.000000Z\","
	"\"last_seen\":\"2025-12-02T09:59:30.000000Z\","
	"\"src_kind\":\"workload\",\"src_workload\":{\"name\":\"shop/web-1\",\"labels\":{\"app\":\"web\"}},"
	"\"dst_kind\":\"workload\",\"dst_workload\":{\"name\":\"shop/api-1\",\"labels\":{\"app\":\"api\"}}}";

/* Does @qs (for /api/graph) match the record above? -1: refused, with the error in @msg. */
static int qs_match(const char *qs, char *msg, size_t size)
{
	struct sw_web_params p;
	struct sw_err err = { 0 };
	json_t *rec = json_loads(rec_text, 0, NULL);
	int rc, m = -1;

	assert_non_null(rec);
	assert_int_equal(sw_web_params_init(&p, SW_WEB_API_GRAPH, &err), SW_EXIT_OK);
	rc = sw_web_params_parse(&p, qs, strlen(qs), NOW, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_web_params_finish(&p, NULL, NOW, 900 * S, &err);
	if (rc == SW_EXIT_OK)
		m = sw_query_match(p.q, rec, NULL);
	snprintf(msg, size, "%s", err.msg);
	sw_web_params_clear(&p);
	json_decref(rec);
	return m;
}

static void test_params_map(void **state)
{
	char msg[600];

	(void)state;
	assert_int_equal(qs_match("", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("port=7001", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("port=7002", msg, sizeof(msg)), 0);
	assert_int_equal(qs_match("port=7000-7010&proto=tcp", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("port=80&port=7001", msg, sizeof(msg)), 1); /* repeated: OR */
	assert_int_equal(qs_match("proto=udp", msg, sizeof(msg)), 0);
	assert_int_equal(qs_match("state=established,refused", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("state=attempted", msg, sizeof(msg)), 0);
	assert_int_equal(qs_match("from=10.1.0.0%2F24&to=shop%2Fapi-*", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("from=app%3Dweb", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("from=app=api", msg, sizeof(msg)), 0);
	assert_int_equal(qs_match("peer=name:shop%2Fapi-1", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("peer=name:shop/db-*", msg, sizeof(msg)), 0);
	assert_int_equal(qs_match("to=app%3Dapi&from=app%3Dweb&port=7001&group_by=app&all=1", msg,
				  sizeof(msg)), 1);
	assert_int_equal(qs_match("token=secret&&port=7001", msg, sizeof(msg)), 1);
	/* a time: the record ended 30 s before NOW */
	assert_int_equal(qs_match("since=1m", msg, sizeof(msg)), 1);
	assert_int_equal(qs_match("since=10s", msg, sizeof(msg)), 0);
	assert_int_equal(qs_match("until=2m", msg, sizeof(msg)), 0);
}

static void test_params_refused(void **state)
{
	static const struct { const char *qs, *msg; } bad[] = {
		{ "bogus=1", "unknown parameter: \"bogus\"" },
		{ "port=abc", "port: " },
		{ "state=estab", "did you mean \"established\"" },
		{ "since=1m&since=2m", "since: given twice" },
		{ "all=maybe", "all: " },
		{ "group_by=", "group_by: " },
		{ "group_by=a%20b", "group_by: " },
		{ "limit=5", "\"limit\" is not a parameter of /api/graph" },
		{ "after=1", "\"after\" is not a parameter of /api/graph" },
		{ "port=%zz", "percent-encoded" },
		{ "port=%7", "percent-encoded" },
		{ "port=70%00", "percent-encoded" },
		{ "verdict=denied", "verdict" },
		{ "group_by=group", "group_by: group needs a policy" },
		{ "from=group:db", "group" },
		{ "since=1m&until=2m", "since" },
		{ "b%01d=1", "\"b?d\"" },
	};
	char msg[600];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int m = qs_match(bad[i].qs, msg, sizeof(msg));

		if (m != -1 || !strstr(msg, bad[i].msg))
			fail_msg("%s: %d \"%s\", expected an error with \"%s\"", bad[i].qs, m, msg,
				 bad[i].msg);
	}
}

static void test_params_apis(void **state)
{
	struct sw_web_params p;
	struct sw_err err = { 0 };

	(void)state;
	assert_int_equal(sw_web_params_init(&p, SW_WEB_API_ALERTS, &err), SW_EXIT_OK);
	assert_int_equal(sw_web_params_parse(&p, "after=41&limit=7", 16, NOW, &err), SW_EXIT_OK);
	assert_int_equal(p.after, 41);
	assert_int_equal(p.limit, 7);
	assert_int_equal(sw_web_params_add(&p, "port", "1", NOW, &err), SW_EXIT_USAGE);
	sw_web_params_clear(&p);
	assert_int_equal(sw_web_params_init(&p, SW_WEB_API_FLOWS, &err), SW_EXIT_OK);
	assert_int_equal(sw_web_params_add(&p, "limit", "0", NOW, &err), SW_EXIT_USAGE);
	assert_int_equal(sw_web_params_add(&p, "limit", "10001", NOW, &err), SW_EXIT_USAGE);
	sw_web_params_clear(&p);
	/* since: the window when absent, never earlier than it */
	assert_int_equal(sw_web_params_init(&p, SW_WEB_API_GRAPH, &err), SW_EXIT_OK);
	assert_int_equal(sw_web_params_finish(&p, NULL, NOW, 900 * S, &err), SW_EXIT_OK);
	assert_int_equal(p.since_us, NOW - 900 * S);
	assert_int_equal(p.until_us, 0);
	assert_int_equal(p.by, SW_GRAPH_BY_WORKLOAD);
	sw_web_params_clear(&p);
	assert_int_equal(sw_web_params_init(&p, SW_WEB_API_GRAPH, &err), SW_EXIT_OK);
	assert_int_equal(sw_web_params_add(&p, "since", "1h", NOW, &err), SW_EXIT_OK);
	assert_int_equal(sw_web_params_add(&p, "group_by", "tier", NOW, &err), SW_EXIT_OK);
	assert_int_equal(sw_web_params_finish(&p, NULL, NOW, 900 * S, &err), SW_EXIT_OK);
	assert_int_equal(p.since_us, NOW - 900 * S);
	assert_int_equal(p.by, SW_GRAPH_BY_LABEL);
	assert_string_equal(p.label, "tier");
	sw_web_params_clear(&p);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(sw_web_listen_is_loopback("127.0.0.1:9618"));
	assert_true(sw_web_listen_is_loopback("127.1.2.3:1"));
	assert_true(sw_web_listen_is_loopback("[::1]:9618"));
	assert_false(sw_web_listen_is_loopback("0.0.0.0:9618"));
	assert_false(sw_web_listen_is_loopback("[::]:9618"));
	assert_false(sw_web_listen_is_loopback("10.0.0.1:9618"));
	assert_false(sw_web_listen_is_loopback("localhost:9618"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_max_flows),
		cmocka_unit_test(test_store_window),
		cmocka_unit_test(test_store_open),
		cmocka_unit_test(test_store_alerts),
		cmocka_unit_test(test_params_map),
		cmocka_unit_test(test_params_refused),
		cmocka_unit_test(test_params_apis),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
