/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus exposition text (src/metrics): escaping of hostile label
 * values, the shape of families and samples, the bound on group-pair series,
 * listen addresses, and the server answering with the page last published.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <segwatch/metrics.h>

static const char *sw_esc(const char *v)
{
	static char buf[6 * SW_METRICS_LABEL_MAX + 1];

	sw_metrics_escape(buf, sizeof(buf), v);
	return buf;
}

static void test_escape(void **state)
{
	char big[400];

	(void)state;
	assert_string_equal(sw_esc("web-1"), "web-1");
	assert_string_equal(sw_esc(NULL), "");
	assert_string_equal(sw_esc("a\\b"), "a\\\\b");
	assert_string_equal(sw_esc("say \"hi\""), "say \\\"hi\\\"");
	assert_string_equal(sw_esc("two\nlines"), "two\\nlines");
	/* a hostile name trying to close the label and add a sample of its own */
	assert_string_equal(sw_esc("x\"} 1\nsegwatch_fake 9\n#"),
			    "x\\\"} 1\\nsegwatch_fake 9\\n#");
	/* UTF-8 kept, bytes that are not UTF-8 replaced (Prometheus refuses them) */
	assert_string_equal(sw_esc("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(sw_esc("a\xff" "b"), "a\xef\xbf\xbd" "b");
	assert_string_equal(sw_esc("\xc3"), "\xef\xbf\xbd");		/* cut sequence */
	assert_string_equal(sw_esc("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong '/' */
	assert_string_equal(sw_esc("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* cut at SW_METRICS_LABEL_MAX bytes of input, never inside a character */
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(sw_esc(big)), SW_METRICS_LABEL_MAX);
	memset(big, 'a', SW_METRICS_LABEL_MAX - 1);
	strcpy(big + SW_METRICS_LABEL_MAX - 1, "\xc3\xa9tail"); /* é straddles the bound */
	assert_int_equal(strlen(sw_esc(big)), SW_METRICS_LABEL_MAX - 1);
	/* every byte bad: the worst case fits the documented size */
	memset(big, 0xff, sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(sw_esc(big)), 3 * SW_METRICS_LABEL_MAX);
	/* a small buffer is never overrun, and stays terminated */
	{
		char small[5];

		assert_int_equal(sw_metrics_escape(small, sizeof(small), "\"\"\"\""), 4);
		assert_string_equal(small, "\\\"\\\"");
	}
}

static void test_page(void **state)
{
	struct sw_metrics_text t;
	const struct sw_metrics_label l[2] = { { "interface", "br\\0\n\"" }, { "direction", "in" } };

	(void)state;
	sw_metrics_text_init(&t);
	sw_metrics_family(&t, "segwatch_x_total", SW_METRICS_COUNTER, "Help with \\ and\nnewline \"q\".");
	sw_metrics_u64(&t, "segwatch_x_total", l, 2, UINT64_MAX);
	sw_metrics_u64(&t, "segwatch_x_total", NULL, 0, 0);
	sw_metrics_gauge(&t, "segwatch_g", "A gauge.", 7);
	sw_metrics_family(&t, "segwatch_f", SW_METRICS_GAUGE, "Floats.");
	sw_metrics_f64(&t, "segwatch_f", NULL, 0, 1.5);
	sw_metrics_f64(&t, "segwatch_f", NULL, 0, NAN);
	sw_metrics_f64(&t, "segwatch_f", NULL, 0, INFINITY);
	sw_metrics_f64(&t, "segwatch_f", NULL, 0, -INFINITY);
	sw_metrics_f64(&t, "segwatch_f", NULL, 0, 1733140800.123);
	assert_false(t.nomem);
	assert_string_equal(t.buf,
		"# HELP segwatch_x_total Help with \\\\ and\\nnewline \"q\".\n"
		"# TYPE segwatch_x_total counter\n"
		"segwatch_x_total{interface=\"br\\\\0\\n\\\"\",direction=\"in\"} 18446744073709551615\n"
		"segwatch_x_total 0\n"
		"# HELP segwatch_g A gauge.\n"
		"# TYPE segwatch_g gauge\n"
		"segwatch_g 7\n"
		"# HELP segwatch_f Floats.\n"
		"# TYPE segwatch_f gauge\n"
		"segwatch_f 1.5\n"
		"segwatch_f NaN\n"
		"segwatch_f +Inf\n"
		"segwatch_f -Inf\n"
		"segwatch_f 1733140800.1229999\n");
	assert_int_equal(t.len, strlen(t.buf));
	sw_metrics_text_reset(&t);
	assert_int_equal(t.len, 0);
	assert_string_equal(t.buf, "");
	sw_metrics_text_free(&t);
}

/* Lines of @text that are samples of @name (name followed by '{' or ' '). */
static size_t sw_count_samples(const char *text, const char *name)
{
	size_t n = 0, len = strlen(name);

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, name, len) == 0 && (line[len] == '{' || line[len] == ' '))
			n++;
	return n;
}

/* Every line is a comment or starts with a metric name: no label value broke out. */
static void sw_assert_lines_ok(const char *text)
{
	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		assert_non_null(strchr(line, '\n'));
		assert_true(strncmp(line, "# HELP segwatch_", 16) == 0 ||
			    strncmp(line, "# TYPE segwatch_", 16) == 0 ||
			    strncmp(line, "segwatch_", 9) == 0);
	}
}

static void test_pairs_bound(void **state)
{
	struct sw_metrics_pairs *p = sw_metrics_pairs_alloc(3);
	struct sw_metrics_text t;
	char name[32];

	(void)state;
	assert_null(sw_metrics_pairs_alloc(0));
	assert_null(sw_metrics_pairs_alloc(SW_METRICS_PAIRS_MAX + 1));
	assert_non_null(p);
	assert_true(sw_metrics_pairs_add(p, "web", "api", 100, false));
	assert_true(sw_metrics_pairs_add(p, "api", "db", 10, true));
	assert_true(sw_metrics_pairs_add(p, "web", "api", 50, false));
	/* a hostile group name is a pair like any other, escaped when written */
	assert_true(sw_metrics_pairs_add(p, "evil\"}\n", "\xff", 1, true));
	/* full: 1,000 more pairs all go to "(other)", the pairs already seen keep theirs */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		assert_false(sw_metrics_pairs_add(p, name, "db", 2, i % 2 == 0));
	}
	assert_true(sw_metrics_pairs_add(p, "web", "api", 25, false));
	assert_int_equal(sw_metrics_pairs_n(p), 3);
	sw_metrics_text_init(&t);
	sw_metrics_pairs_render(p, &t);
	assert_false(t.nomem);
	sw_assert_lines_ok(t.buf);
	/* 3 pairs + "(other)" in each family, whatever came in */
	assert_int_equal(sw_count_samples(t.buf, "segwatch_group_pair_flows_total"), 4);
	assert_int_equal(sw_count_samples(t.buf, "segwatch_group_pair_bytes_total"), 4);
	assert_int_equal(sw_count_samples(t.buf, "segwatch_group_pair_denied_flows_total"), 4);
	assert_non_null(strstr(t.buf, "segwatch_group_pair_flows_total{src_group=\"web\",dst_group=\"api\"} 3\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_bytes_total{src_group=\"web\",dst_group=\"api\"} 175\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_denied_flows_total{src_group=\"api\",dst_group=\"db\"} 1\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_flows_total{src_group=\"evil\\\"}\\n\",dst_group=\"\xef\xbf\xbd\"} 1\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_flows_total{src_group=\"(other)\",dst_group=\"(other)\"} 1000\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_bytes_total{src_group=\"(other)\",dst_group=\"(other)\"} 2000\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_denied_flows_total{src_group=\"(other)\",dst_group=\"(other)\"} 500\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pairs_overflow_total 1000\n"));
	sw_metrics_text_free(&t);
	sw_metrics_pairs_free(p);

	/* ("a", "bc") and ("ab", "c") are different pairs */
	p = sw_metrics_pairs_alloc(4);
	assert_true(sw_metrics_pairs_add(p, "a", "bc", 1, false));
	assert_true(sw_metrics_pairs_add(p, "ab", "c", 1, false));
	assert_true(sw_metrics_pairs_add(p, NULL, NULL, 1, false));
	assert_true(sw_metrics_pairs_add(p, "", "", 1, false)); /* NULL is "" */
	assert_int_equal(sw_metrics_pairs_n(p), 3);
	sw_metrics_pairs_free(p);
	sw_metrics_pairs_free(NULL);
}

/* Many pairs: the hash finds each again, and the page has exactly max + 1 series. */
static void test_pairs_many(void **state)
{
	struct sw_metrics_pairs *p = sw_metrics_pairs_alloc(SW_METRICS_PAIRS_MAX);
	struct sw_metrics_text t;
	char s[32], d[32];

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < SW_METRICS_PAIRS_MAX + 50; i++) {
			snprintf(s, sizeof(s), "src%d", i % 997);
			snprintf(d, sizeof(d), "dst%d", i);
			assert_true(sw_metrics_pairs_add(p, s, d, 1, false) == (i < SW_METRICS_PAIRS_MAX));
		}
	assert_int_equal(sw_metrics_pairs_n(p), SW_METRICS_PAIRS_MAX);
	sw_metrics_text_init(&t);
	sw_metrics_pairs_render(p, &t);
	assert_int_equal(sw_count_samples(t.buf, "segwatch_group_pair_flows_total"),
			 SW_METRICS_PAIRS_MAX + 1);
	assert_non_null(strstr(t.buf, "{src_group=\"src5\",dst_group=\"dst9975\"} 2\n"));
	assert_non_null(strstr(t.buf, "segwatch_group_pair_flows_total{src_group=\"(other)\",dst_group=\"(other)\"} 100\n"));
	sw_metrics_text_free(&t);
	sw_metrics_pairs_free(p);
}

