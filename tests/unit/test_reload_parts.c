/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a reload leans on: a policy's groups compared (sw_policy_groups_same),
 * the sets of the plan in force reused by the compiler when only rules
 * changed (sw_policy_compile_reusing: the same script as a full compile),
 * rules compared for the in-place delta (sw_nft_rule_same), and the alerts
 * sink given the policy already checked (sw_sink_alerts_opts.policy_obj:
 * the file is not read again, the policy is shared and freed once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/compile.h>
#include <segwatch/nft.h>
#include <segwatch/pipeline.h>
#include <segwatch/policy.h>
#include <segwatch/workload.h>

#include "pipeline/internal.h"

#define POLICY(GROUPS, PORT)                                                                  \
	"{\"version\": 1, \"name\": \"t\", \"default\": \"deny\", \"groups\": {" GROUPS "},"  \
	"\"rules\": [{\"name\": \"r0\", \"from\": \"web\", \"to\": \"db\", \"proto\": \"tcp\"," \
	"\"ports\": [" PORT "], \"action\": \"allow\"}]}"
#define GROUPS_A "\"web\": {\"labels\": {\"app\": \"web\"}}, \"db\": {\"labels\": {\"app\": \"db\"}}"
#define GROUPS_B "\"web\": {\"labels\": {\"app\": \"web\"}}, \"db\": {\"labels\": {\"app\": \"pg\"}}"

static struct sw_policy *pol(const char *text)
{
	struct sw_pol_diags d;
	struct sw_policy *p = NULL;

	sw_pol_diags_init(&d);
	assert_int_equal(sw_policy_load_buffer(text, strlen(text), "t.json", &p, &d), SW_EXIT_OK);
	assert_int_equal(d.n_errors, 0);
	sw_pol_diags_clear(&d);
	return p;
}

static void wl_add(struct sw_registry *reg, const char *uid, const char *app, const char *ip)
{
	struct sw_workload w = { .source = SW_WL_SRC_INVENTORY };
	uint8_t a[16];

	w.uid = strdup(uid);
	w.name = strdup(uid);
	assert_true(sw_addr_parse(ip, a));
	assert_true(sw_workload_add_addr(&w, a));
	assert_true(sw_workload_add_label(&w, "app", app));
	assert_true(sw_registry_upsert(reg, &w, 1));
	sw_workload_clear(&w);
}

/* The plan as its nft script, for comparing two plans. */
static char *script(const struct sw_nft_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(sw_nft_render(p, f), 0);
	fclose(f);
	return buf;
}

static void test_groups_same(void **state)
{
	struct sw_policy *a = pol(POLICY(GROUPS_A, "80")), *a2 = pol(POLICY(GROUPS_A, "81"));
	struct sw_policy *b = pol(POLICY(GROUPS_B, "80"));

	(void)state;
	assert_true(sw_policy_groups_same(a, a2));	/* only a rule differs */
	assert_false(sw_policy_groups_same(a, b));	/* a label value differs */
	sw_policy_free(a);
	sw_policy_free(a2);
	sw_policy_free(b);
}

static void test_compile_reusing(void **state)
{
	struct sw_registry *reg = sw_registry_alloc(), *other = sw_registry_alloc();
	struct sw_policy *a = pol(POLICY(GROUPS_A, "80")), *a2 = pol(POLICY(GROUPS_A, "81"));
	struct sw_policy *b = pol(POLICY(GROUPS_B, "80"));
	struct sw_nft_plan prev, full, reused;
	struct sw_err err = { 0 };
	char *want, *got;

	(void)state;
	wl_add(reg, "w1", "web", "10.1.0.1");
	wl_add(reg, "w2", "db", "10.1.0.2");
	wl_add(reg, "w3", "pg", "fd00::3");
	wl_add(other, "w9", "web", "10.9.0.9");
	assert_int_equal(sw_policy_compile(a, reg, NULL, &prev, &err), SW_EXIT_OK);
	/* a rule changed: the sets are taken from prev, the script is a full compile's */
	assert_int_equal(sw_policy_compile(a2, reg, NULL, &full, &err), SW_EXIT_OK);
	assert_int_equal(sw_policy_compile_reusing(a2, reg, NULL, &prev, &reused, &err), SW_EXIT_OK);
	want = script(&full);
	got = script(&reused);
	assert_string_equal(got, want);
	assert_non_null(strstr(got, "10.1.0.1"));
	free(got);
	sw_nft_plan_free(&reused);
	/* the elements come from prev, not the registry: over another registry, still prev's */
	assert_int_equal(sw_policy_compile_reusing(a2, other, NULL, &prev, &reused, &err),
			 SW_EXIT_OK);
	got = script(&reused);
	assert_string_equal(got, want);
	free(got);
	free(want);
	sw_nft_plan_free(&reused);
	sw_nft_plan_free(&full);
	/* prev's sets are not the plan's (no managed sets): computed as usual */
	prev.n_sets -= 2;
	assert_int_equal(sw_policy_compile(b, reg, NULL, &full, &err), SW_EXIT_OK);
	assert_int_equal(sw_policy_compile_reusing(b, reg, NULL, &prev, &reused, &err), SW_EXIT_OK);
	prev.n_sets += 2;
	want = script(&full);
	got = script(&reused);
	assert_string_equal(got, want);
	free(want);
	free(got);
	sw_nft_plan_free(&reused);
	sw_nft_plan_free(&full);
	sw_nft_plan_free(&prev);
	sw_policy_free(a);
	sw_policy_free(a2);
	sw_policy_free(b);
	sw_registry_free(reg);
	sw_registry_free(other);
}

static void test_rule_same(void **state)
{
	struct sw_policy *a = pol(POLICY(GROUPS_A, "80")), *a2 = pol(POLICY(GROUPS_A, "81"));
	struct sw_nft_plan x, y, z;
	struct sw_err err = { 0 };
	size_t differ = 0;

	(void)state;
	assert_int_equal(sw_policy_compile(a, NULL, NULL, &x, &err), SW_EXIT_OK);
	assert_int_equal(sw_policy_compile(a, NULL, NULL, &z, &err), SW_EXIT_OK);
	assert_int_equal(sw_policy_compile(a2, NULL, NULL, &y, &err), SW_EXIT_OK);
	assert_int_equal(x.n_chains, 1);
	assert_int_equal(x.chains[0].n_rules, y.chains[0].n_rules);
	for (size_t r = 0; r < x.chains[0].n_rules; r++) {
		assert_true(sw_nft_rule_same(&x.chains[0].rules[r], &z.chains[0].rules[r]));
		differ += !sw_nft_rule_same(&x.chains[0].rules[r], &y.chains[0].rules[r]);
	}
	assert_int_equal(differ, 2);	/* rule r0, IPv4 and IPv6 */
	/* the verdict and the comment count too */
	z.chains[0].rules[0].verdict = SW_NFT_DROP;
	assert_false(sw_nft_rule_same(&x.chains[0].rules[0], &z.chains[0].rules[0]));
	z.chains[0].rules[0].verdict = x.chains[0].rules[0].verdict;
	z.chains[0].rules[0].comment[0] ^= 1;
	assert_false(sw_nft_rule_same(&x.chains[0].rules[0], &z.chains[0].rules[0]));
	sw_nft_plan_free(&x);
	sw_nft_plan_free(&y);
	sw_nft_plan_free(&z);
	sw_policy_free(a);
	sw_policy_free(a2);
}

static void test_alerts_policy_obj(void **state)
{
	struct sw_policy *p = pol(POLICY(GROUPS_A, "80"));
	struct sw_sink_alerts_opts o = { .dest = "stderr", .policy = "/nonexistent/policy.json" };
	struct sw_err err = { 0 };
	void *priv = NULL;

	(void)state;
	/* without the object, the file is read: it does not exist */
	assert_int_not_equal(sw_sink_alerts_ops.open(NULL, &o, &priv, &err), SW_EXIT_OK);
	assert_non_null(strstr(err.msg, "/nonexistent/policy.json"));
	/* with it, the file is not read; the sink holds the policy until it closes */
	o.policy_obj = p;
	assert_int_equal(sw_sink_alerts_ops.open(NULL, &o, &priv, &err), SW_EXIT_OK);
	assert_int_equal(p->refs, 1);
	sw_policy_free(p);	/* the caller lets go first: the sink's hold keeps it */
	assert_int_equal(p->refs, 0);
	assert_string_equal(p->rules[0].name, "r0");
	assert_true(sw_sink_alerts_ops.close(priv));	/* the last holder: freed (ASan: no leak) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_same),
		cmocka_unit_test(test_compile_reusing),
		cmocka_unit_test(test_rule_same),
		cmocka_unit_test(test_alerts_policy_obj),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
