/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the streaming inventory reader (src/inventory/stream.c):
 * every input must load exactly as the whole-document reader loads it (the
 * same workloads, counts, error text byte for byte), and the inputs a user
 * writes must really go the streaming way (sw_inv_stream() takes them)
 * rather than fall back unnoticed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/inventory.h>

#include "internal.h" /* src/inventory: sw_inv_stream(), SW_INV_WHOLE_DOCUMENT */

struct loaded {
	int rc;
	struct sw_err err;
	struct sw_workload *wl;
	size_t n;
	struct sw_inventory_stats st;
};

static void load(const char *text, size_t len, unsigned flags, struct loaded *l)
{
	memset(l, 0, sizeof(*l));
	l->rc = sw_inventory_load_buffer("t.json", text, len, SW_INV_NO_IFINDEX | flags, &l->wl,
					 &l->n, &l->st, &l->err);
}

static void assert_same_workload(const struct sw_workload *a, const struct sw_workload *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->uid, b->uid);
	assert_true((a->namespace == NULL) == (b->namespace == NULL));
	if (a->namespace)
		assert_string_equal(a->namespace, b->namespace);
	assert_true((a->iface == NULL) == (b->iface == NULL));
	if (a->iface)
		assert_string_equal(a->iface, b->iface);
	assert_int_equal(a->source, b->source);
	assert_int_equal(a->ifindex, b->ifindex);
	assert_int_equal(a->n_addrs, b->n_addrs);
	for (size_t i = 0; i < a->n_addrs; i++)
		assert_memory_equal(a->addrs[i], b->addrs[i], 16);
	assert_int_equal(a->n_macs, b->n_macs);
	for (size_t i = 0; i < a->n_macs; i++)
		assert_memory_equal(a->macs[i], b->macs[i], 6);
	assert_int_equal(a->n_labels, b->n_labels);
	for (size_t i = 0; i < a->n_labels; i++) {
		assert_string_equal(a->labels[i].key, b->labels[i].key);
		assert_string_equal(a->labels[i].value, b->labels[i].value);
	}
}

/* same_len - @text loads as the whole-document reader loads it; returns the rc. */
static int same_len(const char *text, size_t len)
{
	struct loaded got, want;

	load(text, len, 0, &got);
	load(text, len, SW_INV_WHOLE_DOCUMENT, &want);
	if (got.rc != want.rc || (got.rc && strcmp(got.err.msg, want.err.msg) != 0))
		fail_msg("%.200s\n got  (%d) [%s]\n want (%d) [%s]", text, got.rc, got.err.msg,
			 want.rc, want.err.msg);
	assert_int_equal(got.n, want.n);
	assert_int_equal(got.st.format, want.st.format);
	assert_int_equal(got.st.workloads, want.st.workloads);
	assert_int_equal(got.st.skipped_no_ip, want.st.skipped_no_ip);
	assert_int_equal(got.st.skipped_host_network, want.st.skipped_host_network);
	assert_int_equal(got.st.skipped_finished, want.st.skipped_finished);
	assert_int_equal(got.st.skipped_not_pod, want.st.skipped_not_pod);
	assert_int_equal(got.st.iface_unresolved, want.st.iface_unresolved);
	for (size_t i = 0; i < got.n; i++)
		assert_same_workload(&got.wl[i], &want.wl[i]);
	sw_inventory_free(got.wl, got.n);
	sw_inventory_free(want.wl, want.n);
	return got.rc;
}

static int same(const char *text)
{
	return same_len(text, strlen(text));
}

/* stream_rc - what sw_inv_stream() itself says of @text (after a BOM, as load_buffer). */
static int stream_rc(const char *text)
{
	struct sw_err err;
	struct sw_inv_ctx c = { .name = "t.json", .flags = SW_INV_NO_IFINDEX, .err = &err };
	int rc;

	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	rc = sw_inv_stream(&c, text, strlen(text));

	sw_inventory_free(c.wl, c.n_wl);
	return rc;
}

/* streamed - @text is valid, taken by the streaming reader, same result. */
static void streamed(const char *text)
{
	if (stream_rc(text) != SW_EXIT_OK)
		fail_msg("declined: %.200s", text);
	assert_int_equal(same(text), SW_EXIT_OK);
}

/* declined - the streaming reader leaves @text to the document reader; same outcome. */
static int declined(const char *text)
{
	if (stream_rc(text) != SW_INV_DECLINED)
		fail_msg("taken: %.200s", text);
	return same(text);
}

