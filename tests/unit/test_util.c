/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util: durations, sizes and times as people write them; the protocol table; escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <segwatch/proto.h>
#include <segwatch/table.h>
#include <segwatch/term.h>
#include <segwatch/text.h>
#include <segwatch/units.h>

static void test_durations(void **state)
{
	static const struct { const char *text; uint64_t us; } ok[] = {
		{ "90", 90000000 }, { "90s", 90000000 }, { "15m", 900000000 },
		{ "2h", 7200000000 }, { "7d", 604800000000 }, { "1w", 604800000000 },
		{ "1h30m", 5400000000 }, { "1.5h", 5400000000 }, { "250ms", 250000 },
		{ "0", 0 }, { "10us", 10 },
	};
	static const char *const bad[] = { "", "h", "-1s", "1x", "1 h", "5h3", "nan", "1e400s",
					   "9999999999d", "s5" };
	uint64_t us;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_true(sw_units_duration_parse(ok[i].text, &us));
		assert_int_equal(us, ok[i].us);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sw_units_duration_parse(bad[i], &us));
}

static void test_sizes(void **state)
{
	static const struct { const char *text; uint64_t b; } ok[] = {
		{ "4096", 4096 }, { "64k", 65536 }, { "64KiB", 65536 }, { "64kB", 64000 },
		{ "10M", 10485760 }, { "2GiB", 2147483648ull }, { "1TB", 1000000000000ull },
	};
	static const char *const bad[] = { "", "k", "-1", "1XB", "1 MiB", "99999999TiB" };
	uint64_t b;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_true(sw_units_size_parse(ok[i].text, &b));
		assert_int_equal(b, ok[i].b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sw_units_size_parse(bad[i], &b));
}

static void test_times(void **state)
{
	const uint64_t now = 1764597600ull * 1000000; /* 2025-12-01T14:00:00Z */
	uint64_t us;

	(void)state;
	assert_true(sw_units_time_parse("10m", now, &us));
	assert_int_equal(us, now - 600000000ull);
	assert_true(sw_units_time_parse("now", now, &us));
	assert_int_equal(us, now);
	assert_true(sw_units_time_parse("2025-12-01T14:00:00Z", now, &us));
	assert_int_equal(us, now);
	assert_true(sw_units_time_parse("2025-12-01 15:00:00+01:00", now, &us));
	assert_int_equal(us, now);
	assert_true(sw_units_time_parse("2025-12-01T09:30-04:30", now, &us));
	assert_int_equal(us, now);
	assert_true(sw_units_time_parse("2025-12-01T14:00:00.25Z", now, &us));
	assert_int_equal(us, now + 250000);
	assert_true(sw_units_time_parse("2025-12-01", now, &us));
	assert_int_equal(us, now - 14 * 3600000000ull);
	assert_true(sw_units_time_parse("@1764597600", now, &us));
	assert_int_equal(us, now);
	/* longer ago than the epoch: the start of time */
	assert_true(sw_units_time_parse("3000w", now, &us));
	assert_int_equal(us, 0);
	assert_false(sw_units_time_parse("yesterday", now, &us));
	assert_false(sw_units_time_parse("2025-12-01T14:00:00Q", now, &us));
	assert_false(sw_units_time_parse("2025-13-01", now, &us));
	assert_false(sw_units_time_parse("2025-12-01T14:00:00+25:00", now, &us));
	assert_false(sw_units_time_parse("@", now, &us));
}

static void test_protocols(void **state)
{
	char buf[8];
	uint8_t p;

	(void)state;
	assert_string_equal(sw_proto_name(6, 4), "tcp");
	assert_string_equal(sw_proto_name(136, 6), "udplite");
	assert_string_equal(sw_proto_name(1, 4), "icmp");
	assert_null(sw_proto_name(1, 6));	/* ICMP over IPv6 is not ICMP */
	assert_string_equal(sw_proto_name(58, 0), "icmpv6");
	assert_string_equal(sw_proto_name_or_num(47, 4, buf, sizeof(buf)), "47");
	assert_true(sw_proto_parse("udplite", &p) && p == 136);
	assert_true(sw_proto_parse("icmp6", &p) && p == 58);
	assert_true(sw_proto_parse("47", &p) && p == 47);
	assert_false(sw_proto_parse("256", &p));
	assert_false(sw_proto_parse("tcpp", &p));
	assert_true(sw_proto_has_ports(136) && !sw_proto_has_ports(1));
}

