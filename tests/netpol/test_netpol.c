/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_netpol - src/netpol pieces the fixtures reach only as a whole: term
 * and side intersections (namespaces, labels, cidrs with except), port
 * intersections, and the import's bounds and notes on small inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static json_t *sw_tj(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

/* @a AND @b must be @want (NULL: empty), compared as JSON. */
static void sw_tand(const char *a, const char *b, const char *want)
{
	json_t *ja = sw_tj(a), *jb = sw_tj(b), *got = sw_np_term_and(ja, jb);

	if (!want) {
		assert_null(got);
	} else {
		json_t *w = sw_tj(want);

		if (!json_equal(got, w)) {
			char *g = json_dumps(got, JSON_SORT_KEYS);

			fail_msg("got %s, want %s", g ? g : "NULL", want);
		}
		json_decref(w);
	}
	json_decref(got);
	json_decref(ja);
	json_decref(jb);
}

static void test_term_and(void **state)
{
	(void)state;
	sw_tand("{\"namespaces\":[\"a\",\"b\"]}", "{\"namespaces\":[\"b\",\"c\"]}",
		"{\"namespaces\":[\"b\"]}");
	sw_tand("{\"namespaces\":[\"a\"]}", "{\"namespaces\":[\"c\"]}", NULL);
	sw_tand("{\"namespaces\":[\"a\"]}", "{\"labels\":{\"app\":\"x\"}}",
		"{\"namespaces\":[\"a\"],\"labels\":{\"app\":\"x\"}}");
	sw_tand("{\"labels\":{\"app\":\"x\"}}", "{\"labels\":{\"app\":\"y\"}}", NULL);
	sw_tand("{\"labels\":{\"app\":\"x\"}}", "{\"labels\":{\"tier\":\"y\"}}",
		"{\"labels\":{\"app\":\"x\",\"tier\":\"y\"}}");
	sw_tand("{\"cidrs\":[\"10.0.0.0/8\"],\"except\":[\"10.1.0.0/16\"]}",
		"{\"cidrs\":[\"10.1.0.0/16\",\"10.2.0.0/16\"]}", "{\"cidrs\":[\"10.2.0.0/16\"]}");
	sw_tand("{\"cidrs\":[\"10.0.0.0/8\"],\"except\":[\"10.1.2.0/24\"]}",
		"{\"cidrs\":[\"10.1.0.0/16\"]}",
		"{\"cidrs\":[\"10.1.0.0/16\"],\"except\":[\"10.1.2.0/24\"]}");
	sw_tand("{\"cidrs\":[\"10.0.0.0/8\"]}", "{\"cidrs\":[\"192.168.0.0/16\"]}", NULL);
	sw_tand("{\"namespaces\":[\"a\"]}", "{\"cidrs\":[\"10.0.0.0/8\"],\"except\":[\"10.9.0.0/16\"]}",
		"{\"namespaces\":[\"a\"],\"cidrs\":[\"10.0.0.0/8\"],\"except\":[\"10.9.0.0/16\"]}");
	sw_tand("{}", "{\"expressions\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}",
		"{\"expressions\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}");
}

static void test_side_and(void **state)
{
	json_t *a = sw_tj("[{\"namespaces\":[\"a\"]},{\"namespaces\":[\"b\"]}]");
	json_t *b = sw_tj("[{\"namespaces\":[\"b\"]}]"), *none = sw_tj("[]"), *x;

	(void)state;
	x = sw_np_side_and(a, b);
	assert_int_equal(json_array_size(x), 1);
	json_decref(x);
	x = sw_np_side_and(NULL, b); /* any AND b is b */
	assert_true(json_equal(x, b));
	json_decref(x);
	assert_null(sw_np_side_and(NULL, NULL));
	x = sw_np_side_and(b, none);
	assert_true(sw_np_side_empty(x));
	json_decref(x);
	json_decref(none);
	json_decref(a);
	json_decref(b);
}

static void test_ports_and(void **state)
{
	struct sw_np_port pa[] = { { 0, 8000, 8010 }, { 1, 53, 53 } }, pb[] = { { 0, 8005, 9000 } };
	struct sw_np_rule a = { .ports = pa, .n_ports = 2 }, b = { .ports = pb, .n_ports = 1 };
	struct sw_np_rule all = { .all_ports = true };
	struct sw_np_port *out;
	bool every;
	size_t n;

	(void)state;
	n = sw_np_ports_and(&a, &b, &out, &every);
	assert_false(every);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].proto, 0);
	assert_int_equal(out[0].lo, 8005);
	assert_int_equal(out[0].hi, 8010);
	free(out);
	n = sw_np_ports_and(&all, &a, &out, &every);
	assert_int_equal(n, 2);
	free(out);
	n = sw_np_ports_and(&all, &all, &out, &every);
	assert_true(every);
	assert_int_equal(n, 0);
	free(out);
}

static void test_import_notes(void **state)
{
	static const char np[] =
		"kind: NetworkPolicy\n"
		"metadata: {name: a, namespace: x}\n"
		"spec:\n"
		"  podSelector: {}\n"
		"  ingress:\n"
		"  - ports: [{port: http}]\n";
	struct sw_netpol_input in = { "t.yaml", np, sizeof(np) - 1 };
	struct sw_netpol_result r;
	char buf[600];

	(void)state;
	assert_int_equal(sw_netpol_import(&in, 1, NULL, &r), SW_EXIT_OK);
	assert_non_null(r.policy);
	assert_int_equal(r.n_warnings, 2); /* the named port, and the rule left with no port */
	sw_netpol_note_format(&r.notes[0], buf, sizeof(buf));
	assert_non_null(strstr(buf, "t.yaml:6:20: /spec/ingress/0/ports/0/port: warning: named port"));
	/* the pods stay isolated: a deny to them, no allow */
	assert_int_equal(json_array_size(json_object_get(r.policy, "rules")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r.policy, "rules"), 0), "action")),
			    "deny");
	sw_netpol_result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term_and),
		cmocka_unit_test(test_side_and),
		cmocka_unit_test(test_ports_and),
		cmocka_unit_test(test_import_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