static void test_addr(void **state)
{
	struct sw_metrics_addr a;
	char why[128];

	(void)state;
	assert_true(sw_metrics_addr_parse("127.0.0.1:9617", &a, why, sizeof(why)));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 9617);
	assert_memory_equal(a.addr, "\x7f\0\0\x01", 4);
	assert_true(sw_metrics_addr_parse("[::1]:1", &a, why, sizeof(why)));
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.port, 1);
	assert_int_equal(a.addr[15], 1);
	assert_true(sw_metrics_addr_parse("0.0.0.0:65535", &a, why, sizeof(why)));
	assert_true(sw_metrics_addr_parse("[::]:9617", &a, why, sizeof(why)));
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1",
		"127.0.0.1:+80", "127.0.0.1:80x", ":9617", "localhost:9617", "::1:9617",
		"[::1]", "[::1]9617", "[127.0.0.1]:80", "1.2.3:80", "127.0.0.1: 80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (sw_metrics_addr_parse(bad[i], &a, why, sizeof(why)))
			fail_msg("\"%s\" was taken as an address", bad[i]);
		assert_true(why[0] != '\0');
	}
}

/* GET @path from 127.0.0.1:@port; the whole answer (headers and body) into @buf. */
static size_t sw_http_get(uint16_t port, const char *method, const char *path, char *buf,
			  size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[256];
	size_t len = 0;
	ssize_t n;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len + 1 < size && (n = read(fd, buf + len, size - len - 1)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return len;
}

static void test_server(void **state)
{
	struct sw_metrics_server *s = NULL, *twice = NULL;
	struct sw_err err = { 0 };
	struct sw_metrics_text t;
	char listen[32], buf[8192];
	uint16_t port = 0;

	(void)state;
	/* a free port in a range nothing standard uses; another test may hold one */
	for (uint16_t p = 47000 + (uint16_t)(getpid() % 1000); p < 49000 && !s; p += 7) {
		snprintf(listen, sizeof(listen), "127.0.0.1:%u", p);
		if (sw_metrics_server_start(&s, listen, &err) == SW_EXIT_OK)
			port = p;
	}
	if (!s)
		skip();
	assert_string_equal(sw_metrics_server_listen(s), listen);
	/* the same address twice: the system's reason, with the address */
	assert_int_equal(sw_metrics_server_start(&twice, listen, &err), SW_EXIT_RUNTIME);
	assert_null(twice);
	assert_non_null(strstr(err.msg, listen));
	assert_non_null(strstr(err.msg, "in use"));
	assert_int_equal(sw_metrics_server_start(&twice, "nowhere:1", &err), SW_EXIT_USAGE);

	sw_http_get(port, "GET", "/metrics", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 503 "));
	sw_metrics_text_init(&t);
	sw_metrics_counter(&t, "segwatch_capture_packets_total", "Frames.", 42);
	sw_metrics_server_publish(s, &t);
	sw_http_get(port, "GET", "/metrics", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 200 "));
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "\r\n\r\n# HELP segwatch_capture_packets_total Frames.\n"));
	assert_non_null(strstr(buf, "\nsegwatch_capture_packets_total 42\n"));
	/* a page that failed to render is not published: the last one stays */
	t.nomem = true;
	sw_metrics_server_publish(s, &t);
	sw_http_get(port, "GET", "/metrics", buf, sizeof(buf));
	assert_non_null(strstr(buf, "segwatch_capture_packets_total 42\n"));
	assert_int_equal(sw_metrics_server_scrapes(s), 2);
	sw_http_get(port, "GET", "/nope", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 404 "));
	sw_http_get(port, "POST", "/metrics", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 405 "));
	sw_metrics_text_free(&t);
	sw_metrics_server_stop(s);
	sw_metrics_server_stop(NULL);
	/* stopped: the port is free again (the listening socket was closed) */
	assert_int_equal(sw_metrics_server_start(&s, listen, &err), SW_EXIT_OK);
	sw_metrics_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_pairs_bound),
		cmocka_unit_test(test_pairs_many),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