static void test_escape(void **state)
{
	char buf[64];

	(void)state;
	/* a terminal escape and a forged log line stay on one harmless line */
	assert_string_equal(sw_text_escape(buf, sizeof(buf), "web\x1b[2J\nfake"),
			    "web\\x1b[2J\\x0afake");
	assert_int_equal(sw_text_escape_len(buf, sizeof(buf), "caf\xc3\xa9"), 5);
	assert_string_equal(buf, "caf\xc3\xa9");
	/* cut on a whole character: no half UTF-8 sequence, no half escape */
	assert_int_equal(sw_text_escape_len(buf, 5, "ab\x01" "cd"), 2);
	assert_int_equal(sw_text_escape_len(buf, 4, "ab\xc3\xa9"), 2);
	sw_text_escape(buf, 12, "abcdefghijklmnop");
	assert_string_equal(buf, "abcdefgh...");
}

/* Sizes, durations, clock times formatted for tables, and read back where a parser exists. */
static void test_formats(void **state)
{
	static const struct { uint64_t b; const char *s; } sz[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" }, { 1229, "1.2 KiB" },
		{ 15360, "15 KiB" }, { 1048063, "1023 KiB" }, { 1048500, "1.0 MiB" }, { 3565158, "3.4 MiB" },
		{ UINT64_MAX, "16 EiB" },
	};
	static const struct { uint64_t us; const char *s; } du[] = {
		{ 0, "0ms" }, { 450000, "450ms" }, { 2300000, "2.3s" }, { 45000000, "45s" },
		{ 723000000, "12m03s" }, { 11100000000ull, "3h05m" }, { 187200000000ull, "2d04h" },
	};
	char buf[32];
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++)
		assert_string_equal(sw_units_size_format(buf, sizeof(buf), sz[i].b), sz[i].s);
	for (size_t i = 0; i < sizeof(du) / sizeof(du[0]); i++) {
		assert_string_equal(sw_units_duration_format(buf, sizeof(buf), du[i].us), du[i].s);
		assert_true(sw_units_duration_parse(buf, &v)); /* what we print reads back */
	}
	setenv("TZ", "UTC", 1);
	assert_string_equal(sw_units_clock_format(buf, sizeof(buf), 1764597600ull * 1000000, false),
			    "14:00:00");
	assert_string_equal(sw_units_clock_format(buf, sizeof(buf), 1764597600ull * 1000000, true),
			    "2025-12-01 14:00:00");
	assert_true(sw_units_same_day(1764597600ull * 1000000, 1764633599ull * 1000000));
	assert_false(sw_units_same_day(1764597600ull * 1000000, 1764633600ull * 1000000));
}

/* Cutting to a width: whole characters, the ellipsis one column, CJK two. */
static void test_table_fit(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(sw_table_text_width("données/数据库-0"), 16);
	assert_string_equal(sw_table_fit(buf, sizeof(buf), "abcdefghij", 10, true), "abcdefghij");
	assert_string_equal(sw_table_fit(buf, sizeof(buf), "abcdefghij", 7, false), "abcdef\u2026");
	assert_string_equal(sw_table_fit(buf, sizeof(buf), "abcdefghij", 7, true), "abc\u2026hij");
	/* a wide character never half fits: the cut leaves a column unused */
	sw_table_fit(buf, sizeof(buf), "数据库数据库", 6, false);
	assert_string_equal(buf, "数据\u2026");
	assert_true(sw_table_text_width(buf) <= 6);
	assert_string_equal(sw_table_fit(buf, sizeof(buf), "abc", 0, false), "");
}