#define WL(i) "{\"name\": \"w" #i "\", \"labels\": {\"app\": \"a\"}, \"ips\": [\"10.0.0." #i "\"]}"
#define POD(i)                                                                            \
	"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p" #i "\", \"namespace\": \"ns\"}, " \
	"\"status\": {\"phase\": \"Running\", \"podIP\": \"10.1.0." #i "\"}}"

static void test_members_any_order(void **state)
{
	(void)state;
	streamed("{\"version\": 1, \"workloads\": [" WL(1) ", " WL(2) "]}");
	streamed("{\"workloads\": [" WL(1) ", " WL(2) "], \"version\": 1}");
	streamed("{\"workloads\": [], \"version\": 1}");
	streamed("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [" POD(1) "]}");
	streamed("{\"items\": [" POD(1) ", " POD(2) "], \"kind\": \"PodList\", \"apiVersion\": "
		 "\"v1\", \"metadata\": {\"resourceVersion\": \"7\"}}");
	/* kube lists: skipped items are counted the same way */
	streamed("{\"kind\": \"List\", \"items\": [{\"kind\": \"Service\"}, {\"metadata\": "
		 "{\"name\": \"x\"}, \"spec\": {\"hostNetwork\": true}}, " POD(3) "]}");
}

static void test_strings_with_punctuation(void **state)
{
	(void)state;
	/* brackets, braces, commas, colons and escaped quotes inside other members */
	streamed("{\"kind\": \"List\", \"metadata\": {\"note\": \"}]\\\"[{,:\\\\\", \"a\": "
		 "[\"]\", {\"}\": \"{\"}]}, \"apiVersion\": \"v1\", \"items\": [" POD(1) "]}");
	streamed("{\"items\": [" POD(1) "], \"metadata\": {\"x\": \"\\\"items\\\": [\"}, "
		 "\"kind\": \"List\"}");
	/* the same inside an element: jansson parses it whole */
	streamed("{\"version\": 1, \"workloads\": [{\"name\": \"a]},{\\\"\", \"labels\": "
		 "{\"k\": \"[\\\"]\"}, \"ips\": [\"10.0.0.1\"]}]}");
}

static void test_whitespace_everywhere(void **state)
{
	(void)state;
	streamed(" \r\n\t{ \n\"version\" \t:\r 1 ,\n \"workloads\" : [ \n " WL(1) " \n , \t\n"
		 WL(2) "\r\n ] \n } \n\t ");
	streamed("{\"version\":1,\"workloads\":[" WL(1) "," WL(2) "]}");
	streamed("\xef\xbb\xbf {\"version\": 1, \"workloads\": [ ]}\n");
	streamed("{\"workloads\":[],\"version\":1}");
}

static void test_not_an_array(void **state)
{
	(void)state;
	assert_int_equal(declined("{\"version\": 1, \"workloads\": {}}"), SW_EXIT_USAGE);
	assert_int_equal(declined("{\"version\": 1, \"workloads\": \"[]\"}"), SW_EXIT_USAGE);
	assert_int_equal(declined("{\"version\": 1, \"workloads\": null}"), SW_EXIT_USAGE);
	assert_int_equal(declined("{\"kind\": \"List\", \"items\": 3}"), SW_EXIT_USAGE);
	assert_int_equal(declined("[" WL(1) "]"), SW_EXIT_USAGE);
	assert_int_equal(declined("\"workloads\""), SW_EXIT_USAGE);
	assert_int_equal(declined("{}"), SW_EXIT_USAGE);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	assert_int_equal(declined("{\"version\": 1, \"version\": 1, \"workloads\": []}"),
			 SW_EXIT_USAGE);
	assert_int_equal(declined("{\"version\": 1, \"workloads\": [], \"workloads\": []}"),
			 SW_EXIT_USAGE);
	assert_int_equal(declined("{\"workloads\": [" WL(1) "], \"version\": 1, \"workloads\": 1}"),
			 SW_EXIT_USAGE);
	assert_int_equal(declined("{\"kind\": \"List\", \"items\": [], \"kind\": \"List\"}"),
			 SW_EXIT_USAGE);
	/* escapes spell the same key */
	assert_int_equal(declined("{\"version\": 1, \"workloads\": [], \"work\\u006coads\": []}"),
			 SW_EXIT_USAGE);
	/* inside an element: jansson rejects it there */
	assert_int_equal(declined("{\"version\": 1, \"workloads\": [{\"name\": \"a\", \"name\": "
				  "\"b\", \"ips\": [\"10.0.0.1\"]}]}"), SW_EXIT_USAGE);
}

