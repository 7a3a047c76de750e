// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the NFLOG aggregation (src/nflog/agg.c): keys, the bound,
 * what is not counted and why, the order, and the kernel_log record written
 * from an entry (src/report/flow_line.c) parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <segwatch/nflog.h>
#include <segwatch/report.h>

/* A decoded IPv4 record: 10.0.0.@s -> 10.0.0.@d. */
static struct sw_nflog_rec sw_rec(enum sw_nflog_action a, int rule, int s, int d, uint8_t proto,
				  uint16_t dport, uint64_t ts)
{
	struct sw_nflog_rec r = { .action = a, .rule = rule, .decoded = true, .family = 4,
				  .proto = proto, .sport = 40000, .dport = dport, .ts_us = ts };

	r.src[10] = r.src[11] = r.dst[10] = r.dst[11] = 0xff;
	r.src[12] = r.dst[12] = 10;
	r.src[15] = (uint8_t)s;
	r.dst[15] = (uint8_t)d;
	return r;
}

static void test_same_key(void **state)
{
	struct sw_nflog_agg *a = sw_nflog_agg_alloc(0);
	struct sw_nflog_rec r = sw_rec(SW_NFLOG_DENY, SW_NFLOG_RULE_DEFAULT, 1, 3, 6, 5432, 2000);
	const struct sw_nflog_agg_entry *e;
	size_t n;

	(void)state;
	assert_true(sw_nflog_agg_add(a, &r));
	r.sport = 40001; /* another connection attempt, same key */
	r.ts_us = 1000;
	assert_true(sw_nflog_agg_add(a, &r));
	r.ts_us = 5000;
	assert_true(sw_nflog_agg_add(a, &r));
	e = sw_nflog_agg_entries(a, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e->packets, 3);
	assert_int_equal(e->first_us, 1000);
	assert_int_equal(e->last_us, 5000);
	assert_int_equal(e->key.port, 5432);
	assert_int_equal(sw_nflog_agg_stats(a)->max_keys, SW_NFLOG_AGG_MAX_DEFAULT);
	sw_nflog_agg_free(a);
}

static void test_keys_differ(void **state)
{
	struct sw_nflog_agg *a = sw_nflog_agg_alloc(0);
	struct sw_nflog_rec v[] = {
		sw_rec(SW_NFLOG_DENY, 2, 1, 3, 6, 5432, 10),
		sw_rec(SW_NFLOG_MONITOR, 2, 1, 3, 6, 5432, 11),	/* action */
		sw_rec(SW_NFLOG_DENY, SW_NFLOG_RULE_DEFAULT, 1, 3, 6, 5432, 12), /* rule */
		sw_rec(SW_NFLOG_DENY, 2, 3, 1, 6, 5432, 13),	/* direction */
		sw_rec(SW_NFLOG_DENY, 2, 1, 3, 17, 5432, 14),	/* protocol */
		sw_rec(SW_NFLOG_DENY, 2, 1, 3, 1, 0, 15),	/* ICMP: keyed by type */
	};
	struct sw_nflog_rec foreign = sw_rec(SW_NFLOG_UNKNOWN, SW_NFLOG_RULE_NONE, 1, 3, 6, 1, 16);
	struct sw_nflog_rec undecoded = sw_rec(SW_NFLOG_DENY, 1, 1, 3, 6, 1, 17);
	const struct sw_nflog_agg_entry *e;
	size_t n;

	(void)state;
	v[5].icmp_type = 8;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_true(sw_nflog_agg_add(a, &v[i]));
	undecoded.decoded = false;
	assert_false(sw_nflog_agg_add(a, &foreign));
	assert_false(sw_nflog_agg_add(a, &undecoded));
	e = sw_nflog_agg_entries(a, &n);
	assert_int_equal(n, 6);
	assert_true(e[5].key.icmp);
	assert_int_equal(e[5].key.port, 8);
	assert_int_equal(sw_nflog_agg_stats(a)->foreign, 1);
	assert_int_equal(sw_nflog_agg_stats(a)->undecoded, 1);
	assert_int_equal(sw_nflog_agg_stats(a)->packets, 6);
	sw_nflog_agg_free(a);
}