/* A table fitted to 30 columns: the flexible column shrinks, hostile text is escaped, colour only when asked. */
static void test_table_write(void **state)
{
	static const struct sw_table_col cols[] = {
		{ "NAME", SW_TABLE_LEFT, 6, 0, true, true, 0 },
		{ "N", SW_TABLE_RIGHT, 0, 0, false, false, 0 },
		{ "EXTRA", SW_TABLE_LEFT, 0, 0, false, false, 1 },
		{ "VERDICT", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	};
	struct sw_table *t = sw_table_new(cols, 4);
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(t);
	assert_true(sw_table_row(t));
	sw_table_cell(t, "a-very-long-workload-name-0", NULL);
	sw_table_cellf(t, NULL, "%d", 12);
	sw_table_cell(t, "x", NULL);
	sw_table_cell(t, "allowed", sw_term_word_sgr("allowed"));
	assert_true(sw_table_row(t));
	sw_table_cell(t, "evil\x1b[2J", NULL);
	sw_table_cell(t, "3", NULL);
	assert_int_equal(sw_table_rows(t), 2);
	f = open_memstream(&out, &len);
	assert_int_equal(sw_table_write(t, f, 30, false), 0);
	fclose(f);
	/* 30 columns: NAME shrinks to 10, cut in the middle; escaped text cut like any */
	assert_string_equal(out, "NAME         N  EXTRA  VERDICT\n"
				 "a-ver\u2026me-0  12  x      allowed\n"
				 "evil\\\u2026b[2J   3\n");
	free(out);
	f = open_memstream(&out, &len);
	assert_int_equal(sw_table_write(t, f, 25, false), 0);
	fclose(f);
	/* 25: EXTRA left out (NAME could not keep its 6 columns otherwise) */
	assert_string_equal(out, "NAME           N  VERDICT\n"
				 "a-very\u2026ame-0  12  allowed\n"
				 "evil\\x1b[2J    3\n");
	free(out);
	f = open_memstream(&out, &len);
	assert_int_equal(sw_table_write(t, f, 0, true), 0);
	fclose(f);
	assert_non_null(strstr(out, "\033[32mallowed\033[0m"));
	assert_non_null(strstr(out, "a-very-long-workload-name-0")); /* no limit: whole */
	free(out);
	sw_table_free(t);
}

static int sw_cmp_mod(size_t a, size_t b, void *ctx)
{
	const int *v = ctx;

	return (v[a] / 1000) - (v[b] / 1000); /* the thousands are the "ends" */
}

static long sw_port_mod(size_t i, void *ctx)
{
	return ((const int *)ctx)[i] % 1000;
}

/* Port runs: 4 distinct ports fold, 3 do not; ranges written short. */
static void test_table_runs(void **state)
{
	int v[] = { 1020, 2001, 1021, 1022, 1023, 2002, 2003, 2003 };
	const struct sw_table_runs_ops ops = { sw_cmp_mod, sw_port_mod };
	size_t lead[8], next[8], d;
	uint16_t p[] = { 45, 20, 21, 22, 80, 23, 443, 22 };
	char buf[40];

	(void)state;
	assert_true(sw_table_runs(8, &ops, v, lead, next));
	assert_int_equal(lead[0], 0);
	assert_int_equal(lead[2], 0);
	assert_int_equal(lead[4], 0);
	assert_int_equal(next[0], 2);
	assert_int_equal(next[4], SIZE_MAX);
	/* 2001, 2002, 2003, 2003: three distinct ports, not a run */
	assert_int_equal(lead[1], 1);
	assert_int_equal(lead[5], 5);
	assert_string_equal(sw_table_ports(buf, sizeof(buf), p, 8, &d), "20-23,45,80,443");
	assert_int_equal(d, 7);
	assert_string_equal(sw_table_ports(buf, 10, p, 8, &d), "20-23\u2026");
	assert_int_equal(d, 7);
}

/* NO_COLOR and SEGWATCH_COLOR, in that order of weight reversed. */
static void test_colour(void **state)
{
	(void)state;
	unsetenv("SEGWATCH_COLOR");
	setenv("NO_COLOR", "1", 1);
	assert_false(sw_term_colour(stdout));
	setenv("SEGWATCH_COLOR", "always", 1);
	assert_true(sw_term_colour(stdout));
	setenv("SEGWATCH_COLOR", "never", 1);
	unsetenv("NO_COLOR");
	assert_false(sw_term_colour(stdout));
	unsetenv("SEGWATCH_COLOR");
	setenv("COLUMNS", "77", 1);
	assert_int_equal(sw_term_width(stdout), 77);
	setenv("COLUMNS", "x", 1);
	if (!isatty(1))
		assert_int_equal(sw_term_width(stdout), 0);
	unsetenv("COLUMNS");
	assert_true(sw_term_colour_mode_ok("auto"));
	assert_false(sw_term_colour_mode_ok("yes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_table_fit),
		cmocka_unit_test(test_table_write),
		cmocka_unit_test(test_table_runs),
		cmocka_unit_test(test_colour),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
