// SPDX-License-Identifier: GPL-2.0-or-later
/* test_learn.c - learn round trip: the learned policy allows exactly the observed traffic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <segwatch/learn.h>
#include <segwatch/policy.h>


/* src, dst, their workloads (or none), proto, dport, icmp type, state */
struct obs {
	const char *src, *src_name, *src_app;
	const char *dst, *dst_name, *dst_app;
	int proto, dport, icmp_type;
	const char *state;
	bool allowed;	/* what the learned policy must say */
};

static const struct obs observed[] = {
	{ "10.0.0.2", "shop/web-1", "web", "10.0.0.3", "shop/api-1", "api", 6, 8080, 0, "established", true },
	{ "10.0.0.12", "shop/web-2", "web", "10.0.0.3", "shop/api-1", "api", 6, 8081, 0, "closed", true },
	{ "10.0.0.3", "shop/api-1", "api", "10.0.0.4", "shop/db-1", "db", 6, 5432, 0, "established", true },
	{ "10.0.0.2", "shop/web-1", "web", "10.0.0.4", "shop/db-1", "db", 6, 5432, 0, "attempted", false },
	{ "10.0.0.2", "shop/web-1", "web", "10.0.0.4", "shop/db-1", "db", 6, 22, 0, "refused", false },
	{ "10.0.0.5", "shop/batch[1]", NULL, "10.0.0.3", "shop/api-1", "api", 17, 53, 0, "established", true },
	{ "192.0.2.7", NULL, NULL, "10.0.0.2", "shop/web-1", "web", 6, 443, 0, "established", true },
	{ "10.0.0.2", "shop/web-1", "web", "10.0.0.3", "shop/api-1", "api", 1, 0, 8, "established", true },
	{ "10.0.0.2", "shop/web-1", "web", "10.0.0.12", "shop/web-2", "web", 132, 9, 0, "attempted", false },
};

static json_t *endpoint_wl(const char *name, const char *app)
{
	json_t *labels = app ? json_pack("{s:s,s:s}", "app", app, "tier", "x") : json_object();

	return json_pack("{s:s,s:s,s:s,s:o}", "name", name, "id", name, "source", "inventory",
			 "labels", labels);
}

static char *flow_lines(void)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++) {
		const struct obs *o = &observed[i];
		json_t *j = json_pack("{s:s,s:i,s:s,s:i,s:s,s:i,s:s,s:s,s:s,s:s}", "type", "flow",
				      "proto_num", o->proto, "src", o->src, "sport", 40000, "dst",
				      o->dst, "dport", o->dport, "state", o->state, "first_seen",
				      "2026-11-22T13:52:03.123456Z", "last_seen",
				      "2026-11-22T13:52:04.123456Z", "initiator", "observed");
		char *line;

		json_object_set_new(j, "src_kind", json_string(o->src_name ? "workload" : "external"));
		json_object_set_new(j, "dst_kind", json_string(o->dst_name ? "workload" : "external"));
		if (o->src_name)
			json_object_set_new(j, "src_workload", endpoint_wl(o->src_name, o->src_app));
		if (o->dst_name)
			json_object_set_new(j, "dst_workload", endpoint_wl(o->dst_name, o->dst_app));
		if (o->proto == 1)
			json_object_set_new(j, "icmp_type", json_integer(o->icmp_type));
		line = json_dumps(j, JSON_COMPACT);
		fprintf(f, "%s\n", line);
		free(line);
		json_decref(j);
	}
	fputs("{\"type\":\"counters\"}\n", f);
	fclose(f);
	return buf;
}

static void mkwl(struct sw_workload *w, const char *name, const char *app, const char *addr)
{
	uint8_t a[16];

	memset(w, 0, sizeof(*w));
	w->name = strdup(name);
	if (app)
		assert_true(sw_workload_add_label(w, "app", app));
	assert_true(sw_addr_parse(addr, a));
	assert_true(sw_workload_add_addr(w, a));
}

static bool allowed(const struct sw_policy *p, const char *s, const char *sn, const char *sa,
		    const char *d, const char *dn, const char *da, int proto, int port, int type)
{
	struct sw_workload ws, wd;
	uint8_t as[16], ad[16];
	struct sw_pol_conn c = { .ipproto = (uint8_t)proto, .dport = (uint16_t)port,
				 .icmp_type = (uint8_t)type };
	struct sw_pol_verdict v;

	assert_true(sw_addr_parse(s, as));
	assert_true(sw_addr_parse(d, ad));
	if (sn)
		mkwl(&ws, sn, sa, s);
	if (dn)
		mkwl(&wd, dn, da, d);
	assert_true(sw_policy_evaluate(p, sn ? &ws : NULL, as, dn ? &wd : NULL, ad, &c, &v));
	if (sn)
		sw_workload_clear(&ws);
	if (dn)
		sw_workload_clear(&wd);
	return v.action == SW_POL_ALLOW;
}

