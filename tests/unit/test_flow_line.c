/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sw_report_flow_line writes flow records as JSON text without jansson; this
 * parses what it writes back with jansson and compares every field with the
 * struct it came from and with the schema in docs/flows.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* timegm */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include <segwatch/report.h>

#include "pktbuild.h"

#define SEC 1000000ULL

/* docs/flows.md example: 2026-11-22T13:52:03.123456Z */
static uint64_t doc_time_us(void)
{
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 22,
			 .tm_hour = 13, .tm_min = 52, .tm_sec = 3 };

	return (uint64_t)timegm(&tm) * SEC + 123456;
}

/* Independent RFC 3339 formatting of a time in microseconds. */
static void fmt_time(char *buf, size_t len, uint64_t us)
{
	time_t sec = (time_t)(us / SEC);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(us % SEC));
}

static void set_addr(uint8_t out[16], int family, const char *text)
{
	if (family == 4)
		pb_addr4(out, text);
	else
		pb_addr6(out, text);
}

static struct sw_flow mk_flow(int family, uint8_t proto, const char *src, uint16_t sport,
			      const char *dst, uint16_t dport)
{
	struct sw_flow f;

	memset(&f, 0, sizeof(f));
	f.family = (uint8_t)family;
	f.proto = proto;
	set_addr(f.init_addr, family, src);
	set_addr(f.resp_addr, family, dst);
	f.init_port = sport;
	f.resp_port = dport;
	return f;
}

static void set_dir(struct sw_flow_dir *d, uint64_t packets, uint64_t bytes, uint64_t first,
		    uint64_t last, uint8_t flags)
{
	d->packets = packets;
	d->bytes = bytes;
	d->first_us = first;
	d->last_us = last;
	d->tcp_flags = flags;
}

/* ---- checking one line ---- */

static const char *const documented_keys[] = {
	"type", "family", "proto", "proto_num", "src", "sport", "dst", "dport", "icmp_type",
	"icmp_code", "icmp_id", "community_id", "initiator", "state", "end", "first_seen", "last_seen",
	"duration_s", "fwd", "rev", "continued", "fragments", "icmp_error",
};

static json_t *get(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		fail_msg("key \"%s\" missing", key);
	return v;
}

