/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Golden render tests: plans built in C against golden/NAME.nft.
 * SW_NFT_REGEN=1 rewrites the golden files (review the diff).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plans.h"

static char *render(const struct sw_nft_plan *p, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ret = sw_nft_render(p, f);
	fclose(f);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void golden(struct sw_nft_plan *p, const char *name)
{
	char path[512];
	int ret;
	char *got = render(p, &ret), *want;

	assert_int_equal(ret, 0);
	snprintf(path, sizeof(path), "%s/%s.nft", NFT_GOLDEN_DIR, name);
	if (getenv("SW_NFT_REGEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = slurp(path);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
	sw_nft_plan_free(p);
}

static void test_demo(void **state)
{
	struct sw_nft_plan p;

	(void)state;
	plan_demo(&p);
	golden(&p, "demo");
}

static void test_mixed(void **state)
{
	struct sw_nft_plan p;

	(void)state;
	plan_mixed(&p);
	golden(&p, "mixed");
}

static void test_small_big(void **state)
{
	struct sw_nft_plan p;

	(void)state;
	plan_big(&p, 3, 4, 5);
	golden(&p, "big_3_4_5");
}

/* Plans that are wrong before the kernel sees them are refused with SW_EXIT_USAGE. */
static void test_bad_plans(void **state)
{
	struct sw_nft_plan p;
	struct sw_err err = { 0 };
	int ret;
	char *out;

	(void)state;
	plan_demo(&p);
	p.chains[0].rules[1].matches[0].set = 7;
	out = render(&p, &ret);
	assert_int_equal(ret, SW_EXIT_USAGE);
	free(out);
	assert_int_equal(sw_nft_apply(&p, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "rule 2 of chain sw_fwd (\"a may reach b on 8080\")"));
	assert_non_null(strstr(err.msg, "no set 8"));
	sw_nft_plan_free(&p);

	plan_demo(&p);
	p.sets[0].elems[1] = pfx("fd00::1");	/* IPv6 in an IPv4 set */
	assert_int_equal(sw_nft_apply(&p, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "set g_a: element 2 is not an IPv4"));
	sw_nft_plan_free(&p);

	plan_demo(&p);
	p.chains[0].rules[1].matches[0].family = 6;	/* ip6 saddr on an IPv4 set */
	assert_int_equal(sw_nft_apply(&p, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "IPv6 match on IPv4 set g_a"));
	sw_nft_plan_free(&p);

	plan_demo(&p);
	snprintf(p.sets[0].name, sizeof(p.sets[0].name), "bad name");
	assert_int_equal(sw_nft_apply(&p, &err), SW_EXIT_USAGE);
	snprintf(p.sets[0].name, sizeof(p.sets[0].name), "fwd");	/* an nft keyword */
	assert_int_equal(sw_nft_apply(&p, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "no nft keyword"));
	sw_nft_plan_free(&p);
	sw_nft_plan_free(NULL);
}

/*
 * A hash set (addresses only) renders without "flags interval"; a prefix in
 * one is refused before the kernel sees it.
 */
static void test_hash_set(void **state)
{
	struct sw_nft_plan p;
	struct sw_err err = { 0 };
	int ret;
	char *out;

	(void)state;
	plan_demo(&p);
	p.sets[0].hash = true;
	out = render(&p, &ret);
	assert_int_equal(ret, SW_EXIT_OK);
	assert_non_null(strstr(out, "set g_a {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.1.2, 10.0.1.3 }"));
	assert_non_null(strstr(out, "set g_b {\n\t\ttype ipv4_addr\n\t\tflags interval\n"));
	free(out);
	p.sets[0].elems[0].plen = 96 + 24;	/* a /24 in a set of addresses */
	out = render(&p, &ret);
	assert_int_equal(ret, SW_EXIT_USAGE);
	free(out);
	assert_int_equal(sw_nft_apply(&p, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "set g_a: element 1 is a prefix in a set of addresses"));
	sw_nft_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_small_big),
		cmocka_unit_test(test_bad_plans),
		cmocka_unit_test(test_hash_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
