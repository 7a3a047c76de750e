/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Terminal safety of the text helpers: one test per class of character that
 * must never reach a terminal raw (C0, DEL, C1, bad UTF-8, bidirectional
 * controls, invisible format characters), and the readable ones that must
 * stay as they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/text.h>

/* Every escaping function gives @want for @in (quote: inside the quotes). */
static void check_all(const char *in, const char *want)
{
	char buf[256], q[300], *mem = NULL;
	size_t len = 0;
	struct sw_quote sq;
	FILE *f = open_memstream(&mem, &len);

	assert_string_equal(sw_text_escape(buf, sizeof(buf), in), want);
	assert_int_equal(sw_text_escape_len(buf, sizeof(buf), in), strlen(want));
	assert_string_equal(SW_CELL(in), want);
	assert_string_equal(SW_MSG(in), want);
	snprintf(q, sizeof(q), "\"%s\"", want);
	assert_string_equal(sw_text_quote(&sq, in), q);
	assert_non_null(f);
	assert_int_equal(sw_text_fputs(in, f), 0);
	fclose(f);
	assert_string_equal(mem, want);
	free(mem);
}

static void test_c0(void **state)
{
	(void)state;
	check_all("a\x1b[2Jb", "a\\x1b[2Jb");
	check_all("bell\x07", "bell\\x07");
	check_all("fake\rline", "fake\\x0dline");
	check_all("x\ny\tz", "x\\x0ay\\x09z");
	check_all("\x01\x1f", "\\x01\\x1f");
}

static void test_del(void **state)
{
	(void)state;
	check_all("a\x7f" "b", "a\\x7fb");
}

static void test_c1(void **state)
{
	(void)state;
	/* U+009B (CSI) and U+0085 (NEL) as UTF-8, and U+009B as a bare byte */
	check_all("a\xc2\x9b" "2J", "a\\xc2\\x9b2J");
	check_all("\xc2\x85", "\\xc2\\x85");
	check_all("a\x9b" "2J", "a\\x9b2J");
	/* U+00A0 and on are text */
	check_all("\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9");
}

static void test_bad_utf8(void **state)
{
	(void)state;
	check_all("\xff\xfe", "\\xff\\xfe");
	check_all("\xc0\xaf", "\\xc0\\xaf");		/* overlong "/" */
	check_all("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate */
	check_all("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
	check_all("ab\xe2\x80", "ab\\xe2\\x80");	/* cut at the end */
	check_all("\xe2" "A", "\\xe2" "A");		/* cut before ASCII */
}

static void test_bidi(void **state)
{
	static const char *const bidi[] = {
		"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae", /* 202A-E */
		"\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9", /* 2066-9 */
		"\xe2\x80\x8e", "\xe2\x80\x8f", /* LRM, RLM */
		"\xd8\x9c", /* ALM U+061C */
	};
	char in[16], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
		size_t o = 0;

		snprintf(in, sizeof(in), "a%sb", bidi[i]);
		o += (size_t)snprintf(want + o, sizeof(want) - o, "a");
		for (const unsigned char *p = (const unsigned char *)bidi[i]; *p; p++)
			o += (size_t)snprintf(want + o, sizeof(want) - o, "\\x%02x", *p);
		snprintf(want + o, sizeof(want) - o, "b");
		check_all(in, want);
	}
	/* "exe.txt" shown as "txt.exe": the override is visible instead */
	check_all("\xe2\x80\xaetxt.exe", "\\xe2\\x80\\xaetxt.exe");
}

static void test_invisible(void **state)
{
	(void)state;
	check_all("a\xe2\x80\x8b" "b", "a\\xe2\\x80\\x8bb");	/* zero width space */
	check_all("a\xe2\x80\xa8" "b", "a\\xe2\\x80\\xa8b");	/* line separator */
	check_all("a\xe2\x80\xa9" "b", "a\\xe2\\x80\\xa9b");	/* paragraph separator */
	check_all("a\xe2\x81\xa0" "b", "a\\xe2\\x81\\xa0b");	/* word joiner */
	check_all("\xef\xbb\xbf" "a", "\\xef\\xbb\\xbfa");	/* BOM */
	check_all("a\xc2\xad" "b", "a\\xc2\\xadb");		/* soft hyphen */
	check_all("\xef\xbf\xb9", "\\xef\\xbf\\xb9");		/* interlinear annotation */
	/* neighbours that are text */
	check_all("\xe2\x80\x90\xe2\x80\xb0\xe2\x81\xb0", "\xe2\x80\x90\xe2\x80\xb0\xe2\x81\xb0");
	check_all("\xe6\x9d\xb1\xe4\xba\xac \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a \xf0\x9f\x90\xb3",
		  "\xe6\x9d\xb1\xe4\xba\xac \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a \xf0\x9f\x90\xb3");
}

static void test_backslash_and_quote(void **state)
{
	char buf[64];
	struct sw_quote q;

	(void)state;
	/* a cell cannot forge an escape: the backslash itself is escaped */
	assert_string_equal(sw_text_escape(buf, sizeof(buf), "a\\x1b"), "a\\x5cx1b");
	assert_string_equal(sw_text_quote(&q, "say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
	/* a message keeps the backslashes of the parts already escaped */
	assert_string_equal(SW_MSG("f: \"a\\x1b\" \x1b"), "f: \"a\\x1b\" \\x1b");
	assert_string_equal(SW_CELL(NULL), "");
}

static void test_cut(void **state)
{
	char buf[64], big[400];
	struct sw_quote q;
	const char *s;

	(void)state;
	/* cut on a whole character: no half UTF-8 sequence, no half escape */
	assert_int_equal(sw_text_escape_len(buf, 5, "ab\x01" "cd"), 2);
	assert_int_equal(sw_text_escape_len(buf, 4, "ab\xc3\xa9"), 2);
	sw_text_escape(buf, 12, "abcdefghijklmnop");
	assert_string_equal(buf, "abcdefgh...");
	memset(big, '\x1b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = sw_text_quote(&q, big);
	assert_true(strlen(s) < sizeof(q.s));
	assert_string_equal(s + strlen(s) - 4, "...\"");
	assert_null(strchr(s, '\x1b'));
	s = SW_CELL(big);
	assert_true(strlen(s) < 256 && strchr(s, '\x1b') == NULL);
	assert_string_equal(s + strlen(s) - 3, "...");
}

static void test_fputs_long(void **state)
{
	char big[5000], *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	(void)state;
	for (size_t i = 0; i + 1 < sizeof(big); i += 3)
		memcpy(big + i, i % 2 ? "\xe2\x80\xae" : "ab\x1b", i + 4 < sizeof(big) ? 3 : 1);
	big[sizeof(big) - 1] = '\0';
	assert_non_null(f);
	assert_int_equal(sw_text_fputs(big, f), 0);
	fclose(f);
	assert_null(strchr(mem, '\x1b'));
	assert_null(strstr(mem, "\xe2\x80\xae"));
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c0),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_c1),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_bidi),
		cmocka_unit_test(test_invisible),
		cmocka_unit_test(test_backslash_and_quote),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_fputs_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