static void test_truncated_and_broken(void **state)
{
	static const char *const cases[] = {
		"{\"version\": 1, \"workloads\": [{\"name\": \"a\", \"ips\": [\"10.0.0.1\"",
		"{\"version\": 1, \"workloads\": [" WL(1) ",",
		"{\"version\": 1, \"workloads\": [" WL(1),
		"{\"version\": 1, \"workloads\": [" WL(1) "]",
		"{\"version\": 1, \"workloads\": [" WL(1) "],",
		"{\"version\": 1, \"workloads\": [" WL(1) ",]}",
		"{\"version\": 1, \"workloads\": [" WL(1) " " WL(2) "]}",
		"{\"version\": 1, \"workloads\": [" WL(1) "]} x",
		"{\"version\": 1, \"workloads\": [" WL(1) "]}}",
		"{\"version\": 1 \"workloads\": []}",
		"{\"version\" 1, \"workloads\": []}",
		"{\"version\": 1, workloads: []}",
		"{\"version\": 1, , \"workloads\": []}",
		"{\"version\": 1,}",
		"{\"version\": 1, \"workloads\": [,]}",
		"{\"version\": 1, \"workloads\": [" WL(1) "]]",
		"{\"version\": 01, \"workloads\": []}",
		"{\"version\": 1x, \"workloads\": []}",
		"{\"version\": truex, \"workloads\": []}",
		"{\"version\": 1, \"workloads\": [\"\xff\"]}",
		"{\"version\": 1, \"workloads\": []}\xc3",
		"{\"version\": 1, \"work\\u0000loads\": []}",
		"{",
		"{\"",
		"{\"version\": 1, \"workloads\": [" WL(1) "] ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(declined(cases[i]), SW_EXIT_USAGE);
}

/* The first error of the document reader comes first, wherever it is. */
static void test_error_order(void **state)
{
	(void)state;
	/* a bad workload, then a syntax error further on: the syntax error */
	declined("{\"version\": 1, \"workloads\": [{\"name\": \"a\", \"ips\": [\"nope\"]}, @]}");
	/* a bad workload, then a misspelt key: the key (the root's checks come first) */
	declined("{\"workloads\": [{\"name\": \"a\", \"ips\": [\"nope\"]}], \"versoin\": 1}");
	declined("{\"workloads\": [{\"name\": \"a\", \"ips\": [\"nope\"]}], \"version\": 2}");
	/* the uniqueness checks run over the streamed workloads */
	declined("{\"version\": 1, \"workloads\": [" WL(1) ", {\"name\": \"w2\", \"ips\": "
		 "[\"10.0.0.1\"]}]}");
	declined("{\"version\": 1, \"workloads\": [" WL(1) ", " WL(1) "]}");
	declined("{\"kind\": \"List\", \"items\": [" POD(1) ", {\"metadata\": {}}]}");
}

/* The array taken for the wrong format is read again as one document. */
static void test_format_known_late(void **state)
{
	(void)state;
	/* "workloads" of a kubectl object are ignored */
	assert_int_equal(declined("{\"workloads\": [" WL(1) "], \"kind\": \"List\", \"items\": ["
				  POD(2) "]}"), SW_EXIT_OK);
	assert_int_equal(declined("{\"workloads\": [\"junk\"], \"apiVersion\": \"v1\", \"kind\": "
				  "\"Pod\", \"metadata\": {\"name\": \"p\"}, \"status\": {\"podIP\": "
				  "\"10.1.1.1\"}}"), SW_EXIT_OK);
	/* "items" of a single Pod are ignored */
	assert_int_equal(declined("{\"items\": [7], \"kind\": \"Pod\", \"metadata\": {\"name\": "
				  "\"p\"}, \"status\": {\"podIP\": \"10.1.1.1\"}}"), SW_EXIT_OK);
	/* "items" in a segwatch inventory: unknown */
	assert_int_equal(declined("{\"items\": [], \"version\": 1, \"workloads\": []}"),
			 SW_EXIT_USAGE);
	/* "items" first, "workloads" later: only the first array is streamed, the other is
	 * a small member (and ignored by the kubectl format) */
	streamed("{\"items\": [" POD(1) "], \"workloads\": [7], \"kind\": \"List\"}");
}

/* jansson's depth limit counts from the document's top; a value parsed alone must not escape it. */
static void test_nesting_depth(void **state)
{
	size_t cap = 16384;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	for (int depth = 2026; depth <= 2050; depth++) {
		size_t o = (size_t)snprintf(text, cap, "{\"version\": 1, \"workloads\": [{\"name\": "
					    "\"a\", \"ips\": [\"10.0.0.1\"], \"x\": ");

		for (int k = 0; k < depth; k++)
			text[o++] = '[';
		for (int k = 0; k < depth; k++)
			text[o++] = ']';
		o += (size_t)snprintf(text + o, cap - o, "}]}");
		same_len(text, o);
		/* the same depth in a small member */
		o = (size_t)snprintf(text, cap, "{\"version\": 1, \"workloads\": [], \"x\": ");
		for (int k = 0; k < depth; k++)
			text[o++] = '[';
		for (int k = 0; k < depth; k++)
			text[o++] = ']';
		text[o++] = '}';
		same_len(text, o);
	}
	free(text);
}

/* A NUL byte is not whitespace, nor the end. */
static void test_nul_bytes(void **state)
{
	static const char text[] = "{\"version\": 1, \"workloads\": []}\0";
	static const char text2[] = "{\"version\": 1,\0 \"workloads\": []}";

	(void)state;
	assert_int_equal(same_len(text, sizeof(text) - 1), SW_EXIT_USAGE);
	assert_int_equal(same_len(text2, sizeof(text2) - 1), SW_EXIT_USAGE);
}

/* Many workloads, as the benchmark writes them: taken and identical. */
static void test_many(void **state)
{
	size_t cap = 2000 * 160 + 64, o;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, cap, "{\"version\": 1, \"workloads\": [");
	for (int i = 0; i < 2000; i++)
		o += (size_t)snprintf(text + o, cap - o,
				      "%s{\"name\": \"bench/w%d\", \"labels\": {\"app\": \"a%d\"}, "
				      "\"ips\": [\"10.100.%d.%d\", \"fd00:bb::%x\"]}",
				      i ? ", " : "", i, i % 100, i >> 8, i & 255, i);
	snprintf(text + o, cap - o, "]}");
	streamed(text);
	free(text);
}

