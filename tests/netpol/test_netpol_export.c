/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_netpol_export - unit tests of the Kubernetes export (src/netpol/export*.c):
 * the API server's name and label syntax, object names made from hostile
 * policy names, and whole exports read back with libyaml (strings that YAML
 * would resolve to booleans or numbers come back quoted, as strings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/netpol_export.h>
#include <segwatch/policy.h>

#include "export_internal.h"

static void test_label_syntax(void **state)
{
	(void)state;
	assert_true(sw_npx_label_key_ok("app"));
	assert_true(sw_npx_label_key_ok("kubernetes.io/metadata.name"));
	assert_true(sw_npx_label_key_ok("example.com/Role_1.x"));
	assert_false(sw_npx_label_key_ok(""));
	assert_false(sw_npx_label_key_ok("-app"));
	assert_false(sw_npx_label_key_ok("app-"));
	assert_false(sw_npx_label_key_ok("Example.com/x"));	/* prefix is lower case */
	assert_false(sw_npx_label_key_ok("/x"));
	assert_false(sw_npx_label_key_ok("a/b/c"));
	assert_false(sw_npx_label_key_ok("a b"));
	assert_true(sw_npx_label_value_ok(""));
	assert_true(sw_npx_label_value_ok("yes"));
	assert_true(sw_npx_label_value_ok("1.0"));
	assert_false(sw_npx_label_value_ok("a: b"));
	assert_false(sw_npx_label_value_ok("web\n- x"));
	assert_false(sw_npx_label_value_ok("caf\xc3\xa9"));
	assert_true(sw_npx_label_value_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 63 */
	assert_false(sw_npx_label_value_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_true(sw_netpol_namespace_ok("kube-system"));
	assert_false(sw_netpol_namespace_ok("Kube"));
	assert_false(sw_netpol_namespace_ok("a.b"));
	assert_false(sw_netpol_namespace_ok(""));
}

static void test_name_make(void **state)
{
	char buf[SW_NPX_NAME_MAX + 1];

	(void)state;
	assert_string_equal(sw_npx_name_make(buf, "Shop:Prod", "web_front"), "shop-prod-web-front");
	assert_string_equal(sw_npx_name_make(buf, "--", "..."), "x");
	assert_string_equal(sw_npx_name_make(buf, "a\n-- b", NULL), "a-b");
	sw_npx_name_make(buf, "a-very-long-policy-name-that-keeps-going-and-going",
			 "and-a-group-name-that-does-too");
	assert_true(strlen(buf) <= SW_NPX_NAME_MAX - 5);
	assert_true(sw_netpol_namespace_ok(buf)); /* a DNS-1123 label */
}

/* Export @json in @format into a string (caller frees); @warnings set to how many. */
static char *export_text(const char *json, enum sw_netpol_format format, size_t *warnings)
{
	struct sw_netpol_export_opts o = { .format = format, .namespace = "shop" };
	struct sw_err err = { 0 };
	struct sw_policy *p = NULL;
	struct sw_diags d;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	sw_diags_init(&d);
	assert_int_equal(sw_policy_load_buffer(json, strlen(json), "t.json", &p, &d), SW_EXIT_OK);
	sw_diags_clear(&d);
	assert_int_equal(sw_netpol_export(p, &o, out, &d, NULL, &err), SW_EXIT_OK);
	fclose(out);
	*warnings = d.n_warnings;
	sw_diags_clear(&d);
	sw_policy_free(p);
	return buf;
}

static void test_quoting(void **state)
{
	static const char json[] =
		"{\"version\":1,\"name\":\"q\",\"groups\":{"
		"\"a\":{\"labels\":{\"on\":\"yes\",\"n\":\"0755\",\"x\":\"1e3\",\"app\":\"web\"}},"
		"\"b\":{\"labels\":{\"app\":\"null\"}}},"
		"\"rules\":[{\"name\":\"r\",\"from\":\"b\",\"to\":\"a\",\"proto\":\"tcp\","
		"\"ports\":[80],\"action\":\"allow\"}]}";
	size_t warnings;
	char *y;

	(void)state;
	y = export_text(json, SW_NETPOL_NETWORKPOLICY, &warnings);
	assert_non_null(strstr(y, "\"on\": \"yes\""));
	assert_non_null(strstr(y, "\"n\": \"0755\"")); /* "n" is a YAML 1.1 boolean */
	assert_non_null(strstr(y, "x: \"1e3\""));
	assert_non_null(strstr(y, "app: web"));
	assert_non_null(strstr(y, "app: \"null\""));
	assert_non_null(strstr(y, "port: 80\n"));
	assert_int_equal(warnings, 1); /* /default: the default deny's reach */
	free(y);
}

static void test_deny_left_out(void **state)
{
	static const char json[] =
		"{\"version\":1,\"intra_group\":\"policy\",\"groups\":{\"a\":{\"labels\":{\"app\":\"a\"}},"
		"\"b\":{\"labels\":{\"app\":\"b\"}}},"
		"\"rules\":[{\"name\":\"d\",\"from\":\"a\",\"to\":\"b\",\"proto\":\"tcp\",\"ports\":[22],"
		"\"action\":\"deny\"},"
		"{\"name\":\"r\",\"from\":\"a\",\"to\":\"b\",\"proto\":\"tcp\",\"action\":\"allow\"}]}";
	size_t warnings;
	char *np = export_text(json, SW_NETPOL_NETWORKPOLICY, &warnings);
	char *anp;

	(void)state;
	/* the deny and the order it had over the allow: two warnings, plus /default */
	assert_int_equal(warnings, 3);
	assert_null(strstr(np, "port: 22"));
	assert_non_null(strstr(np, "- protocol: TCP\n"));
	anp = export_text(json, SW_NETPOL_ADMIN, &warnings);
	assert_int_equal(warnings, 1);
	/* the deny keeps its place before the allow */
	assert_non_null(strstr(anp, "action: Deny"));
	assert_true(strstr(anp, "action: Deny") < strstr(anp, "action: Allow"));
	assert_non_null(strstr(anp, "priority: 100\n"));
	assert_non_null(strstr(anp, "start: 1\n"));
	assert_non_null(strstr(anp, "end: 65535\n"));
	free(np);
	free(anp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_syntax),
		cmocka_unit_test(test_name_make),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_deny_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