static struct sw_policy *load_policy(json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2));
	struct sw_policy *p = NULL;
	struct sw_pol_diags d;
	char buf[512];

	sw_pol_diags_init(&d);
	assert_int_equal(sw_policy_load_buffer(text, strlen(text), "learned.json", &p, &d),
			 SW_EXIT_OK);
	for (size_t i = 0; i < d.n; i++)
		print_message("%s\n", sw_pol_diag_format("learned.json", &d.v[i], buf, sizeof(buf)));
	assert_int_equal(d.n_errors, 0);
	sw_pol_diags_clear(&d);
	free(text);
	return p;
}

static void test_learn_roundtrip(void **state)
{
	struct sw_learn *l = sw_learn_alloc(NULL);
	char *lines = flow_lines();
	struct sw_err err;
	struct sw_policy *p;
	json_t *doc;

	(void)state;
	assert_int_equal(sw_learn_load_buffer(l, lines, strlen(lines), &err), SW_EXIT_OK);
	free(lines);
	assert_int_equal(sw_learn_stats(l)->flows, 9);
	assert_int_equal(sw_learn_stats(l)->learned, 6);
	assert_int_equal(sw_learn_stats(l)->unanswered, 3);
	doc = sw_learn_policy_json(l, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "mode")), "monitor");
	p = load_policy(doc);
	json_decref(doc);
	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++) {
		const struct obs *o = &observed[i];

		assert_int_equal(allowed(p, o->src, o->src_name, o->src_app, o->dst, o->dst_name,
					 o->dst_app, o->proto, o->dport, o->icmp_type),
				 o->allowed);
	}
	/* unobserved pairs, ports and directions */
	assert_false(allowed(p, "10.0.0.3", "shop/api-1", "api", "10.0.0.2", "shop/web-1", "web", 6, 8080, 0));
	assert_false(allowed(p, "10.0.0.2", "shop/web-1", "web", "10.0.0.3", "shop/api-1", "api", 6, 8082, 0));
	assert_false(allowed(p, "10.0.0.2", "shop/web-1", "web", "10.0.0.12", "shop/web-2", "web", 6, 80, 0));
	assert_false(allowed(p, "10.0.0.6", "shop/batch11", NULL, "10.0.0.3", "shop/api-1", "api", 17, 53, 0));
	assert_false(allowed(p, "192.0.2.8", NULL, NULL, "10.0.0.2", "shop/web-1", "web", 6, 443, 0));
	assert_false(allowed(p, "10.0.0.2", "shop/web-1", "web", "10.0.0.3", "shop/api-1", "api", 1, 0, 13));
	/* a new member of a learned group is allowed like the others */
	assert_true(allowed(p, "10.0.0.22", "shop/web-3", "web", "10.0.0.3", "shop/api-1", "api", 6, 8081, 0));
	sw_policy_free(p);
	sw_learn_free(l);
}

static void test_learn_baseline(void **state)
{
	struct sw_learn *l = sw_learn_alloc("app");
	char *lines = flow_lines(), *text;
	struct sw_baseline *b;
	struct sw_err err;
	json_t *doc, *un;

	(void)state;
	assert_int_equal(sw_learn_load_buffer(l, lines, strlen(lines), &err), SW_EXIT_OK);
	free(lines);
	doc = sw_learn_baseline_json(l);
	text = json_dumps(doc, 0);
	json_decref(doc);
	assert_int_equal(sw_baseline_load_buffer(text, strlen(text), &b, &err), SW_EXIT_OK);
	free(text);
	assert_int_equal(sw_baseline_count(b), 6);
	assert_string_equal(sw_baseline_group_by(b), "app");
	assert_true(sw_baseline_has(b, "web", "api", 6, 8080));
	assert_true(sw_baseline_has(b, "web", "api", 1, 8));
	assert_true(sw_baseline_has(b, "wl:shop_batch_1_", "api", 17, 53));
	assert_true(sw_baseline_has(b, "ip:192.0.2.7", "web", 6, 443));
	assert_false(sw_baseline_has(b, "web", "db", 6, 5432));
	un = sw_learn_unanswered_json(l);
	assert_int_equal(json_array_size(un), 3);
	json_decref(un);
	sw_baseline_free(b);
	sw_learn_free(l);
}

static void test_learn_bad_input(void **state)
{
	struct sw_learn *l = sw_learn_alloc(NULL);
	struct sw_err err;
	struct sw_baseline *b;
	const char *bad = "{\"type\":\"flow\",\"state\":\"closed\"}";

	(void)state;
	assert_int_equal(sw_learn_load_buffer(l, "{\"type\":", 8, &err), SW_EXIT_USAGE);
	assert_int_equal(sw_learn_load_buffer(l, bad, strlen(bad), &err), SW_EXIT_USAGE);
	assert_int_equal(sw_baseline_load_buffer("{}", 2, &b, &err), SW_EXIT_USAGE);
	assert_null(b);
	sw_learn_free(l);
	sw_learn_free(NULL);
	sw_baseline_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_roundtrip),
		cmocka_unit_test(test_learn_baseline),
		cmocka_unit_test(test_learn_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