/* many_with - 2000 workloads; workload @a's first address repeated as @b's, and @c's name as @d's. */
static char *many_with(int a, int b, int c, int d)
{
	size_t cap = 2000 * 160 + 64, o;
	char *text = malloc(cap);

	assert_non_null(text);
	o = (size_t)snprintf(text, cap, "{\"version\": 1, \"workloads\": [");
	for (int i = 0; i < 2000; i++) {
		int ip = i == b ? a : i, name = i == d ? c : i;

		o += (size_t)snprintf(text + o, cap - o,
				      "%s{\"name\": \"w%d\", \"ips\": [\"fd00::%x\", \"10.9.%d.%d\"]}",
				      i ? ", " : "", name, i + 4096, ip >> 8, ip & 255);
	}
	snprintf(text + o, cap - o, "]}");
	return text;
}

/* The first repeat in file order is named, with its first holder, among many. */
static void test_many_duplicates(void **state)
{
	struct loaded l;
	char *text;

	(void)state;
	text = many_with(1500, 1700, -1, -1);
	load(text, strlen(text), 0, &l);
	assert_int_equal(l.rc, SW_EXIT_USAGE);
	assert_string_equal(l.err.msg, "t.json: /workloads/1700/ips/1: error: address 10.9.5.220 is "
			    "listed by both \"w1500\" (/workloads/1500/ips/1) and \"w1700\"");
	free(text);
	/* two repeats of one name: the earlier repeat, the first holder */
	text = many_with(-1, -1, 12, 1999);
	text[strlen(text) - 2] = '\0';
	{
		char *more = malloc(strlen(text) + 128);

		assert_non_null(more);
		sprintf(more, "%s, {\"name\": \"w12\", \"ips\": [\"10.8.0.1\"]}]}", text);
		load(more, strlen(more), 0, &l);
		free(more);
	}
	assert_int_equal(l.rc, SW_EXIT_USAGE);
	assert_string_equal(l.err.msg, "t.json: /workloads/1999/name: error: duplicate workload name "
			    "\"w12\" (also /workloads/12)");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_any_order),
		cmocka_unit_test(test_strings_with_punctuation),
		cmocka_unit_test(test_whitespace_everywhere),
		cmocka_unit_test(test_not_an_array),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_truncated_and_broken),
		cmocka_unit_test(test_error_order),
		cmocka_unit_test(test_format_known_late),
		cmocka_unit_test(test_nesting_depth),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_many_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
