/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 5424 alert messages: header fields, structured data escaping of
 * hostile workload names, and the bound of one datagram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/alert.h>

static const struct sw_alert alert = {
	.kind = SW_ALERT_FAN_OUT, .severity = SW_ALERT_SEV_HIGH,
	.ts_us = 1764676800123456ull, /* 2025-12-02T12:00:00.123456Z */
	.count = 1,
};

static void test_header_and_sd(void **state)
{
	const char *line = "{\"kind\":\"fan_out\",\"severity\":\"high\",\"src\":{\"address\":\"10.0.0.2\","
			   "\"name\":\"shop/web-1\"},\"dst\":null,\"proto\":\"tcp\",\"port\":1019,"
			   "\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\"}";
	char buf[2048];
	size_t n;

	(void)state;
	n = sw_alert_syslog_format(&alert, line, "node-1", 4242, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	/* daemon (3) * 8 + alert (1) = 25 */
	assert_string_equal(buf, "<25>1 2025-12-02T12:00:00.123456Z node-1 segwatch 4242 fan_out "
			    "[segwatch@32473 kind=\"fan_out\" severity=\"high\" src=\"10.0.0.2\" "
			    "src_name=\"shop/web-1\" proto=\"tcp\" "
			    "community_id=\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\" port=\"1019\"] "
			    "{\"kind\":\"fan_out\",\"severity\":\"high\",\"src\":{\"address\":\"10.0.0.2\","
			    "\"name\":\"shop/web-1\"},\"dst\":null,\"proto\":\"tcp\",\"port\":1019,"
			    "\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\"}");
}

static void test_hostile_values(void **state)
{
	/* a container named to close the SD element and forge another, and a newline */
	const char *line = "{\"kind\":\"fan_out\",\"src\":{\"name\":\"x\\\"] [evil k=\\\"v\\\\\\nz\"}}";
	struct sw_alert low = alert;
	char buf[1024];

	(void)state;
	low.severity = SW_ALERT_SEV_LOW;
	assert_true(sw_alert_syslog_format(&low, line, "bad host\n", 1, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "<29>1 ")); /* daemon, notice */
	assert_non_null(strstr(buf, " bad_host_ segwatch 1 fan_out "));
	assert_non_null(strstr(buf, "src_name=\"x\\\"\\] [evil k=\\\"v\\\\?z\""));
	assert_null(strchr(buf, '\n'));
}

static void test_bounded(void **state)
{
	static char line[20000];
	char buf[512];
	size_t n;

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[0] = '{';
	n = sw_alert_syslog_format(&alert, line, "h", 1, buf, sizeof(buf));
	assert_int_equal(n, sizeof(buf) - 1);
	assert_int_equal(strlen(buf), n);
	assert_int_equal(sw_alert_syslog_format(&alert, line, "h", 1, buf, 16), 0);
}

static void test_urls(void **state)
{
	struct sw_alert_syslog *s = NULL;
	struct sw_err err = { 0 };

	(void)state;
	assert_true(sw_alert_syslog_is_url("syslog+udp://127.0.0.1:514"));
	assert_false(sw_alert_dest_is_file("syslog+unix:///dev/log"));
	assert_false(sw_alert_dest_is_file("journald"));
	assert_true(sw_alert_dest_is_file("/var/log/alerts.jsonl"));
	assert_int_equal(sw_alert_syslog_open(&s, "syslog+udp://127.0.0.1", &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "HOST:PORT"));
	assert_int_equal(sw_alert_syslog_open(&s, "syslog+unix://relative", &err), SW_EXIT_USAGE);
	assert_int_equal(sw_alert_syslog_open(&s, "syslog+tcp://h:1", &err), SW_EXIT_USAGE);
	assert_int_equal(sw_alert_syslog_open(&s, "syslog+udp://[::1]:5514", &err), SW_EXIT_OK);
	sw_alert_syslog_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_sd),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
