/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util: durations, sizes and times as people write them; the protocol table; escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/proto.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