static void expect_str(json_t *o, const char *key, const char *want)
{
	json_t *v = get(o, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	assert_string_equal(json_string_value(v), want);
}

static void expect_int(json_t *o, const char *key, json_int_t want)
{
	json_t *v = get(o, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	assert_int_equal(json_integer_value(v), want);
}

static void expect_bool(json_t *o, const char *key, bool want)
{
	json_t *v = get(o, key);

	if (!json_is_boolean(v))
		fail_msg("\"%s\" is not a boolean", key);
	assert_int_equal(json_is_true(v), want);
}

static void expect_time(json_t *o, const char *key, uint64_t us)
{
	char want[96];

	fmt_time(want, sizeof(want), us);
	expect_str(o, key, want);
}

static void check_dir(json_t *o, const char *key, const struct sw_flow_dir *d, bool tcp)
{
	json_t *dir = get(o, key);
	char flags[9];

	assert_true(json_is_object(dir));
	expect_int(dir, "packets", (json_int_t)d->packets);
	expect_int(dir, "bytes", (json_int_t)d->bytes);
	if (tcp) {
		sw_report_tcp_flags(d->tcp_flags, flags);
		expect_str(dir, "tcp_flags", flags);
	} else {
		assert_null(json_object_get(dir, "tcp_flags"));
	}
	if (d->packets) {
		expect_time(dir, "first_seen", d->first_us);
		expect_time(dir, "last_seen", d->last_us);
	} else {
		assert_null(json_object_get(dir, "first_seen"));
		assert_null(json_object_get(dir, "last_seen"));
	}
}

static uint64_t flow_first(const struct sw_flow *f)
{
	if (!f->rev.packets)
		return f->fwd.first_us;
	if (!f->fwd.packets)
		return f->rev.first_us;
	return f->fwd.first_us < f->rev.first_us ? f->fwd.first_us : f->rev.first_us;
}

static uint64_t flow_last(const struct sw_flow *f)
{
	return f->fwd.last_us > f->rev.last_us ? f->fwd.last_us : f->rev.last_us;
}

/*
 * Format @f, parse it, compare. @proto_name, @src and @dst are the expected
 * text forms; @icmp_id < 0 when no icmp_id is expected.
 */
static void check_line(struct sw_report_clock *clk, const struct sw_flow *f,
		       const char *proto_name, const char *src, const char *dst, long icmp_id)
{
	char buf[SW_REPORT_FLOW_LINE_MAX], dur[48];
	size_t n = sw_report_flow_line(clk, f, NULL, buf, sizeof(buf));
	json_error_t err;
	json_t *o;
	const char *key;
	json_t *val;
	uint64_t first = flow_first(f), last = flow_last(f);
	bool icmp = (f->family == 4 && f->proto == 1) || (f->family == 6 && f->proto == 58);

	assert_true(n > 0);
	assert_int_equal(n, strlen(buf));
	assert_null(strchr(buf, '\n'));
	o = json_loads(buf, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		fail_msg("not JSON (%s at %d): %s", err.text, err.position, buf);
	assert_true(json_is_object(o));

	json_object_foreach(o, key, val) {
		bool known = false;

		for (size_t i = 0; i < sizeof(documented_keys) / sizeof(documented_keys[0]); i++)
			known |= strcmp(key, documented_keys[i]) == 0;
		if (!known)
			fail_msg("undocumented key \"%s\"", key);
	}
	expect_str(o, "type", "flow");
	expect_int(o, "family", f->family);
	expect_str(o, "proto", proto_name);
	expect_int(o, "proto_num", f->proto);
	expect_str(o, "src", src);
	expect_int(o, "sport", f->init_port);
	expect_str(o, "dst", dst);
	expect_int(o, "dport", f->resp_port);
	if (icmp) {
		expect_int(o, "icmp_type", f->icmp_type);
		expect_int(o, "icmp_code", f->icmp_code);
	} else {
		assert_null(json_object_get(o, "icmp_type"));
		assert_null(json_object_get(o, "icmp_code"));
	}
	{
		char cid[SW_COMMUNITY_ID_LEN];

		sw_flow_community_id(f, 0, cid);
		expect_str(o, "community_id", cid);
		assert_int_equal(strlen(cid), 30);
	}
	if (icmp_id >= 0)
		expect_int(o, "icmp_id", icmp_id);
	else
		assert_null(json_object_get(o, "icmp_id"));
	expect_str(o, "initiator", f->flags & SW_FLOW_F_INFERRED ? "inferred" : "observed");
	expect_str(o, "state", sw_flow_state_name(f->state));
	expect_str(o, "end", sw_flow_end_name(f->end));
	expect_time(o, "first_seen", first);
	expect_time(o, "last_seen", last);
	val = get(o, "duration_s");
	assert_true(json_is_real(val));
	assert_float_equal(json_real_value(val), (double)(last - first) / 1e6, 1e-7);
	/* six decimals, exactly */
	snprintf(dur, sizeof(dur), "\"duration_s\":%llu.%06llu", (unsigned long long)((last - first) / SEC),
		 (unsigned long long)((last - first) % SEC));
	if (!strstr(buf, dur))
		fail_msg("expected %s in %s", dur, buf);
	check_dir(o, "fwd", &f->fwd, f->proto == 6);
	check_dir(o, "rev", &f->rev, f->proto == 6);
	expect_bool(o, "continued", f->flags & SW_FLOW_F_CONTINUED);
	expect_bool(o, "fragments", f->flags & SW_FLOW_F_FRAGMENTS);
	expect_bool(o, "icmp_error", f->flags & SW_FLOW_F_ICMP_ERROR);
	json_decref(o);
}

/* ---- tests ---- */

static void test_tcp4(void **state)
{
	struct sw_report_clock clk = { 0 };
	uint64_t t = doc_time_us();
	struct sw_flow f = mk_flow(4, 6, "10.77.0.2", 43210, "10.77.0.3", 80);
	char buf[SW_REPORT_FLOW_LINE_MAX];

	(void)state;
	f.state = SW_FLOW_CLOSED;
	f.end = SW_END_FLUSH;
	set_dir(&f.fwd, 6, 412, t, t + 333333, 0x1b);
	set_dir(&f.rev, 5, 1988, t + 100, t + 300000, 0x1b);
	check_line(&clk, &f, "tcp", "10.77.0.2", "10.77.0.3", -1);

	/* the documented example, literally */
	assert_true(sw_report_flow_line(&clk, &f, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"first_seen\":\"2026-11-22T13:52:03.123456Z\""));
	assert_non_null(strstr(buf, "\"last_seen\":\"2026-11-22T13:52:03.456789Z\""));
	assert_non_null(strstr(buf, "\"duration_s\":0.333333"));
	assert_non_null(strstr(buf, "\"tcp_flags\":\"FSPA\""));

	/* every state and end reason, every flag */
	for (int s = SW_FLOW_ATTEMPTED; s <= SW_FLOW_CLOSED; s++)
		for (int e = SW_END_IDLE; e <= SW_END_REUSED; e++) {
			f.state = (uint8_t)s;
			f.end = (uint8_t)e;
			f.flags = (uint8_t)((s + e) & 0x0f);
			check_line(&clk, &f, "tcp", "10.77.0.2", "10.77.0.3", -1);
		}
	/* all eight flags, and none */
	f.fwd.tcp_flags = 0xff;
	f.rev.tcp_flags = 0;
	check_line(&clk, &f, "tcp", "10.77.0.2", "10.77.0.3", -1);
	assert_true(sw_report_flow_line(&clk, &f, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"tcp_flags\":\"FSRPAUEC\""));
	assert_non_null(strstr(buf, "\"tcp_flags\":\"\""));
}

static void test_udp4(void **state)
{
	struct sw_report_clock clk = { 0 };
	struct sw_flow f = mk_flow(4, 17, "192.168.1.254", 65535, "255.255.255.255", 0);

	(void)state;
	f.state = SW_FLOW_ATTEMPTED;
	f.end = SW_END_IDLE;
	set_dir(&f.fwd, 1, 328, 1700000000 * SEC, 1700000000 * SEC, 0);
	/* nothing went back: rev has no times */
	check_line(&clk, &f, "udp", "192.168.1.254", "255.255.255.255", -1);

	/* long flow: days of duration, 64-bit counters */
	f.state = SW_FLOW_ESTABLISHED;
	f.end = SW_END_ACTIVE;
	f.flags = SW_FLOW_F_CONTINUED | SW_FLOW_F_FRAGMENTS;
	set_dir(&f.fwd, 5000000000ULL, 7000000000000ULL, 1700000000 * SEC + 1,
		1700000000 * SEC + 3 * 86400 * SEC + 999999, 0);
	set_dir(&f.rev, 1, 28, 1700000000 * SEC + 2, 1700000000 * SEC + 2, 0);
	check_line(&clk, &f, "udp", "192.168.1.254", "255.255.255.255", -1);
}

static void test_icmp(void **state)
{
	struct sw_report_clock clk = { 0 };
	struct sw_flow f = mk_flow(4, 1, "10.0.0.1", 0x1234, "10.0.0.2", 0x1234);

	(void)state;
	/* echo: icmp_id present */
	f.icmp_type = 8;
	f.state = SW_FLOW_ESTABLISHED;
	f.end = SW_END_IDLE;
	set_dir(&f.fwd, 3, 252, 1800000000 * SEC, 1800000002 * SEC, 0);
	set_dir(&f.rev, 3, 252, 1800000000 * SEC + 400, 1800000002 * SEC + 400, 0);
	check_line(&clk, &f, "icmp", "10.0.0.1", "10.0.0.2", 0x1234);

	/* echo reply seen first */
	f.icmp_type = 0;
	f.flags = SW_FLOW_F_INFERRED;
	check_line(&clk, &f, "icmp", "10.0.0.1", "10.0.0.2", 0x1234);

	/* an error of its own: keyed by type, no icmp_id */
	f = mk_flow(4, 1, "10.0.0.254", 3, "10.0.0.1", 3);
	f.icmp_type = 3;
	f.icmp_code = 13;
	set_dir(&f.fwd, 1, 56, 1800000000 * SEC, 1800000000 * SEC, 0);
	check_line(&clk, &f, "icmp", "10.0.0.254", "10.0.0.1", -1);

	/* ICMPv6 echo and destination unreachable */
	f = mk_flow(6, 58, "fd00::1", 7, "fd00::2", 7);
	f.icmp_type = 128;
	set_dir(&f.fwd, 1, 104, 1800000000 * SEC, 1800000000 * SEC, 0);
	set_dir(&f.rev, 1, 104, 1800000000 * SEC + 1, 1800000000 * SEC + 1, 0);
	check_line(&clk, &f, "icmpv6", "fd00::1", "fd00::2", 7);
	f.icmp_type = 1;
	f.icmp_code = 4;
	f.init_port = f.resp_port = 1;
	check_line(&clk, &f, "icmpv6", "fd00::1", "fd00::2", -1);
}

static void test_ipv6_and_others(void **state)
{
	struct sw_report_clock clk = { 0 };
	struct sw_flow f = mk_flow(6, 6, "2001:db8::1:0:0:1", 51000, "fe80::1", 443);

	(void)state;
	f.state = SW_FLOW_REFUSED;
	f.end = SW_END_EVICTED;
	f.flags = SW_FLOW_F_ICMP_ERROR;
	set_dir(&f.fwd, 1, 80, 1900000000 * SEC + 999999, 1900000000 * SEC + 999999, 0x02);
	set_dir(&f.rev, 1, 60, 1900000001 * SEC, 1900000001 * SEC, 0x14);
	check_line(&clk, &f, "tcp", "2001:db8::1:0:0:1", "fe80::1", -1);

	/* IPv4-mapped addresses in an IPv6 flow stay IPv6 text */
	f = mk_flow(6, 17, "::ffff:10.0.0.1", 1, "::1", 2);
	set_dir(&f.fwd, 1, 48, 1900000000 * SEC, 1900000000 * SEC, 0);
	check_line(&clk, &f, "udp", "::ffff:10.0.0.1", "::1", -1);

	/* SCTP, UDP-Lite, an unnamed protocol, ICMP numbers in the wrong family */
	f = mk_flow(4, 132, "10.0.0.1", 36412, "10.0.0.2", 36412);
	set_dir(&f.fwd, 1, 48, 1900000000 * SEC, 1900000000 * SEC, 0);
	check_line(&clk, &f, "sctp", "10.0.0.1", "10.0.0.2", -1);
	f.proto = 136;
	check_line(&clk, &f, "udplite", "10.0.0.1", "10.0.0.2", -1);
	f.proto = 47;
	f.init_port = f.resp_port = 0;
	check_line(&clk, &f, "47", "10.0.0.1", "10.0.0.2", -1);
	f.proto = 58;
	check_line(&clk, &f, "58", "10.0.0.1", "10.0.0.2", -1);
	f = mk_flow(6, 1, "fd00::1", 0, "fd00::2", 0);
	set_dir(&f.fwd, 1, 48, 1900000000 * SEC, 1900000000 * SEC, 0);
	check_line(&clk, &f, "1", "fd00::1", "fd00::2", -1);
	f.proto = 255;
	check_line(&clk, &f, "255", "fd00::1", "fd00::2", -1);
}

/* The clock caches one formatted second: moving back and forth must not mix dates. */
static void test_clock_cache(void **state)
{
	struct sw_report_clock clk = { 0 };
	uint64_t times[] = { 1700000000 * SEC, 1700000000 * SEC + 999999, 1700000001 * SEC,
			     86400 * SEC * 365, 1700000000 * SEC + 5, 0 + SEC, 1700000000 * SEC };
	char first[SW_REPORT_FLOW_LINE_MAX], again[SW_REPORT_FLOW_LINE_MAX];
	struct sw_flow f = mk_flow(4, 17, "10.0.0.1", 1, "10.0.0.2", 2);

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct sw_report_clock fresh = { 0 };

		set_dir(&f.fwd, 1, 30, times[i], times[i] + (i % 2) * 3 * SEC, 0);
		check_line(&clk, &f, "udp", "10.0.0.1", "10.0.0.2", -1);
		assert_true(sw_report_flow_line(&clk, &f, NULL, first, sizeof(first)) > 0);
		assert_true(sw_report_flow_line(&fresh, &f, NULL, again, sizeof(again)) > 0);
		assert_string_equal(first, again);
	}
}

/* Too small a buffer: 0, and nothing written past its end (exact-size heap buffers). */
static void test_small_buffer(void **state)
{
	struct sw_report_clock clk = { 0 };
	struct sw_flow f = mk_flow(6, 6, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 65535,
				   "2001:db8:1111:2222:3333:4444:5555:6666", 65535);
	char full[SW_REPORT_FLOW_LINE_MAX];
	size_t n;

	(void)state;
	f.flags = 0x0f;
	f.icmp_type = 8;
	/* the largest counters jansson can read back */
	set_dir(&f.fwd, INT64_MAX, INT64_MAX, 4102444800ULL * SEC - 1, 4102444800ULL * SEC - 1,
		0xff);
	set_dir(&f.rev, INT64_MAX, INT64_MAX, 1, 4102444800ULL * SEC - 1, 0xff);
	n = sw_report_flow_line(&clk, &f, NULL, full, sizeof(full));
	assert_true(n > 0);
	assert_true(n < SW_REPORT_FLOW_LINE_MAX);
	check_line(&clk, &f, "tcp", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff",
		   "2001:db8:1111:2222:3333:4444:5555:6666", -1);

	{
		char *one = malloc(1);

		assert_non_null(one);
		assert_int_equal(sw_report_flow_line(&clk, &f, NULL, one, 0), 0);
		free(one);
	}
	for (size_t len = 1; len <= n + 1; len++) {
		char *buf = malloc(len);
		size_t got;

		assert_non_null(buf);
		got = sw_report_flow_line(&clk, &f, NULL, buf, len);
		if (len <= n) {
			if (got != 0)
				fail_msg("buffer of %zu for %zu bytes: returned %zu", len, n, got);
		} else {
			assert_int_equal(got, n);
			assert_string_equal(buf, full);
		}
		free(buf);
	}
}

/* The staged policy's verdict appended to a line: JSON still, names escaped, all or nothing. */
static void test_staged(void **state)
{
	struct sw_report_clock clk = { 0 };
	struct sw_flow f = mk_flow(4, 6, "10.0.0.1", 40000, "10.0.0.2", 5432);
	struct sw_flow_staged st = { .verdict = "denied", .rule = "/rules/3",
				     .rule_name = "no \"db\"\n\x1b[31m", .change = "newly_denied" };
	char buf[SW_REPORT_FLOW_LINE_MAX], plain[SW_REPORT_FLOW_LINE_MAX];
	size_t n, m;
	json_t *o, *s;

	(void)state;
	set_dir(&f.fwd, 1, 60, 1700000000 * SEC, 1700000000 * SEC, 0x02);
	n = sw_report_flow_line(&clk, &f, NULL, buf, sizeof(buf));
	assert_true(n > 0);
	memcpy(plain, buf, n + 1);
	m = sw_report_flow_staged(buf, n, sizeof(buf), &st);
	assert_true(m > n);
	assert_int_equal(m, strlen(buf));
	o = json_loads(buf, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(o);
	s = json_object_get(o, "staged");
	expect_str(s, "verdict", "denied");
	expect_str(s, "rule", "/rules/3");
	expect_str(s, "rule_name", "no \"db\"\n\x1b[31m");
	expect_str(s, "change", "newly_denied");
	expect_int(o, "dport", 5432);
	json_decref(o);
	/* unmanaged: no rule, no change */
	memcpy(buf, plain, n + 1);
	st = (struct sw_flow_staged){ .verdict = "unmanaged" };
	m = sw_report_flow_staged(buf, n, sizeof(buf), &st);
	o = json_loads(buf, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(json_object_get(o, "staged")), 1);
	json_decref(o);
	/* too small: the line stays whole, without it */
	for (size_t len = n + 1; len < m + 1; len++) {
		memcpy(buf, plain, n + 1);
		assert_int_equal(sw_report_flow_staged(buf, n, len, &st), n);
		assert_string_equal(buf, plain);
	}
	assert_int_equal(sw_report_flow_staged(buf, n, sizeof(buf), NULL), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_udp4),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_ipv6_and_others),
		cmocka_unit_test(test_clock_cache),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_staged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