/* A scan: one key per port; the table stops at its bound and counts the rest. */
static void test_bound(void **state)
{
	struct sw_nflog_agg *a = sw_nflog_agg_alloc(1000);
	const struct sw_nflog_agg_stats *s = sw_nflog_agg_stats(a);
	struct sw_nflog_rec r;
	size_t n;

	(void)state;
	for (unsigned port = 1; port <= 5000; port++) {
		r = sw_rec(SW_NFLOG_DENY, SW_NFLOG_RULE_DEFAULT, 1, 3, 6, (uint16_t)port, port);
		sw_nflog_agg_add(a, &r);
	}
	sw_nflog_agg_entries(a, &n);
	assert_int_equal(n, 1000);
	assert_int_equal(s->keys, 1000);
	assert_int_equal(s->not_aggregated, 4000);
	/* a key already in the table is still counted */
	r = sw_rec(SW_NFLOG_DENY, SW_NFLOG_RULE_DEFAULT, 1, 3, 6, 500, 9999);
	assert_true(sw_nflog_agg_add(a, &r));
	assert_int_equal(s->packets, 1001);
	sw_nflog_agg_free(a);
}

static void test_sort(void **state)
{
	struct sw_nflog_agg *a = sw_nflog_agg_alloc(0);
	struct sw_nflog_rec r;
	const struct sw_nflog_agg_entry *e;
	size_t n;

	(void)state;
	for (unsigned i = 0; i < 300; i++) {
		r = sw_rec(SW_NFLOG_DENY, 0, 1, 3, 6, (uint16_t)(i + 1), 1000000 - i);
		assert_true(sw_nflog_agg_add(a, &r));
	}
	sw_nflog_agg_sort(a);
	e = sw_nflog_agg_entries(a, &n);
	for (size_t i = 1; i < n; i++)
		assert_true(e[i - 1].first_us <= e[i].first_us);
	/* the index follows the moved entries */
	r = sw_rec(SW_NFLOG_DENY, 0, 1, 3, 6, 300, 1);
	assert_true(sw_nflog_agg_add(a, &r));
	e = sw_nflog_agg_entries(a, &n);
	assert_int_equal(n, 300);
	assert_int_equal(e[0].key.port, 300);
	assert_int_equal(e[0].packets, 2);
	sw_nflog_agg_free(a);
}

static void test_line(void **state)
{
	struct sw_nflog_rec r = sw_rec(SW_NFLOG_DENY, 3, 1, 3, 6, 5432, 1763820000123456ull);
	struct sw_report_clock clk = { 0 };
	struct sw_nflog_agg_key k;
	char prefix[SW_NFLOG_PREFIX_MAX], line[SW_REPORT_FLOW_LINE_MAX];
	struct sw_report_klog rec;
	json_t *o;

	(void)state;
	assert_true(sw_nflog_agg_key_fill(&k, &r));
	sw_nflog_prefix_format(prefix, sizeof(prefix), SW_NFLOG_DENY, 3);
	assert_string_equal(prefix, "sw deny rules/3");
	rec = (struct sw_report_klog){ .action = "deny", .rule = 3, .prefix = prefix, .family = 4,
				       .proto = 6, .port = 5432, .src = k.src, .dst = k.dst,
				       .packets = 7, .first_us = r.ts_us, .last_us = r.ts_us + 1 };
	assert_true(sw_report_kernel_log_line(&clk, &rec, NULL, line, sizeof(line)) > 0);
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "kernel_log");
	assert_int_equal(json_integer_value(json_object_get(o, "rule")), 3);
	assert_string_equal(json_string_value(json_object_get(o, "src")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(o, "dst")), "10.0.0.3");
	assert_int_equal(json_integer_value(json_object_get(o, "dport")), 5432);
	assert_int_equal(json_integer_value(json_object_get(o, "packets")), 7);
	assert_string_equal(json_string_value(json_object_get(o, "first_seen")),
			    "2025-11-22T14:00:00.123456Z");
	json_decref(o);
	sw_nflog_prefix_format(prefix, sizeof(prefix), SW_NFLOG_MONITOR, SW_NFLOG_RULE_DEFAULT);
	assert_string_equal(prefix, "sw monitor default");
	rec.rule = -1;
	assert_int_equal(sw_report_kernel_log_line(&clk, &rec, NULL, line, 10), 0); /* too small */
	assert_true(sw_report_kernel_log_line(&clk, &rec, NULL, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"rule\":\"default\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_key),
		cmocka_unit_test(test_keys_differ),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
